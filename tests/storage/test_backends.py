"""Backend-specific behaviour: choosing the backend from settings, S3 errors and clean-up of writes that
died with their process."""

from __future__ import annotations

import os
import socket
import time
import traceback
from pathlib import Path

import pytest

from keyframe.config import Settings
from keyframe.storage import LocalStorage, StorageConfig, StorageError, open_storage
from keyframe.storage.s3 import S3Config, S3Storage
from tests.conftest import ACCESS_KEY, BUCKET, REGION, SECRET_KEY, Backend, MotoS3


def test_default_is_local_files_under_the_data_dir(tmp_path: Path) -> None:
    storage = open_storage(StorageConfig(data_dir=tmp_path))
    assert isinstance(storage, LocalStorage)
    assert storage.root == (tmp_path / "storage").resolve()
    storage.write_bytes("a/b", b"x")
    assert (tmp_path / "storage" / "a" / "b").read_bytes() == b"x"


def test_from_settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KEYFRAME_DATA_DIR", str(tmp_path))
    config = StorageConfig.from_settings(Settings())
    assert config.data_dir == tmp_path
    assert isinstance(open_storage(config), LocalStorage)


def test_file_url(tmp_path: Path) -> None:
    storage = open_storage(StorageConfig(storage_url=(tmp_path / "elsewhere").as_uri()))
    assert isinstance(storage, LocalStorage)
    assert storage.root == (tmp_path / "elsewhere").resolve()


@pytest.mark.parametrize(
    "url",
    ["ftp://host/x", "s3://", "s3:///prefix", "s3://key:secret@bucket/x", "s3://bucket?x=1", "file://host/x"],
)
def test_bad_urls(url: str) -> None:
    with pytest.raises(ValueError):
        open_storage(StorageConfig(storage_url=url))


def test_s3_url(moto_s3: MotoS3) -> None:
    storage = open_storage(
        StorageConfig(
            storage_url=f"s3://{BUCKET}/deploy/one/",
            s3_endpoint_url=moto_s3.endpoint_url,
            s3_region=REGION,
            s3_access_key_id=ACCESS_KEY,
            s3_secret_access_key=SECRET_KEY,
        )
    )
    assert isinstance(storage, S3Storage)
    assert storage.prefix == "deploy/one"
    assert SECRET_KEY not in repr(storage)
    storage.write_bytes("p/100/x", b"hello")
    body = moto_s3.client.get_object(Bucket=BUCKET, Key="deploy/one/p/100/x")["Body"].read()
    assert body == b"hello"
    assert list(storage.list_keys()) == ["p/100/x"]
    storage.delete_prefix("p")
    storage.close()


def test_s3_without_prefix(moto_s3: MotoS3) -> None:
    moto_s3.client.create_bucket(Bucket="keyframe-bare")
    storage = S3Storage(moto_s3.config("", bucket="keyframe-bare"))
    storage.write_bytes("k", b"v")
    assert list(storage.list_keys()) == ["k"]
    assert storage.read_bytes("k") == b"v"
    storage.close()


def test_s3_content_type(moto_s3: MotoS3) -> None:
    storage = S3Storage(moto_s3.config("ctype"))
    storage.write_bytes("a", b"x", content_type="video/mp4")
    storage.write_stream("b", (b"y" * (1 << 20) for _ in range(9)), content_type="video/webm")
    assert moto_s3.client.head_object(Bucket=BUCKET, Key="ctype/a")["ContentType"] == "video/mp4"
    assert moto_s3.client.head_object(Bucket=BUCKET, Key="ctype/b")["ContentType"] == "video/webm"
    storage.delete_prefix("a")
    storage.delete("a")
    storage.delete("b")
    storage.close()


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_s3_errors_never_show_credentials(moto_s3: MotoS3) -> None:
    unreachable = S3Storage(
        moto_s3.config(
            "x",
            endpoint_url=f"http://127.0.0.1:{_closed_port()}",
            max_attempts=1,
            connect_timeout=2,
        )
    )
    missing_bucket = S3Storage(moto_s3.config("x", bucket="no-such-bucket"))
    for storage in (unreachable, missing_bucket):
        for call in (
            lambda s=storage: s.write_bytes("k", b"v"),
            lambda s=storage: s.check(),
            lambda s=storage: s.read_bytes("k"),
            lambda s=storage: list(s.list_keys()),
            lambda s=storage: s.delete_prefix("p"),
        ):
            with pytest.raises(StorageError) as caught:
                call()
            text = "".join(traceback.format_exception(caught.value))
            assert SECRET_KEY not in text
            assert "S3" in str(caught.value)
        storage.close()
    with pytest.raises(StorageError, match="NoSuchBucket"):
        missing_bucket.read_bytes("k")
    # HEAD answers carry no error code: a missing bucket looks like a missing key there (check() tells)
    assert not missing_bucket.exists("k")


