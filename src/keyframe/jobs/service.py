"""Job rows: schedule, lease, finish, sweep, list and retry. Flushes, never commits.

Scheduling writes the row; the queue message that wakes a worker is sent only after the transaction
commits (``uow.after_commit``), so a rolled-back call leaves neither a row nor a message. A lost message
costs only time: the sweeper finds due rows nobody works on and sends them again.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol, cast

from sqlalchemy import (
    BigInteger,
    BindParameter,
    ColumnElement,
    Connection,
    Row,
    Table,
    and_,
    bindparam,
    func,
    or_,
    select,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session
from sqlalchemy.sql.dml import ReturningUpdate

from keyframe.db import on_commit
from keyframe.jobs.kinds import KINDS, JobKind, LeaseLost
from keyframe.jobs.models import Job, JobStatus, now_ms

if TYPE_CHECKING:
    from keyframe.services import Services

log = logging.getLogger(__name__)

ACTIVE = (JobStatus.PENDING, JobStatus.RUNNING)
MAX_ERROR = 2000  # characters of last_error kept


class UnitOfWork(Protocol):
    """A transaction boundary: a request's context or a running job. ``after_commit`` functions run only
    if its transaction committed."""

    @property
    def db(self) -> Session: ...

    @property
    def services(self) -> Services: ...

    def after_commit(self, fn: Callable[[], object]) -> None: ...


class Work:
    """A transaction outside a request or a job (a webhook intake, a CLI command) as a unit of work."""

    def __init__(self, db: Session, services: Services) -> None:
        self.db = db
        self.services = services

    def after_commit(self, fn: Callable[[], object]) -> None:
        on_commit(self.db, fn)


@contextmanager
def work(services: Services) -> Iterator[Work]:
    """One transaction; its after-commit functions run once it has committed (a failing one is logged:
    the commit stands, and the sweeper re-sends any job message that was not sent)."""
    with services.db.transaction() as db:
        yield Work(db, services)


def kind_of(name: str) -> JobKind:
    kind = KINDS.get(name)
    if kind is None:
        raise ValueError(f"unknown job kind {name!r} (is its tasks module in JOB_MODULES?)")
    return kind


def schedule(
    uow: UnitOfWork,
    kind: str,
    subject_id: str = "",
    *,
    payload: dict[str, Any] | None = None,
    partner_id: int | None = None,
    delay: float = 0.0,
) -> Job:
    """Ask for ``kind`` to run on ``subject_id`` (the domain row it works on) ``delay`` seconds from now.

    One row per (kind, subject): scheduling a pending job again updates its payload and keeps the earlier
    time; a running one runs once more after it finishes; a finished one is armed again with fresh
    attempts. The worker is woken after the caller's transaction commits.
    """
    spec = kind_of(kind)
    db = uow.db
    now = now_ms()
    due = now + int(delay * 1000)
    body = json.dumps(payload or {}, separators=(",", ":"))
    inserted = db.scalar(
        _insert(db)
        .values(
            kind=kind,
            subject_id=subject_id,
            partner_id=partner_id,
            status=JobStatus.PENDING,
            attempts=0,
            max_attempts=spec.max_attempts,
            next_attempt_at_ms=due,
            enqueued_at_ms=now,
            last_error="",
            progress=0.0,
            progress_note="",
            payload=body,
            steps="{}",
            rerun=False,
            created_at_ms=now,
            updated_at_ms=now,
        )
        .on_conflict_do_nothing(index_elements=["kind", "subject_id"])
        .returning(Job.id)
    )
    job = db.scalars(
        select(Job)
        .where(Job.kind == kind, Job.subject_id == subject_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one()
    if inserted is None:  # it was there before
        job.payload = body
        job.max_attempts = spec.max_attempts
        if partner_id is not None:
            job.partner_id = partner_id
        if job.status == JobStatus.PENDING:
            job.next_attempt_at_ms = min(job.next_attempt_at_ms, due)
        elif job.status == JobStatus.RUNNING:
            job.rerun = True
        else:
            _rearm(job, due)
        job.enqueued_at_ms = now
    db.flush()
    if job.status == JobStatus.PENDING:
        wake_after_commit(uow, job.id, job.next_attempt_at_ms)
    return job


def wake_after_commit(uow: UnitOfWork, job_id: int, at_ms: int | None = None) -> None:
    queue = uow.services.job_queue()
    uow.after_commit(lambda: queue.wake(job_id, at_ms))


def _rearm(job: Job, due: int) -> None:
    job.status = JobStatus.PENDING
    job.attempts = 0
    job.next_attempt_at_ms = due
    job.last_error = ""
    job.progress = 0.0
    job.progress_note = ""
    job.steps = "{}"
    job.rerun = False
    job.started_at_ms = None
    job.finished_at_ms = None
    job.lease_owner = job.lease_expires_at_ms = job.heartbeat_at_ms = None


# --- leases --------------------------------------------------------------------------------------


def _takeable(now: int | BindParameter[int]) -> ColumnElement[bool]:
    """Due and not held: pending and its time has come, or running under a lease nobody renewed."""
    return or_(
        and_(Job.status == JobStatus.PENDING, Job.next_attempt_at_ms <= now),
        and_(Job.status == JobStatus.RUNNING, Job.lease_expires_at_ms < now),
    )


# Taking and finishing run for every job, so they are single Core statements on the ``jobs`` table, built
# once (no ORM load or flush, no statement building or cache-key work per job). The table, not the mapped
# class: an UPDATE of the class would go through the ORM's bulk-update path inside a Session.
JOBS = cast(Table, Job.__table__)
_RUN_COLUMNS = (
    JOBS.c.id,
    JOBS.c.kind,
    JOBS.c.subject_id,
    JOBS.c.partner_id,
    JOBS.c.attempts,
    JOBS.c.max_attempts,
    JOBS.c.payload,
)


def _take_statement(dialect: str) -> ReturningUpdate[Any]:
    now = bindparam("now", type_=BigInteger)
    takeable = _takeable(now)
    if dialect == "postgresql":
        # SKIP LOCKED: a row another worker is taking or finishing right now is simply not ours. The
        # sub-select locks (and re-checks) the row; the UPDATE then writes the lease, one round trip.
        free = select(JOBS.c.id).where(JOBS.c.id == bindparam("job_id"), takeable)
        mine = JOBS.c.id == free.with_for_update(skip_locked=True).correlate(None).scalar_subquery()
    else:
        # SQLite serialises writers (BEGIN IMMEDIATE): the conditional UPDATE is the whole test.
        mine = and_(JOBS.c.id == bindparam("job_id"), takeable)
    return (
        update(JOBS)
        .where(mine)
        .values(
            status=JobStatus.RUNNING,
            lease_owner=bindparam("owner"),
            lease_expires_at_ms=bindparam("expires"),
            heartbeat_at_ms=now,
            started_at_ms=now,
            attempts=JOBS.c.attempts + 1,
            updated_at_ms=now,
        )
        .returning(*_RUN_COLUMNS)
    )


_TAKE = {"postgresql": _take_statement("postgresql"), "sqlite": _take_statement("sqlite")}


def take(db: Connection, job_id: int, owner: str, lease_ms: int) -> Row[Any] | None:
    """Lease the job for ``owner`` if it is due and nobody holds it; None otherwise (a duplicate message,
    another worker has it, or it is not due yet). Counts the attempt. Returns what a run needs: id, kind,
    subject_id, partner_id, attempts, max_attempts and payload. Call it in a transaction of its own: on
    PostgreSQL that transaction's commit does not wait for the disk."""
    dialect = db.dialect.name
    if dialect == "postgresql":
        # The lease need not wait for the disk: if the server crashes before this commit is flushed, the
        # row is simply due again and taken again (the attempt is not counted). It cannot be lost after
        # the run has done anything lasting: every later write (a step, the finish) re-checks the lease
        # in a durable commit, and a durable commit also flushes every earlier one.
        db.exec_driver_sql("SET LOCAL synchronous_commit = off")
    now = now_ms()
    params = {"job_id": job_id, "now": now, "owner": owner, "expires": now + lease_ms}
    return db.execute(_TAKE[dialect], params).first()


