"""api_v3 throughput over real HTTP, against a trivial endpoint of the same server, measured side by side.

Run: ``.venv/bin/python benchmarks/api.py`` (about 45 seconds per database; ``--quick`` for a smoke run;
``--strict`` to exit with status 1 when a target is missed or an answer is wrong).

For each database (SQLite, the embedded default; PostgreSQL too when ``KEYFRAME_BENCH_DATABASE_URL`` names
a server, in a database created for the run and dropped after it):

1. ``keyframe partner create --json`` makes a partner in a fresh data directory (or database), and
   ``keyframe serve`` runs the server in its own process on 127.0.0.1 (one uvicorn worker, default
   settings: the access log is on and goes to a file).
2. This process drives it with a small HTTP/1.1 keep-alive load generator (asyncio, a fixed number of
   connections, each sending its next request when the previous answer is in), at three endpoints:

   * ``GET /healthz``: the trivial endpoint, plain text "ok", same middleware, no api_v3 and no database.
   * ``session.start``: ``POST /api_v3/service/session/action/start`` with the JSON body the official
     client sends (admin secret, ADMIN type, XML answer).
   * ``partner.getInfo``: ``POST /api_v3/service/partner/action/getInfo`` with the KS in the JSON body,
     as the official client sends it; one KS per connection, started once, as a client session would.

   Every answer is checked (HTTP 200 and the expected result, not an error).
3. Rounds: each endpoint runs for a fixed time, the three in turn and in alternating order, several
   rounds; the figure is the median over the rounds. Only the ratios to /healthz are judged.

Everything is bounded: each run stops at its time or request limit, and the whole benchmark at a deadline;
traffic goes to 127.0.0.1 only; the server process is stopped and temporary files are removed.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import hashlib
import json
import os
import secrets
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

HOST = "127.0.0.1"
TARGET = 0.50  # each API action ≥ 50 % of /healthz's requests per second
CLIENT_TAG = "python-26-10-22"
API_VERSION = "23.10.0"
MAX_REQUESTS_PER_RUN = 1_000_000
DEADLINE_SECONDS = 170.0  # the whole benchmark, both databases, stops by then


def loop_factory() -> Callable[[], asyncio.AbstractEventLoop] | None:
    """uvloop when installed (it comes with uvicorn[standard]): a lighter load generator."""
    try:
        import uvloop
    except ImportError:  # pragma: no cover
        return None
    return uvloop.new_event_loop


@dataclass
class Endpoint:
    name: str
    requests: list[bytes]  # one request per connection (they may differ, e.g. in the KS)
    check: Callable[[bytes], bool]
    judged: bool = True  # False: printed for information, no target


@dataclass
class RunResult:
    requests: int
    seconds: float
    failures: int
    client_cpu: float  # this process's CPU seconds during the run
    server_cpu: float  # the server process's CPU seconds during the run
    failure_sample: bytes = b""


@dataclass
class Backend:
    name: str
    env: dict[str, str]
    cleanup: list[Callable[[], None]] = field(default_factory=list)


# --- HTTP ------------------------------------------------------------------------------------------


def http_request(method: str, path: str, body: bytes = b"", content_type: str = "") -> bytes:
    lines = [
        f"{method} {path} HTTP/1.1",
        f"Host: {HOST}",
        "User-Agent: keyframe-bench",
        "Accept: text/xml",
    ]
    if method == "POST":
        lines += [f"Content-Type: {content_type}", f"Content-Length: {len(body)}"]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


def client_json(params: dict[str, str]) -> bytes:
    """The body the official Python client sends: tag, version, format 2 (XML), params, kalsig."""
    body = {"clientTag": CLIENT_TAG, "apiVersion": API_VERSION, "format": "2", **params}
    body["kalsig"] = hashlib.md5(json.dumps(body).encode()).hexdigest()  # the client signs so; ignored
    return json.dumps(body).encode()


async def read_response(reader: asyncio.StreamReader) -> tuple[bytes, bytes]:
    head = await reader.readuntil(b"\r\n\r\n")
    status = head[9:12]
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value)
    return status, await reader.readexactly(length)


async def drive(
    port: int, endpoint: Endpoint, concurrency: int, seconds: float, server_pid: int
) -> RunResult:
    """Keep ``concurrency`` connections busy for ``seconds`` (or until the request limit)."""
    done = 0
    failures = 0
    sample = b""
    stop_at = 0.0

    async def connection(request: bytes) -> None:
        nonlocal done, failures, sample
        reader, writer = await asyncio.open_connection(HOST, port)
        try:
            while time.perf_counter() < stop_at and done < MAX_REQUESTS_PER_RUN:
                writer.write(request)
                status, body = await read_response(reader)
                done += 1
                if status != b"200" or not endpoint.check(body):
                    failures += 1
                    sample = sample or status + b" " + body[:300]
        finally:
            writer.close()
            with contextlib.suppress(OSError):
                await writer.wait_closed()

    requests = [endpoint.requests[i % len(endpoint.requests)] for i in range(concurrency)]
    server_before = process_cpu(server_pid)
    client_before = time.process_time()
    started = time.perf_counter()
    stop_at = started + seconds
    # A hung server cannot hold the benchmark: the whole run has a hard limit.
    await asyncio.wait_for(asyncio.gather(*(connection(r) for r in requests)), seconds + 30)
    elapsed = time.perf_counter() - started
    return RunResult(
        requests=done,
        seconds=elapsed,
        failures=failures,
        client_cpu=time.process_time() - client_before,
        server_cpu=process_cpu(server_pid) - server_before,
        failure_sample=sample,
    )


async def one_call(port: int, request: bytes) -> bytes:
    reader, writer = await asyncio.open_connection(HOST, port)
    try:
        writer.write(request)
        status, body = await asyncio.wait_for(read_response(reader), 10)
    finally:
        writer.close()
    if status != b"200":
        raise RuntimeError(f"HTTP {status!r}: {body[:300]!r}")
    return body


def process_cpu(pid: int) -> float:
    """User + system CPU seconds of a process and its threads (Linux /proc; 0 elsewhere)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


