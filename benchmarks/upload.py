"""Upload throughput and server memory: ``uploadToken.upload`` in 10 MiB chunks versus curl sending the file
to a trivial endpoint that writes the body to disk, side by side in one run.

Run: ``.venv/bin/python benchmarks/upload.py`` (about a minute; ``--quick`` for a smoke run with 100 MiB
only; ``--strict`` to exit with status 1 when a target is missed).

1. ``keyframe partner create --json`` makes a partner in a fresh data directory, and ``keyframe serve``
   runs Keyframe in its own process on 127.0.0.1 (embedded SQLite, local storage, default settings).
2. Two baselines, each a separate process: a small ``http.server`` and the same trivial endpoint as an
   ASGI app on uvicorn (the server Keyframe runs on), each writing the POST body to a file, fsyncing it
   (Keyframe's upload is on disk when it answers) and answering 200. ``curl -X POST -T file`` sends the
   file (the streaming form of ``--data-binary @file``, which reads the whole file into memory and
   refuses 1 GiB).
3. Keyframe gets the same file as the official client sends it: ``uploadToken.add`` with the file's name
   and size, then one ``uploadToken.upload`` per 10 MiB chunk (multipart, a ``json`` part then ``fileData``
   as the client sends it; ``resume``/``resumeAt``/``finalChunk``) on one keep-alive connection, the
   chunk's bytes sent with ``sendfile`` so the client costs about what curl does. The time includes the
   final chunk's answer, so it covers making the chunks one file.
   The stored file's SHA-256 is checked against the source.
4. Sizes 100 MiB and 1 GiB; each size runs the baselines and Keyframe in turn, rotating which goes
   first, for several rounds; the figures are medians. While Keyframe uploads, its resident set size is
   sampled from ``/proc`` every 20 ms; the growth is the peak minus the RSS just before (idle, after a
   warm-up).

Targets: throughput ≥ 50 % of the trivial endpoint on uvicorn (the ratio to http.server is printed too);
peak RSS growth < 100 MB whatever the size. Temporary files
live in one temporary directory, removed at the end with the server processes stopped.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import http.client
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import requests

sys.path.insert(0, str(Path(__file__).parent))
from api import HOST, create_partner, free_port, running_server

MIB = 1024 * 1024
CHUNK = 10 * MIB
THROUGHPUT_TARGET = 0.50
RSS_TARGET = 100 * 1000 * 1000

BASELINE_SERVER = textwrap.dedent(
    """
    import os
    import sys
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    TARGET = sys.argv[2]

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # answers curl's "Expect: 100-continue" at once

        def do_POST(self):
            left = int(self.headers["Content-Length"])
            with open(TARGET, "wb") as out:
                while left:
                    block = self.rfile.read(min(left, 1 << 20))
                    if not block:
                        break
                    out.write(block)
                    left -= len(block)
                out.flush()
                os.fsync(out.fileno())  # on disk, as Keyframe's upload is when it answers
            self.send_response(200)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, *args):
            pass

    ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), Handler).serve_forever()
    """
)


# The same trivial endpoint as an ASGI app on uvicorn (uvloop, httptools), the server Keyframe runs on:
# what that stack alone costs for receiving a body and writing it to disk.
STACK_BASELINE_SERVER = textwrap.dedent(
    """
    import os
    import sys

    import uvicorn

    TARGET = sys.argv[2]

    async def app(scope, receive, send):
        if scope["type"] != "http":
            return
        buffer = bytearray()
        with open(TARGET, "wb") as out:
            more = True
            while more:
                message = await receive()
                buffer += message.get("body", b"")
                more = message.get("more_body", False)
                if len(buffer) >= 1 << 20 or not more:
                    out.write(buffer)
                    buffer.clear()
            out.flush()
            os.fsync(out.fileno())
        await send({"type": "http.response.start", "status": 200, "headers": [(b"content-length", b"2")]})
        await send({"type": "http.response.body", "body": b"ok"})

    uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[1]), log_level="warning", access_log=False)
    """
)


def rss(pid: int) -> int:
    """Resident set size in bytes, from /proc."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    return 0


