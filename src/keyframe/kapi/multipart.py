"""Read a ``multipart/form-data`` body as it arrives: fields into memory (bounded), file parts straight into
staged files.

Starlette's ``request.form()`` spools files to a temporary directory, from where storage would copy them
again; here each file part is written once, into a file the storage can adopt (a rename for local
storage). Memory stays bounded by the field limit plus one write buffer, whatever the file sizes.

Disk is spent only on file parts the caller's ``stage`` accepts (the endpoint first checks the call they
belong to, KS and permissions included); a refused part is read and dropped, and bounded like fields.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

from python_multipart.exceptions import MultipartParseError
from python_multipart.multipart import MultipartParser, parse_options_header
from starlette.concurrency import run_in_threadpool

from keyframe.kapi import errors
from keyframe.kapi.errors import KalturaAPIException
from keyframe.kapi.registry import UploadedFile
from keyframe.storage.base import InPlaceFile, StagedFile, StorageError

log = logging.getLogger(__name__)

WRITE_BUFFER = 1024 * 1024  # bytes gathered before one write (in a worker thread, off the event loop)
MAX_HEADER_BYTES = 16 * 1024  # per part


Item = tuple[str, str | UploadedFile]


class _Part:
    def __init__(self) -> None:
        self.headers: dict[bytes, bytes] = {}
        self.field = b""
        self.value = b""
        self.name: str | None = None
        self.staged: StagedFile | None = None
        self.dropped = False  # a file part that is read but not kept
        self.refusal: KalturaAPIException | None = None  # why it was dropped, when its call refused it
        self.received = 0
        self.limit = 0  # the most bytes this file part may hold
        self.filename = ""
        self.content_type = ""
        self.text = bytearray()
        self.buffer = bytearray()


class MultipartReader:
    """One request's parts, in order, as ``(name, str | UploadedFile)``.

    ``stage(name, items so far)`` gives the file a file part is written into, before any of its bytes are
    read. It returns ``None`` or raises a ``KalturaAPIException`` to refuse the part: its bytes are then
    read and dropped, it gives no item (so the call reports what it misses), and they count towards
    ``max_fields_bytes`` like fields; past that, the refusal (or REQUEST_TOO_LARGE) ends the request.
    No file grows past ``max_file_bytes`` (FILE_SIZE_EXCEEDED, raised before the byte that would pass it
    is written): a staged file holds at most that many bytes, and a file written in place into a stored
    object at ``offset`` (``InPlaceFile``) at most ``max_file_bytes - offset``, so the object it writes
    into never passes the cap either.

    Every staged file it creates is listed in ``staged``; the caller discards them when the request ends
    (a no-op for files an action adopted), including when reading fails half-way.
    """

    def __init__(
        self,
        content_type: str,
        stage: Callable[[str, list[Item]], Awaitable[StagedFile | None]],
        *,
        max_fields_bytes: int,
        max_fields: int,
        max_files: int,
        max_file_bytes: int,
    ) -> None:
        _, options = parse_options_header(content_type)
        boundary = options.get(b"boundary")
        if not boundary:
            raise errors.PROPERTY_VALIDATION_WRONG_FORMAT("body", "multipart/form-data")
        self.boundary = boundary
        self.stage = stage
        self.max_fields_bytes = max_fields_bytes
        self.max_fields = max_fields
        self.max_files = max_files
        self.max_file_bytes = max_file_bytes
        self.staged: list[StagedFile] = []
        self.items: list[Item] = []
        self._fields_bytes = 0
        self._fields = 0
        self._files = 0
        self._events: list[tuple[str, bytes]] = []
        self._part = _Part()
        self._ended = False

    async def read(self, chunks: AsyncIterator[bytes]) -> list[Item]:
        events = self._events

        def on(kind: str) -> Callable[..., None]:
            def with_data(data: bytes, start: int, end: int) -> None:
                events.append((kind, data[start:end]))

            def without_data() -> None:
                events.append((kind, b""))

            return with_data if kind in ("header_field", "header_value", "part_data") else without_data

        callbacks: Any = {
            f"on_{kind}": on(kind)
            for kind in (
                "part_begin",
                "part_data",
                "part_end",
                "header_field",
                "header_value",
                "header_end",
                "headers_finished",
                "end",
            )
        }
        parser = MultipartParser(self.boundary, callbacks)
        try:
            async for chunk in chunks:
                if not chunk:
                    continue
                parser.write(chunk)
                await self._handle_events()
            parser.finalize()
            await self._handle_events()
        except MultipartParseError:
            raise errors.PROPERTY_VALIDATION_WRONG_FORMAT("body", "multipart/form-data") from None
        if not self._ended:
            raise errors.PROPERTY_VALIDATION_WRONG_FORMAT("body", "multipart/form-data")
        return self.items

    async def _handle_events(self) -> None:
        events = self._events[:]
        self._events.clear()
        for kind, data in events:
            part = self._part
            if kind == "part_begin":
                self._part = _Part()
            elif kind == "header_field":
                part.field += data
                self._check_header(part)
            elif kind == "header_value":
                part.value += data
                self._check_header(part)
            elif kind == "header_end":
                part.headers[part.field.strip().lower()] = part.value.strip()
                part.field, part.value = b"", b""
            elif kind == "headers_finished":
                await self._start(part)
            elif kind == "part_data":
                await self._data(part, data)
            elif kind == "part_end":
                await self._finish(part)
            elif kind == "end":
                self._ended = True

    @staticmethod
    def _check_header(part: _Part) -> None:
        if len(part.field) + len(part.value) + sum(len(k) + len(v) for k, v in part.headers.items()) > (
            MAX_HEADER_BYTES
        ):
            raise errors.PROPERTY_VALIDATION_WRONG_FORMAT("body", "multipart/form-data")

    async def _start(self, part: _Part) -> None:
        _, options = parse_options_header(part.headers.get(b"content-disposition", b""))
        name = options.get(b"name")
        part.name = name.decode("utf-8", "replace") if name is not None else None
        filename = options.get(b"filename")
        if filename is None or part.name is None:
            self._fields += 1
            if self._fields > self.max_fields:
                raise errors.REQUEST_TOO_LARGE(f"{self.max_fields} fields")
            return
        # Dropped parts count too: each one costs the endpoint a check of its call.
        self._files += 1
        if self._files > self.max_files:
            raise errors.REQUEST_TOO_LARGE(f"{self.max_files} files")
        part.filename = filename.decode("utf-8", "replace")
        part.content_type = part.headers.get(b"content-type", b"").decode("latin-1")
        try:
            # The parts read so far name the call, its KS and where its action wants the file.
            part.staged = await self.stage(part.name, self.items)
        except KalturaAPIException as refusal:
            part.refusal = refusal
        except (OSError, StorageError):
            log.exception("cannot create a file for an upload")
            raise errors.UPLOAD_ERROR() from None
        if part.staged is None:
            part.dropped = True
        else:
            self.staged.append(part.staged)
            part.limit = self.max_file_bytes
            if isinstance(part.staged, InPlaceFile):  # its bytes land at offset… of a stored object
                part.limit = max(self.max_file_bytes - part.staged.offset, 0)

    async def _data(self, part: _Part, data: bytes) -> None:
        if part.staged is None:
            self._fields_bytes += len(data)
            if self._fields_bytes > self.max_fields_bytes:
                raise part.refusal or errors.REQUEST_TOO_LARGE(self.max_fields_bytes)
            if not part.dropped:
                part.text += data
            return
        part.received += len(data)
        if part.received > part.limit:
            # Nothing of this block is written. The caller discards what was staged; bytes already written
            # in place stay where the action allowed a write (never over bytes that count).
            raise errors.FILE_SIZE_EXCEEDED(self.max_file_bytes)
        part.buffer += data
        if len(part.buffer) >= WRITE_BUFFER:
            await self._flush(part)

    async def _flush(self, part: _Part) -> None:
        if part.staged is not None and part.buffer:
            block = bytes(part.buffer)
            part.buffer.clear()
            try:
                await run_in_threadpool(part.staged.write, block)
            except OSError:
                log.exception("cannot write an upload to disk")
                raise errors.UPLOAD_ERROR() from None

    async def _finish(self, part: _Part) -> None:
        if part.name is None or part.dropped:
            return  # a part without a name carries no parameter; a dropped file is left out
        if part.staged is None:
            self.items.append((part.name, part.text.decode("utf-8", "replace")))
            return
        await self._flush(part)
        self.items.append((part.name, UploadedFile(part.filename, part.content_type, part.staged)))