# --- the server ------------------------------------------------------------------------------------


def keyframe_command() -> list[str]:
    script = Path(sys.executable).with_name("keyframe")
    return [str(script)] if script.exists() else [sys.executable, "-m", "keyframe.cli"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


@contextlib.contextmanager
def running_server(env: dict[str, str], port: int, log: Path) -> Iterator[subprocess.Popen[bytes]]:
    with log.open("wb") as out:
        server = subprocess.Popen(
            [*keyframe_command(), "serve", "--host", HOST, "--port", str(port)],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 60
        while True:
            if server.poll() is not None:
                raise RuntimeError(f"the server exited ({server.returncode}); see {log}")
            try:
                asyncio.run(one_call(port, http_request("GET", "/healthz")))
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise RuntimeError("the server did not start within 60 s") from None
                time.sleep(0.2)
        yield server
    finally:
        server.terminate()
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(timeout=15)


def create_partner(env: dict[str, str]) -> dict[str, object]:
    password = secrets.token_urlsafe(16)
    out = subprocess.run(
        [
            *keyframe_command(),
            "partner",
            "create",
            "--name",
            "Benchmark Partner",
            "--admin-email",
            "bench-admin@example.com",
            "--json",
        ],
        env={**env, "KEYFRAME_ADMIN_PASSWORD": password},
        capture_output=True,
        check=True,
        timeout=120,
    )
    partner: dict[str, object] = json.loads(out.stdout.decode().strip().splitlines()[-1])
    partner["adminPassword"] = password
    return partner


def backends(root: Path) -> Iterator[Backend]:
    base = {k: v for k, v in os.environ.items() if not k.startswith("KEYFRAME_")}
    base["KEYFRAME_LOG_LEVEL"] = "INFO"  # the default; the access log goes to the log file
    sqlite_dir = root / "sqlite"
    yield Backend("SQLite", {**base, "KEYFRAME_DATA_DIR": str(sqlite_dir)})

    url = os.environ.get("KEYFRAME_BENCH_DATABASE_URL")
    if not url:
        return
    import sqlalchemy as sa

    from keyframe.config import normalize_database_url

    server = sa.make_url(normalize_database_url(url))
    name = f"keyframe_bench_{secrets.token_hex(5)}"
    admin = sa.create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')

    def drop() -> None:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()

    database_url = server.set(database=name).render_as_string(hide_password=False)
    yield Backend(
        f"PostgreSQL ({server.host}:{server.port})",
        {**base, "KEYFRAME_DATA_DIR": str(root / "pg"), "KEYFRAME_DATABASE_URL": database_url},
        [drop],
    )


# --- measuring -------------------------------------------------------------------------------------


def endpoints(port: int, partner: dict[str, object], concurrency: int) -> list[Endpoint]:
    partner_id = str(partner["id"])
    start_body = client_json(
        {
            "secret": str(partner["adminSecret"]),
            "userId": "bench-admin@example.com",
            "type": "2",
            "partnerId": partner_id,
            "expiry": "86400",
            "privileges": "disableentitlement",
        }
    )
    start = http_request("POST", "/api_v3/service/session/action/start", start_body, "application/json")

    # One KS per connection, each started over the API (as each client would at its start).
    kss = []
    for _ in range(concurrency):
        answer = asyncio.run(one_call(port, start))
        kss.append(answer.split(b"<result>", 1)[1].split(b"</result>", 1)[0].decode())
    get_info = [
        http_request(
            "POST",
            "/api_v3/service/partner/action/getInfo",
            client_json({"ks": ks, "partnerId": partner_id}),
            "application/json",
        )
        for ks in kss
    ]
    partner_tag = f"<id>{partner_id}</id>".encode()
    ping = http_request("POST", "/api_v3/service/system/action/ping", client_json({}), "application/json")
    login = http_request(
        "POST",
        "/api_v3/service/user/action/loginByLoginId",
        client_json({"loginId": "bench-admin@example.com", "password": str(partner["adminPassword"])}),
        "application/json",
    )
    return [
        Endpoint("GET /healthz", [http_request("GET", "/healthz")], lambda body: body == b"ok"),
        Endpoint("session.start", [start], lambda body: b"<result>djJ8" in body),
        Endpoint(
            "partner.getInfo",
            get_info,
            lambda body: b"<objectType>KalturaPartner</objectType>" in body and partner_tag in body,
        ),
        # For information: the api_v3 path (parse, dispatch in a worker thread, XML) with no KS and no
        # database, to tell the protocol's cost from the database's.
        Endpoint("system.ping", [ping], lambda body: b"<result>1</result>" in body, judged=False),
        # For information: logins are deliberately slow (argon2id; parameters printed below).
        Endpoint("user.loginByLoginId", [login], lambda body: b"<result>djJ8" in body, judged=False),
    ]


def measure(backend: Backend, root: Path, args: argparse.Namespace, deadline: float) -> tuple[bool, bool]:
    """Runs the rounds and prints the figures; returns (every answer was right, every target passed)."""
    Path(backend.env["KEYFRAME_DATA_DIR"]).mkdir(parents=True, exist_ok=True)
    partner = create_partner(backend.env)
    port = free_port()
    log = root / f"server-{backend.name.split()[0].lower()}.log"
    with running_server(backend.env, port, log) as server:
        points = endpoints(port, partner, args.concurrency)
        runner = asyncio.Runner(loop_factory=loop_factory())
        with runner:
            for point in points:  # warm-up: connections, caches, the JIT-less interpreter's branches
                runner.run(drive(port, point, args.concurrency, args.warmup, server.pid))
            results: dict[str, list[RunResult]] = {p.name: [] for p in points}
            rounds_done = 0
            for round_ in range(args.rounds):
                if time.monotonic() + len(points) * args.seconds > deadline:
                    print(f"  (stopping after {rounds_done} rounds: the benchmark's time limit)")
                    break
                order = points if round_ % 2 == 0 else points[::-1]
                for point in order:
                    results[point.name].append(
                        runner.run(drive(port, point, args.concurrency, args.seconds, server.pid))
                    )
                rounds_done += 1
    if not rounds_done:
        print("  no complete round")
        return True, False

    rates = {name: [r.requests / r.seconds for r in runs] for name, runs in results.items()}
    median = {name: statistics.median(values) for name, values in rates.items()}
    trivial = points[0].name
    answers_ok = targets_ok = True
    for point in points:
        runs = results[point.name]
        failures = sum(r.failures for r in runs)
        seconds = sum(r.seconds for r in runs)
        client = sum(r.client_cpu for r in runs) / seconds
        server_load = sum(r.server_cpu for r in runs) / seconds
        values = rates[point.name]
        line = (
            f"  {point.name:<16} {median[point.name]:>8.0f} req/s  ({min(values):.0f}–{max(values):.0f})"
            f"   server CPU {server_load:>4.0%}, client CPU {client:>4.0%}"
        )
        if failures:
            answers_ok = False
            line += f"   {failures} FAILED answers, e.g. {runs[0].failure_sample or b''!r}"
        print(line)
    for point in points[1:]:
        ratio = median[point.name] / median[trivial]
        if not point.judged:
            print(f"  info: {point.name} / {trivial} = {ratio:.0%}")
            continue
        passed = ratio >= TARGET
        targets_ok = targets_ok and passed
        print(
            f"  {point.name} / {trivial} = {ratio:.0%}  (target >= {TARGET:.0%})  "
            f"{'PASS' if passed else 'FAIL'}"
        )
    return answers_ok, targets_ok


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--concurrency", type=int, default=8, help="connections kept busy")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--seconds", type=float, default=2.0, help="per endpoint per round")
    parser.add_argument("--warmup", type=float, default=1.0, help="per endpoint, not measured")
    parser.add_argument("--quick", action="store_true", help="a smoke run: short and few rounds")
    parser.add_argument("--strict", action="store_true", help="exit with status 1 when a target is missed")
    args = parser.parse_args()
    if args.quick:
        args.rounds, args.seconds, args.warmup = 2, 0.5, 0.2
    deadline = time.monotonic() + DEADLINE_SECONDS

    print(
        f"api_v3 over HTTP/1.1 keep-alive, {args.concurrency} connections, {args.rounds} interleaved rounds "
        f"of {args.seconds:g} s per endpoint, median req/s (min–max); {os.cpu_count()} CPUs, "
        f"server and load generator in separate processes"
    )
    from keyframe.users.passwords import hasher_parameters

    print(f"password hashing for user.loginByLoginId: {hasher_parameters()}")
    root = Path(tempfile.mkdtemp(prefix="keyframe-bench-"))
    answers_ok = targets_ok = True
    try:
        for backend in backends(root):
            try:
                print(f"{backend.name}:")
                answers, targets = measure(backend, root, args, deadline)
                answers_ok, targets_ok = answers_ok and answers, targets_ok and targets
            finally:
                for cleanup in backend.cleanup:
                    cleanup()
    finally:
        shutil.rmtree(root, ignore_errors=True)
    if not answers_ok:
        print("some answers were wrong: the figures above do not measure what they claim")
        return 2
    return 0 if targets_ok or not args.strict else 1


if __name__ == "__main__":
    sys.exit(main())
