"""The ASGI endpoint for ``/api_v3``: read the request, dispatch it, answer in XML or JSON with HTTP 200.

Nothing that arrives here produces an HTTP 500 or a stack trace: every failure becomes a Kaltura error.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response

from keyframe.kapi import errors, params, serialize
from keyframe.kapi.dispatch import Runner, dispatch, dispatch_multi, is_multirequest
from keyframe.kapi.errors import KalturaAPIException
from keyframe.kapi.registry import Registry, UploadedFile

log = logging.getLogger(__name__)

MAX_MULTIPART_FIELDS = 200
RunnerFactory = Callable[[Request, str | None], Runner]


class ApiV3Endpoint:
    def __init__(self, registry: Registry, runner_factory: RunnerFactory, max_body_bytes: int) -> None:
        self.registry = registry
        self.runner_factory = runner_factory
        self.max_body_bytes = max_body_bytes

    async def handle(self, request: Request) -> Response:
        started = time.perf_counter()
        response_format = serialize.FORMAT_XML
        multirequest = False
        try:
            collected = await self.collect(request)
            response_format = _format(collected)
            runner = self.runner_factory(request, _header_ks(request))
            multirequest = is_multirequest(collected)
            if multirequest:
                result: Any = await run_in_threadpool(dispatch_multi, collected, self.registry, runner)
            else:
                result = await run_in_threadpool(dispatch, collected, self.registry, runner)
        except KalturaAPIException as error:
            result = error
            multirequest = False
        except ClientDisconnect:
            return Response(status_code=499)
        except Exception:
            log.exception("unhandled error reading an api_v3 request")
            result, multirequest = errors.INTERNAL_SERVERL_ERROR(), False
        finally:
            form = getattr(request.state, "form", None)
            if form is not None:
                await form.close()  # removes the spooled upload files
        return render(result, response_format, multirequest, time.perf_counter() - started)

    async def collect(self, request: Request) -> dict[str, Any]:
        """Body, then query string, then path pairs: later sources win."""
        content_type = request.headers.get("content-type", "")
        collected: dict[str, Any] = {}
        if params.is_multipart_content_type(content_type):
            await self._collect_multipart(request, collected)
        elif request.method != "GET":
            body = await self._read_body(request)
            if params.is_json_content_type(content_type):
                collected = params.parse_json_body(body)
            elif params.is_form_content_type(content_type):
                collected = params.parse_query(body.decode("utf-8", "replace"))
        params.merge(collected, params.parse_query(request.url.query))
        params.merge(collected, params.path_params(request.url.path))
        return collected

    async def _read_body(self, request: Request) -> bytes:
        declared = request.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > self.max_body_bytes:
            raise errors.REQUEST_TOO_LARGE(self.max_body_bytes)
        chunks: list[bytes] = []
        size = 0
        async for chunk in request.stream():
            size += len(chunk)
            if size > self.max_body_bytes:
                raise errors.REQUEST_TOO_LARGE(self.max_body_bytes)
            chunks.append(chunk)
        return b"".join(chunks)

    async def _collect_multipart(self, request: Request, collected: dict[str, Any]) -> None:
        try:
            # Fields (not files) are held in memory: at most MAX_MULTIPART_FIELDS of them, in all no more
            # than the body limit (checked below once parsed).
            form = await request.form(
                max_files=100, max_fields=MAX_MULTIPART_FIELDS, max_part_size=self.max_body_bytes
            )
        except ClientDisconnect:
            raise
        except Exception:
            # python-multipart rejects malformed bodies; the caller gets a Kaltura error, not a 500.
            raise errors.PROPERTY_VALIDATION_WRONG_FORMAT("body", "multipart/form-data") from None
        request.state.form = form  # closed (temporary files removed) when the response is sent
        fields_size = sum(len(v) for _, v in form.multi_items() if isinstance(v, str))
        if fields_size > self.max_body_bytes:
            raise errors.REQUEST_TOO_LARGE(self.max_body_bytes)
        for key, value in form.multi_items():
            if isinstance(value, UploadFile):
                uploaded = UploadedFile(value.filename or "", value.content_type or "", value.file)
                params.set_flattened(collected, key, uploaded)
            elif key == "json":
                params.merge(collected, params.parse_json_body(value.encode()))
            else:
                params.set_flattened(collected, key, value)


def render(result: Any, response_format: int, multirequest: bool, elapsed: float) -> Response:
    if response_format == serialize.FORMAT_JSON:
        body = serialize.to_json(result, multirequest=multirequest)
        return Response(body, media_type="application/json")
    body = serialize.to_xml(result, elapsed, multirequest=multirequest)
    return Response(body, media_type="text/xml")


def _format(collected: dict[str, Any]) -> int:
    # Compared loosely, as upstream's PHP does: "1" and 1 both ask for JSON.
    value = collected.get("format")
    is_json = isinstance(value, str | int) and not isinstance(value, bool) and str(value).strip() == "1"
    return serialize.FORMAT_JSON if is_json else serialize.FORMAT_XML


def _header_ks(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, credentials = header.partition(" ")
    if scheme.lower() == "ks" and credentials.strip():
        return credentials.strip()
    return None
