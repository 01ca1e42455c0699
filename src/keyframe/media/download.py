"""Serve an entry's stored file over HTTP, with Range requests, to callers whose KS may read the entry.

URLs take upstream's forms (``docs/architecture.md``, "Media"):

    /p/{pid}/sp/{pid}00/playManifest/entryId/{entryId}/format/url/protocol/{http|https}[/ks/{ks}]/a.mp4
    /p/{pid}/sp/{pid}00/raw/entry_id/{entryId}/version/{version}[/ks/{ks}]

The KS comes from the ``/ks/`` path pair, else ``?ks=``, else an ``Authorization: KS <ks>`` header, and is
checked by the API's own runner (signature, expiry, revocation, IP/URI restrictions, actionslimit, the
partner's status, the user's sessions), so a download is exactly as authorized as ``media.get``. The access
log redacts ``/ks/…`` and drops query strings; this module never logs a KS.
"""

from __future__ import annotations

import logging
import re
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response, StreamingResponse
from starlette.routing import BaseRoute, Route

from keyframe.auth.context import RequestContext
from keyframe.auth.ks_validation import RequestOrigin
from keyframe.auth.runner import ActionRunner
from keyframe.entitlement import hooks as entitlement
from keyframe.kapi import errors
from keyframe.kapi.errors import KalturaAPIException
from keyframe.kapi.registry import Registry, api_action
from keyframe.media import service
from keyframe.media.actions import READ_PERMISSIONS, may_read
from keyframe.media.facts import DEFAULT_MIME, is_media_mime
from keyframe.media.models import EntryStatus
from keyframe.services import Services
from keyframe.storage import ReadStream, StorageError, StorageNotFound

log = logging.getLogger(__name__)

# Bounded digits: a longer number is ignored like any bad Range (int() refuses > 4300 digits).
_RANGE = re.compile(r"bytes=(\d{0,32})-(\d{0,32})")
# A private registry: the download's authorization runs like an action but is not part of api_v3.
_DOWNLOADS = Registry()
_STATUS = {
    "MISSING_KS": 401,
    "INVALID_KS": 401,
    "ENTRY_ID_NOT_FOUND": 404,
    "INVALID_PARTNER_ID": 404,
}


@dataclass(frozen=True)
class Content:
    entry_id: str
    key: str
    size: int
    mime_type: str
    version: int
    file_name: str

    @property
    def etag(self) -> str:
        return f'"{self.entry_id}-{self.version}"'


@api_action("media", "serve", permissions=READ_PERMISSIONS, registry=_DOWNLOADS)
def authorize(ctx: RequestContext, entryId: str) -> Content:
    """The stored content of an entry the caller may read (a USER KS also with ``download:<id>``)."""
    entry = service.get(ctx.db, ctx.require_partner().id, entryId)
    if not may_read(ctx.require_ks(), entry, download=True) or not entitlement.may_get(ctx, entry):
        raise errors.ENTRY_ID_NOT_FOUND(entryId[:64])
    if entry.status != EntryStatus.READY or not entry.content_key or entry.content_size is None:
        raise errors.ENTRY_ID_NOT_FOUND(entryId[:64])
    return Content(
        entry_id=entry.id,
        key=entry.content_key,
        size=entry.content_size,
        mime_type=entry.content_type if is_media_mime(entry.content_type) else DEFAULT_MIME,
        version=entry.version,
        file_name=entry.file_name,
    )


def path_pairs(rest: str) -> tuple[dict[str, str], str | None]:
    """``entryId/X/format/url/a.mp4`` → ({"entryId": "X", "format": "url"}, "a.mp4"): name/value pairs, and
    a trailing file name when the count is odd. The first occurrence of a name wins."""
    segments = [s for s in rest.split("/") if s]
    file_name = segments.pop() if len(segments) % 2 else None
    pairs: dict[str, str] = {}
    for name, value in zip(segments[::2], segments[1::2], strict=True):
        pairs.setdefault(name, value)
    return pairs, file_name


def parse_range(header: str | None, size: int) -> tuple[int, int] | bool | None:
    """The half-open byte range a ``Range`` header asks for; None for the whole file (no header, another
    unit, several ranges or bad syntax: RFC 9110 lets a server ignore those); False when unsatisfiable."""
    if not header:
        return None
    match = _RANGE.fullmatch(header.strip())
    if match is None:
        return None
    first, last = match.groups()
    if not first and not last:
        return None
    if not first:  # the last N bytes
        length = int(last)
        if length == 0 or size == 0:
            return False
        return max(size - length, 0), size
    start = int(first)
    end = int(last) + 1 if last else size
    if last and end <= start:
        return None
    if start >= size:
        return False
    return start, min(end, size)


