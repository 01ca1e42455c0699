"""Zoom's REST API under ``/v2``: users, their role permissions, recordings (listing with
``next_page_token`` paging, one meeting's, trash / delete / recover) and meeting details.

Every call needs ``Authorization: Bearer <access token>``; a missing, unknown or expired token gets HTTP
401 with Zoom's code 124. Errors are Zoom's ``{"code", "message"}`` JSON.

Meeting path segments follow Zoom's UUID rule: a numeric id means the meeting's latest instance; a UUID
that starts with ``/`` or contains ``//`` must be URL-encoded twice, so the routes parse the raw path
(the router's once-decoded one cannot tell ``%2F`` from ``/``).
"""

from __future__ import annotations

import json
import math
import secrets
from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from keyframe.sandbox.zoom.state import DownloadGrant, Grant, Meeting, PageCursor, RecordingFile, User, utcnow
from keyframe.sandbox.zoom.views import meeting_json

if TYPE_CHECKING:
    from keyframe.sandbox.zoom.sandbox import ZoomSandbox

Handler = Callable[[Request, Grant, bytes], Response]

MAX_PAGE_SIZE = 300
DEFAULT_PAGE_SIZE = 30
MAX_RANGE_DAYS = 31  # Zoom: "the date range cannot exceed one month"
PAGE_TOKEN_TTL = timedelta(minutes=15)
MAX_DOWNLOAD_TTL = 604_800