def hold(db: Session, job_id: int, owner: str) -> Job:
    """The job, locked, if ``owner`` still holds its lease; LeaseLost otherwise (it expired and another
    worker took over). Every write a run makes goes through this, so a stale worker cannot commit."""
    job = db.get(Job, job_id, with_for_update=True, populate_existing=True)
    if job is None or job.status != JobStatus.RUNNING or job.lease_owner != owner:
        raise LeaseLost(f"job {job_id} is no longer leased to this worker")
    return job


def renew(db: Session, leases: Sequence[tuple[int, str]], lease_ms: int) -> set[int]:
    """Extend the given (job id, owner) leases; returns the ids whose lease was lost."""
    now = now_ms()
    lost: set[int] = set()
    for job_id, owner in leases:
        done = db.execute(
            update(Job)
            .where(Job.id == job_id, Job.lease_owner == owner, Job.status == JobStatus.RUNNING)
            .values(lease_expires_at_ms=now + lease_ms, heartbeat_at_ms=now)
        )
        if getattr(done, "rowcount", 0) != 1:
            lost.add(job_id)
    return lost


def release(db: Session, leases: Sequence[tuple[int, str]]) -> None:
    """Give leases back at once (a worker stopping): another worker may take the jobs now."""
    now = now_ms()
    for job_id, owner in leases:
        db.execute(
            update(Job)
            .where(Job.id == job_id, Job.lease_owner == owner, Job.status == JobStatus.RUNNING)
            .values(
                status=JobStatus.PENDING,
                lease_owner=None,
                lease_expires_at_ms=None,
                next_attempt_at_ms=now,
                enqueued_at_ms=None,
                attempts=Job.attempts - 1,  # an interrupted run is not a failed one
            )
        )


