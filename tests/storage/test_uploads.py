"""Staging, adopting and composing (what streamed uploads use), on every storage backend."""

from __future__ import annotations

import threading

import pytest

from keyframe.storage import Storage, StorageNotFound
from keyframe.storage.base import InPlaceFile, Slice
from tests.conftest import Backend
from tests.storage.test_behaviour import MIB, pattern


def test_stage_and_adopt(backend: Backend) -> None:
    storage = backend.storage
    staged = storage.stage()
    staged.write(b"hello, ")
    staged.write(b"upload")
    assert storage.adopt(staged, "p/1/uploads/t/parts/a") == 13
    staged.discard()  # does nothing once adopted
    assert storage.read_bytes("p/1/uploads/t/parts/a") == b"hello, upload"
    assert list(storage.list_keys()) == ["p/1/uploads/t/parts/a"]
    assert backend.leftovers() == []


def test_a_discarded_staged_file_leaves_nothing(backend: Backend) -> None:
    staged = backend.storage.stage()
    staged.write(b"never adopted")
    staged.discard()
    assert not staged.path.exists()
    assert list(backend.storage.list_keys()) == []
    assert backend.leftovers() == []


def test_staged_files_of_local_storage_are_adopted_by_rename(backend: Backend) -> None:
    if backend.root is None:
        pytest.skip("local storage only")
    staged = backend.storage.stage()
    assert staged.path.parent == backend.root  # same filesystem: no copy
    staged.write(b"x")
    inode = staged.path.stat().st_ino
    backend.storage.adopt(staged, "a/b")
    assert (backend.root / "a" / "b").stat().st_ino == inode


def test_compose_small_parts_and_slices(storage: Storage) -> None:
    storage.write_bytes("parts/1", b"0123456789")
    storage.write_bytes("parts/2", b"abcdef")
    storage.write_bytes("parts/3", b"")
    size = storage.compose(
        "whole", [Slice("parts/1"), Slice("parts/2", 2, 4), Slice("parts/3"), Slice("parts/1", 8)]
    )
    assert size == 10 + 2 + 0 + 2
    assert storage.read_bytes("whole") == b"0123456789cd89"
    assert storage.read_bytes("parts/2") == b"abcdef"  # the parts stay


def test_compose_nothing_is_an_empty_object(storage: Storage) -> None:
    assert storage.compose("empty", []) == 0
    assert storage.read_bytes("empty") == b""


def test_compose_large_parts(backend: Backend) -> None:
    """Parts of 5 MiB and more: S3 copies them server-side, local storage in the kernel."""
    storage = backend.storage
    first, second = pattern(5 * MIB + 3, seed=1), pattern(MIB, seed=2)
    storage.write_bytes("big/1", first)
    storage.write_bytes("big/2", second)
    assert storage.compose("big/whole", [Slice("big/1"), Slice("big/2", 10)]) == len(first) + MIB - 10
    assert storage.read_bytes("big/whole") == first + second[10:]
    assert backend.leftovers() == []


def test_compose_with_a_missing_part_writes_nothing(backend: Backend) -> None:
    storage = backend.storage
    storage.write_bytes("parts/1", b"abc")
    storage.write_bytes("whole", b"old")
    with pytest.raises(StorageNotFound):
        storage.compose("whole", [Slice("parts/1"), Slice("parts/missing")])
    assert storage.read_bytes("whole") == b"old"
    assert backend.leftovers() == []


def test_compose_replaces_atomically(storage: Storage) -> None:
    storage.write_bytes("parts/1", b"new")
    storage.write_bytes("whole", b"old contents")
    storage.compose("whole", [Slice("parts/1")])
    assert storage.read_bytes("whole") == b"new"


# --- in place (local storage) --------------------------------------------------------------------


@pytest.fixture
def local(backend: Backend) -> Storage:
    if backend.root is None:
        assert backend.storage.open_in_place("a", 0) is None  # S3 cannot: callers stage instead
        pytest.skip("local storage only")
    return backend.storage


def test_in_place_writes_land_at_their_offsets_and_seal_by_rename(local: Storage) -> None:
    second = local.open_in_place("t/assembly", 5)
    first = local.open_in_place("t/assembly", 0)
    assert first is not None and second is not None
    second.write(b"56789")
    first.write(b"01234")
    first.finish()
    second.finish()
    release = local.seal_in_place("t/assembly", 10, "t/file")
    assert release is not None
    release(True)
    assert local.read_bytes("t/file") == b"0123456789"
    assert not local.exists("t/assembly")


def test_no_seal_while_a_writer_is_active(local: Storage) -> None:
    writer = local.open_in_place("t/assembly", 0)
    assert writer is not None
    writer.write(b"abc")
    assert local.seal_in_place("t/assembly", 3, "t/file") is None  # compose a copy instead
    writer.finish()
    release = local.seal_in_place("t/assembly", 3, "t/file")
    assert release is not None
    release(True)
    assert local.read_bytes("t/file") == b"abc"


def test_a_writer_waiting_for_a_seal_never_writes_into_the_sealed_file(local: Storage) -> None:
    first = local.open_in_place("t/assembly", 0)
    assert first is not None
    first.write(b"final")
    first.finish()
    release = local.seal_in_place("t/assembly", 5, "t/file")
    assert release is not None
    # A writer that comes while the seal's transaction is open, or after, gets a new assembly (or none):
    # the sealed file is out of its reach.
    opened: list[InPlaceFile | None] = []
    late = threading.Thread(target=lambda: opened.append(local.open_in_place("t/assembly", 0)))
    late.start()
    late.join(5)
    release(True)
    writer = opened[0]
    if writer is not None:
        writer.write(b"XXXXX")
        writer.finish()
    assert local.read_bytes("t/file") == b"final"


def test_a_rolled_back_seal_puts_the_assembly_back_for_its_writers(local: Storage) -> None:
    first = local.open_in_place("t/assembly", 0)
    assert first is not None
    first.write(b"ab")
    first.finish()
    release = local.seal_in_place("t/assembly", 2, "t/file")
    assert release is not None
    release(False)
    assert local.read_bytes("t/assembly") == b"ab" and not local.exists("t/file")
    more = local.open_in_place("t/assembly", 2)
    assert more is not None
    more.write(b"cd")
    more.finish()
    assert local.read_bytes("t/assembly") == b"abcd"


def test_discard_in_place_spares_an_assembly_in_use(local: Storage) -> None:
    writer = local.open_in_place("t/assembly", 0)
    assert writer is not None
    writer.write(b"busy")
    local.discard_in_place("t/assembly")
    assert local.exists("t/assembly")
    writer.finish()
    local.discard_in_place("t/assembly")
    assert not local.exists("t/assembly")