def _headers(content: Content, *, attachment: bool) -> dict[str, str]:
    name = re.sub(r"[^A-Za-z0-9._ -]", "_", content.file_name or content.entry_id)[:200]
    return {
        "accept-ranges": "bytes",
        "etag": content.etag,
        # The URL may carry a KS: no shared cache may keep the answer, no page may learn the URL.
        "cache-control": "private, max-age=0",
        "referrer-policy": "no-referrer",
        "x-content-type-options": "nosniff",
        "content-security-policy": "default-src 'none'; sandbox",
        "content-disposition": f'{"attachment" if attachment else "inline"}; filename="{name}"',
    }


async def _body(stream: ReadStream) -> AsyncIterator[bytes]:
    try:
        while True:
            chunk = await run_in_threadpool(next, stream, None)
            if chunk is None:
                return
            yield chunk
    finally:
        stream.close()


class DownloadEndpoint:
    def __init__(self, services: Services, client_ip: Callable[[Request], str | None]) -> None:
        self.services = services
        self.client_ip = client_ip

    async def handle(self, request: Request) -> Response:
        kind = request.path_params["kind"]
        if kind not in ("playManifest", "raw"):
            return PlainTextResponse("Not found", status_code=404)
        pairs, _ = path_pairs(request.path_params["rest"])
        entry_id = pairs.get("entryId") or pairs.get("entry_id") or ""
        ks = pairs.get("ks") or request.query_params.get("ks") or _header_ks(request)
        if not entry_id:
            return PlainTextResponse("Not found", status_code=404)
        if not ks:
            return PlainTextResponse("A KS is required", status_code=401)
        # urirestrict sees the entry's URL, not the free path pairs after it (as api_v3 calls are matched up
        # to the action): ``…/entryId/X/anything/allowedPage`` must not pass ``urirestrict:*allowedPage*``.
        pid, sp, kind = request.path_params["pid"], request.path_params["sp"], request.path_params["kind"]
        name = "entryId" if "entryId" in pairs else "entry_id"
        path = f"/p/{pid}/sp/{sp}/{kind}/{name}/{entry_id}"
        origin = RequestOrigin(self.client_ip(request), path, request.url.query)
        runner = ActionRunner(self.services, origin)
        params: dict[str, Any] = {"ks": ks, "entryId": entry_id, "partnerId": str(request.path_params["pid"])}
        try:
            content = await run_in_threadpool(runner, _DOWNLOADS.find("media", "serve"), params)
        except KalturaAPIException as error:
            status = _STATUS.get(error.code, 403)
            # The message of INVALID_KS can hold the KS itself: answer with the code only.
            return PlainTextResponse(error.code, status_code=status)
        except Exception:
            log.exception("could not authorize a download")
            return PlainTextResponse("Temporarily unavailable", status_code=503)
        return await self._send(request, content, attachment=kind == "raw")

    async def _send(self, request: Request, content: Content, *, attachment: bool) -> Response:
        headers = _headers(content, attachment=attachment)
        if request.headers.get("if-none-match") == content.etag:
            return Response(status_code=304, headers=headers)
        wanted = parse_range(request.headers.get("range"), content.size)
        if_range = request.headers.get("if-range")
        if if_range is not None and if_range != content.etag:
            wanted = None  # the client's copy is another version: send the whole file
        if wanted is False:
            headers["content-range"] = f"bytes */{content.size}"
            return PlainTextResponse("Range not satisfiable", status_code=416, headers=headers)
        start, end = wanted if isinstance(wanted, tuple) else (0, content.size)
        status = 206 if isinstance(wanted, tuple) else 200
        if status == 206:
            headers["content-range"] = f"bytes {start}-{end - 1}/{content.size}"
        headers["content-length"] = str(end - start)
        if request.method == "HEAD":
            return Response(status_code=status, headers=headers, media_type=content.mime_type)
        try:
            stream = await run_in_threadpool(self.services.storage.open_read, content.key, start, end)
        except StorageNotFound:
            log.error("entry %s points at missing stored content", content.entry_id)
            return PlainTextResponse("Not found", status_code=404)
        except StorageError:
            log.exception("could not read stored content of entry %s", content.entry_id)
            return PlainTextResponse("Storage unavailable", status_code=503)
        return StreamingResponse(
            _body(stream), status_code=status, headers=headers, media_type=content.mime_type
        )


def _header_ks(request: Request) -> str | None:
    scheme, _, credentials = request.headers.get("authorization", "").partition(" ")
    return credentials.strip() or None if scheme.lower() == "ks" else None


def routes(services: Services, client_ip: Callable[[Request], str | None]) -> list[BaseRoute]:
    endpoint = DownloadEndpoint(services, client_ip)
    return [Route("/p/{pid:int}/sp/{sp}/{kind}/{rest:path}", endpoint.handle, methods=["GET", "HEAD"])]
