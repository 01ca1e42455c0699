"""The queue that wakes workers: Huey on SQLite under the data directory, or on Redis.

A message is only a job row's id; everything a worker needs is in the row. Losing a message delays a job
until the sweeper's next round, never loses it; a duplicate is a no-op (the row is leased or done).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from huey import RedisHuey, SqliteHuey
from huey.storage import SqliteStorage

from keyframe.config import Settings

TASK_NAME = "keyframe.jobs.run"


def is_redis(settings: Settings) -> bool:
    return bool(settings.queue_url) and str(settings.queue_url).startswith(
        ("redis://", "rediss://", "unix://")
    )


def make_huey(settings: Settings) -> Any:
    """A Huey instance for the configured backend (without result storage: outcomes live in job rows)."""
    if is_redis(settings):
        return RedisHuey(settings.queue_name, url=settings.queue_url, results=False, store_none=False)
    if settings.queue_url:
        raise ValueError("KEYFRAME_QUEUE_URL must be a redis:// URL (or unset for the embedded queue)")
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    return SqliteHuey(
        settings.queue_name,
        filename=str(settings.data_dir / "queue.db"),
        results=False,
        timeout=30,
        storage_class=_QueueStorage,
    )


class _QueueStorage(SqliteStorage):  # type: ignore[misc]  # huey has no type hints
    """Huey's SQLite storage with ``synchronous=NORMAL``, like the database: in WAL mode a commit then
    waits for no fsync (Huey's default, FULL, costs one per message sent and one per message taken). A
    power loss can drop only the last messages; the job rows are the truth and the sweeper re-sends them.
    """

    def _create_connection(self) -> Any:
        connection = super()._create_connection()
        connection.execute("pragma synchronous=NORMAL")
        return connection


class JobQueue:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.embedded = not is_redis(settings)
        self.huey = make_huey(settings)
        self._executor: Callable[[int], object] | None = None
        self._task = self.huey.task(name=TASK_NAME)(self._run)

    def wake(self, job_id: int, at_ms: int | None = None) -> None:
        """Put a message for the job on the queue, delivered at ``at_ms`` (now if unset or past)."""
        delay = 0.0 if at_ms is None else at_ms / 1000 - time.time()
        if delay > 0.05:
            self._task.schedule(args=(job_id,), delay=delay)
        else:
            self._task(job_id)

    def bind(self, executor: Callable[[int], object]) -> None:
        """Run messages with ``executor`` (a process that works the queue sets this before consuming)."""
        self._executor = executor

    def _run(self, job_id: int) -> None:
        if self._executor is None:
            raise RuntimeError("this process does not run jobs")
        self._executor(job_id)

    def pending(self) -> int:
        """Messages waiting on the queue (not counting delayed ones)."""
        return int(self.huey.pending_count())

    def close(self) -> None:
        close = getattr(self.huey.storage, "close", None)
        if close is not None:
            close()
