"""Zoom's signed event deliveries (reference §2.1–2.3, 1.12): ``recordingComplete`` (the event endpoint)
and ``deAuthorization``.

Every delivery must carry ``x-zm-signature: v0=HMAC-SHA256(secret token, "v0:{timestamp}:{raw body}")``
with ``x-zm-request-timestamp`` inside the tolerance (Zoom's advice: 5 minutes); upstream checks no window
and leaves URL validation unsigned, Keyframe refuses both. ``endpoint.url_validation`` is answered with the
HMAC of its ``plainToken``. Other events go to the webhook inbox (deduplicated by Zoom's tracking id);
``app_deauthorized`` also takes effect at once, in the same transaction.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import time
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from keyframe.audit.service import record
from keyframe.jobs import inbox
from keyframe.jobs.service import work
from keyframe.services import Services
from keyframe.zoom import service

log = logging.getLogger(__name__)

MAX_EVENT_BYTES = 1024 * 1024


def signature(secret: str, timestamp: str, body: bytes) -> str:
    mac = hmac.new(secret.encode(), b"v0:" + timestamp.encode() + b":" + body, hashlib.sha256)
    return "v0=" + mac.hexdigest()


def verified(services: Services, headers: Any, body: bytes, now: float | None = None) -> bool:
    secret = services.settings.zoom_webhook_secret_token.get_secret_value()
    if not secret:
        log.warning("a Zoom event arrived but KEYFRAME_ZOOM_WEBHOOK_SECRET_TOKEN is not set: refused")
        return False
    timestamp = headers.get("x-zm-request-timestamp", "")
    given = headers.get("x-zm-signature", "")
    if not timestamp.isdigit() or not given:
        return False
    if abs((time.time() if now is None else now) - int(timestamp)) > services.settings.zoom_webhook_tolerance:
        return False
    # As bytes: compare_digest raises TypeError on a str with non-ASCII characters (headers are latin-1).
    return hmac.compare_digest(
        signature(secret, timestamp, body).encode(), given.encode("latin-1", "replace")
    )


def _refused(status: int, message: str) -> JSONResponse:
    return JSONResponse({"message": message}, status_code=status)


async def read_event(services: Services, request: Request) -> tuple[dict[str, Any], bytes] | Response:
    body = await request.body()
    if len(body) > MAX_EVENT_BYTES:
        return _refused(413, "event too large")
    if not verified(services, request.headers, body):
        return _refused(401, "invalid signature or timestamp")
    try:
        event = json.loads(body)
    except ValueError:
        return _refused(400, "the body is not JSON")
    if not isinstance(event, dict):
        return _refused(400, "the body is not a JSON object")
    return event, body


def url_validation(services: Services, event: dict[str, Any]) -> Response:
    payload = event.get("payload")
    plain = payload.get("plainToken") if isinstance(payload, dict) else None
    if not isinstance(plain, str) or not plain:
        return _refused(400, "plainToken is missing")
    secret = services.settings.zoom_webhook_secret_token.get_secret_value()
    encrypted = hmac.new(secret.encode(), plain.encode(), hashlib.sha256).hexdigest()
    return JSONResponse({"plainToken": plain, "encryptedToken": encrypted})


def event_id(request: Request, body: bytes) -> str:
    """The inbox key: the signed body's hash. Not Zoom's ``x-zm-trackingid``: that header is outside the
    signature, so a captured delivery replayed with a new tracking id would count as a new event (a
    deauthorization replayed after the admin installed again). Zoom's retries resend the same body
    (``event_ts`` included), so they are still recognised."""
    return "sha256:" + hashlib.sha256(body).hexdigest()


async def recording_complete(services: Services, request: Request) -> Response:
    read = await read_event(services, request)
    if isinstance(read, Response):
        return read
    event, body = read
    if event.get("event") == "endpoint.url_validation":
        return url_validation(services, event)
    await run_in_threadpool(_store, services, event_id(request, body), body)
    return JSONResponse({"status": "accepted"})


def _store(services: Services, delivery_id: str, body: bytes) -> None:
    with work(services) as unit:
        inbox.accept(unit, "zoom", delivery_id, body)


async def deauthorization(services: Services, request: Request) -> Response:
    read = await read_event(services, request)
    if isinstance(read, Response):
        return read
    event, body = read
    if event.get("event") == "endpoint.url_validation":
        return url_validation(services, event)
    if event.get("event") != "app_deauthorized":
        return _refused(400, "unexpected event")
    payload = event.get("payload")
    if not isinstance(payload, dict):
        return _refused(400, "payload is missing")
    account_id = payload.get("account_id")
    if not isinstance(account_id, str) or not account_id:
        return _refused(400, "payload.account_id is missing")
    if payload.get("client_id") not in (None, services.settings.zoom_client_id):
        return _refused(400, "the event is for another app")
    await run_in_threadpool(_deauthorize, services, event_id(request, body), body, account_id)
    return JSONResponse({"status": "accepted"})


def _deauthorize(services: Services, delivery_id: str, body: bytes, account_id: str) -> None:
    """Stored in the inbox (a repeated delivery changes nothing) and applied at once, in one transaction."""
    with work(services) as unit:
        if inbox.accept(unit, "zoom", delivery_id, body):
            for row in service.deauthorize(unit.db, account_id):
                record(
                    unit.db,
                    partner_id=row.partner_id,
                    action="zoom.deauthorized",
                    object_type="KalturaZoomIntegrationSetting",
                    object_id=str(row.id),
                    data={"accountId": account_id},
                )
