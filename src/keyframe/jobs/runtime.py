"""Working the queue in a process: Huey worker threads run jobs; a ticker thread renews the leases of
running jobs (the heartbeat) and sweeps lost or due jobs back onto the queue.

``keyframe serve`` starts one in-process on the embedded (SQLite) queue; with Redis, ``keyframe worker``
processes run one each. Stopping is graceful: running jobs get ``jobs_shutdown_seconds`` to finish, then
their leases are released so another worker takes them at once.
"""

from __future__ import annotations

import importlib
import logging
import signal
import threading
from types import FrameType
from typing import TYPE_CHECKING, Any

from keyframe.jobs import service
from keyframe.jobs.kinds import KINDS
from keyframe.jobs.runner import LeaseBook, execute

if TYPE_CHECKING:
    from keyframe.services import Services

log = logging.getLogger(__name__)

# Every module that declares job kinds (a domain's tasks.py); importing one registers its kinds. Every
# process that schedules or runs jobs loads them.
JOB_MODULES = (
    "keyframe.jobs.periodic",
    "keyframe.media.tasks",
    "keyframe.categories.tasks",
    "keyframe.zoom.tasks",
)


def load_job_kinds() -> None:
    for name in JOB_MODULES:
        importlib.import_module(name)


class JobRuntime:
    def __init__(self, services: Services, concurrency: int | None = None) -> None:
        self.services = services
        self.settings = services.settings
        self.concurrency = concurrency or self.settings.jobs_concurrency
        self.book = LeaseBook()
        self.queue = services.job_queue()
        self.metrics = services.job_metrics()
        self._stop = threading.Event()
        self._ticker: threading.Thread | None = None
        self._consumer: Any = None

    def start(self) -> None:
        load_job_kinds()
        huey_log = logging.getLogger("huey")
        if huey_log.level == logging.NOTSET:
            huey_log.setLevel(logging.WARNING)  # it logs every message at INFO; job rows tell more
        with self.services.db.transaction() as db:
            intervals = {
                k.name: self.settings.jobs_schedule.get(k.name, k.every or 0) for k in KINDS.recurring()
            }
            service.ensure_recurring(db, intervals)
        self.queue.bind(self.execute)
        consumer = self.queue.huey.create_consumer(
            workers=self.concurrency,
            worker_type="thread",
            periodic=False,  # recurring work is job rows with a schedule, not Huey's crontab
            initial_delay=0.05,
            backoff=1.5,
            max_delay=self.settings.jobs_poll_seconds,
            check_worker_health=False,
            shutdown_timeout=self.settings.jobs_shutdown_seconds,
        )
        # Not consumer.start(): that installs signal handlers, and the process's owner (uvicorn, the worker
        # command) has its own. Its scheduler delivers delayed messages (retries at their time).
        consumer.scheduler.start()
        for _, thread in consumer.worker_threads:
            thread.start()
        self._consumer = consumer
        self._ticker = threading.Thread(target=self._tick, name="keyframe-jobs-ticker", daemon=True)
        self._ticker.start()
        log.info(
            "working jobs: %s threads on the %s queue",
            self.concurrency,
            "embedded" if self.queue.embedded else "Redis",
        )

    def execute(self, job_id: int) -> None:
        execute(self.services, job_id, self.book, self.metrics)

    def stop(self) -> None:
        """Let running jobs finish (up to jobs_shutdown_seconds), then give back the leases of any still
        running so another worker can take them without waiting for the leases to expire."""
        if self._consumer is not None:
            self._consumer.stop(graceful=True)
            self._consumer = None
        self._stop.set()
        if self._ticker is not None:
            self._ticker.join(10)
        held = self.book.held()
        if held:
            log.warning("releasing %s running job(s) for another worker", len(held))
            try:
                with self.services.db.transaction() as db:
                    service.release(db, held)
            except Exception:
                log.exception("could not release leases; they expire by themselves")

    def sweep_now(self) -> int:
        """Send due jobs nobody works on to the queue; returns how many."""
        quiet_ms = int(self.settings.jobs_lease_seconds * 1000)
        with self.services.db.transaction() as db:
            ids = service.sweep(db, quiet_ms)
        for job_id in ids:
            self.queue.wake(job_id)
        return len(ids)

    def heartbeat(self) -> None:
        held = self.book.held()
        if not held:
            return
        with self.services.db.transaction() as db:
            lost = service.renew(db, held, int(self.settings.jobs_lease_seconds * 1000))
        if lost:
            self.book.mark_lost(lost)

    def _tick(self) -> None:
        beat = self.settings.jobs_lease_seconds / 3
        sweep = self.settings.jobs_sweep_seconds
        interval = min(beat, sweep)
        since_sweep = sweep  # sweep at once: messages may have been lost while nothing ran
        while True:
            if since_sweep >= sweep:
                since_sweep = 0.0
                self._quietly(self.sweep_now)
            self._quietly(self.heartbeat)
            if self._stop.wait(interval):
                return
            since_sweep += interval

    @staticmethod
    def _quietly(fn: Any) -> None:
        try:
            fn()
        except Exception:
            log.exception("job %s failed", getattr(fn, "__name__", "upkeep"))


def run_worker(services: Services, concurrency: int | None = None) -> None:
    """Work the queue until SIGTERM or SIGINT, then stop gracefully (``keyframe worker``)."""
    runtime = JobRuntime(services, concurrency)
    stopping = threading.Event()

    def on_signal(signum: int, _frame: FrameType | None) -> None:
        log.info("received %s; stopping", signal.Signals(signum).name)
        stopping.set()

    previous = {s: signal.signal(s, on_signal) for s in (signal.SIGTERM, signal.SIGINT)}
    runtime.start()
    try:
        stopping.wait()
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
        runtime.stop()
