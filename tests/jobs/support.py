"""Job kinds and fixtures shared by the job tests and the chaos tests' worker processes."""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import redis
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from keyframe.audit.models import AuditEvent
from keyframe.jobs.kinds import PermanentFailure, RetryLater, job_kind
from keyframe.jobs.models import Job, JobStatus
from keyframe.jobs.runner import JobRun
from keyframe.services import Services

IN_CI = os.environ.get("CI", "").lower() == "true"
REDIS_URL = os.environ.get("KEYFRAME_TEST_REDIS_URL", "redis://127.0.0.1:6379/13")
EFFECT = "test.effect"


# --- kinds ---------------------------------------------------------------------------------------


@job_kind("test.noop")
def noop(run: JobRun) -> None:
    pass


@job_kind("test.count", max_attempts=3)
def count(run: JobRun) -> None:
    """Appends "job-id pid" to the payload's log file on every invocation (committed or not)."""
    fd = os.open(run.payload["log"], os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        os.write(fd, f"{run.id} {os.getpid()}\n".encode())
    finally:
        os.close(fd)
    if run.payload.get("sleep"):
        time.sleep(float(run.payload["sleep"]))


def _effect(db: Session, run: JobRun, name: str) -> str:
    db.add(AuditEvent(partner_id=0, action=EFFECT, object_id=f"{run.id}:{name}", data=str(os.getpid())))
    return name


@job_kind("test.two_steps", max_attempts=5, backoff_base=0.1)
def two_steps(run: JobRun) -> None:
    """Two database steps; on its first attempt it can hang between them (to be killed there)."""
    run.step("first", lambda db: _effect(db, run, "first"))
    if run.attempt == 1 and run.payload.get("hang"):
        time.sleep(120)
    run.step("second", lambda db: _effect(db, run, "second"))


@job_kind("test.in_main")
def in_main(run: JobRun) -> None:
    _effect(run.db, run, "main")
    if run.payload.get("fail"):
        raise RuntimeError("after the write")


@job_kind("test.http", max_attempts=5, backoff_base=0.1)
def http(run: JobRun) -> None:
    answer = httpx.get(run.payload["url"], timeout=5)
    if answer.status_code == 429:
        raise RetryLater.from_retry_after(answer.headers.get("retry-after"))
    if 400 <= answer.status_code < 500:
        raise PermanentFailure(f"the service answered {answer.status_code}")
    answer.raise_for_status()


@job_kind("test.flaky", max_attempts=3, backoff_base=0.05, backoff_cap=0.1)
def flaky(run: JobRun) -> None:
    raise RuntimeError(f"boom on attempt {run.attempt}")


@job_kind("test.permanent")
def permanent(run: JobRun) -> None:
    raise PermanentFailure("bad credentials: the vendor refused the token")


@job_kind("test.recurring", every=0.2, max_attempts=2)
def recurring(run: JobRun) -> None:
    pass


# --- helpers -------------------------------------------------------------------------------------


def effects(services: Services) -> list[str]:
    with services.db.transaction() as db:
        return sorted(db.scalars(select(AuditEvent.object_id).where(AuditEvent.action == EFFECT)))


def job(services: Services, job_id: int) -> Job:
    with services.db.transaction() as db:
        row = db.get(Job, job_id)
        assert row is not None
        return row


def wait_for(predicate: object, timeout: float = 20.0, interval: float = 0.05) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():  # type: ignore[operator]
            return
        time.sleep(interval)
    raise AssertionError("timed out waiting")


def wait_status(services: Services, job_id: int, *statuses: str, timeout: float = 20.0) -> Job:
    wait_for(lambda: job(services, job_id).status in statuses, timeout)
    return job(services, job_id)


def count_by_status(services: Services) -> dict[str, int]:
    with services.db.transaction() as db:
        return dict(db.execute(select(Job.status, func.count()).group_by(Job.status)).all())


def redis_available() -> str:
    """The test Redis URL; a missing Redis skips, except with CI=true where it fails."""
    try:
        client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2)
        client.ping()
        client.close()
    except redis.RedisError as error:
        if IN_CI:
            pytest.fail(f"CI=true but Redis at {REDIS_URL} is not reachable: {error}")
        pytest.skip(f"no Redis at {REDIS_URL}")
    return REDIS_URL


@pytest.fixture
def redis_queue() -> Iterator[tuple[str, str]]:
    """(URL, queue name): a queue name of its own per test, its keys deleted afterwards."""
    url = redis_available()
    # Letters and digits only: Huey keeps just those of a queue name in its Redis keys.
    name = f"keyframetest{uuid.uuid4().hex[:12]}"
    yield url, name
    client = redis.Redis.from_url(url)
    for key in client.scan_iter(match=f"huey.*{name}*"):
        client.delete(key)
    client.close()


__all__ = ["JobStatus", "Path"]
