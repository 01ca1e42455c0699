"""Worker processes for the chaos tests: real processes, killed for real."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from keyframe.services import Services
from tests.jobs.conftest import job_services, runtime
from tests.jobs.support import redis_queue

__all__ = ["job_services", "redis_queue", "runtime"]
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def spawn_worker(job_services: Services, tmp_path: Path) -> Iterator[Callable[..., subprocess.Popen[bytes]]]:
    """Start worker processes on the test's database and queue; any still running are killed at the end."""
    settings = job_services.settings
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "KEYFRAME_DATABASE_URL": job_services.db.url,
        "KEYFRAME_DATA_DIR": str(settings.data_dir),
        "KEYFRAME_QUEUE_NAME": settings.queue_name,
        "KEYFRAME_JOBS_LEASE_SECONDS": str(settings.jobs_lease_seconds),
        "KEYFRAME_JOBS_SWEEP_SECONDS": str(settings.jobs_sweep_seconds),
        "KEYFRAME_JOBS_POLL_SECONDS": str(settings.jobs_poll_seconds),
        "KEYFRAME_JOBS_SHUTDOWN_SECONDS": "1",
    }
    if settings.queue_url:
        env["KEYFRAME_QUEUE_URL"] = settings.queue_url
    else:
        env.pop("KEYFRAME_QUEUE_URL", None)
    started: list[subprocess.Popen[bytes]] = []

    def spawn(concurrency: int = 2) -> subprocess.Popen[bytes]:
        log = open(tmp_path / f"worker-{len(started)}.log", "wb")  # noqa: SIM115 - closed with the process
        process = subprocess.Popen(
            [sys.executable, "-m", "tests.chaos.worker", str(concurrency)],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        log.close()
        started.append(process)
        return process

    yield spawn
    for process in started:
        if process.poll() is None:
            process.send_signal(signal.SIGKILL)
        process.wait(10)
