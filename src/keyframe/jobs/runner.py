"""Run one job: take its lease, call the kind's handler, record the outcome.

A handler gets a ``JobRun``. Simple jobs use ``run.db``: one transaction, committed together with the row's
"succeeded", so a run that dies leaves nothing behind and the next attempt starts clean. Long, multi-step
jobs (an import: fetch, store, create the entry) use ``run.step`` for database work (each step commits with
its record in the row, so a step never runs twice) and ``run.call_once`` around an outside call (recorded
after it returns; a crash in between repeats it, so pass ``run.key(name)`` as the vendor's idempotency key).
Every write first checks that this worker still holds the lease: one that lost it commits nothing.
"""

from __future__ import annotations

import json
import logging
import os
import secrets
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

from sqlalchemy.orm import Session

from keyframe.db import on_commit
from keyframe.jobs import service
from keyframe.jobs.kinds import KINDS, JobKind, LeaseLost, PermanentFailure, RetryLater

if TYPE_CHECKING:
    from keyframe.jobs.metrics import JobMetrics
    from keyframe.services import Services

log = logging.getLogger(__name__)

T = TypeVar("T")
UNKNOWN_KIND_RETRY = 60.0  # seconds: a worker without the kind's module may be an old one mid-deploy


def new_owner() -> str:
    """A lease owner id, new for every run: host, process and a random part (fencing needs uniqueness)."""
    return f"{socket.gethostname()[:40]}:{os.getpid()}:{secrets.token_hex(4)}"


class LeaseBook:
    """The leases this process holds: renewed by the heartbeat, released when the process stops."""

    def __init__(self) -> None:
        self._held: dict[int, str] = {}
        self._lost: set[str] = set()
        self._lock = threading.Lock()

    def add(self, job_id: int, owner: str) -> None:
        with self._lock:
            self._held[job_id] = owner

    def remove(self, job_id: int) -> None:
        with self._lock:
            owner = self._held.pop(job_id, None)
            self._lost.discard(owner or "")

    def held(self) -> list[tuple[int, str]]:
        with self._lock:
            return list(self._held.items())

    def mark_lost(self, job_ids: set[int]) -> None:
        with self._lock:
            self._lost.update(self._held[i] for i in job_ids if i in self._held)

    def is_lost(self, owner: str) -> bool:
        with self._lock:
            return owner in self._lost


@dataclass
class JobRun:
    """What a handler sees: the job's row data, the process services, and transactions bound to its
    lease. It is also a unit of work (``db``, ``services``, ``after_commit``) for ``service.schedule``."""

    services: Services
    id: int
    kind: str
    subject_id: str
    partner_id: int | None
    attempt: int
    payload: dict[str, Any]
    owner: str
    book: LeaseBook = field(default_factory=LeaseBook)
    _session: Session | None = field(default=None, init=False)
    _step_session: Session | None = field(default=None, init=False)

    @property
    def db(self) -> Session:
        """The job's main transaction, opened on first use and committed with the job's success."""
        if self._session is None:
            self._session = Session(self.services.db.engine, expire_on_commit=False)
            self._session.begin()
        return self._session

    def after_commit(self, fn: Callable[[], object]) -> None:
        """Run ``fn`` once the current step's (or else the main) transaction has committed."""
        on_commit(self._step_session if self._step_session is not None else self.db, fn)

    def key(self, name: str) -> str:
        """A stable idempotency key for an outside call made by step ``name`` of this job."""
        return f"keyframe-job-{self.id}-{name}"

    def step(self, name: str, fn: Callable[[Session], T]) -> T:
        """Run ``fn`` in a transaction of its own, once for this job: when the step committed before
        (an earlier attempt), its recorded result is returned instead. ``fn`` returns JSON-able data."""
        self._no_main("run.step")
        with self.services.db.transaction() as db:
            job = service.hold(db, self.id, self.owner)
            done = service.steps_of(job)
            if name in done:
                return done[name]  # type: ignore[no-any-return]
            self._step_session = db
            try:
                result = fn(db)
            finally:
                self._step_session = None
            done[name] = result
            job.steps = json.dumps(done, separators=(",", ":"))
        return result

    def call_once(self, name: str, fn: Callable[[], T]) -> T:
        """Call ``fn`` (an outside effect) outside any transaction unless an earlier attempt recorded its
        result. A crash between the call and the record repeats it: use ``run.key(name)`` with the vendor."""
        self._no_main("run.call_once")
        with self.services.db.transaction() as db:
            done = service.steps_of(service.hold(db, self.id, self.owner))
        if name in done:
            return done[name]  # type: ignore[no-any-return]
        result = fn()
        with self.services.db.transaction() as db:
            job = service.hold(db, self.id, self.owner)
            done = service.steps_of(job)
            done[name] = result
            job.steps = json.dumps(done, separators=(",", ":"))
        return result

    def progress(self, fraction: float, note: str = "") -> None:
        """Report progress (0…1) and renew the lease; raises LeaseLost when another worker took over."""
        self._no_main("run.progress")
        with self.services.db.transaction() as db:
            job = service.hold(db, self.id, self.owner)
            job.progress = max(0.0, min(1.0, fraction))
            job.progress_note = note[:256]
            job.lease_expires_at_ms = _now_ms() + self._lease_ms()
            job.heartbeat_at_ms = _now_ms()

    def check(self) -> None:
        """Raise LeaseLost if the heartbeat found the lease gone: long loops call this between items."""
        if self.book.is_lost(self.owner):
            raise LeaseLost(f"job {self.id} is no longer leased to this worker")

    # --- used by execute() ------------------------------------------------------------------------

    def _finish(self, every: float | None) -> service.Next:
        db = self.db
        outcome = service.succeed(db, self.id, self.owner, every)
        db.commit()
        self._close()
        return outcome

    def _discard(self) -> None:
        if self._session is not None:
            self._session.rollback()
            self._close()

    def _close(self) -> None:
        if self._session is not None:
            self._session.close()
            self._session = None

    def _no_main(self, what: str) -> None:
        # On SQLite the main transaction holds the write lock: another transaction would wait for it.
        if self._session is not None:
            raise RuntimeError(f"{what} must come before the job's main transaction (run.db) is used")

    def _lease_ms(self) -> int:
        return int(self.services.settings.jobs_lease_seconds * 1000)


