"""One behavioural suite, run against every storage backend (see conftest.py)."""

from __future__ import annotations

import hashlib
import io
import os
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest

from keyframe.storage import Storage, StorageError, StorageNotFound, StoredObject
from tests.conftest import Backend

MIB = 1024 * 1024


def pattern(size: int, seed: int = 0) -> bytes:
    """Deterministic, non-repeating-looking bytes."""
    block = hashlib.sha256(str(seed).encode()).digest() * 64  # 2 KiB
    return (block * (size // len(block) + 1))[:size]


def test_round_trip(storage: Storage) -> None:
    data = b"hello, storage"
    stored = storage.write_bytes("p/100/entries/0_abcd1234/source", data, content_type="text/plain")
    assert stored == StoredObject(
        "p/100/entries/0_abcd1234/source", len(data), hashlib.sha256(data).hexdigest()
    )
    assert storage.read_bytes("p/100/entries/0_abcd1234/source") == data
    assert storage.exists("p/100/entries/0_abcd1234/source")
    assert storage.size("p/100/entries/0_abcd1234/source") == len(data)


def test_empty_object(storage: Storage) -> None:
    stored = storage.write_stream("a/empty", iter([]))
    assert stored.size == 0
    assert stored.sha256 == hashlib.sha256(b"").hexdigest()
    assert storage.exists("a/empty")
    assert storage.size("a/empty") == 0
    assert storage.read_bytes("a/empty") == b""
    assert storage.open_read("a/empty", 0, 10).read_all() == b""


def test_write_from_file_object_and_small_chunks(storage: Storage) -> None:
    data = pattern(300_000)
    assert storage.write_stream("f/file", io.BytesIO(data)).size == len(data)
    assert storage.read_bytes("f/file") == data
    chunks = (data[i : i + 1000] for i in range(0, len(data), 1000))
    stored = storage.write_stream("f/chunks", chunks)
    assert stored.sha256 == hashlib.sha256(data).hexdigest()
    assert storage.read_bytes("f/chunks") == data


def test_large_streamed_write(backend: Backend) -> None:
    storage = backend.storage
    size = 20 * MIB + 12345
    chunk = MIB + 7  # odd chunk sizes: part boundaries fall inside chunks
    data = pattern(size, seed=1)
    stored = storage.write_stream("big/source", (data[i : i + chunk] for i in range(0, size, chunk)))
    assert stored.size == size
    assert stored.sha256 == hashlib.sha256(data).hexdigest()
    assert storage.size("big/source") == size
    digest = hashlib.sha256()
    with storage.open_read("big/source") as stream:
        for piece in stream:
            assert len(piece) <= 8 * MIB
            digest.update(piece)
    assert digest.hexdigest() == stored.sha256
    # ranges across the 8 MiB part boundaries
    for start, end in [(8 * MIB - 3, 8 * MIB + 3), (16 * MIB - 1, 16 * MIB + 1), (size - 10, None)]:
        assert storage.open_read("big/source", start, end).read_all() == data[start:end]
    assert backend.leftovers() == []


@pytest.mark.parametrize(
    ("start", "end"),
    [
        (0, None),
        (0, 1),
        (0, 1000),
        (10, 20),
        (999, None),
        (999, 1000),
        (500, None),
        (500, 5000),  # end past the object: clipped
        (1000, None),  # start at the end: nothing
        (1000, 1001),
        (2000, None),  # start past the end: nothing
        (5, 5),  # empty range
        (0, 0),
    ],
)
def test_ranges(storage: Storage, start: int, end: int | None) -> None:
    data = pattern(1000, seed=2)
    storage.write_bytes("r/obj", data)
    assert storage.open_read("r/obj", start, end).read_all() == data[start:end]


def test_invalid_ranges(storage: Storage) -> None:
    storage.write_bytes("r/obj", b"0123456789")
    with pytest.raises(ValueError, match="start"):
        storage.open_read("r/obj", -1)
    with pytest.raises(ValueError, match="end"):
        storage.open_read("r/obj", 5, 4)


def test_read_stream_closes_early(storage: Storage) -> None:
    data = pattern(3 * MIB, seed=3)
    storage.write_bytes("c/obj", data)
    with storage.open_read("c/obj") as stream:
        first = next(stream)
    assert data.startswith(first)
    assert list(stream) == []  # closed: no more chunks
    stream.close()  # closing twice is fine


def test_missing_keys(storage: Storage) -> None:
    with pytest.raises(StorageNotFound) as caught:
        storage.open_read("no/such/key")
    assert isinstance(caught.value, KeyError)
    assert isinstance(caught.value, StorageError)
    assert caught.value.key == "no/such/key"
    assert "no/such/key" in str(caught.value)
    with pytest.raises(StorageNotFound):
        storage.open_read("no/such/key", 5, 10)
    with pytest.raises(StorageNotFound):
        storage.open_read("no/such/key", 5, 5)
    with pytest.raises(StorageNotFound):
        storage.size("no/such/key")
    with pytest.raises(StorageNotFound):
        storage.read_bytes("no/such/key")
    assert not storage.exists("no/such/key")
    storage.write_bytes("no/such/key/below", b"x")
    assert not storage.exists("no/such")  # a prefix is not an object
    with pytest.raises(StorageNotFound):
        storage.size("no/such")


def test_overwrite(storage: Storage) -> None:
    storage.write_bytes("o/obj", pattern(5000, seed=4))
    storage.write_bytes("o/obj", b"short")
    assert storage.read_bytes("o/obj") == b"short"
    assert storage.size("o/obj") == 5
    assert list(storage.list_keys("o")) == ["o/obj"]


def test_delete_is_idempotent(storage: Storage) -> None:
    storage.write_bytes("d/obj", b"bytes")
    storage.write_bytes("d/other", b"bytes")
    storage.delete("d/obj")
    assert not storage.exists("d/obj")
    storage.delete("d/obj")
    storage.delete("never/written")
    assert storage.read_bytes("d/other") == b"bytes"


def test_delete_prefix(storage: Storage) -> None:
    keys = ["p/1/a", "p/1/b/c", "p/1/b/d", "p/10/a", "p/1x", "q/1/a"]
    for key in keys:
        storage.write_bytes(key, key.encode())
    storage.delete_prefix("p/1")
    assert list(storage.list_keys()) == ["p/10/a", "p/1x", "q/1/a"]
    storage.delete_prefix("p/1")  # again: nothing to do
    storage.delete_prefix("nothing/here")
    storage.delete_prefix("p/10/")  # a trailing slash is the same prefix
    assert list(storage.list_keys()) == ["p/1x", "q/1/a"]
    with pytest.raises(ValueError, match="empty prefix"):
        storage.delete_prefix("")
    with pytest.raises(ValueError):
        storage.delete_prefix("../p")


def test_delete_prefix_many(storage: Storage) -> None:
    for i in range(30):
        storage.write_bytes(f"many/{i:03d}", b"x")
    storage.delete_prefix("many")
    assert list(storage.list_keys("many")) == []


def test_list_keys(storage: Storage) -> None:
    keys = ["b/2", "a/1", "a/b/c", "a-b/1", "a/0_x/source", "z"]
    for key in keys:
        storage.write_bytes(key, b"x")
    assert list(storage.list_keys()) == sorted(keys, key=str.encode)
    assert list(storage.list_keys("a")) == ["a/0_x/source", "a/1", "a/b/c"]
    assert list(storage.list_keys("a/")) == ["a/0_x/source", "a/1", "a/b/c"]
    assert list(storage.list_keys("a/b")) == ["a/b/c"]
    assert list(storage.list_keys("z")) == []  # an object is not a prefix
    assert list(storage.list_keys("nothing")) == []


BAD_KEYS = [
    "",
    "/abs/path",
    "a//b",
    "a/",
    "../x",
    "a/../b",
    "a/./b",
    ".hidden",
    "a/.tmp-123",
    "a\\b",
    "a\x00b",
    "a\nb",
    "x" * 513,
    "a/" + "y" * 201,
]


@pytest.mark.parametrize("key", BAD_KEYS)
def test_key_validation(storage: Storage, key: str) -> None:
    with pytest.raises(ValueError):
        storage.write_bytes(key, b"x")
    with pytest.raises(ValueError):
        storage.open_read(key)
    with pytest.raises(ValueError):
        storage.size(key)
    with pytest.raises(ValueError):
        storage.exists(key)
    with pytest.raises(ValueError):
        storage.delete(key)
    with pytest.raises(ValueError):
        storage.local_path(key)
    assert list(storage.list_keys()) == []


def test_unusual_but_valid_keys(storage: Storage) -> None:
    keys = ["sp ace/é/日本", "a:b/c@d+e=f,g", "x" * 200, "/".join(["s"] * 100)]
    for key in keys:
        storage.write_bytes(key, key.encode())
        assert storage.read_bytes(key) == key.encode()
    assert sorted(storage.list_keys(), key=str.encode) == sorted(keys, key=str.encode)


def test_reader_never_sees_a_partial_write(backend: Backend) -> None:
    storage = backend.storage
    seen: list[object] = []

    def chunks(size: int) -> Iterator[bytes]:
        for i in range(0, size, MIB):
            yield b"n" * min(MIB, size - i)
            seen.append(
                (
                    storage.exists("w/new"),
                    list(storage.list_keys("w")),
                    storage.read_bytes("w/old"),
                    storage.size("w/old"),
                )
            )

    storage.write_bytes("w/old", b"old")
    for size in (3 * MIB, 12 * MIB):  # a single PUT on S3 and a multipart upload
        storage.write_stream("w/old", chunks(size))
        assert storage.size("w/old") == size
        storage.write_bytes("w/old", b"old")
    assert seen and all(s == (False, ["w/old"], b"old", 3) for s in seen)

    storage.write_bytes("w/new", b"old")
    seen.clear()

    def replacing() -> Iterator[bytes]:
        for _ in range(10):
            yield b"N" * MIB
            seen.append(storage.read_bytes("w/new"))

    storage.write_stream("w/new", replacing())
    assert seen == [b"old"] * 10
    assert storage.read_bytes("w/new") == b"N" * 10 * MIB
    assert backend.leftovers() == []


class Boom(Exception):
    pass


@pytest.mark.parametrize("size", [1000, 3 * MIB, 12 * MIB, 20 * MIB])
def test_failed_write_leaves_nothing(backend: Backend, size: int) -> None:
    storage = backend.storage

    def failing() -> Iterator[bytes]:
        for i in range(0, size, MIB):
            yield b"z" * min(MIB, size - i)
        raise Boom("client went away")

    with pytest.raises(Boom):
        storage.write_stream("x/new", failing())
    assert not storage.exists("x/new")
    assert backend.leftovers() == []

    storage.write_bytes("x/old", b"previous")
    with pytest.raises(Boom):
        storage.write_stream("x/old", failing())
    assert storage.read_bytes("x/old") == b"previous"
    assert list(storage.list_keys()) == ["x/old"]
    assert backend.leftovers() == []


def test_failed_write_from_file_object(backend: Backend) -> None:
    class Broken(io.RawIOBase):
        def __init__(self) -> None:
            self.left = 10

        def readable(self) -> bool:
            return True

        def read(self, n: int = -1) -> bytes:
            self.left -= 1
            if self.left < 0:
                raise OSError("disk of the sender failed")
            return b"q" * MIB

    with pytest.raises(OSError, match="sender"):  # the caller's error, not wrapped
        backend.storage.write_stream("y/obj", Broken())
    assert not backend.storage.exists("y/obj")
    assert backend.leftovers() == []


def test_threads(storage: Storage) -> None:
    def work(i: int) -> bytes:
        key = f"t/{i % 4}/{i}"
        data = pattern(200_000 + i, seed=i)
        storage.write_stream(key, (data[j : j + 65536] for j in range(0, len(data), 65536)))
        got = storage.read_bytes(key)
        assert storage.open_read(key, 100, 200).read_all() == data[100:200]
        if i % 3 == 0:
            storage.delete(key)
        return got

    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(work, range(32)))
    assert all(r == pattern(200_000 + i, seed=i) for i, r in enumerate(results))
    assert len(list(storage.list_keys("t"))) == 32 - len(range(0, 32, 3))


def test_local_path(backend: Backend) -> None:
    storage = backend.storage
    storage.write_bytes("l/obj", b"on disk")
    path = storage.local_path("l/obj")
    if backend.kind == "s3":
        assert path is None
        return
    assert path is not None and backend.root is not None
    assert path.read_bytes() == b"on disk"
    assert path.is_relative_to(backend.root)
    assert os.path.isabs(path)
