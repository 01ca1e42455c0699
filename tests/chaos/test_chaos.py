"""Crashes, races and throttling, on SQLite (embedded queue) and on PostgreSQL with Redis.

Leases are one second here (settings), so a killed worker's job is taken over within seconds.
"""

from __future__ import annotations

import signal
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from keyframe.jobs import service
from keyframe.jobs.models import JobStatus
from keyframe.jobs.runtime import JobRuntime
from keyframe.services import Services
from tests.jobs.support import count_by_status, effects, job, wait_for, wait_status

Spawn = Callable[..., subprocess.Popen[bytes]]


def test_a_killed_worker_s_job_is_taken_over_and_its_effects_happen_once(
    job_services: Services, spawn_worker: Spawn
) -> None:
    with service.work(job_services) as unit:
        job_id = service.schedule(unit, "test.two_steps", "killed", payload={"hang": True}).id
    first = spawn_worker()
    wait_for(lambda: effects(job_services) == [f"{job_id}:first"], timeout=30)
    first.send_signal(signal.SIGKILL)  # mid-job: the first step committed, the second not begun
    first.wait(10)
    assert job(job_services, job_id).status == JobStatus.RUNNING  # its lease is still there, for now
    spawn_worker()
    row = wait_status(job_services, job_id, JobStatus.SUCCEEDED, timeout=30)
    assert row.attempts == 2
    assert effects(job_services) == [f"{job_id}:first", f"{job_id}:second"]  # each exactly once


def test_two_workers_racing_for_500_jobs_run_each_once(
    job_services: Services, spawn_worker: Spawn, tmp_path: Path
) -> None:
    log = tmp_path / "runs.log"
    queue = job_services.job_queue()
    with service.work(job_services) as unit:
        ids = [
            service.schedule(unit, "test.count", f"row-{n}", payload={"log": str(log)}).id for n in range(500)
        ]
    for job_id in ids:  # every message twice: both workers will try to take the same rows
        queue.wake(job_id)
    spawn_worker(), spawn_worker()
    wait_for(lambda: count_by_status(job_services).get(JobStatus.SUCCEEDED, 0) >= 500, timeout=90)
    runs = [line.split()[0] for line in log.read_text().splitlines()]
    assert len(runs) == 500
    assert sorted(map(int, runs)) == sorted(ids)


class _Throttled(BaseHTTPRequestHandler):
    """429 with ``Retry-After: 2`` the first time, then 200; records when each request came."""

    times: list[float]

    def do_GET(self) -> None:
        self.times.append(time.time())
        if len(self.times) == 1:
            self.send_response(429)
            self.send_header("Retry-After", "2")
        else:
            self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def throttled_server() -> Iterator[tuple[str, list[float]]]:
    times: list[float] = []
    handler = type("Handler", (_Throttled,), {"times": times})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/", times
    server.shutdown()
    server.server_close()


def test_a_429_with_retry_after_waits_that_long_then_succeeds(
    job_services: Services, runtime: JobRuntime, throttled_server: tuple[str, list[float]]
) -> None:
    url, times = throttled_server
    with service.work(job_services) as unit:
        job_id = service.schedule(unit, "test.http", "throttled", payload={"url": url}).id
    row = wait_status(job_services, job_id, JobStatus.SUCCEEDED, timeout=30)
    assert row.attempts == 2
    assert len(times) == 2
    assert times[1] - times[0] >= 2.0  # the hint, not the kind's 0.1 s backoff
