"""Storage in files under a root directory (by default ``<data dir>/storage``)."""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
import shutil
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import BinaryIO

from keyframe.storage.base import (
    READ_CHUNK,
    Hasher,
    InPlaceFile,
    ReadStream,
    Slice,
    StagedFile,
    Storage,
    StorageError,
    StorageNotFound,
    StoredObject,
    iter_source,
    validate_key,
    validate_prefix,
    validate_range,
)

TEMP_PREFIX = ".tmp-"


class LocalStorage(Storage):
    """Each key is a file under ``root``. Writes go to a temporary file in the target's directory, are
    fsynced and renamed over the target, so a reader sees either the old file or the complete new one.

    A key cannot also be a prefix of other keys here (a file cannot be a directory); such a write fails
    with ``StorageError``. Key segments never start with ``.``, so temporary files are never listed.
    """

    def __init__(self, root: Path) -> None:
        self.root = Path(root).resolve()
        try:
            self.root.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StorageError(f"cannot create the storage directory {str(self.root)!r}: {exc}") from exc

    def __repr__(self) -> str:
        return f"LocalStorage({str(self.root)!r})"

    def check(self) -> None:
        if not self.root.is_dir() or not os.access(self.root, os.W_OK | os.X_OK):
            raise StorageError(f"the storage directory {str(self.root)!r} is not a writable directory")

    def _path(self, key: str) -> Path:
        return self.root.joinpath(*validate_key(key).split("/"))

    # -- writing ---------------------------------------------------------------------------------------

    def _make_temp(self, directory: Path, key: str) -> tuple[int, str]:
        # A concurrent delete may prune the directory between mkdir and mkstemp: try again.
        for attempt in range(5):
            try:
                directory.mkdir(parents=True, exist_ok=True)
                return tempfile.mkstemp(dir=directory, prefix=TEMP_PREFIX)
            except FileNotFoundError:
                if attempt == 4:
                    raise StorageError(f"cannot create a temporary file for {key!r}") from None
            except OSError as exc:
                raise StorageError(f"cannot write {key!r}: {exc.strerror or exc}") from exc
        raise AssertionError("unreachable")  # pragma: no cover

    def write_stream(
        self, key: str, data: Iterable[bytes] | BinaryIO, *, content_type: str | None = None
    ) -> StoredObject:
        target = self._path(key)
        fd, temp = self._make_temp(target.parent, key)
        hasher = Hasher()
        try:
            with os.fdopen(fd, "wb") as out:
                for chunk in iter_source(data):  # the caller's errors propagate unchanged
                    hasher.update(chunk)
                    try:
                        out.write(chunk)
                    except OSError as exc:
                        raise StorageError(f"cannot write {key!r}: {exc.strerror or exc}") from exc
                try:
                    out.flush()
                    os.fsync(out.fileno())
                except OSError as exc:
                    raise StorageError(f"cannot write {key!r}: {exc.strerror or exc}") from exc
            try:
                os.replace(temp, target)
            except OSError as exc:
                raise StorageError(f"cannot write {key!r}: {exc.strerror or exc}") from exc
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(temp)
            raise
        _fsync_directory(target.parent)
        return StoredObject(key=key, size=hasher.size, sha256=hasher.hexdigest())

    def stage(self) -> StagedFile:
        # In the root, so adopting it is a rename on the same filesystem; its name hides it from listings
        # and lets remove_stale_temporaries sweep it if the process dies.
        try:
            return StagedFile(self.root, prefix=TEMP_PREFIX + "upload-")
        except OSError as exc:
            raise StorageError(f"cannot create an upload file: {exc.strerror or exc}") from exc

    def adopt(self, staged: StagedFile, key: str, *, content_type: str | None = None) -> int:
        if staged.path.parent != self.root:
            return super().adopt(staged, key, content_type=content_type)
        target = self._path(key)
        try:
            staged.file.flush()
            os.fsync(staged.file.fileno())
            staged.file.close()
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(staged.path, target)
        except OSError as exc:
            raise StorageError(f"cannot write {key!r}: {exc.strerror or exc}") from exc
        staged.adopted = True
        _fsync_directory(target.parent)
        return staged.size

    def open_in_place(self, key: str, offset: int) -> InPlaceFile | None:
        path = self._path(key)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(path, os.O_WRONLY | os.O_CREAT, 0o600)
        except OSError as exc:
            raise StorageError(f"cannot write {key!r}: {exc.strerror or exc}") from exc
        try:
            fcntl.flock(fd, fcntl.LOCK_SH)  # waits while a seal is being committed
            # A seal that won while we waited moved the file away: it is final now, not ours to write.
            mine = os.fstat(fd)
            current = os.stat(path)
            if (mine.st_dev, mine.st_ino) != (current.st_dev, current.st_ino):
                os.close(fd)
                return None
        except FileNotFoundError:
            os.close(fd)
            return None
        except OSError as exc:
            os.close(fd)
            raise StorageError(f"cannot write {key!r}: {exc.strerror or exc}") from exc
        return InPlaceFile(fd, path, key, offset)

    def seal_in_place(self, key: str, size: int, final_key: str) -> Callable[[bool], None] | None:
        path, target = self._path(key), self._path(final_key)
        try:
            fd = os.open(path, os.O_RDWR)
        except OSError as exc:
            raise StorageError(f"cannot seal {key!r}: {exc.strerror or exc}") from exc
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return None  # a writer is active
        try:
            os.ftruncate(fd, size)  # an earlier, longer attempt may have left bytes past the end
            os.fsync(fd)
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(path, target)
            _fsync_directory(target.parent)
        except OSError as exc:
            os.close(fd)
            raise StorageError(f"cannot seal {key!r}: {exc.strerror or exc}") from exc

        def release(committed: bool) -> None:
            try:
                if not committed:
                    os.replace(target, path)
            finally:
                os.close(fd)  # new writers may go on (and find the file gone if it was sealed)

        return release

    def discard_in_place(self, key: str) -> None:
        path = self._path(key)
        try:
            fd = os.open(path, os.O_RDONLY)
        except FileNotFoundError:
            return
        except OSError as exc:
            raise StorageError(f"cannot delete {key!r}: {exc.strerror or exc}") from exc
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            # A writer that opened the path meanwhile finds it gone (or another file) and stages instead.
            path.unlink(missing_ok=True)
        except BlockingIOError:
            pass  # in use: it goes with the token
        except OSError as exc:
            raise StorageError(f"cannot delete {key!r}: {exc.strerror or exc}") from exc
        finally:
            os.close(fd)

    def compose(self, key: str, parts: Sequence[Slice], *, content_type: str | None = None) -> int:
        """Copied inside the kernel (``copy_file_range``: no trip through Python, a reflink on filesystems
        that share blocks) into a temporary file that is then renamed over the target."""
        sources = []
        try:
            for part in parts:
                validate_range(part.start, part.end)
                try:
                    sources.append((open(self._path(part.key), "rb"), part))  # noqa: SIM115 - closed below
                except (FileNotFoundError, NotADirectoryError, IsADirectoryError):
                    raise StorageNotFound(part.key) from None
                except OSError as exc:
                    raise StorageError(f"cannot read {part.key!r}: {exc.strerror or exc}") from exc
            target = self._path(key)
            fd, temp = self._make_temp(target.parent, key)
            size = 0
            try:
                with os.fdopen(fd, "wb") as out:
                    for handle, part in sources:
                        length = os.fstat(handle.fileno()).st_size
                        end = length if part.end is None else min(part.end, length)
                        if end > part.start:
                            _copy_range(handle, out, part.start, end - part.start, size)
                            size += end - part.start
                    out.flush()
                    os.fsync(out.fileno())
                os.replace(temp, target)
            except OSError as exc:
                with contextlib.suppress(OSError):
                    os.unlink(temp)
                raise StorageError(f"cannot write {key!r}: {exc.strerror or exc}") from exc
            except BaseException:
                with contextlib.suppress(OSError):
                    os.unlink(temp)
                raise
        finally:
            for handle, _part in sources:
                handle.close()
        _fsync_directory(target.parent)
        return size

    # -- reading ---------------------------------------------------------------------------------------

    def open_read(self, key: str, start: int = 0, end: int | None = None) -> ReadStream:
        path = self._path(key)
        validate_range(start, end)
        try:
            handle = open(path, "rb")  # noqa: SIM115 - closed by the ReadStream
        except (FileNotFoundError, NotADirectoryError, IsADirectoryError):
            raise StorageNotFound(key) from None
        except OSError as exc:
            raise StorageError(f"cannot read {key!r}: {exc.strerror or exc}") from exc
        try:
            handle.seek(start)
        except OSError as exc:
            handle.close()
            raise StorageError(f"cannot read {key!r}: {exc.strerror or exc}") from exc
        return ReadStream(_read_chunks(handle, key, None if end is None else end - start), handle.close)

    def size(self, key: str) -> int:
        path = self._path(key)
        try:
            st = path.stat()
        except (FileNotFoundError, NotADirectoryError):
            raise StorageNotFound(key) from None
        except OSError as exc:
            raise StorageError(f"cannot stat {key!r}: {exc.strerror or exc}") from exc
        if not path.is_file():
            raise StorageNotFound(key)
        return st.st_size

    def exists(self, key: str) -> bool:
        return self._path(key).is_file()

    def local_path(self, key: str) -> Path | None:
        return self._path(key)

    def list_keys(self, prefix: str = "") -> Iterator[str]:
        prefix = validate_prefix(prefix)
        base = self.root.joinpath(*prefix.split("/")) if prefix else self.root
        keys: list[str] = []
        for dirpath, dirnames, filenames in os.walk(base, onerror=_walk_error):
            dirnames[:] = [d for d in dirnames if not d.startswith(".")]
            rel = Path(dirpath).relative_to(self.root).as_posix()
            for name in filenames:
                if not name.startswith("."):
                    keys.append(name if rel == "." else f"{rel}/{name}")
        keys.sort(key=lambda k: k.encode("utf-8"))
        return iter(keys)

    # -- deleting --------------------------------------------------------------------------------------

    def delete(self, key: str) -> None:
        path = self._path(key)
        try:
            path.unlink()
        except (FileNotFoundError, NotADirectoryError):
            return
        except IsADirectoryError:
            return
        except OSError as exc:
            raise StorageError(f"cannot delete {key!r}: {exc.strerror or exc}") from exc
        self._prune(path.parent)

    def delete_prefix(self, prefix: str) -> None:
        prefix = validate_prefix(prefix)
        if not prefix:
            raise ValueError("refusing to delete every stored object (empty prefix)")
        path = self.root.joinpath(*prefix.split("/"))
        if not path.is_dir():
            return
        try:
            shutil.rmtree(path)
        except FileNotFoundError:
            pass
        except OSError as exc:
            raise StorageError(f"cannot delete {prefix!r}/: {exc.strerror or exc}") from exc
        self._prune(path.parent)

    def _prune(self, directory: Path) -> None:
        """Remove empty directories from ``directory`` up to (not including) the root."""
        while directory != self.root and self.root in directory.parents:
            try:
                directory.rmdir()
            except OSError:
                return
            directory = directory.parent

    def remove_stale_temporaries(self, older_than: float) -> int:
        """Remove temporary files of writes that died with their process (older than ``older_than``
        seconds since their last change); returns how many were removed."""
        limit = time.time() - older_than
        removed = 0
        for dirpath, _dirnames, filenames in os.walk(self.root):
            for name in filenames:
                if name.startswith(TEMP_PREFIX):
                    path = Path(dirpath) / name
                    with contextlib.suppress(OSError):
                        if path.stat().st_mtime < limit:
                            path.unlink()
                            removed += 1
        return removed