class ApiError(Exception):
    def __init__(self, status: int, code: int, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message

    def response(self) -> JSONResponse:
        return JSONResponse({"code": self.code, "message": self.message}, status_code=self.status)


def invalid_token(expired: bool = False) -> ApiError:
    return ApiError(401, 124, "Access token is expired." if expired else "Invalid access token.")


def no_recording() -> ApiError:
    return ApiError(404, 3301, "This recording does not exist.")


def bearer_grant(sandbox: ZoomSandbox, request: Request) -> Grant:
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token:
        raise invalid_token()
    grant = sandbox.state.access_tokens.get(token.strip())
    if grant is None:
        raise invalid_token()
    if grant.expires_at <= utcnow():
        raise invalid_token(expired=True)
    return grant


def acting_user(sandbox: ZoomSandbox, grant: Grant) -> User | None:
    """Who ``me`` is: the authorizing user, or for a Server-to-Server token the account's owner."""
    user_id = grant.user_id or sandbox.state.accounts[grant.account_id].owner_id
    return sandbox.state.users.get(user_id) if user_id else None


def require(sandbox: ZoomSandbox, grant: Grant, owner_id: str, permission: str) -> None:
    """A user acts on their own recordings; someone else's need the role permission. Server-to-Server
    tokens act for the account."""
    if grant.user_id is None or grant.user_id == owner_id:
        return
    user = sandbox.state.users.get(grant.user_id)
    if user is None or permission not in user.permissions:
        raise ApiError(400, 200, "No permission.")


def _user(sandbox: ZoomSandbox, grant: Grant, ident: str) -> User:
    user = acting_user(sandbox, grant) if ident == "me" else None
    user = user or sandbox.state.user_by_id_or_email(grant.account_id, ident)
    if user is None:
        raise ApiError(404, 1001, f"User does not exist: {ident}.")
    return user


# -- recordings listing ---------------------------------------------------------------------------------


def _day(text: str | None, default: date, name: str) -> date:
    if not text:
        return default
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ApiError(400, 300, f"Invalid parameter: {name}.") from None


def list_recordings(
    sandbox: ZoomSandbox, params: dict[str, str], scope: tuple[str, str], meetings: list[Meeting]
) -> dict[str, Any]:
    today = datetime.now(UTC).date()
    to_day = _day(params.get("to"), today, "to")
    from_day = _day(params.get("from"), to_day - timedelta(days=1), "from")
    if from_day > to_day:
        raise ApiError(400, 300, "The 'to' date cannot be earlier than the 'from' date.")
    if (to_day - from_day).days > MAX_RANGE_DAYS:
        raise ApiError(400, 300, "The date range cannot exceed one month.")
    try:
        page_size = min(int(params.get("page_size") or DEFAULT_PAGE_SIZE), MAX_PAGE_SIZE)
    except ValueError:
        raise ApiError(400, 300, "Invalid parameter: page_size.") from None
    if page_size < 1:
        raise ApiError(400, 300, "Invalid parameter: page_size.")
    trash = params.get("trash", "false").lower() == "true"
    query = (*scope, from_day.isoformat(), to_day.isoformat(), str(trash))

    def files_of(meeting: Meeting) -> list[RecordingFile]:
        return meeting.trashed_files() if trash else meeting.live_files()

    state = sandbox.state
    selected = sorted(
        (m for m in meetings if from_day <= m.start_time.date() <= to_day and files_of(m)),
        key=lambda m: (m.start_time, m.uuid),
        reverse=True,  # newest first, as Zoom lists them
    )
    offset = 0
    token = params.get("next_page_token")
    if token:
        cursor = state.page_cursors.pop(token, None)
        if cursor is None or cursor.query != query or cursor.expires_at <= utcnow():
            raise ApiError(400, 300, "Invalid next_page_token.")
        offset = cursor.offset
    page = selected[offset : offset + page_size]
    next_token = ""
    if offset + page_size < len(selected):
        next_token = secrets.token_urlsafe(24)
        state.page_cursors[next_token] = PageCursor(query, offset + page_size, utcnow() + PAGE_TOKEN_TTL)
    return {
        "from": from_day.isoformat(),
        "to": to_day.isoformat(),
        "page_count": math.ceil(len(selected) / page_size),
        "page_size": page_size,
        "total_records": len(selected),
        "next_page_token": next_token,
        "meetings": [meeting_json(m, files_of(m), sandbox.url) for m in page],
    }


# -- one meeting ----------------------------------------------------------------------------------------


def meeting_ref(raw_segment: str) -> str | None:
    """The meeting id or UUID a raw path segment names, or None when Zoom could not route it: a UUID that
    starts with ``/`` or holds ``//`` arrives intact only when encoded twice."""
    once = unquote(raw_segment)
    if "%" in once:
        return unquote(once)  # double-encoded (UUIDs never contain "%")
    if once.startswith("/") or "//" in once:
        return None
    return once


def find_meeting(sandbox: ZoomSandbox, grant: Grant, ref: str | None) -> Meeting:
    state = sandbox.state
    meeting = None
    if ref is not None:
        meeting = state.latest_instance(int(ref)) if ref.isdigit() else state.meetings.get(ref)
    if meeting is None or meeting.account_id != grant.account_id:
        raise no_recording()
    return meeting


def _targets(meeting: Meeting, file_id: str | None, trashed: bool | None) -> list[RecordingFile]:
    files = [f for f in meeting.files if file_id is None or f.id == file_id]
    if trashed is not None:
        files = [f for f in files if (f.deleted_time is not None) == trashed]
    if not files:
        raise no_recording()
    return files


def _meeting_details(meeting: Meeting, host: User | None) -> dict[str, Any]:
    return {
        "uuid": meeting.uuid,
        "id": meeting.id,
        "host_id": meeting.host_id,
        "host_email": host.email if host else "",
        "topic": meeting.topic,
        "type": meeting.type,
        "start_time": meeting.start_time.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "duration": meeting.duration,
        "timezone": "UTC",
        "settings": {"alternative_hosts": ";".join(meeting.alternative_hosts)},
        "tracking_fields": meeting.tracking_fields,
    }


# -- routes ---------------------------------------------------------------------------------------------


def routes(sandbox: ZoomSandbox) -> list[Route]:
    state = sandbox.state

    def endpoint(handler: Handler) -> Callable[[Request], Awaitable[Response]]:
        async def run(request: Request) -> Response:
            try:
                body = await request.body()
                # Handlers are plain functions, so the lock is never held across an await.
                with state.lock:
                    return handler(request, bearer_grant(sandbox, request), body)
            except ApiError as error:
                return error.response()

        return run

    def users(request: Request, grant: Grant, body: bytes) -> Response:
        return JSONResponse(_user(sandbox, grant, request.path_params["user"]).as_json())

    def permissions(request: Request, grant: Grant, body: bytes) -> Response:
        user = _user(sandbox, grant, request.path_params["user"])
        return JSONResponse({"permissions": list(user.permissions)})

    def user_recordings(request: Request, grant: Grant, body: bytes) -> Response:
        user = _user(sandbox, grant, request.path_params["user"])
        require(sandbox, grant, user.id, "Recording:Read")
        hosted = [m for m in state.meetings.values() if m.host_id == user.id]
        return JSONResponse(list_recordings(sandbox, dict(request.query_params), ("user", user.id), hosted))

    def account_recordings(request: Request, grant: Grant, body: bytes) -> Response:
        account = request.path_params["account"]
        if account not in ("me", grant.account_id):
            raise ApiError(400, 200, "No permission.")
        require(sandbox, grant, "", "Recording:Read")
        mine = [m for m in state.meetings.values() if m.account_id == grant.account_id]
        return JSONResponse(list_recordings(sandbox, dict(request.query_params), ("account", account), mine))

    def meetings(request: Request, grant: Grant, body: bytes) -> Response:
        raw = request.scope.get("raw_path", request.url.path.encode()).decode("latin-1")
        segments = raw.split("/")[3:]  # "", "v2", "meetings", <ref>, ...
        ref = meeting_ref(segments[0]) if segments else None
        rest = [unquote(s) for s in segments[1:]]
        method = request.method
        if not rest and method == "GET":
            try:
                meeting = find_meeting(sandbox, grant, ref)
            except ApiError:
                raise ApiError(404, 3001, f"Meeting does not exist: {ref}.") from None
            return JSONResponse(_meeting_details(meeting, state.users.get(meeting.host_id)))
        meeting = find_meeting(sandbox, grant, ref)
        if not rest or rest[0] != "recordings" or len(rest) > 3:
            raise ApiError(404, 300, "Not found.")
        file_id = rest[1] if len(rest) >= 2 and rest[1] != "status" else None
        is_status = rest[-1] == "status" and len(rest) >= 2
        if method == "GET" and len(rest) == 1:
            require(sandbox, grant, meeting.host_id, "Recording:Read")
            return JSONResponse(_one_meeting(sandbox, meeting, request.query_params))
        if method == "DELETE" and not is_status:
            require(sandbox, grant, meeting.host_id, "Recording:Edit")
            action = request.query_params.get("action", "trash")
            if action not in ("trash", "delete"):
                raise ApiError(400, 300, "Invalid parameter: action.")
            targets = _targets(meeting, file_id, trashed=False if action == "trash" else None)
            sandbox.remove_files(
                meeting, targets, permanently=action == "delete", by=acting_user(sandbox, grant)
            )
            return Response(status_code=204)
        if method == "PUT" and is_status:
            require(sandbox, grant, meeting.host_id, "Recording:Edit")
            try:
                recover = json.loads(body or b"{}").get("action") == "recover"
            except (ValueError, AttributeError):
                recover = False
            if not recover:
                raise ApiError(400, 300, "Invalid parameter: action.")
            targets = _targets(meeting, file_id, trashed=True)
            sandbox.recover_files(meeting, targets, by=acting_user(sandbox, grant))
            return Response(status_code=204)
        raise ApiError(405, 300, "Method not allowed.")

    return [
        Route("/v2/users/{user}", endpoint(users), methods=["GET"]),
        Route("/v2/users/{user}/permissions", endpoint(permissions), methods=["GET"]),
        Route("/v2/users/{user}/recordings", endpoint(user_recordings), methods=["GET"]),
        Route("/v2/accounts/{account}/recordings", endpoint(account_recordings), methods=["GET"]),
        Route("/v2/meetings/{rest:path}", endpoint(meetings), methods=["GET", "DELETE", "PUT"]),
    ]


def _one_meeting(sandbox: ZoomSandbox, meeting: Meeting, query: Any) -> dict[str, Any]:
    files = meeting.live_files()
    if not files:
        raise no_recording()
    data = meeting_json(meeting, files, sandbox.url)
    data.update(
        password=meeting.password, recording_play_passcode=meeting.password, participant_audio_files=[]
    )
    if "download_access_token" in query.get("include_fields", "").split(","):
        try:
            ttl = min(max(int(query.get("ttl") or 86_400), 0), MAX_DOWNLOAD_TTL)
        except ValueError:
            raise ApiError(400, 300, "Invalid parameter: ttl.") from None
        token = secrets.token_urlsafe(32)
        sandbox.state.download_tokens[token] = DownloadGrant(meeting.uuid, utcnow() + timedelta(seconds=ttl))
        data["download_access_token"] = token
    return data