# --- outcomes ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Next:
    """What a finished run left behind: wake the worker for the job at this time (None: nothing to do)."""

    wake_at_ms: int | None


# The usual ending of a run: a one-off job that nobody scheduled again while it ran.
_SUCCEED = (
    update(JOBS)
    .where(
        JOBS.c.id == bindparam("job_id"),
        JOBS.c.lease_owner == bindparam("owner"),
        JOBS.c.status == JobStatus.RUNNING,
        JOBS.c.rerun.is_(False),
    )
    .values(
        status=JobStatus.SUCCEEDED,
        progress=1.0,
        last_error="",
        lease_owner=None,
        lease_expires_at_ms=None,
        finished_at_ms=bindparam("now"),
        updated_at_ms=bindparam("now"),
    )
    .returning(JOBS.c.id)
)


def succeed(db: Session, job_id: int, owner: str, every: float | None) -> Next:
    """Record a successful run; LeaseLost if ``owner`` no longer holds the job (nothing is written)."""
    if not every:
        params = {"job_id": job_id, "owner": owner, "now": now_ms()}
        if db.execute(_SUCCEED, params).first() is not None:
            return Next(None)
    # Recurring, scheduled again while it ran, or no longer ours (hold raises LeaseLost).
    return succeeded(hold(db, job_id, owner), every)


def succeeded(job: Job, every: float | None) -> Next:
    """The row of a successful run (held): done, or armed again (a recurring kind, or a rerun)."""
    now = now_ms()
    job.lease_owner = job.lease_expires_at_ms = None
    job.finished_at_ms = job.updated_at_ms = now
    job.last_error = ""
    if job.rerun:  # scheduled again while running: once more, with the newest payload
        _rearm(job, now)
        job.enqueued_at_ms = now
        return Next(now)
    if every:
        due = now + int(every * 1000)
        _rearm(job, due)
        job.finished_at_ms = now
        job.enqueued_at_ms = due
        return Next(due)
    job.status = JobStatus.SUCCEEDED
    job.progress = 1.0
    return Next(None)


def fail(job: Job, error: str, *, retry_in: float | None, every: float | None = None) -> Next:
    """Record a failed run: retry in ``retry_in`` seconds while attempts remain, else (or when
    ``retry_in`` is None: a permanent failure) mark it failed. Recurring jobs simply come round again."""
    now = now_ms()
    job.last_error = error[:MAX_ERROR]
    job.lease_owner = job.lease_expires_at_ms = None
    job.updated_at_ms = now
    if job.rerun:
        _rearm(job, now)
        job.last_error = error[:MAX_ERROR]
        job.enqueued_at_ms = now
        return Next(now)
    if retry_in is not None and job.attempts < job.max_attempts:
        due = now + int(retry_in * 1000)
        job.status = JobStatus.PENDING
        job.next_attempt_at_ms = due
        job.enqueued_at_ms = due
        return Next(due)
    if every:
        due = now + int(every * 1000)
        error_kept = job.last_error
        _rearm(job, due)
        job.last_error = error_kept
        job.finished_at_ms = now
        job.enqueued_at_ms = due
        return Next(due)
    job.status = JobStatus.FAILED
    job.finished_at_ms = now
    return Next(None)


# --- the sweeper ---------------------------------------------------------------------------------