def _read_chunks(handle: BinaryIO, key: str, remaining: int | None) -> Iterator[bytes]:
    while remaining is None or remaining > 0:
        want = READ_CHUNK if remaining is None else min(READ_CHUNK, remaining)
        try:
            chunk = handle.read(want)
        except OSError as exc:
            raise StorageError(f"cannot read {key!r}: {exc.strerror or exc}") from exc
        if not chunk:
            return
        if remaining is not None:
            remaining -= len(chunk)
        yield chunk


def _copy_range(source: BinaryIO, out: BinaryIO, start: int, length: int, out_offset: int) -> None:
    """Copy ``length`` bytes of ``source`` from ``start`` to ``out`` at ``out_offset``."""
    copied = 0
    try:
        while copied < length:
            done = os.copy_file_range(
                source.fileno(), out.fileno(), length - copied, start + copied, out_offset + copied
            )
            if done == 0:  # the source shrank under us
                raise OSError(f"short read copying {length} bytes")
            copied += done
        return
    except OSError as exc:
        # Filesystems or kernels without copy_file_range (or across devices): copy through a buffer.
        if exc.errno not in (errno.EXDEV, errno.ENOSYS, errno.EOPNOTSUPP, errno.EINVAL):
            raise
    source.seek(start + copied)
    out.seek(out_offset + copied)
    while copied < length:
        chunk = source.read(min(READ_CHUNK, length - copied))
        if not chunk:
            raise OSError(f"short read copying {length} bytes")
        out.write(chunk)
        copied += len(chunk)


def _walk_error(exc: OSError) -> None:
    if not isinstance(exc, FileNotFoundError | NotADirectoryError):
        raise StorageError(f"cannot list stored objects: {exc.strerror or exc}") from exc


def _fsync_directory(directory: Path) -> None:
    """Make the rename durable (best effort: not every platform can open a directory)."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
