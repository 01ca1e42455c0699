"""Shared fixtures: a migrated database per backend (SQLite always, PostgreSQL when
KEYFRAME_TEST_DATABASE_URL names one), a clean state per test, the app, and partners to call it with."""

from __future__ import annotations

import copy
import os
import socket
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import pytest
import sqlalchemy as sa
import uvicorn
from moto.server import ThreadedMotoServer
from starlette.testclient import TestClient

from keyframe.app import create_app
from keyframe.auth.ks_validation import KsValidator
from keyframe.config import Settings, normalize_database_url
from keyframe.db import Base, Database
from keyframe.migrations import upgrade
from keyframe.models import import_all_models
from keyframe.partners import service as partner_service
from keyframe.services import Services
from keyframe.storage import LocalStorage, Storage
from keyframe.storage.s3 import S3Config, S3Storage

PG_URL = os.environ.get("KEYFRAME_TEST_DATABASE_URL")
IN_CI = os.environ.get("CI", "").lower() == "true"
BACKENDS = ["sqlite", "postgresql"]


def pytest_configure(config: pytest.Config) -> None:
    if IN_CI and not PG_URL:
        raise pytest.UsageError(
            "CI=true but KEYFRAME_TEST_DATABASE_URL is not set: PostgreSQL tests would skip"
        )


@pytest.fixture(scope="session", params=BACKENDS)
def database(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Database]:
    """A freshly migrated database, once per backend per test run."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'keyframe.db'}"
        upgrade(url)
        db = Database(url)
        yield db
        db.dispose()
        return
    if not PG_URL:
        pytest.skip("KEYFRAME_TEST_DATABASE_URL is not set")
    server = sa.make_url(normalize_database_url(PG_URL))
    name = f"keyframe_test_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    url = server.set(database=name).render_as_string(hide_password=False)
    upgrade(url)
    db = Database(url)
    yield db
    db.dispose()
    with admin.connect() as conn:
        conn.exec_driver_sql(f'DROP DATABASE "{name}" WITH (FORCE)')
    admin.dispose()


def _clean(db: Database) -> None:
    import_all_models()
    with db.transaction() as session:
        for table in reversed(Base.metadata.sorted_tables):
            session.execute(table.delete())


@pytest.fixture
def settings(database: Database, tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path, database_url=database.url)


@pytest.fixture
def storage(tmp_path: Path) -> Storage:
    """Local files, where the settings' data directory keeps them. Test modules that must also run on S3
    override this with ``backend.storage`` (see ``backend``)."""
    return LocalStorage(tmp_path / "storage")


@pytest.fixture
def services(database: Database, settings: Settings, storage: Storage) -> Services:
    """Services on a clean database. Each test gets its own KS cache."""
    _clean(database)
    return Services(
        settings=settings,
        db=database,
        ks_validator=KsValidator(settings.ks_cache_size),
        storage=storage,
    )


@pytest.fixture
def app(services: Services) -> Any:
    return create_app(services.settings, services)


@pytest.fixture
def client(app: Any) -> Iterator[TestClient]:
    with TestClient(app) as test_client:
        yield test_client


@dataclass
class PartnerInfo:
    id: int
    admin_secret: str
    secret: str
    admin_email: str
    admin_password: str


def make_partner(services: Services, name: str = "Acme", parent_id: int | None = None) -> PartnerInfo:
    email = f"admin-{uuid.uuid4().hex[:8]}@example.com"
    password = "correct horse battery"
    with services.db.transaction() as db:
        partner, _ = partner_service.register(
            db,
            partner_service.Registration(
                name=name, admin_email=email, admin_password=password, parent_id=parent_id
            ),
        )
        return PartnerInfo(partner.id, partner.admin_secret, partner.secret, email, password)


@pytest.fixture
def partner(services: Services) -> PartnerInfo:
    return make_partner(services)


class LiveServer:
    """Keyframe served by uvicorn on a random loopback port, in a background thread."""

    def __init__(self, app: Any) -> None:
        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))
        self.port = sock.getsockname()[1]
        sock.close()
        config = uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning", access_log=False)
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> LiveServer:
        self.thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started:
            if time.monotonic() > deadline:
                raise RuntimeError("the server did not start")
            time.sleep(0.02)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(10)


@pytest.fixture
def live_server(app: Any) -> Iterator[LiveServer]:
    with LiveServer(app) as server:
        yield server


# Storage backends: local files, and S3 served by moto on loopback.

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
