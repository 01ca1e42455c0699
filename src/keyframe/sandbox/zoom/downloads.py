"""Recording downloads: ``download_url`` answers 302 to the file URL (Zoom redirects to signed storage);
both check the credential and the file URL serves the bytes, with single byte ranges.

A credential is ``Authorization: Bearer <token>`` or ``?access_token=<token>``, and the token is an
access token of the recording's account, or a ``download_token`` / ``download_access_token`` for that
meeting. When the credential came as a query parameter it is carried over to the redirect, since the
client cannot add it to a URL it did not build.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response, StreamingResponse
from starlette.routing import Route

from keyframe.sandbox.zoom import content
from keyframe.sandbox.zoom.api import ApiError, invalid_token, no_recording
from keyframe.sandbox.zoom.state import Meeting, RecordingFile, utcnow

if TYPE_CHECKING:
    from keyframe.sandbox.zoom.sandbox import ZoomSandbox

_RANGE = re.compile(r"bytes=(\d*)-(\d*)")


def _credential(request: Request) -> str:
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() == "bearer" and token:
        return token.strip()
    return request.query_params.get("access_token", "")


def _file(sandbox: ZoomSandbox, request: Request) -> tuple[Meeting, RecordingFile]:
    """The live file the URL names, if the request's credential may read it."""
    state = sandbox.state
    with state.lock:
        found = state.files.get(request.path_params["key"])
        token = _credential(request)
        now = utcnow()
        grant = state.access_tokens.get(token)
        download = state.download_tokens.get(token)
        if grant is not None:
            if grant.expires_at <= now:
                raise invalid_token(expired=True)
            allowed = found is not None and grant.account_id == found[0].account_id
        elif download is not None:
            if download.expires_at <= now:
                raise invalid_token(expired=True)
            allowed = found is not None and download.meeting_uuid == found[0].uuid
        else:
            raise invalid_token()
        if found is None or found[1].deleted_time is not None:
            raise no_recording()
        if not allowed:
            raise invalid_token()
        return found


class Unsatisfiable(ValueError):
    """The range lies outside the file: HTTP 416."""


def parse_range(header: str | None, size: int) -> tuple[int, int] | None:
    """``(start, end)`` half-open for one satisfiable range; None to send the whole file (no header,
    several ranges, or one we do not understand). Raises ``Unsatisfiable``."""
    if not header or "," in header:
        return None
    match = _RANGE.fullmatch(header.strip())
    if match is None or match.group(1) == match.group(2) == "":
        return None
    first, last = match.groups()
    if first == "":  # the last N bytes
        length = int(last)
        if length == 0 or size == 0:
            raise Unsatisfiable
        return max(size - length, 0), size
    start = int(first)
    end = size if last == "" else min(int(last) + 1, size)
    if start >= size or end <= start:
        raise Unsatisfiable
    return start, end


def routes(sandbox: ZoomSandbox) -> list[Route]:
    async def download(request: Request) -> Response:
        try:
            _, file = _file(sandbox, request)
        except ApiError as error:
            return error.response()
        target = f"{sandbox.url}/rec/storage/{file.key}"
        if "access_token" in request.query_params and not request.headers.get("authorization"):
            target += "?" + urlencode({"access_token": request.query_params["access_token"]})
        return RedirectResponse(target, status_code=302)

    async def storage(request: Request) -> Response:
        try:
            _, file = _file(sandbox, request)
        except ApiError as error:
            return error.response()
        extension = file.file_extension.lower()
        headers = {
            "accept-ranges": "bytes",
            "content-type": content.content_type(file.file_extension),
            "content-disposition": (
                f'attachment; filename="GMT{file.recording_start:%Y%m%d-%H%M%S}_Recording.{extension}"'
            ),
            "etag": f'"{file.key}"',
        }
        try:
            wanted = parse_range(request.headers.get("range"), file.size)
        except Unsatisfiable:
            return JSONResponse(
                {"code": 416, "message": "Requested range not satisfiable."},
                status_code=416,
                headers={"content-range": f"bytes */{file.size}"},
            )
        status, (start, end) = (200, (0, file.size)) if wanted is None else (206, wanted)
        headers["content-length"] = str(end - start)
        if status == 206:
            headers["content-range"] = f"bytes {start}-{end - 1}/{file.size}"
        if request.method == "HEAD":
            return Response(status_code=status, headers=headers)
        body = content.stream(file.seed, file.file_extension, file.size, start, end)
        return StreamingResponse(body, status_code=status, headers=headers)

    return [
        Route("/rec/download/{key}", download, methods=["GET", "HEAD"]),
        Route("/rec/storage/{key}", storage, methods=["GET", "HEAD"]),
    ]