def sweep(db: Session, quiet_ms: int, limit: int = 1000) -> list[int]:
    """Due rows that nobody works on and whose last message is older than ``quiet_ms`` (lost, or its
    worker died): mark them sent and return their ids for the queue."""
    now = now_ms()
    query = (
        select(Job.id)
        .where(
            _takeable(now),
            or_(Job.enqueued_at_ms.is_(None), Job.enqueued_at_ms <= now - quiet_ms),
        )
        .order_by(Job.next_attempt_at_ms)
        .limit(limit)
    )
    if db.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    ids = list(db.scalars(query))
    if ids:
        db.execute(update(Job).where(Job.id.in_(ids)).values(enqueued_at_ms=now))
    return ids


def ensure_recurring(db: Session, intervals: dict[str, float]) -> None:
    """One row per recurring kind (subject ""), due now when it is new; a kind switched off (interval 0)
    is parked as succeeded with a note."""
    now = now_ms()
    for name, every in intervals.items():
        if every > 0:
            db.execute(
                _insert(db)
                .values(
                    kind=name,
                    subject_id="",
                    status=JobStatus.PENDING,
                    attempts=0,
                    max_attempts=kind_of(name).max_attempts,
                    next_attempt_at_ms=now,
                    last_error="",
                    progress=0.0,
                    progress_note="",
                    payload="{}",
                    steps="{}",
                    rerun=False,
                    created_at_ms=now,
                    updated_at_ms=now,
                )
                .on_conflict_do_nothing(index_elements=["kind", "subject_id"])
            )
            parked = db.scalars(
                select(Job).where(Job.kind == name, Job.subject_id == "", Job.status == JobStatus.SUCCEEDED)
            ).first()
            if parked is not None:  # switched on again
                _rearm(parked, now)
        else:
            db.execute(
                update(Job)
                .where(Job.kind == name, Job.subject_id == "", Job.status == JobStatus.PENDING)
                .values(status=JobStatus.SUCCEEDED, progress_note="switched off in settings")
            )
    db.flush()


# --- looking at jobs -----------------------------------------------------------------------------


@dataclass(frozen=True)
class JobQuery:
    kind: str | None = None
    status: str | None = None
    partner_id: int | None = None  # None: every partner's and the system's (operators only)


def list_jobs(db: Session, query: JobQuery, limit: int, offset: int) -> tuple[list[Job], int]:
    conditions = []
    if query.kind:
        conditions.append(Job.kind == query.kind)
    if query.status:
        conditions.append(Job.status == query.status)
    if query.partner_id is not None:
        conditions.append(Job.partner_id == query.partner_id)
    total = int(db.scalar(select(func.count()).select_from(Job).where(*conditions)) or 0)
    rows = db.scalars(select(Job).where(*conditions).order_by(Job.id.desc()).limit(limit).offset(offset))
    return list(rows), total


class NotRetryable(Exception):
    """Only a failed or a waiting job can be retried (a running one is being worked on; a succeeded one
    is done, and running it again could repeat its effects)."""


def retry(uow: UnitOfWork, job: Job) -> Job:
    """Run a failed (or waiting) job now, with a fresh set of attempts."""
    if job.status not in (JobStatus.FAILED, JobStatus.PENDING):
        raise NotRetryable(f"job {job.id} is {job.status}")
    error = job.last_error
    if job.status == JobStatus.FAILED:
        _rearm(job, now_ms())
        job.last_error = error
    job.next_attempt_at_ms = min(job.next_attempt_at_ms, now_ms())
    job.attempts = 0
    job.enqueued_at_ms = now_ms()
    uow.db.flush()
    wake_after_commit(uow, job.id)
    return job


def depth(db: Session) -> list[tuple[str, str, int]]:
    """(kind, status, count) of the unfinished jobs, for the metrics."""
    rows = db.execute(
        select(Job.kind, Job.status, func.count())
        .where(Job.status.in_(ACTIVE))
        .group_by(Job.kind, Job.status)
    )
    return [(kind, status, int(count)) for kind, status, count in rows]


def steps_of(job: Job) -> dict[str, Any]:
    value = json.loads(job.steps or "{}")
    return value if isinstance(value, dict) else {}


def payload_of(payload: str) -> dict[str, Any]:
    value = json.loads(payload or "{}")
    return value if isinstance(value, dict) else {}


def _insert(db: Session) -> sqlite.Insert | postgresql.Insert:
    if db.get_bind().dialect.name == "postgresql":
        return postgresql.insert(Job)
    return sqlite.insert(Job)
