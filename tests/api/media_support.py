"""Helpers for the media tests: entries with content made through the real uploadToken API."""

from __future__ import annotations

import json
import shutil
import subprocess
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

from tests.conftest import IN_CI
from tests.helpers import call

FFMPEG = "/usr/bin/ffmpeg"
FFPROBE = "/usr/bin/ffprobe"


def upload_file(client: TestClient, ks: str, data: bytes, name: str = "clip.bin") -> str:
    """A FULL_UPLOAD token holding ``data`` (uploadToken.add + one final chunk, as the official client)."""
    token = call(client, "uploadToken", "add", ks=ks, uploadToken={"objectType": "KalturaUploadToken"})
    assert token.get("objectType") == "KalturaUploadToken", token
    params = {"format": "1", "uploadTokenId": token["id"], "finalChunk": "True", "ks": ks}
    response = client.post(
        "/api_v3/service/uploadtoken/action/upload",
        files={"json": (None, json.dumps(params)), "fileData": (name, data, "application/octet-stream")},
    )
    assert response.status_code == 200 and response.json()["status"] == 2, response.text
    return str(token["id"])


def add_entry(client: TestClient, ks: str, **fields: Any) -> dict[str, Any]:
    entry = call(
        client, "media", "add", ks=ks, entry={"objectType": "KalturaMediaEntry", "mediaType": "1", **fields}
    )
    assert entry.get("objectType") == "KalturaMediaEntry", entry
    return entry  # type: ignore[no-any-return]


def ready_entry(
    client: TestClient, ks: str, data: bytes = b"\x00" * 1000, file_name: str = "clip.bin", **fields: Any
) -> dict[str, Any]:
    """An entry with content (READY)."""
    entry = add_entry(client, ks, **fields)
    token = upload_file(client, ks, data, file_name)
    result = call(
        client,
        "media",
        "addContent",
        ks=ks,
        entryId=entry["id"],
        resource={"objectType": "KalturaUploadedFileTokenResource", "token": token},
    )
    assert result.get("status") == "2", result
    return result  # type: ignore[no-any-return]


def require_ffmpeg() -> None:
    """Skip without ffmpeg, except in CI, where the tools are installed and a skip would hide a failure."""
    if shutil.which(FFMPEG) is None or shutil.which(FFPROBE) is None:
        if IN_CI:
            pytest.fail("CI=true but ffmpeg/ffprobe are not installed")
        pytest.skip("ffmpeg is not installed")


def make_video(directory: Path, seconds: int = 2, size: str = "320x240") -> bytes:
    """A small H.264 MP4 made by ffmpeg's test source."""
    require_ffmpeg()
    path = directory / f"test-{seconds}-{size}.mp4"
    subprocess.run(
        [
            FFMPEG,
            "-loglevel",
            "error",
            "-y",
            "-f",
            "lavfi",
            "-i",
            f"testsrc=duration={seconds}:size={size}:rate=25",
            "-pix_fmt",
            "yuv420p",
            "-movflags",
            "+faststart",
            str(path),
        ],
        check=True,
        timeout=60,
    )
    return path.read_bytes()


def make_audio(directory: Path, seconds: int = 1) -> bytes:
    require_ffmpeg()
    path = directory / f"tone-{seconds}.m4a"
    subprocess.run(
        [
            FFMPEG,
            "-loglevel",
            "error",
            "-y",
            "-f",
            "lavfi",
            "-i",
            f"sine=frequency=440:duration={seconds}",
            str(path),
        ],
        check=True,
        timeout=60,
    )
    return path.read_bytes()


class MediaServer:
    """A tiny HTTP server on loopback: ``files`` maps paths to bytes, ``redirects`` paths to locations;
    ``requests`` records the paths asked for."""

    def __init__(self) -> None:
        self.files: dict[str, bytes] = {}
        self.redirects: dict[str, str] = {}
        self.requests: list[str] = []
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                owner.requests.append(self.path)
                if self.path in owner.redirects:
                    self.send_response(302)
                    self.send_header("Location", owner.redirects[self.path])
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                body = owner.files.get(self.path)
                if body is None:
                    self.send_response(404)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                self.send_response(200)
                self.send_header("Content-Type", "application/octet-stream")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *_args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def url(self, path: str, host: str = "127.0.0.1") -> str:
        return f"http://{host}:{self.port}{path}"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture(name="media_server")
def media_server_fixture() -> Iterator[MediaServer]:
    """Import ``media_server_fixture`` into a test module to use the ``media_server`` fixture."""
    server = MediaServer()
    yield server
    server.close()


def add_category(client: TestClient, ks: str, name: str, parent_id: int = 0) -> int:
    made = call(
        client,
        "category",
        "add",
        ks=ks,
        category={"objectType": "KalturaCategory", "name": name, "parentId": parent_id},
    )
    assert made.get("objectType") == "KalturaCategory", made
    return int(made["id"])


def category_ids(client: TestClient, ks: str) -> dict[str, str]:
    """Categories "1", "2" and "3" of the tests' tables: 1 is a child of 2; the map gives their real ids."""
    two = add_category(client, ks, "two")
    one = add_category(client, ks, "one", two)
    three = add_category(client, ks, "three")
    return {"1": str(one), "2": str(two), "3": str(three)}


def real_ids(ids: dict[str, str], text: str) -> str:
    return ",".join(ids.get(part.strip(), part.strip()) for part in text.split(","))
