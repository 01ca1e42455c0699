"""Background jobs against bare Huey tasks, measured side by side in the same run.

Run: ``.venv/bin/python benchmarks/jobs.py`` (``--count N``, default 10,000; ``--quick`` for 1,000).

For each queue: the embedded one (SQLite database and SQLite queue in a fresh data directory, one worker
process with 2 threads, as ``keyframe serve`` runs it) and Redis (PostgreSQL database, 2 worker
processes of 2 threads each, as ``keyframe worker``; needs ``KEYFRAME_BENCH_DATABASE_URL`` and Redis at
``KEYFRAME_BENCH_REDIS_URL``, default redis://127.0.0.1:6379/14):

* **jobs**: N no-op jobs, each scheduled in a transaction of its own (a row, then the message after the
  commit), each run through the lease, the handler and the finishing transaction.
* **bare**: N Huey tasks with the same no-op body and no database row.

This process first enqueues the N messages (one transaction each for jobs), then starts the workers,
which drain them. Each run of the body appends "enqueued-at started-at" to its worker's file. Throughput
is N over the time from the first start to the last (so the workers' start-up is not counted); then 200
more are enqueued at 40/s and latency is started-at minus enqueued-at (p50, p99). Both sides use the
same Huey consumer settings, processes and threads. Target: jobs ≥ 50 % of bare.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path
from typing import Any

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parents[1]
LATENCY_COUNT, LATENCY_RATE = 200, 40
sys.path.insert(0, str(ROOT / "src"))

from keyframe.config import Settings, normalize_database_url  # noqa: E402
from keyframe.jobs.kinds import job_kind  # noqa: E402
from keyframe.jobs.queue import JobQueue  # noqa: E402
from keyframe.jobs.runner import JobRun  # noqa: E402


def _record(out: str, enqueued: float) -> None:
    fd = os.open(out, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        os.write(fd, f"{enqueued} {time.time()}\n".encode())
    finally:
        os.close(fd)


@job_kind("bench.noop", max_attempts=3)
def noop(run: JobRun) -> None:
    _record(os.environ["BENCH_OUT"], float(run.payload["t"]))


def bare_task(queue: JobQueue) -> object:
    return queue.huey.task(name="bench.bare")(lambda t: _record(os.environ["BENCH_OUT"], t))


# --- worker processes ----------------------------------------------------------------------------


def worker_main(mode: str, concurrency: int) -> None:
    from keyframe.jobs.runtime import JobRuntime, run_worker
    from keyframe.services import Services

    services = Services.create(Settings())
    if mode == "jobs":
        run_worker(services, concurrency)
        return
    queue = services.job_queue()
    bare_task(queue)
    consumer = queue.huey.create_consumer(
        workers=concurrency,
        worker_type="thread",
        periodic=False,
        initial_delay=0.05,
        backoff=1.5,
        max_delay=services.settings.jobs_poll_seconds,
        check_worker_health=False,
    )
    consumer.scheduler.start()
    for _, thread in consumer.worker_threads:
        thread.start()
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    stop.wait()
    consumer.stop(graceful=True)
    del JobRuntime


# --- the driver ----------------------------------------------------------------------------------


def _start_workers(
    mode: str, env: dict[str, str], processes: int, out_dir: Path
) -> list[subprocess.Popen[bytes]]:
    return [
        subprocess.Popen(
            [sys.executable, __file__, "--worker", mode, "--concurrency", "2"],
            env={**env, "BENCH_OUT": str(out_dir / f"w{n}.txt")},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for n in range(processes)
    ]


def _stop(workers: list[subprocess.Popen[bytes]]) -> None:
    for worker in workers:
        worker.send_signal(signal.SIGTERM)
    for worker in workers:
        try:
            worker.wait(30)
        except subprocess.TimeoutExpired:
            worker.kill()


def _wait_lines(out_dir: Path, count: int) -> list[tuple[float, float]]:
    deadline = time.time() + 600
    lines: list[str] = []
    while time.time() < deadline:
        lines = [line for f in out_dir.glob("*.txt") for line in f.read_text().splitlines()]
        if len(lines) >= count:
            break
        time.sleep(0.1)
    return [(float(a), float(b)) for a, b in (line.split() for line in lines)]


def run_case(
    label: str, mode: str, env: dict[str, str], settings: Settings, processes: int, count: int
) -> dict[str, Any]:
    """Throughput: N messages queued up first, then the workers start and drain them. Latency: then
    LATENCY_COUNT more at a steady LATENCY_RATE per second (below capacity), enqueue to start."""
    from keyframe.jobs import service
    from keyframe.services import Services

    services = Services.create(settings)
    task = bare_task(services.job_queue())

    def enqueue(n: int) -> None:
        if mode == "jobs":
            with service.work(services) as unit:
                service.schedule(unit, "bench.noop", f"{label}-{n}", payload={"t": time.time()})
        else:
            task(time.time())  # type: ignore[operator]

    out_dir = Path(tempfile.mkdtemp(prefix="kf-bench-out-"))
    started_enqueue = time.time()
    for n in range(count):
        enqueue(n)
    enqueue_rate = count / (time.time() - started_enqueue)
    first = time.time()
    workers = _start_workers(mode, env, processes, out_dir)
    pairs = _wait_lines(out_dir, count)
    # From the first start to the last: the workers' start-up (imports, connections; about a second,
    # a sixth of the bare run) is not throughput, and counting it would favour the slower side.
    starts = [b for _, b in pairs]
    rate = (len(pairs) - 1) / (max(starts) - min(starts))
    for n in range(LATENCY_COUNT):
        enqueue(count + n)
        time.sleep(1 / LATENCY_RATE)
    paced = _wait_lines(out_dir, count + LATENCY_COUNT)
    _stop(workers)
    services.close()
    shutil.rmtree(out_dir, ignore_errors=True)
    latencies = sorted(b - a for a, b in paced if a >= first)
    return {
        "label": label,
        "mode": mode,
        "done": len(pairs),
        "rate": rate,
        "enqueue_rate": enqueue_rate,
        "p50": statistics.median(latencies) * 1000,
        "p99": latencies[max(0, int(len(latencies) * 0.99) - 1)] * 1000,
    }


def embedded(count: int) -> list[dict[str, Any]]:
    data = Path(tempfile.mkdtemp(prefix="kf-bench-"))
    try:
        settings = Settings(data_dir=data, jobs_poll_seconds=0.05, jobs_schedule={})
        from keyframe.migrations import upgrade

        upgrade(settings.resolved_database_url())
        env = {
            **os.environ,
            "PYTHONPATH": str(ROOT),
            "KEYFRAME_DATA_DIR": str(data),
            "KEYFRAME_JOBS_POLL_SECONDS": "0.05",
        }
        env.pop("KEYFRAME_QUEUE_URL", None)
        env.pop("KEYFRAME_DATABASE_URL", None)
        return [run_case("embedded", mode, env, settings, 1, count) for mode in ("bare", "jobs")]
    finally:
        shutil.rmtree(data, ignore_errors=True)


def commit_latency(url: str, synchronous: str, n: int = 300) -> float:
    """The floor under each job on PostgreSQL: one small durable write transaction (the finish)."""
    engine = sa.create_engine(normalize_database_url(url))
    times = []
    with engine.connect() as conn:
        conn.exec_driver_sql("CREATE TABLE IF NOT EXISTS bench_commit (id int PRIMARY KEY, n int)")
        conn.exec_driver_sql("INSERT INTO bench_commit VALUES (1, 0) ON CONFLICT DO NOTHING")
        conn.commit()
        for _ in range(n):
            started = time.perf_counter()
            conn.exec_driver_sql(f"SET LOCAL synchronous_commit = {synchronous}")
            conn.exec_driver_sql("UPDATE bench_commit SET n = n + 1 WHERE id = 1")
            conn.commit()
            times.append(time.perf_counter() - started)
    engine.dispose()
    return statistics.median(times) * 1000


def redis_case(count: int) -> list[dict[str, Any]]:
    pg = os.environ.get("KEYFRAME_BENCH_DATABASE_URL")
    redis_url = os.environ.get("KEYFRAME_BENCH_REDIS_URL", "redis://127.0.0.1:6379/14")
    if not pg:
        print("Redis: skipped (set KEYFRAME_BENCH_DATABASE_URL to a PostgreSQL server)")
        return []
    server = sa.make_url(normalize_database_url(pg))
    name = f"keyframe_bench_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    url = server.set(database=name).render_as_string(hide_password=False)
    data = Path(tempfile.mkdtemp(prefix="kf-bench-"))
    queue_name = f"keyframe-bench-{uuid.uuid4().hex[:8]}"
    try:
        from keyframe.migrations import upgrade

        upgrade(url)
        settings = Settings(data_dir=data, database_url=url, queue_url=redis_url, queue_name=queue_name)
        env = {
            **os.environ,
            "PYTHONPATH": str(ROOT),
            "KEYFRAME_DATA_DIR": str(data),
            "KEYFRAME_DATABASE_URL": url,
            "KEYFRAME_QUEUE_URL": redis_url,
            "KEYFRAME_QUEUE_NAME": queue_name,
        }
        results = [run_case("redis", mode, env, settings, 2, count) for mode in ("bare", "jobs")]
        for synchronous in ("on", "off"):
            print(
                f"PostgreSQL commit of a one-row UPDATE, synchronous_commit={synchronous}: "
                f"median {commit_latency(url, synchronous):.2f} ms"
            )
        return results
    finally:
        import redis

        client = redis.Redis.from_url(redis_url)
        for key in client.scan_iter(match=f"huey.*{queue_name}*"):
            client.delete(key)
        client.close()
        shutil.rmtree(data, ignore_errors=True)
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE "{name}" WITH (FORCE)')
        admin.dispose()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--worker", choices=["jobs", "bare"])
    parser.add_argument("--concurrency", type=int, default=2)
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--only", choices=["embedded", "redis"])
    args = parser.parse_args()
    if args.worker:
        worker_main(args.worker, args.concurrency)
        return
    count = 1_000 if args.quick else args.count
    results = (embedded(count) if args.only != "redis" else []) + (
        redis_case(count) if args.only != "embedded" else []
    )
    print(f"{'queue':10} {'kind':5} {'done':>6} {'jobs/s':>8} {'enqueue/s':>10} {'p50 ms':>8} {'p99 ms':>8}")
    for r in results:
        print(
            f"{r['label']:10} {r['mode']:5} {r['done']:>6} {r['rate']:>8.0f} {r['enqueue_rate']:>10.0f}"
            f" {r['p50']:>8.1f} {r['p99']:>8.1f}"
        )
    for label in ("embedded", "redis"):
        pair = {r["mode"]: r for r in results if r["label"] == label}
        if len(pair) == 2:
            ratio = pair["jobs"]["rate"] / pair["bare"]["rate"]
            print(f"{label}: jobs at {ratio:.0%} of bare Huey throughput (target ≥ 50 %)")


if __name__ == "__main__":
    main()
