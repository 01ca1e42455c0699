"""Storage fixtures: every behavioural test runs against local files and against S3 (moto's server on
loopback, started once per test run; each test gets a prefix of its own in a shared bucket)."""

from __future__ import annotations

import copy
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto.server import ThreadedMotoServer

from keyframe.storage import LocalStorage, Storage
from keyframe.storage.s3 import S3Config, S3Storage

BUCKET = "keyframe-test"
ACCESS_KEY = "test-access-key"
SECRET_KEY = "test-secret-key-DO-NOT-LEAK"
REGION = "us-east-1"


@dataclass(frozen=True)
class MotoS3:
    endpoint_url: str
    client: Any

    def config(self, prefix: str = "", **overrides: Any) -> S3Config:
        values: dict[str, Any] = {
            "bucket": BUCKET,
            "prefix": prefix,
            "endpoint_url": self.endpoint_url,
            "region": REGION,
            "access_key_id": ACCESS_KEY,
            "secret_access_key": SECRET_KEY,
            "max_attempts": 2,
        }
        values.update(overrides)
        return S3Config(**values)

    def pending_uploads(self, prefix: str = "") -> list[dict[str, Any]]:
        answer = self.client.list_multipart_uploads(Bucket=BUCKET, Prefix=prefix)
        return list(answer.get("Uploads", []))


@pytest.fixture(scope="session")
def moto_s3() -> Iterator[MotoS3]:
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    try:
        host, port = server.get_host_and_port()
        endpoint = f"http://{host}:{port}"
        client = boto3.client(
            "s3",
            endpoint_url=endpoint,
            region_name=REGION,
            aws_access_key_id=ACCESS_KEY,
            aws_secret_access_key=SECRET_KEY,
        )
        client.create_bucket(Bucket=BUCKET)
        yield MotoS3(endpoint, client)
        client.close()
    finally:
        server.stop()


@dataclass
class Backend:
    """A storage under test plus what the tests need to look behind it."""

    kind: str
    storage: Storage
    root: Path | None = None  # local: the directory
    prefix: str = ""  # s3: the storage prefix in the bucket
    moto: MotoS3 | None = None

    def leftovers(self) -> list[str]:
        """Temporary files (local) or pending multipart uploads (S3) that a finished write left."""
        if self.root is not None:
            return [str(p) for p in self.root.rglob(".*")]
        assert self.moto is not None
        return [u["Key"] for u in self.moto.pending_uploads(self.prefix + "/")]


@pytest.fixture(scope="session")
def shared_s3(moto_s3: MotoS3) -> Iterator[S3Storage]:
    """One client for all tests (creating a boto3 client takes a few hundred milliseconds)."""
    storage = S3Storage(moto_s3.config("unused"))
    yield storage
    storage.close()


@pytest.fixture(params=["local", "s3"])
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Backend]:
    if request.param == "local":
        root = tmp_path / "storage"
        yield Backend("local", LocalStorage(root), root=root)
        return
    moto: MotoS3 = request.getfixturevalue("moto_s3")
    prefix = f"t-{uuid.uuid4().hex[:12]}"
    storage = copy.copy(request.getfixturevalue("shared_s3"))
    storage.prefix = prefix
    yield Backend("s3", storage, prefix=prefix, moto=moto)


@pytest.fixture
def storage(backend: Backend) -> Storage:
    return backend.storage