class PeakRss:
    """Samples a process's RSS in a background thread while the block runs."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.idle = rss(pid)
        self.peak = self.idle
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self) -> None:
        while not self._stop.wait(0.02):
            self.peak = max(self.peak, rss(self.pid))

    def __enter__(self) -> PeakRss:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, rss(self.pid))

    @property
    def growth(self) -> int:
        return self.peak - self.idle


def make_file(path: Path, size: int) -> str:
    digest = hashlib.sha256()
    block = os.urandom(MIB)
    with path.open("wb") as out:
        for index in range(size // MIB):
            piece = block[index % 7 :] + block[: index % 7]  # no two MiBs alike
            digest.update(piece)
            out.write(piece)
    return digest.hexdigest()


@contextlib.contextmanager
def baseline_server(port: int, target: Path, script: Path, source: str = BASELINE_SERVER) -> Iterator[None]:
    script.write_text(source)
    server = subprocess.Popen([sys.executable, str(script), str(port), str(target)])
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                requests.post(f"http://{HOST}:{port}/", data=b"x", timeout=5)
                break
            except requests.ConnectionError:
                if time.monotonic() > deadline:
                    raise RuntimeError("the baseline server did not start") from None
                time.sleep(0.1)
        yield
    finally:
        server.terminate()
        server.wait(timeout=15)


def curl_upload(port: int, source: Path) -> float:
    started = time.perf_counter()
    subprocess.run(
        # -T streams the file (``--data-binary @file`` reads it all into memory first, and refuses 1 GiB).
        ["curl", "-sS", "-o", "/dev/null", "-X", "POST", "-T", str(source), f"http://{HOST}:{port}/"],
        check=True,
        timeout=600,
    )
    return time.perf_counter() - started


def api(session: requests.Session, port: int, service: str, action: str, **params: object) -> Any:
    answer = session.post(
        f"http://{HOST}:{port}/api_v3/service/{service}/action/{action}", json={"format": "1", **params}
    )
    result = answer.json()
    if isinstance(result, dict) and result.get("objectType") == "KalturaAPIException":
        raise RuntimeError(f"{service}.{action}: {result.get('code')}")
    return result


def post_chunk(
    conn: http.client.HTTPConnection,
    params: dict[str, str],
    name: str,
    source: Path,
    offset: int,
    length: int,
) -> Any:
    """One ``uploadToken.upload`` as the official client lays it out (a ``json`` part, then ``fileData``),
    with the chunk's bytes sent by ``sendfile`` straight from the file, as curl streams its baseline: the
    client should cost as little as curl does, so the ratio measures the server."""
    boundary = uuid.uuid4().hex
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="json"\r\n\r\n{json.dumps(params)}\r\n'
        f'--{boundary}\r\nContent-Disposition: form-data; name="fileData"; filename="{name}"\r\n'
        "Content-Type: application/octet-stream\r\n\r\n"
    ).encode()
    tail = f"\r\n--{boundary}--\r\n".encode()
    conn.putrequest("POST", "/api_v3/service/uploadtoken/action/upload")
    conn.putheader("Content-Type", f"multipart/form-data; boundary={boundary}")
    conn.putheader("Content-Length", str(len(head) + length + len(tail)))
    conn.endheaders()
    assert conn.sock is not None
    conn.sock.sendall(head)
    with source.open("rb") as fh:
        conn.sock.sendfile(fh, offset, length)
    conn.sock.sendall(tail)
    return json.loads(conn.getresponse().read())


def keyframe_upload(session: requests.Session, port: int, ks: str, source: Path) -> tuple[float, str]:
    """Upload ``source`` as the official client does; returns the time and the token id."""
    size = source.stat().st_size
    started = time.perf_counter()
    token = api(
        session,
        port,
        "uploadtoken",
        "add",
        ks=ks,
        uploadToken={"objectType": "KalturaUploadToken", "fileName": source.name, "fileSize": str(size)},
    )
    conn = http.client.HTTPConnection(HOST, port, timeout=600)
    try:
        for offset in range(0, size, CHUNK):
            length = min(CHUNK, size - offset)
            final = offset + length >= size
            params = {
                "format": "1",
                "uploadTokenId": token["id"],
                "resume": str(offset > 0),
                "finalChunk": str(final),
                "resumeAt": str(offset),
                "ks": ks,
            }
            answer = post_chunk(conn, params, source.name, source, offset, length)
            expected = 2 if final else 1
            if answer.get("status") != expected:
                raise RuntimeError(f"chunk at {offset}: {answer}")
    finally:
        conn.close()
    return time.perf_counter() - started, str(token["id"])


def stored_sha256(data_dir: Path, partner_id: object, token_id: str) -> str:
    folder = data_dir / "storage" / "p" / str(partner_id) / "uploads" / token_id
    files = [p for p in folder.rglob("*") if p.is_file()]
    if len(files) != 1:
        raise RuntimeError(f"expected one stored file for {token_id}, found {len(files)}")
    digest = hashlib.sha256()
    with files[0].open("rb") as fh:
        while block := fh.read(MIB):
            digest.update(block)
    return digest.hexdigest()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="100 MiB only, one round")
    parser.add_argument("--strict", action="store_true", help="exit 1 when a target is missed")
    args = parser.parse_args()
    sizes = [100 * MIB] if args.quick else [100 * MIB, 1024 * MIB]
    rounds = 1 if args.quick else 3
    if shutil.which("curl") is None:
        print("curl is needed for the baseline")
        return 1

    missed = False
    root = Path(tempfile.mkdtemp(prefix="keyframe-bench-upload-"))
    try:
        data_dir = root / "data"
        env = {k: v for k, v in os.environ.items() if not k.startswith("KEYFRAME_")}
        env.update({"KEYFRAME_DATA_DIR": str(data_dir), "KEYFRAME_LOG_LEVEL": "WARNING"})
        subprocess.run([sys.executable, "-m", "keyframe.cli", "db", "upgrade"], env=env, check=True)
        partner = create_partner(env)
        port, baseline_port, stack_port = free_port(), free_port(), free_port()
        with (
            running_server(env, port, root / "server.log") as server,
            baseline_server(baseline_port, root / "baseline.out", root / "baseline.py"),
            baseline_server(stack_port, root / "stack.out", root / "stack.py", STACK_BASELINE_SERVER),
            requests.Session() as session,
        ):
            ks = str(
                api(
                    session,
                    port,
                    "session",
                    "start",
                    secret=partner["adminSecret"],
                    partnerId=partner["id"],
                    type=2,
                )
            )
            warm = root / "warm.bin"
            make_file(warm, 20 * MIB)
            keyframe_upload(session, port, ks, warm)  # warm-up: imports, connections, first allocations
            print(
                f"{'size':>8} {'http.server':>11} {'uvicorn':>8} {'Keyframe':>9} (MB/s)"
                f" {'ratio to http.server':>21} {'ratio to uvicorn':>17} {'RSS growth':>11}"
            )
            for size in sizes:
                source = root / "source.bin"
                expected = make_file(source, size)
                curl_times, stack_times, keyframe_times, growths = [], [], [], []
                for round_index in range(rounds):
                    order = ["curl", "stack", "keyframe"]
                    order = order[round_index % 3 :] + order[: round_index % 3]
                    for variant in order:
                        if variant == "curl":
                            curl_times.append(curl_upload(baseline_port, source))
                            (root / "baseline.out").unlink(missing_ok=True)
                            continue
                        if variant == "stack":
                            stack_times.append(curl_upload(stack_port, source))
                            (root / "stack.out").unlink(missing_ok=True)
                            continue
                        with PeakRss(server.pid) as memory:
                            elapsed, token_id = keyframe_upload(session, port, ks, source)
                        keyframe_times.append(elapsed)
                        growths.append(memory.growth)
                        if stored_sha256(data_dir, partner["id"], token_id) != expected:
                            raise RuntimeError("the stored file differs from the source")
                        api(session, port, "uploadtoken", "delete", ks=ks, uploadTokenId=token_id)
                curl_rate = size / statistics.median(curl_times) / 1e6
                stack_rate = size / statistics.median(stack_times) / 1e6
                keyframe_rate = size / statistics.median(keyframe_times) / 1e6
                growth = max(growths)
                missed |= keyframe_rate / stack_rate < THROUGHPUT_TARGET or growth >= RSS_TARGET
                print(
                    f"{size // MIB:>5} MiB {curl_rate:>11.0f} {stack_rate:>8.0f} {keyframe_rate:>9.0f}"
                    f"       {keyframe_rate / curl_rate:>21.0%} {keyframe_rate / stack_rate:>17.0%}"
                    f" {growth / 1e6:>8.1f} MB"
                )
                source.unlink()
        print(
            f"targets: ratio ≥ {THROUGHPUT_TARGET:.0%} (to the trivial endpoint on uvicorn, Keyframe's own "
            f"server), RSS growth < {RSS_TARGET / 1e6:.0f} MB (peak over idle)"
        )
    finally:
        shutil.rmtree(root, ignore_errors=True)
    if missed:
        print("a target was missed")
    return 1 if missed and args.strict else 0


if __name__ == "__main__":
    sys.exit(main())