def test_check(tmp_path: Path, backend: Backend) -> None:
    backend.storage.check()
    blocked = tmp_path / "blocked"
    blocked.write_bytes(b"a file, not a directory")
    storage = LocalStorage(tmp_path / "ok")
    storage.root = blocked
    with pytest.raises(StorageError, match="not a writable directory"):
        storage.check()


def test_s3_config_checks() -> None:
    with pytest.raises(ValueError, match="endpoint"):
        S3Storage(S3Config(bucket="b", endpoint_url="http://user:pw@127.0.0.1:9"))
    with pytest.raises(ValueError, match="part size"):
        S3Storage(S3Config(bucket="b", endpoint_url="http://127.0.0.1:9", part_size=1024))
    assert "pw" not in repr(S3Config(bucket="b", secret_access_key="pw"))


def test_s3_abort_stale_uploads(moto_s3: MotoS3) -> None:
    storage = S3Storage(moto_s3.config("stale"))
    moto_s3.client.create_multipart_upload(Bucket=BUCKET, Key="stale/p/1/x")
    moto_s3.client.create_multipart_upload(Bucket=BUCKET, Key="other/y")
    assert len(moto_s3.pending_uploads("stale/")) == 1
    # moto dates every upload 2010-11-10: "younger than 300 years" is what it can show
    assert storage.abort_stale_uploads(older_than=300 * 365 * 86400) == 0
    assert storage.abort_stale_uploads(older_than=3600) == 1
    assert moto_s3.pending_uploads("stale/") == []
    assert len(moto_s3.pending_uploads("other/")) == 1  # outside the storage prefix: not ours
    upload = moto_s3.pending_uploads("other/")[0]
    moto_s3.client.abort_multipart_upload(Bucket=BUCKET, Key="other/y", UploadId=upload["UploadId"])
    storage.close()


def test_local_remove_stale_temporaries(tmp_path: Path) -> None:
    storage = LocalStorage(tmp_path)
    storage.write_bytes("a/b", b"x")
    old = tmp_path / "a" / ".tmp-old"
    new = tmp_path / "a" / ".tmp-new"
    old.write_bytes(b"left by a crash")
    new.write_bytes(b"being written")
    os.utime(old, (time.time() - 7200, time.time() - 7200))
    assert list(storage.list_keys()) == ["a/b"]
    assert storage.remove_stale_temporaries(older_than=3600) == 1
    assert not old.exists() and new.exists()


def test_local_key_that_is_also_a_prefix(tmp_path: Path) -> None:
    storage = LocalStorage(tmp_path)
    storage.write_bytes("a/b", b"x")
    with pytest.raises(StorageError):
        storage.write_bytes("a", b"y")
    with pytest.raises(StorageError):
        storage.write_bytes("a/b/c", b"y")
    assert list(storage.list_keys()) == ["a/b"]
    assert [p.name for p in tmp_path.rglob("*")] == ["a", "b"]


def test_local_delete_prunes_empty_directories(tmp_path: Path) -> None:
    storage = LocalStorage(tmp_path)
    storage.write_bytes("p/100/entries/0_abc/source", b"x")
    storage.write_bytes("p/100/keep", b"x")
    storage.delete("p/100/entries/0_abc/source")
    assert not (tmp_path / "p" / "100" / "entries").exists()
    storage.delete_prefix("p/100")
    assert list(tmp_path.iterdir()) == []
