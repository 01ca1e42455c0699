"""The control API under ``/_sandbox``: the sandbox's Python API as JSON, for tests in other processes and
for people driving ``keyframe sandbox zoom`` by hand. Not part of Zoom; never faulted or logged.

    POST   /_sandbox/accounts                      {"id"?}
    POST   /_sandbox/users                         {"email", "account_id"?, "permissions"?, "role_name"?, …}
    POST   /_sandbox/apps                          {"kind"?, "redirect_uris"?, "event_url"?, "account_id"?, …}
    POST   /_sandbox/apps/{client_id}/validate     send the URL-validation challenge
    POST   /_sandbox/apps/{client_id}/deauthorize  {"account_id", "user_id"?}
    POST   /_sandbox/meetings                      {"host", "files": [{"file_type", "size", …}], "uuid"?, …}
    POST   /_sandbox/events                        {"event", "meeting_uuid", "client_id"?, "file_types"?}
    GET|POST|DELETE /_sandbox/faults               list, add {"kind", "path", "count"?, …}, clear
    GET|DELETE /_sandbox/requests                  the request log (``?path=`` prefix), clear it
    GET|DELETE /_sandbox/deliveries                webhook attempts (``?wait=seconds`` first), clear them
    POST   /_sandbox/tokens/expire                 every access token issued so far expires now
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from keyframe.sandbox.zoom.faults import CONTROL_PREFIX, RetryAfterFormat
from keyframe.sandbox.zoom.state import App, AppKind
from keyframe.sandbox.zoom.views import meeting_json

if TYPE_CHECKING:
    from keyframe.sandbox.zoom.sandbox import ZoomSandbox

Handler = Callable[[Request, dict[str, Any]], Any]


def app_json(app: App) -> dict[str, Any]:
    """Everything about an app, secrets included: the control API is the app developer's console."""
    return {
        "client_id": app.client_id,
        "client_secret": app.client_secret,
        "kind": app.kind.value,
        "redirect_uris": app.redirect_uris,
        "secret_token": app.secret_token,
        "event_url": app.event_url,
        "deauthorization_url": app.deauthorization_url,
        "account_id": app.account_id,
        "scopes": app.scopes,
        "endpoint_status": app.endpoint_status.value,
    }


