"""Services tuned for job tests (short leases, fast sweeps) and an in-process job runtime.

SQLite runs with the embedded (SQLite) queue, PostgreSQL with Redis: the two deployments Keyframe has.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from keyframe.jobs.runtime import JobRuntime
from keyframe.services import Services
from tests.jobs.support import redis_queue

__all__ = ["redis_queue"]


@pytest.fixture
def job_services(services: Services, request: pytest.FixtureRequest) -> Iterator[Services]:
    settings = services.settings
    settings.jobs_lease_seconds = 1.0
    settings.jobs_sweep_seconds = 0.2
    settings.jobs_poll_seconds = 0.05
    settings.jobs_shutdown_seconds = 5.0
    if not services.db.is_sqlite:
        url, name = request.getfixturevalue("redis_queue")
        settings.queue_url, settings.queue_name = url, name
    yield services
    queue = services._job_queue
    if queue is not None:
        queue.close()
        services._job_queue = None


@pytest.fixture
def runtime(job_services: Services) -> Iterator[JobRuntime]:
    worker = JobRuntime(job_services, concurrency=2)
    worker.start()
    yield worker
    worker.stop()
