"""The master key: generated once into the data directory, whole for everyone who reads it even when many
processes start at once, and never shorter than ``MIN_KEY_BYTES`` (a weak key stops Keyframe)."""

from __future__ import annotations

import multiprocessing
import os
import secrets
import stat
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
from pydantic import SecretStr

from keyframe.config import Settings
from keyframe.crypto import KEY_FILE, MIN_KEY_BYTES, SecretKeyError, TokenCipher, master_key

STARTERS = 16
ROUNDS = 5


def _key_in_child(data_dir: str, start: Any, out: Any) -> None:
    """One starting process (``start``: an Event, ``out``: a Queue of keys or errors)."""
    # A writer that dawdles while making its key (a busy machine): were the key file created before it
    # holds the key, the others would read it empty or short meanwhile.
    real = secrets.token_bytes

    def slow_token_bytes(count: int) -> bytes:
        time.sleep(0.05)
        return real(count)

    with mock.patch("keyframe.crypto.secrets.token_bytes", slow_token_bytes):
        start.wait(30)
        try:
            out.put(master_key(Settings(data_dir=Path(data_dir))))
        except Exception as error:  # reported to the test
            out.put(repr(error))


def test_processes_starting_at_once_share_one_whole_key(tmp_path: Path) -> None:
    # Separate processes (each with its own in-process lock, as separate Keyframe processes have), forked
    # from a single-threaded server that has imported Keyframe already: quick, and no fork of this
    # process's threads.
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload([__name__])
    for round_ in range(ROUNDS):
        data_dir = tmp_path / f"round-{round_}"
        start, out = context.Event(), context.Queue()
        children = [
            context.Process(target=_key_in_child, args=(str(data_dir), start, out)) for _ in range(STARTERS)
        ]
        for child in children:
            child.start()
        start.set()
        keys = [out.get(timeout=60) for _ in children]
        for child in children:
            child.join(30)
        assert all(isinstance(k, bytes) for k in keys), keys
        assert len(set(keys)) == 1, keys
        (key,) = set(keys)
        assert len(key) >= MIN_KEY_BYTES
        assert (data_dir / KEY_FILE).read_bytes() == key
        assert stat.S_IMODE((data_dir / KEY_FILE).stat().st_mode) == 0o600
        assert os.listdir(data_dir) == [KEY_FILE]  # no temporary file left behind


def test_threads_starting_at_once_share_one_whole_key(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "new")
    with ThreadPoolExecutor(STARTERS) as pool:
        keys = set(pool.map(lambda _: master_key(settings), range(STARTERS)))
    assert len(keys) == 1 and len(keys.pop()) >= MIN_KEY_BYTES


def test_an_existing_key_is_kept(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path)
    first = master_key(settings)
    assert master_key(settings) == first
    (tmp_path / KEY_FILE).write_bytes(b"x" * MIN_KEY_BYTES + b"\n")  # an operator's own key file
    assert master_key(settings) == b"x" * MIN_KEY_BYTES


@pytest.mark.parametrize("content", [b"", b"\n", b"dGVzdA==", b"y" * (MIN_KEY_BYTES - 1) + b"\n"])
def test_an_empty_or_truncated_key_file_is_refused(tmp_path: Path, content: bytes) -> None:
    (tmp_path / KEY_FILE).write_bytes(content)
    settings = Settings(data_dir=tmp_path)
    with pytest.raises(SecretKeyError, match=f"at least {MIN_KEY_BYTES}") as refused:
        TokenCipher(settings)
    assert str(tmp_path / KEY_FILE) in str(refused.value)
    assert (tmp_path / KEY_FILE).read_bytes() == content  # never replaced: tokens may be under it


@pytest.mark.parametrize("key", ["short", "x" * (MIN_KEY_BYTES - 1), "é" * 15])
def test_a_short_secret_key_setting_is_refused(tmp_path: Path, key: str) -> None:
    settings = Settings(data_dir=tmp_path, secret_key=SecretStr(key))
    with pytest.raises(SecretKeyError, match="KEYFRAME_SECRET_KEY") as refused:
        master_key(settings)
    assert key not in str(refused.value)  # the message never repeats the secret
    assert not (tmp_path / KEY_FILE).exists()


def test_a_long_enough_secret_key_setting_is_used_as_it_is(tmp_path: Path) -> None:
    key = "k" * MIN_KEY_BYTES
    assert master_key(Settings(data_dir=tmp_path, secret_key=SecretStr(key))) == key.encode()
    assert master_key(Settings(data_dir=tmp_path, secret_key=SecretStr("é" * 16))) == ("é" * 16).encode()
    assert not (tmp_path / KEY_FILE).exists()
    # Empty is unset: the generated key file.
    assert len(master_key(Settings(data_dir=tmp_path, secret_key=SecretStr("")))) >= MIN_KEY_BYTES