def execute(services: Services, job_id: int, book: LeaseBook, metrics: JobMetrics | None = None) -> str:
    """Run the job if it is due and free; returns the outcome: skipped, succeeded, retry, failed or lost."""
    lease_ms = int(services.settings.jobs_lease_seconds * 1000)
    owner = new_owner()
    with services.db.engine.begin() as connection:  # one Core statement: no Session needed
        job = service.take(connection, job_id, owner, lease_ms)
    if job is None:
        return "skipped"
    if job.attempts > job.max_attempts:  # the run that used the last attempt died with its worker
        return _give_up(services, job_id, owner)
    run = JobRun(
        services=services,
        id=job.id,
        kind=job.kind,
        subject_id=job.subject_id,
        partner_id=job.partner_id,
        attempt=job.attempts,
        payload=service.payload_of(job.payload),
        owner=owner,
        book=book,
    )
    kind = KINDS.get(run.kind)
    every = _interval(services, kind)
    book.add(job_id, owner)
    started = time.perf_counter()
    outcome = "lost"
    try:
        if kind is None:
            raise RuntimeError(f"no handler for job kind {run.kind!r} in this worker")
        try:
            kind.handler(run)
            next_run = run._finish(every)
        finally:
            run._discard()
        outcome = "succeeded"
        _wake(services, job_id, next_run)
    except LeaseLost:
        log.warning(
            "job %s (%s): lease lost to another worker; this run's work was not committed", job_id, run.kind
        )
    except PermanentFailure as error:
        outcome = _record_failure(services, run, error.reason, None, every)
    except RetryLater as error:
        delay = error.delay(time.time())
        if delay is None:
            delay = kind.backoff(run.attempt) if kind else UNKNOWN_KIND_RETRY
        outcome = _record_failure(services, run, error.reason, delay, every)
    except Exception as error:
        log.exception("job %s (%s) attempt %s failed", job_id, run.kind, run.attempt)
        delay = kind.backoff(run.attempt) if kind else UNKNOWN_KIND_RETRY
        outcome = _record_failure(services, run, f"{type(error).__name__}: {error}", delay, every)
    finally:
        book.remove(job_id)
        if metrics is not None:
            metrics.observe(run.kind, outcome, time.perf_counter() - started)
    return outcome


def _interval(services: Services, kind: JobKind | None) -> float | None:
    if kind is None or kind.every is None:
        return None
    return services.settings.jobs_schedule.get(kind.name, kind.every) or None


def _record_failure(
    services: Services, run: JobRun, error: str, retry_in: float | None, every: float | None
) -> str:
    try:
        with services.db.transaction() as db:
            job = service.hold(db, run.id, run.owner)
            next_run = service.fail(job, error, retry_in=retry_in, every=every)
            status, attempts, max_attempts = job.status, job.attempts, job.max_attempts
    except LeaseLost:
        return "lost"
    _wake(services, run.id, next_run)
    if status == "failed":
        log.warning(
            "job %s (%s) failed after %s of %s attempts: %s", run.id, run.kind, attempts, max_attempts, error
        )
        return "failed"
    return "retry"


def _give_up(services: Services, job_id: int, owner: str) -> str:
    with services.db.transaction() as db:
        job = service.hold(db, job_id, owner)
        service.fail(
            job,
            job.last_error or f"the worker running attempt {job.max_attempts} stopped before finishing",
            retry_in=None,
            every=_interval(services, KINDS.get(job.kind)),
        )
    return "failed"


def _wake(services: Services, job_id: int, next_run: service.Next) -> None:
    if next_run.wake_at_ms is not None:
        try:
            services.job_queue().wake(job_id, next_run.wake_at_ms)
        except Exception:  # the sweeper sends it later
            log.warning("could not enqueue job %s; the sweeper will", job_id, exc_info=True)


def _now_ms() -> int:
    return int(time.time() * 1000)
