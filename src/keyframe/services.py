"""The long-lived parts one Keyframe process shares, built once by ``create_app`` or the CLI."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from keyframe.auth.ks_validation import KsValidator
from keyframe.config import Settings
from keyframe.db import Database
from keyframe.storage import Storage, StorageConfig, open_storage

if TYPE_CHECKING:
    from keyframe.jobs.metrics import JobMetrics
    from keyframe.jobs.queue import JobQueue


@dataclass
class Services:
    settings: Settings
    db: Database
    ks_validator: KsValidator
    storage: Storage
    # The job queue and metrics are opened on first use: most CLI commands need neither.
    _job_queue: JobQueue | None = field(default=None, init=False, repr=False)
    _job_metrics: JobMetrics | None = field(default=None, init=False, repr=False)
    _jobs_lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)

    @classmethod
    def create(cls, settings: Settings) -> Services:
        return cls(
            settings=settings,
            db=Database(settings.resolved_database_url()),
            ks_validator=KsValidator(settings.ks_cache_size),
            storage=open_storage(StorageConfig.from_settings(settings)),
        )

    def job_queue(self) -> JobQueue:
        """The queue that wakes job workers (SQLite under the data dir, or Redis)."""
        with self._jobs_lock:
            if self._job_queue is None:
                from keyframe.jobs.queue import JobQueue

                self._job_queue = JobQueue(self.settings)
            return self._job_queue

    def job_metrics(self) -> JobMetrics:
        with self._jobs_lock:
            if self._job_metrics is None:
                from keyframe.jobs.metrics import JobMetrics

                self._job_metrics = JobMetrics(self)
            return self._job_metrics

    def close(self) -> None:
        if self._job_queue is not None:
            self._job_queue.close()
        self.storage.close()
        self.db.dispose()