def routes(sandbox: ZoomSandbox) -> list[Route]:
    from keyframe.sandbox.zoom.sandbox import FileSpec

    def endpoint(handler: Handler) -> Callable[[Request], Awaitable[Response]]:
        async def run(request: Request) -> Response:
            body: dict[str, Any] = {}
            if request.method in ("POST", "PUT"):
                raw = await request.body()
                try:
                    body = json.loads(raw) if raw else {}
                except ValueError:
                    return JSONResponse({"error": "the body is not JSON"}, status_code=400)
                if not isinstance(body, dict):
                    return JSONResponse({"error": "the body must be a JSON object"}, status_code=400)
            try:
                # In a worker thread: validation and ``?wait=`` block, and the sandbox must keep serving.
                result = await run_in_threadpool(handler, request, body)
            except (KeyError, ValueError, TypeError) as error:
                return JSONResponse({"error": str(error).strip("'\"")}, status_code=400)
            if isinstance(result, Response):
                return result
            return JSONResponse(result)

        return run

    def accounts(request: Request, body: dict[str, Any]) -> Any:
        return {"id": sandbox.add_account(body.get("id")).id}

    def users(request: Request, body: dict[str, Any]) -> Any:
        options: dict[str, Any] = {
            k: body[k]
            for k in ("permissions", "role_name", "first_name", "last_name", "cms_user_id")
            if k in body
        }
        user = sandbox.add_user(
            body["email"], account_id=body.get("account_id"), user_id=body.get("id"), **options
        )
        return user.as_json() | {"permissions": user.permissions}

    def apps(request: Request, body: dict[str, Any]) -> Any:
        app = sandbox.register_app(
            kind=AppKind(body.get("kind", "oauth")),
            redirect_uri=body.get("redirect_uris", body.get("redirect_uri", ())),
            event_url=body.get("event_url"),
            deauthorization_url=body.get("deauthorization_url"),
            account_id=body.get("account_id"),
            events=body.get("events"),
            client_id=body.get("client_id"),
            client_secret=body.get("client_secret"),
            secret_token=body.get("secret_token"),
            **({"scopes": body["scopes"]} if "scopes" in body else {}),
        )
        return app_json(app)

    def validate(request: Request, body: dict[str, Any]) -> Any:
        result = sandbox.validate_endpoint(request.path_params["client_id"])
        return {"ok": result.ok, "reason": result.reason}

    def deauthorize(request: Request, body: dict[str, Any]) -> Any:
        event_id = sandbox.deauthorize(
            request.path_params["client_id"], body["account_id"], body.get("user_id")
        )
        return {"event_id": event_id}

    def meetings(request: Request, body: dict[str, Any]) -> Any:
        specs = [
            FileSpec(
                file_type=f["file_type"],
                size=int(f["size"]),
                recording_type=f.get("recording_type"),
                extension=f.get("extension"),
                status=f.get("status", "completed"),
                recording_start=_moment(f.get("recording_start")),
                with_id=bool(f.get("with_id", True)),
            )
            for f in body.get("files", [{"file_type": "MP4", "size": 10_000_000}])
        ]
        meeting = sandbox.add_meeting(
            body["host"],
            files=specs,
            topic=body.get("topic", "Sandbox meeting"),
            type=int(body.get("type", 2)),
            start_time=_moment(body.get("start_time")),
            duration=int(body.get("duration", 30)),
            uuid=body.get("uuid"),
            meeting_id=body.get("id"),
            password=body.get("password", ""),
        )
        return meeting_json(meeting, meeting.files, sandbox.url) | {
            "files": [{"id": f.id, "key": f.key, "seed": f.seed} for f in meeting.files]
        }

    def events(request: Request, body: dict[str, Any]) -> Any:
        ids = sandbox.fire_event(
            body["event"],
            body["meeting_uuid"],
            client_id=body.get("client_id"),
            file_types=body.get("file_types"),
        )
        return {"event_ids": ids}

    def faults(request: Request, body: dict[str, Any]) -> Any:
        if request.method == "DELETE":
            sandbox.clear_faults()
            return Response(status_code=204)
        if request.method == "GET":
            return [f.as_json() for f in sandbox.faults.list()]
        options: dict[str, Any] = {
            k: body[k]
            for k in ("method", "count", "retry_after", "daily", "status", "after_bytes")
            if k in body
        }
        if "retry_after_format" in body:
            options["retry_after_format"] = RetryAfterFormat(body["retry_after_format"])
        return sandbox.inject_fault(body["kind"], body.get("path", "*"), **options).as_json()

    def requests(request: Request, body: dict[str, Any]) -> Any:
        if request.method == "DELETE":
            sandbox.request_log.clear()
            return Response(status_code=204)
        return [r.as_json() for r in sandbox.requests(request.query_params.get("path"))]

    def deliveries(request: Request, body: dict[str, Any]) -> Any:
        if request.method == "DELETE":
            sandbox.webhooks.clear()
            return Response(status_code=204)
        if "wait" in request.query_params:
            sandbox.wait_for_deliveries(float(request.query_params["wait"]))
        return [a.as_json() for a in sandbox.deliveries(request.query_params.get("event"))]

    def expire(request: Request, body: dict[str, Any]) -> Any:
        sandbox.expire_access_tokens()
        return Response(status_code=204)

    p = CONTROL_PREFIX
    return [
        Route(f"{p}/accounts", endpoint(accounts), methods=["POST"]),
        Route(f"{p}/users", endpoint(users), methods=["POST"]),
        Route(f"{p}/apps", endpoint(apps), methods=["POST"]),
        Route(f"{p}/apps/{{client_id}}/validate", endpoint(validate), methods=["POST"]),
        Route(f"{p}/apps/{{client_id}}/deauthorize", endpoint(deauthorize), methods=["POST"]),
        Route(f"{p}/meetings", endpoint(meetings), methods=["POST"]),
        Route(f"{p}/events", endpoint(events), methods=["POST"]),
        Route(f"{p}/faults", endpoint(faults), methods=["GET", "POST", "DELETE"]),
        Route(f"{p}/requests", endpoint(requests), methods=["GET", "DELETE"]),
        Route(f"{p}/deliveries", endpoint(deliveries), methods=["GET", "DELETE"]),
        Route(f"{p}/tokens/expire", endpoint(expire), methods=["POST"]),
    ]


def _moment(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text.replace("Z", "+00:00")) if text else None
