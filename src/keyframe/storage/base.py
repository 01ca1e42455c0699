"""The storage interface: named byte objects under relative keys, written atomically and read in ranges.

Keys are relative, ``/``-separated paths such as ``p/100/entries/0_abcd1234/source``. The same key means the
same object on every backend, so code above this interface never builds file paths or S3 keys itself.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import tempfile
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Self

MAX_KEY_LENGTH = 512
MAX_SEGMENT_BYTES = 200
READ_CHUNK = 1024 * 1024

# Control characters, DEL and the backslash are refused anywhere in a key.
_FORBIDDEN = re.compile(r"[\x00-\x1f\x7f\\]")


class StorageError(Exception):
    """A backend failed. The message names the operation and key, never credentials."""


class StorageNotFound(StorageError, KeyError):
    """The key names no stored object."""

    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key

    def __str__(self) -> str:
        return f"no stored object {self.key!r}"


@dataclass(frozen=True)
class StoredObject:
    key: str
    size: int
    sha256: str


@dataclass(frozen=True)
class Slice:
    """Bytes ``[start, end)`` of a stored object (``end`` ``None``: to its end), a piece of ``compose``."""

    key: str
    start: int = 0
    end: int | None = None


class StagedFile:
    """A temporary file filled with an incoming upload before a storage adopts it under a key.

    ``Storage.stage`` puts it where that storage can take it cheaply (local storage: in its own directory,
    so adopting is a rename), so the bytes reach the disk once. Whoever creates one discards it when done;
    discarding an adopted file does nothing.
    """

    def __init__(self, directory: Path | None, prefix: str = ".tmp-upload-") -> None:
        fd, name = tempfile.mkstemp(dir=directory, prefix=prefix)
        self.path = Path(name)
        self.file: BinaryIO = os.fdopen(fd, "w+b")
        self.size = 0
        self.adopted = False

    def write(self, data: bytes) -> None:
        self.file.write(data)
        self.size += len(data)

    def rewind(self) -> BinaryIO:
        """The file, flushed and positioned at its start, for reading."""
        self.file.flush()
        self.file.seek(0)
        return self.file

    def discard(self) -> None:
        self.file.close()
        if not self.adopted:
            with contextlib.suppress(FileNotFoundError):
                self.path.unlink()


class InPlaceFile(StagedFile):
    """An upload written straight into a stored object at ``offset`` (``Storage.open_in_place``), so a
    chunked upload's bytes reach the disk once and need no assembly afterwards.

    It holds a shared lock on the object until ``discard``: ``seal_in_place`` takes the object only while
    no such writer is active, so nobody writes into a file after it was sealed.
    """

    # StagedFile.__init__ is not called: there is no temporary file.
    def __init__(self, fd: int, path: Path, key: str, offset: int) -> None:
        self.fd: int | None = fd
        self.path = path
        self.key = key
        self.offset = offset
        self.size = 0
        self.adopted = True  # nothing to remove on discard: the object is not ours

    def write(self, data: bytes) -> None:
        assert self.fd is not None, "written after discard"
        view = memoryview(data)
        while view:
            done = os.pwrite(self.fd, view, self.offset + self.size)
            self.size += done
            view = view[done:]

    def finish(self) -> None:
        """Make the written bytes durable, then release the lock (the bytes are where they belong)."""
        if self.fd is not None:
            os.fdatasync(self.fd)
        self.discard()

    def rewind(self) -> BinaryIO:
        raise TypeError("an in-place upload is read through its storage key, not as a file")

    def discard(self) -> None:
        fd, self.fd = self.fd, None
        if fd is not None:
            os.close(fd)  # releases the shared lock


def validate_key(key: str) -> str:
    """Return ``key`` if it is a valid storage key; raise ``ValueError`` otherwise.

    A key is at most 512 characters of ``/``-separated, non-empty segments; no segment starts with ``.``
    (which refuses ``.`` and ``..`` and keeps a namespace for temporary files), none is longer than 200
    bytes in UTF-8, and no control character or backslash appears. A key neither starts nor ends with ``/``.
    """
    if not isinstance(key, str) or not key:
        raise ValueError("storage key must be a non-empty string")
    if len(key) > MAX_KEY_LENGTH:
        raise ValueError(f"storage key longer than {MAX_KEY_LENGTH} characters")
    if _FORBIDDEN.search(key):
        raise ValueError(f"storage key {key!r} contains a control character or a backslash")
    for segment in key.split("/"):
        if not segment:
            raise ValueError(f"storage key {key!r} is absolute or has an empty segment")
        if segment.startswith("."):
            raise ValueError(f"storage key {key!r} has a segment starting with '.'")
        if len(segment.encode("utf-8")) > MAX_SEGMENT_BYTES:
            raise ValueError(f"storage key {key!r} has a segment longer than {MAX_SEGMENT_BYTES} bytes")
    return key


def validate_range(start: int, end: int | None) -> None:
    if start < 0:
        raise ValueError("range start must be >= 0")
    if end is not None and end < start:
        raise ValueError("range end must be >= start")


def iter_source(data: Iterable[bytes] | BinaryIO, chunk_size: int = READ_CHUNK) -> Iterator[bytes]:
    """The chunks of ``data``: a binary file-like object is read ``chunk_size`` bytes at a time."""
    if isinstance(data, bytes | bytearray | memoryview):  # one buffer, not an iterable of ints
        if data:
            yield bytes(data)
        return
    read = getattr(data, "read", None)
    if callable(read):
        while True:
            chunk = read(chunk_size)
            if not chunk:
                return
            yield bytes(chunk)
    else:
        for chunk in data:
            if chunk:
                yield chunk


class ReadStream(Iterator[bytes]):
    """An iterator over the bytes of a stored object (or a range of it) that holds an open handle.

    Close it (or use ``with``) when you stop before the end; it closes itself when exhausted.
    """

    def __init__(self, chunks: Iterator[bytes], close: Callable[[], None]) -> None:
        self._chunks = chunks
        self._close: Callable[[], None] | None = close

    def __iter__(self) -> Self:
        return self

    def __next__(self) -> bytes:
        if self._close is None:
            raise StopIteration
        try:
            return next(self._chunks)
        except BaseException:
            self.close()
            raise

    def read_all(self) -> bytes:
        """Everything left, joined (for small objects and tests)."""
        return b"".join(self)

    def close(self) -> None:
        close, self._close = self._close, None
        if close is not None:
            close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class Storage(ABC):
    """Where media bytes live. Implementations are safe to share between threads."""

    @abstractmethod
    def write_stream(
        self, key: str, data: Iterable[bytes] | BinaryIO, *, content_type: str | None = None
    ) -> StoredObject:
        """Store the bytes of ``data`` under ``key``, replacing any object there.

        Streamed (memory use is bounded whatever the size) and atomic: readers see the old object or no
        object until the new one is complete. If ``data`` raises, or the backend fails, the exception
        propagates (backend failures as ``StorageError``) and nothing is left behind: no object, no
        temporary file, no pending multipart upload; an object previously under ``key`` is untouched.
        """

    @abstractmethod
    def open_read(self, key: str, start: int = 0, end: int | None = None) -> ReadStream:
        """The bytes ``[start, end)`` of the object (``end`` exclusive, ``None`` = to the end).

        The range is clipped to the object: ``start`` at or past the end gives no bytes. HTTP's inclusive
        ``bytes=a-b`` is ``open_read(key, a, b + 1)``. Raises ``StorageNotFound`` at once for a missing key.
        """

    @abstractmethod
    def size(self, key: str) -> int:
        """The object's size in bytes; ``StorageNotFound`` if there is none."""

    @abstractmethod
    def exists(self, key: str) -> bool: ...

    @abstractmethod
    def delete(self, key: str) -> None:
        """Remove the object; a missing key is not an error."""

    @abstractmethod
    def delete_prefix(self, prefix: str) -> None:
        """Remove every object whose key starts with ``prefix + "/"`` (whole segments: ``p/1`` does not
        touch ``p/10/…``)."""

    @abstractmethod
    def list_keys(self, prefix: str = "") -> Iterator[str]:
        """The keys under ``prefix + "/"`` (all keys for ``""``), in ascending UTF-8 byte order."""

    @abstractmethod
    def local_path(self, key: str) -> Path | None:
        """A filesystem path where the object lives (for tools such as ffprobe), or ``None`` if the
        backend is not a local filesystem. The path is not checked for existence."""

    @abstractmethod
    def check(self) -> None:
        """Raise ``StorageError`` unless the backend is reachable and usable (for start-up and health
        checks: a missing bucket, for instance, otherwise looks like missing keys to ``size``)."""

    def stage(self) -> StagedFile:
        """A new temporary file for an incoming upload, to be ``adopt``ed or discarded."""
        return StagedFile(None)

    def adopt(self, staged: StagedFile, key: str, *, content_type: str | None = None) -> int:
        """Store the bytes of ``staged`` under ``key`` (atomically, as ``write_stream``) and consume the file;
        returns the size. On failure the file is left for its owner to discard."""
        self.write_stream(key, staged.rewind(), content_type=content_type)
        staged.file.close()
        with contextlib.suppress(FileNotFoundError):
            staged.path.unlink()
        staged.adopted = True
        return staged.size

    def open_in_place(self, key: str, offset: int) -> InPlaceFile | None:
        """A writer into the object ``key`` (created if missing) at byte ``offset``, or ``None`` when this
        backend cannot write in place (S3): the caller stages the bytes instead. The object is not written
        atomically: use it only for objects nobody reads until ``seal_in_place`` made them final."""
        return None

    def seal_in_place(self, key: str, size: int, final_key: str) -> Callable[[bool], None] | None:
        """Make the in-place object ``key`` the final object ``final_key`` of ``size`` bytes, durable, if no
        ``open_in_place`` writer is active; ``None`` otherwise (compose a copy instead). The returned
        function must be called once the caller's transaction ends: with ``True`` when it committed,
        ``False`` to put the object back. Until then new writers wait."""
        return None

    def discard_in_place(self, key: str) -> None:  # noqa: B027 - nothing to do where nothing is in place
        """Remove the in-place object ``key`` unless an ``open_in_place`` writer is active (its bytes may
        be about to count); for an object that holds nothing anyone recorded."""

    def compose(self, key: str, parts: Sequence[Slice], *, content_type: str | None = None) -> int:
        """Store the concatenation of ``parts`` under ``key`` (atomically, as ``write_stream``); returns the
        size. The parts stay where they are. Raises ``StorageNotFound`` if one is missing.

        This default streams the bytes through; backends override it with server-side copies.
        """
        for part in parts:
            validate_range(part.start, part.end)
            if not self.exists(part.key):  # fail before writing anything
                raise StorageNotFound(part.key)

        def chunks() -> Iterator[bytes]:
            for part in parts:
                with self.open_read(part.key, part.start, part.end) as stream:
                    yield from stream

        return self.write_stream(key, chunks(), content_type=content_type).size

    def close(self) -> None:  # noqa: B027 - optional hook
        """Release connections; the storage is not used afterwards."""

    def read_bytes(self, key: str) -> bytes:
        """The whole object in memory: only for small objects."""
        with self.open_read(key) as stream:
            return stream.read_all()

    def write_bytes(self, key: str, data: bytes, *, content_type: str | None = None) -> StoredObject:
        return self.write_stream(key, [data], content_type=content_type)


def validate_prefix(prefix: str) -> str:
    """``""`` (everything) or a valid key used as a directory-like prefix; a trailing ``/`` is dropped."""
    if prefix == "":
        return prefix
    return validate_key(prefix.removesuffix("/"))


class Hasher:
    """Counts and hashes bytes as they stream past."""

    def __init__(self) -> None:
        self.size = 0
        self._sha = hashlib.sha256()

    def update(self, chunk: bytes) -> None:
        self.size += len(chunk)
        self._sha.update(chunk)

    def hexdigest(self) -> str:
        return self._sha.hexdigest()
