"""Upload a file to a Keyframe (or any Kaltura API v3) server in chunks, resumably, as ``keyframe media
upload`` does.

The protocol is the one the official clients use: ``uploadToken.add``, ``uploadToken.upload`` per chunk
(``resume``/``resumeAt``/``finalChunk``), then ``media.add`` and ``media.addContent`` with the token. What
has been done is written to a small state file after every step, so running the same upload again after an
interruption continues where the server says it stopped and never creates a second token or entry.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import httpx

DEFAULT_CHUNK_SIZE = 10 * 1024 * 1024
# KalturaUploadTokenStatus
PENDING, PARTIAL_UPLOAD, FULL_UPLOAD, CLOSED = 0, 1, 2, 3
# KalturaEntryStatus values that mean "the content is attached" (IMPORT, PRECONVERT, READY).
CONTENT_ATTACHED = {"0", "1", "2"}


class UploadError(Exception):
    """The server refused a step; the message is the server's (a Kaltura error) or says what went wrong."""


@dataclass
class UploadState:
    """What a previous run of the same upload achieved (saved between steps)."""

    file: str
    size: int
    mtime_ns: int
    token_id: str | None = None
    entry_id: str | None = None


@dataclass(frozen=True)
class UploadResult:
    entry_id: str
    token_id: str
    size: int
    resumed_from: int  # bytes the server already had when this run started


class ApiClient:
    """Just enough of api_v3 over JSON for uploads."""

    def __init__(self, service_url: str, ks: str, *, timeout: float = 300.0) -> None:
        self.base = service_url.rstrip("/") + "/api_v3/service"
        self.ks = ks
        self.http = httpx.Client(timeout=timeout)

    def close(self) -> None:
        self.http.close()

    def call(self, service: str, action: str, **params: Any) -> Any:
        body = {"format": 1, "ks": self.ks, **params}
        return _result(self.http.post(f"{self.base}/{service}/action/{action}", json=body))

    def upload_chunk(self, token_id: str, data: bytes, *, resume_at: int, final: bool, name: str) -> Any:
        """A chunk as the official client sends it: a ``json`` part with the parameters, then ``fileData``."""
        params = {
            "format": 1,
            "ks": self.ks,
            "uploadTokenId": token_id,
            "resume": resume_at > 0,
            "resumeAt": resume_at,
            "finalChunk": final,
        }
        response = self.http.post(
            f"{self.base}/uploadtoken/action/upload",
            data={"json": json.dumps(params)},
            files={"fileData": (name, data, "application/octet-stream")},
        )
        return _result(response)


def _result(response: httpx.Response) -> Any:
    if response.status_code != 200:
        raise UploadError(f"the server answered HTTP {response.status_code}")
    result = response.json()
    if isinstance(result, dict) and result.get("objectType") == "KalturaAPIException":
        raise UploadError(f"{result.get('code')}: {result.get('message')}")
    return result


class StateFile:
    """The state of one upload, kept beside the data directory's other files (mode 0600)."""

    def __init__(self, directory: Path, path: Path, service_url: str, partner_id: int) -> None:
        digest = hashlib.sha256(f"{service_url}|{partner_id}|{path.resolve()}".encode()).hexdigest()[:24]
        self.path = directory / f"{digest}.json"

    def load(self, stat: os.stat_result, file: Path) -> UploadState:
        fresh = UploadState(str(file.resolve()), stat.st_size, stat.st_mtime_ns)
        try:
            saved = UploadState(**json.loads(self.path.read_text()))
        except (OSError, ValueError, TypeError):
            return fresh
        # A changed file is a new upload.
        if (saved.file, saved.size, saved.mtime_ns) != (fresh.file, fresh.size, fresh.mtime_ns):
            return fresh
        return saved

    def save(self, state: UploadState) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        temporary = self.path.with_suffix(".tmp")
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as fh:
            json.dump(asdict(state), fh)
        os.replace(temporary, self.path)

    def remove(self) -> None:
        self.path.unlink(missing_ok=True)


def upload_file(
    api: ApiClient,
    file: Path,
    state_file: StateFile,
    *,
    name: str | None = None,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
    on_progress: Callable[[int, int], None] = lambda done, total: None,
) -> UploadResult:
    """Upload ``file`` and create a media entry with it; resumes what ``state_file`` recorded."""
    stat = file.stat()
    if stat.st_size == 0:
        raise UploadError(f"{file} is empty")
    state = state_file.load(stat, file)
    size = state.size

    offset = _resume_point(api, state)
    if state.token_id is None:
        token = api.call(
            "uploadtoken",
            "add",
            uploadToken={"objectType": "KalturaUploadToken", "fileName": file.name, "fileSize": size},
        )
        state.token_id = str(token["id"])
        state_file.save(state)
        offset = 0
    resumed_from = offset
    on_progress(offset, size)

    if offset < size:
        with file.open("rb") as fh:
            fh.seek(offset)
            while True:
                data = fh.read(chunk_size)
                final = offset + len(data) >= size
                api.upload_chunk(state.token_id, data, resume_at=offset, final=final, name=file.name)
                offset += len(data)
                on_progress(offset, size)
                if final:
                    break

    if state.entry_id is None:
        entry = api.call(
            "media",
            "add",
            entry={"objectType": "KalturaMediaEntry", "name": name or file.stem, "mediaType": 1},
        )
        state.entry_id = str(entry["id"])
        state_file.save(state)
    entry = api.call("media", "get", entryId=state.entry_id)
    if str(entry.get("status")) not in CONTENT_ATTACHED:
        api.call(
            "media",
            "addContent",
            entryId=state.entry_id,
            resource={"objectType": "KalturaUploadedFileTokenResource", "token": state.token_id},
        )
    state_file.remove()
    return UploadResult(state.entry_id, state.token_id, size, resumed_from)


def _resume_point(api: ApiClient, state: UploadState) -> int:
    """How many bytes the server holds for the saved token; forgets a token the server no longer has."""
    if state.token_id is None:
        return 0
    try:
        token = api.call("uploadtoken", "get", uploadTokenId=state.token_id)
    except UploadError:
        if state.entry_id is None:
            state.token_id = None  # expired or deleted: start over
            return 0
        raise
    if int(token["status"]) in (FULL_UPLOAD, CLOSED):
        return state.size
    return int(token.get("uploadedFileSize") or 0)
