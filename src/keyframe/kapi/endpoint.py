"""The ASGI endpoint for ``/api_v3``: read the request, dispatch it, answer in XML or JSON with HTTP 200.

Nothing that arrives here produces an HTTP 500 or a stack trace: every failure becomes a Kaltura error.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response

from keyframe.kapi import errors, params, serialize
from keyframe.kapi.dispatch import Runner, dispatch, dispatch_multi, is_multirequest, shared_params
from keyframe.kapi.errors import KalturaAPIException
from keyframe.kapi.multipart import Item, MultipartReader
from keyframe.kapi.registry import ActionSpec, Registry
from keyframe.storage.base import StagedFile

log = logging.getLogger(__name__)

MAX_MULTIPART_FIELDS = 200
MAX_MULTIPART_FILES = 100
RunnerFactory = Callable[[Request, str | None], Runner]


def _temporary_file() -> StagedFile:
    return StagedFile(None)


class ApiV3Endpoint:
    """``stage`` makes the file that a multipart file part streams into: ``Storage.stage`` puts it where
    the storage can adopt it without copying (the default is a plain temporary file). A staged file holds
    at most ``max_file_bytes``.

    A file part is written only for a call that may have it: the runner's ``prepare_file(spec, params,
    in_place=…)`` checks the call (KS, partner, permissions) with the parameters that came before the part
    and raises the call's error to refuse it. A runner without ``prepare_file`` gets no files."""

    def __init__(
        self,
        registry: Registry,
        runner_factory: RunnerFactory,
        max_body_bytes: int,
        stage: Callable[[], StagedFile] = _temporary_file,
        *,
        max_file_bytes: int,
    ) -> None:
        self.registry = registry
        self.runner_factory = runner_factory
        self.max_body_bytes = max_body_bytes
        self.stage = stage
        self.max_file_bytes = max_file_bytes

    async def handle(self, request: Request) -> Response:
        started = time.perf_counter()
        response_format = serialize.FORMAT_XML
        multirequest = False
        staged: list[StagedFile] = []
        read = False
        try:
            runner = self.runner_factory(request, _header_ks(request))
            collected = await self.collect(request, staged, runner)
            read = True
            response_format = _format(collected)
            multirequest = is_multirequest(collected)
            if multirequest:
                result: Any = await run_in_threadpool(dispatch_multi, collected, self.registry, runner)
            else:
                result = await run_in_threadpool(dispatch, collected, self.registry, runner)
        except KalturaAPIException as error:
            result = error
            multirequest = False
            if not read:  # the body was refused part way: answer in the format asked for before that
                response_format = _format_asked_before(request)
        except ClientDisconnect:
            return Response(status_code=499)
        except Exception:
            log.exception("unhandled error reading an api_v3 request")
            result, multirequest = errors.INTERNAL_SERVERL_ERROR(), False
        finally:
            if staged:  # what no action adopted is removed (a failed upload leaves nothing behind)
                await run_in_threadpool(_discard, staged)
        return render(result, response_format, multirequest, time.perf_counter() - started)

    async def collect(
        self, request: Request, staged: list[StagedFile] | None = None, runner: Runner | None = None
    ) -> dict[str, Any]:
        """Body, then query string, then path pairs: later sources win. Files of a multipart body are
        streamed to staged files, listed in ``staged`` for the caller to discard."""
        content_type = request.headers.get("content-type", "")
        collected: dict[str, Any] = {}
        if params.is_multipart_content_type(content_type):
            await self._collect_multipart(request, collected, [] if staged is None else staged, runner)
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

    async def _collect_multipart(
        self, request: Request, collected: dict[str, Any], staged: list[StagedFile], runner: Runner | None
    ) -> None:
        # Fields (not files) are held in memory: at most MAX_MULTIPART_FIELDS of them, in all no more than
        # the body limit. File parts go to disk as they arrive, once their call has passed its checks.
        prepare = getattr(runner, "prepare_file", None)

        async def stage(name: str, items: list[Item]) -> StagedFile | None:
            found = self._file_call(request, name, items)
            if found is None or prepare is None:
                return None  # no action takes this part (or no runner can check one): dropped
            spec, known, single = found
            # Before any byte of the part is written: the call's own checks, with what came before the
            # part. A refusal (KalturaAPIException) drops the part and the call reports the same error.
            prepared: StagedFile | None = await run_in_threadpool(prepare, spec, known, in_place=single)
            if prepared is not None:
                return prepared
            return await run_in_threadpool(self.stage)

        reader = MultipartReader(
            request.headers.get("content-type", ""),
            stage,
            max_fields_bytes=self.max_body_bytes,
            max_fields=MAX_MULTIPART_FIELDS,
            max_files=MAX_MULTIPART_FILES,
            max_file_bytes=self.max_file_bytes,
        )
        try:
            items = await reader.read(request.stream())
        finally:
            staged.extend(reader.staged)
            request.state.fields_read = reader.items  # for the format of an error part way through
        _merge_items(collected, items)

    def _file_call(
        self, request: Request, name: str, items: list[Item]
    ) -> tuple[ActionSpec, dict[str, Any], bool] | None:
        """The call the file part ``name`` (``fileData``, or ``<n>:fileData`` in a multirequest) belongs
        to, with its parameters known so far and whether it is a single call; ``None`` when no action
        would take the part (parameters that come after it are not known yet)."""
        known: dict[str, Any] = {}
        try:
            _merge_items(known, items)
            params.merge(known, params.parse_query(request.url.query))
            params.merge(known, params.path_params(request.url.path))
            single = not is_multirequest(known)
            call, param = known, name
            if not single:
                number, _, param = name.partition(":")
                sub = known.get(number)
                if not isinstance(sub, dict):
                    return None
                call = {**shared_params(known), **sub}
            service, action = call.get("service"), call.get("action")
            if not isinstance(service, str) or not isinstance(action, str):
                return None
            spec = self.registry.find(service, action)
        except KalturaAPIException:
            return None  # the call itself reports it
        if not spec.file_param(param):
            return None
        return spec, call, single


def _merge_items(collected: dict[str, Any], items: list[Item]) -> None:
    for key, value in items:
        if key == "json" and isinstance(value, str):
            params.merge(collected, params.parse_json_body(value.encode()))
        else:
            params.set_flattened(collected, key, value)


def _discard(staged: list[StagedFile]) -> None:
    for item in staged:
        try:
            item.discard()
        except OSError:
            log.warning("could not remove a temporary upload file")


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


def _format_asked_before(request: Request) -> int:
    """The response format a request whose body could not be read asked for: in its query string or path,
    or in the multipart fields that came before the error."""
    known: dict[str, Any] = {}
    try:
        _merge_items(known, getattr(request.state, "fields_read", []))
        params.merge(known, params.parse_query(request.url.query))
        params.merge(known, params.path_params(request.url.path))
    except KalturaAPIException:
        return serialize.FORMAT_XML
    return _format(known)


def _header_ks(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, credentials = header.partition(" ")
    if scheme.lower() == "ks" and credentials.strip():
        return credentials.strip()
    return None
