"""Scheduling, leases, retries, the sweeper and recurring jobs, on SQLite (embedded queue) and on
PostgreSQL with Redis."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from sqlalchemy import update

from keyframe.jobs import service
from keyframe.jobs.kinds import KINDS, JobKind, LeaseLost, RetryLater, parse_retry_after
from keyframe.jobs.models import Job, JobStatus, now_ms
from keyframe.jobs.runtime import JobRuntime
from keyframe.services import Services
from tests.jobs.support import effects, job, wait_for, wait_status


def schedule(services: Services, kind: str, subject: str = "s", **kw: object) -> int:
    with service.work(services) as unit:
        return service.schedule(unit, kind, subject, **kw).id  # type: ignore[arg-type]


# --- without workers -----------------------------------------------------------------------------


def test_enqueued_only_after_commit(job_services: Services) -> None:
    queue = job_services.job_queue()
    with service.work(job_services) as unit:
        service.schedule(unit, "test.noop", "a")
        assert queue.pending() == 0  # not before the commit
    assert queue.pending() == 1
    with pytest.raises(RuntimeError), service.work(job_services) as unit:
        service.schedule(unit, "test.noop", "b")
        raise RuntimeError("the caller fails")
    assert queue.pending() == 1  # a rolled-back transaction sends nothing
    with job_services.db.transaction() as db:
        assert [j.subject_id for j in db.query(Job)] == ["a"]


def test_unknown_kinds_are_refused(job_services: Services) -> None:
    with pytest.raises(ValueError, match="unknown job kind"), service.work(job_services) as unit:
        service.schedule(unit, "no.such.kind")


def test_one_row_per_kind_and_subject(job_services: Services) -> None:
    first = schedule(job_services, "test.noop", "x", payload={"v": 1}, delay=60)
    again = schedule(job_services, "test.noop", "x", payload={"v": 2}, delay=0)
    assert first == again
    row = job(job_services, first)
    assert json.loads(row.payload) == {"v": 2}
    assert row.next_attempt_at_ms <= now_ms()  # the earlier time wins

    with job_services.db.transaction() as db:  # while it runs, a new request means one more run
        db.execute(update(Job).where(Job.id == first).values(status=JobStatus.RUNNING))
    schedule(job_services, "test.noop", "x")
    assert job(job_services, first).rerun is True

    with job_services.db.transaction() as db:  # a finished job is armed again with fresh attempts
        db.execute(
            update(Job).where(Job.id == first).values(status=JobStatus.FAILED, attempts=10, rerun=False)
        )
    schedule(job_services, "test.noop", "x")
    row = job(job_services, first)
    assert (row.status, row.attempts) == (JobStatus.PENDING, 0)


def test_a_lease_is_exclusive_until_it_expires(job_services: Services) -> None:
    job_id = schedule(job_services, "test.noop")
    with job_services.db.transaction() as db:
        assert service.take(db.connection(), job_id, "worker-a", 60_000) is not None
    with job_services.db.transaction() as db:
        assert service.take(db.connection(), job_id, "worker-b", 60_000) is None
    with job_services.db.transaction() as db:  # worker-a stops heartbeating
        db.execute(update(Job).where(Job.id == job_id).values(lease_expires_at_ms=now_ms() - 1))
    with job_services.db.transaction() as db:
        taken = service.take(db.connection(), job_id, "worker-b", 60_000)
        assert taken is not None and taken.attempts == 2
    with pytest.raises(LeaseLost), job_services.db.transaction() as db:
        service.hold(db, job_id, "worker-a")  # the old owner can no longer write


def test_the_sweeper_sends_due_jobs_whose_message_was_lost(job_services: Services) -> None:
    job_id = schedule(job_services, "test.noop")
    queue = job_services.job_queue()
    queue.huey.flush()  # the message is lost
    with job_services.db.transaction() as db:
        assert service.sweep(db, quiet_ms=60_000) == []  # sent a moment ago: give it time
        db.execute(update(Job).where(Job.id == job_id).values(enqueued_at_ms=now_ms() - 61_000))
    with job_services.db.transaction() as db:
        assert service.sweep(db, quiet_ms=60_000) == [job_id]
    with job_services.db.transaction() as db:
        assert service.sweep(db, quiet_ms=60_000) == []  # marked as sent


def test_retry_after_values() -> None:
    assert parse_retry_after("2") == 2.0
    assert parse_retry_after("Wed, 21 Oct 2026 07:28:30 GMT", now=1792567680.0) == 30.0
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT") == 0.0  # in the past: now
    assert parse_retry_after("soon") is None
    assert parse_retry_after(None) is None
    assert RetryLater(after=5).delay(0) == 5


def test_backoff_grows_with_jitter_and_a_cap() -> None:
    kind = JobKind("x", lambda run: None, backoff_base=10, backoff_cap=100)
    for attempt, ceiling in ((1, 10), (2, 20), (3, 40), (4, 80), (5, 100), (9, 100)):
        delays = {kind.backoff(attempt) for _ in range(50)}
        assert all(ceiling / 2 <= d <= ceiling for d in delays)
        assert len(delays) > 1


# --- with an in-process worker -------------------------------------------------------------------


def test_a_job_runs_once_and_succeeds(job_services: Services, runtime: JobRuntime) -> None:
    job_id = schedule(job_services, "test.two_steps")
    row = wait_status(job_services, job_id, JobStatus.SUCCEEDED)
    assert (row.attempts, row.progress, row.lease_owner) == (1, 1.0, None)
    assert effects(job_services) == [f"{job_id}:first", f"{job_id}:second"]
    assert json.loads(row.steps) == {"first": "first", "second": "second"}


def test_failures_back_off_then_fail_with_the_reason(job_services: Services, runtime: JobRuntime) -> None:
    job_id = schedule(job_services, "test.flaky")
    row = wait_status(job_services, job_id, JobStatus.FAILED)
    assert row.attempts == 3
    assert row.last_error == "RuntimeError: boom on attempt 3"


def test_a_permanent_failure_stops_at_once(job_services: Services, runtime: JobRuntime) -> None:
    job_id = schedule(job_services, "test.permanent")
    row = wait_status(job_services, job_id, JobStatus.FAILED)
    assert row.attempts == 1
    assert row.last_error == "bad credentials: the vendor refused the token"


def test_a_failed_run_commits_nothing(job_services: Services, runtime: JobRuntime) -> None:
    job_id = schedule(job_services, "test.in_main", payload={"fail": True})
    wait_for(lambda: job(job_services, job_id).last_error != "")
    row = job(job_services, job_id)
    assert row.status == JobStatus.PENDING and row.next_attempt_at_ms > now_ms()
    assert effects(job_services) == []
    # Fixed: scheduling it again with no delay makes it due now (the earlier time wins), and wakes a worker.
    schedule(job_services, "test.in_main", payload={"fail": False})
    wait_status(job_services, job_id, JobStatus.SUCCEEDED)
    assert effects(job_services) == [f"{job_id}:main"]


def service_retry(services: Services, job_id: int) -> None:
    with service.work(services) as unit:
        row = unit.db.get(Job, job_id)
        assert row is not None
        service.retry(unit, row)


def test_retry_of_a_failed_job(job_services: Services, runtime: JobRuntime) -> None:
    job_id = schedule(job_services, "test.permanent")
    wait_status(job_services, job_id, JobStatus.FAILED)
    started = job(job_services, job_id).finished_at_ms or 0
    service_retry(job_services, job_id)
    wait_for(lambda: (job(job_services, job_id).finished_at_ms or 0) > started)
    row = wait_status(job_services, job_id, JobStatus.FAILED)
    assert row.attempts == 1
    with pytest.raises(service.NotRetryable), service.work(job_services) as unit:
        done = unit.db.get(Job, schedule(job_services, "test.noop", "other"))
        assert done is not None
        done.status = JobStatus.SUCCEEDED
        service.retry(unit, done)


def test_recurring_jobs_come_round_again(job_services: Services, runtime: JobRuntime) -> None:
    assert KINDS.get("test.recurring") is not None
    with job_services.db.transaction() as db:
        job_id = db.query(Job.id).filter(Job.kind == "test.recurring").scalar()
    seen: set[int] = set()

    def finished_twice() -> bool:
        seen.add(job(job_services, job_id).finished_at_ms or 0)
        return len(seen - {0}) >= 2

    wait_for(finished_twice, timeout=10)
    assert job(job_services, job_id).status in (JobStatus.PENDING, JobStatus.RUNNING)


def test_a_stopping_worker_releases_running_jobs(job_services: Services, tmp_path: Path) -> None:
    job_services.settings.jobs_shutdown_seconds = 0.2
    worker = JobRuntime(job_services, concurrency=1)
    worker.start()
    log = tmp_path / "calls.log"
    job_id = schedule(job_services, "test.count", payload={"log": str(log), "sleep": 3})
    wait_for(log.exists)
    worker.stop()  # the job is still sleeping: its lease goes back at once
    row = job(job_services, job_id)
    assert (row.status, row.lease_owner, row.attempts) == (JobStatus.PENDING, None, 0)
    time.sleep(3.2)  # the abandoned thread wakes up: its work must not count
    row = job(job_services, job_id)
    assert (row.status, row.lease_owner) == (JobStatus.PENDING, None)
