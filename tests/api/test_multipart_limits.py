"""Multipart file parts over real HTTP: nothing reaches the disk before the call's KS and permissions are
checked, no upload token's file (staged, written in place or appended) passes the size cap, and valid
uploads (single calls, multirequests) still work.

Each test serves its own app over uvicorn, built after wrapping ``Storage.stage`` so that every staged
file is counted; with local storage the staging directory (the storage root) is also watched while the
body is still arriving."""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette
from starlette.routing import Route

from keyframe.app import create_app
from keyframe.auth.ks_validation import RequestOrigin
from keyframe.auth.runner import ActionRunner
from keyframe.kapi.endpoint import ApiV3Endpoint
from keyframe.kapi.registry import KsPolicy, Registry, UploadedFile, api_action
from keyframe.ks import encode_v2
from keyframe.services import Services
from keyframe.storage import Storage
from keyframe.storage.base import StagedFile
from keyframe.uploads.models import UploadToken
from tests.conftest import Backend, LiveServer, PartnerInfo
from tests.helpers import start_session

MIB = 1024 * 1024
BOUNDARY = "keyframe-test-boundary"


@pytest.fixture
def storage(backend: Backend) -> Storage:
    return backend.storage


@dataclass
class Staging:
    """Counts the files the app stages (any backend) and finds those on disk (local storage)."""

    backend: Backend
    created: list[StagedFile] = field(default_factory=list)

    def on_disk(self) -> list[Path]:
        root = self.backend.root
        return sorted(root.glob(".tmp-upload-*")) if root is not None and root.exists() else []


@pytest.fixture
def staging(services: Services, backend: Backend, monkeypatch: pytest.MonkeyPatch) -> Staging:
    seen = Staging(backend)
    real_stage = services.storage.stage

    def counting_stage() -> StagedFile:
        staged = real_stage()
        seen.created.append(staged)
        return staged

    monkeypatch.setattr(services.storage, "stage", counting_stage)  # before the app binds it
    return seen


@pytest.fixture
def server(services: Services, staging: Staging) -> Iterator[LiveServer]:
    with LiveServer(create_app(services.settings, services)) as live:
        yield live


@pytest.fixture
def http(server: LiveServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.url, timeout=30) as client:
        yield client


@pytest.fixture
def admin_ks(http: httpx.Client, partner: PartnerInfo) -> str:
    return start_session(http, partner.id, partner.admin_secret)  # type: ignore[arg-type]


def add_token(http: httpx.Client, ks: str) -> str:
    body = {"format": "1", "ks": ks, "uploadToken": {"objectType": "KalturaUploadToken"}}
    token = http.post("/api_v3/service/uploadToken/action/add", json=body).json()
    assert token["objectType"] == "KalturaUploadToken", token
    return str(token["id"])


def part_head(name: str, filename: str | None = None) -> bytes:
    disposition = f'form-data; name="{name}"' + (f'; filename="{filename}"' if filename else "")
    content_type = "Content-Type: application/octet-stream\r\n" if filename else ""
    return f"--{BOUNDARY}\r\nContent-Disposition: {disposition}\r\n{content_type}\r\n".encode()


def field_part(name: str, value: str) -> bytes:
    return part_head(name) + value.encode() + b"\r\n"


def post_streaming(
    http: httpx.Client,
    path: str,
    before: bytes,
    file_size: int,
    *,
    file_name: str = "fileData",
    after: bytes = b"",
    while_sending: Any = None,
) -> httpx.Response:
    """A multipart body sent in pieces (chunked): ``before`` (fields), then the file part ``file_name``
    with ``file_size`` random bytes, then ``after``. Half-way through the file, ``while_sending()`` runs
    while the server waits for the rest."""

    def body() -> Iterator[bytes]:
        yield before + part_head(file_name, "clip.bin")
        half = file_size // 2
        yield os.urandom(half)
        if while_sending is not None:
            while_sending()
        yield os.urandom(file_size - half)
        yield b"\r\n" + after + f"--{BOUNDARY}--\r\n".encode()

    response = http.post(
        path, content=body(), headers={"content-type": f"multipart/form-data; boundary={BOUNDARY}"}
    )
    assert response.status_code == 200, response.text
    return response


def early_error(response: httpx.Response) -> dict[str, str]:
    """An error that ended the request while its body was being read, in the format the fields before it
    asked for (these tests' fields ask for JSON; without them it would be XML)."""
    error = response.json()
    assert error.get("objectType") == "KalturaAPIException", response.text
    return {"code": error["code"], "message": error["message"]}


def staged_during_upload(staging: Staging, seen: list[list[Path]]) -> Any:
    """Watches the staging directory for half a second while the server holds a half-sent file."""

    def watch() -> None:
        deadline = time.monotonic() + 0.5
        found: list[Path] = []
        while time.monotonic() < deadline and not found:
            found = staging.on_disk()
            time.sleep(0.02)
        seen.append(found)

    return watch


def upload_fields(token_id: str, **extra: str) -> bytes:
    # resume=1, resumeAt=-1 (append): never written in place, always staged.
    params = {"format": "1", "uploadTokenId": token_id, "resume": "1", "resumeAt": "-1", **extra}
    return field_part("json", json.dumps(params))


# --- nothing is staged for a call that would be refused ----------------------------------------------


@pytest.mark.parametrize(
    ("ks", "code"), [(None, "MISSING_KS"), ("not-a-ks", "INVALID_KS"), ("djJ8MTAwfGFiYw==", "INVALID_KS")]
)
def test_an_upload_without_a_valid_ks_stages_nothing(
    http: httpx.Client, admin_ks: str, staging: Staging, ks: str | None, code: str
) -> None:
    token_id = add_token(http, admin_ks)
    seen: list[list[Path]] = []
    extra = {"ks": ks} if ks is not None else {}
    response = post_streaming(
        http,
        "/api_v3/service/uploadToken/action/upload",
        upload_fields(token_id, **extra),
        3 * MIB,
        while_sending=staged_during_upload(staging, seen),
    )
    assert response.json()["code"] == code
    assert staging.created == []
    if staging.backend.root is not None:
        assert seen == [[]] and staging.on_disk() == []


def test_the_same_upload_with_a_valid_ks_is_staged(
    http: httpx.Client, admin_ks: str, staging: Staging
) -> None:
    """The control for the test above: watching the directory does see a staged file."""
    token_id = add_token(http, admin_ks)
    seen: list[list[Path]] = []
    response = post_streaming(
        http,
        "/api_v3/service/uploadToken/action/upload",
        upload_fields(token_id, ks=admin_ks),
        3 * MIB,
        while_sending=staged_during_upload(staging, seen),
    )
    assert response.json()["uploadedFileSize"] == 3 * MIB
    assert len(staging.created) == 1
    if staging.backend.root is not None:
        assert len(seen[0]) == 1
    assert staging.on_disk() == [] and staging.backend.leftovers() == []


def test_a_ks_that_comes_after_the_file_is_too_late(
    http: httpx.Client, admin_ks: str, staging: Staging
) -> None:
    """The official clients send every parameter before the file; a KS after it cannot admit bytes that
    have already arrived, so the call gets no file (the error it would get without one)."""
    token_id = add_token(http, admin_ks)
    response = post_streaming(
        http,
        "/api_v3/service/uploadToken/action/upload",
        upload_fields(token_id),
        64 * 1024,
        after=field_part("ks", admin_ks),
    )
    assert response.json()["code"] == "MISSING_MANDATORY_PARAMETER"
    assert response.json()["args"] == {"PARAM_NAME": "fileData"}
    assert staging.created == []


def ks_for(partner: PartnerInfo, privileges: str = "", *, type: int = 2, lifetime: int = 600) -> str:
    valid_until = int(time.time()) + lifetime
    return encode_v2(
        partner.admin_secret, partner_id=partner.id, valid_until=valid_until, type=type, privileges=privileges
    )


def test_a_refused_call_stages_nothing(
    http: httpx.Client, admin_ks: str, partner: PartnerInfo, staging: Staging
) -> None:
    """Everything the runner checks before an action runs is checked before its file is written."""
    token_id = add_token(http, admin_ks)
    path = "/api_v3/service/uploadToken/action/upload"
    refusals = {
        "INVALID_KS": upload_fields(token_id, ks=ks_for(partner, lifetime=-1)),  # expired
        "SERVICE_FORBIDDEN": upload_fields(token_id, ks=ks_for(partner, "view:*,widget:1", type=0)),
        "PARTNER_ACCESS_FORBIDDEN": upload_fields(token_id, ks=admin_ks, partnerId="424242"),
    }
    for code, fields in refusals.items():
        assert post_streaming(http, path, fields, 64 * 1024).json()["code"] == code
    assert staging.created == []


def test_a_part_no_action_takes_stages_nothing(http: httpx.Client, staging: Staging) -> None:
    # An action without a file parameter, and an unknown action: nothing would use the part.
    ping = post_streaming(http, "/api_v3/service/system/action/ping", field_part("format", "1"), 64 * 1024)
    assert ping.json() is True
    nope = post_streaming(http, "/api_v3/service/uploadToken/action/nope", field_part("format", "1"), 1024)
    assert nope.json()["code"] == "ACTION_DOES_NOT_EXISTS"
    assert staging.created == []


def test_a_large_refused_file_is_not_read_past_the_body_limit(
    services: Services, staging: Staging, partner: PartnerInfo
) -> None:
    """A file part that is not kept is read and dropped like a field, within the body limit; past it the
    call's own refusal ends the request."""
    services.settings.max_body_bytes = 256 * 1024
    with (
        LiveServer(create_app(services.settings, services)) as live,
        httpx.Client(base_url=live.url, timeout=30) as http,
    ):
        admin_ks = start_session(http, partner.id, partner.admin_secret)  # type: ignore[arg-type]
        token_id = add_token(http, admin_ks)
        response = post_streaming(
            http, "/api_v3/service/uploadToken/action/upload", upload_fields(token_id), 2 * MIB
        )
        assert early_error(response)["code"] == "MISSING_KS"
        kept = post_streaming(
            http, "/api_v3/service/uploadToken/action/upload", upload_fields(token_id, ks=admin_ks), 2 * MIB
        )
        assert kept.json()["uploadedFileSize"] == 2 * MIB  # a kept file is not bound by the body limit
    assert len(staging.created) == 1


def test_a_multirequest_checks_each_file_against_its_own_call(
    http: httpx.Client, admin_ks: str, staging: Staging
) -> None:
    token_id = add_token(http, admin_ks)
    body = {
        "format": "1",
        "ks": admin_ks,
        "1": {"service": "uploadToken", "action": "upload", "uploadTokenId": token_id, "ks": "not-a-ks"},
        "2": {"service": "system", "action": "ping"},
    }
    response = post_streaming(
        http,
        "/api_v3/service/multirequest",
        field_part("json", json.dumps(body)),
        64 * 1024,
        file_name="1:fileData",
    )
    refused, pong = response.json()
    assert refused["code"] == "INVALID_KS" and pong is True
    assert staging.created == []


# --- the size cap ----------------------------------------------------------------------------------


@contextmanager
def capped_server(services: Services, partner: PartnerInfo) -> Iterator[tuple[httpx.Client, str, str]]:
    """A server whose files are capped at 1 MiB: a client, an admin KS and a fresh upload token."""
    services.settings.max_file_bytes = MIB
    with (
        LiveServer(create_app(services.settings, services)) as live,
        httpx.Client(base_url=live.url, timeout=30) as http,
    ):
        admin_ks = start_session(http, partner.id, partner.admin_secret)  # type: ignore[arg-type]
        yield http, admin_ks, add_token(http, admin_ks)


def test_a_staged_file_over_the_cap_is_refused_and_removed(
    services: Services, staging: Staging, partner: PartnerInfo
) -> None:
    with capped_server(services, partner) as (http, admin_ks, token_id):
        path = "/api_v3/service/uploadToken/action/upload"
        over = early_error(post_streaming(http, path, upload_fields(token_id, ks=admin_ks), 3 * MIB))
        assert over["code"] == "FILE_SIZE_EXCEEDED"
        assert over["message"] == f'File size exceeded "{MIB}" '
        assert len(staging.created) == 1 and staging.on_disk() == []
        token = http.post(
            "/api_v3/service/uploadToken/action/get",
            json={"format": "1", "ks": admin_ks, "uploadTokenId": token_id},
        ).json()
        assert token["status"] == 0 and token["uploadedFileSize"] == 0  # still PENDING, nothing kept
        at_cap = post_streaming(http, path, upload_fields(token_id, ks=admin_ks), MIB).json()
        assert at_cap["uploadedFileSize"] == MIB
    assert staging.backend.leftovers() == []


def post_chunk(
    http: httpx.Client,
    ks: str,
    token_id: str,
    data: bytes,
    *,
    resume: bool = False,
    resume_at: int = -1,
    final: bool = True,
) -> dict[str, Any]:
    """One ``uploadToken.upload`` chunk of exactly ``data``, sent in pieces as the official client's form
    (a ``json`` part first); the answer, or the error that ended the request while its body arrived."""
    params = {
        "format": "1",
        "ks": ks,
        "uploadTokenId": token_id,
        "resume": "1" if resume else "0",
        "resumeAt": str(resume_at),
        "finalChunk": "1" if final else "0",
    }

    def body() -> Iterator[bytes]:
        yield field_part("json", json.dumps(params)) + part_head("fileData", "clip.bin")
        for start in range(0, len(data), 256 * 1024):
            yield data[start : start + 256 * 1024]
        yield f"\r\n--{BOUNDARY}--\r\n".encode()

    response = http.post(
        "/api_v3/service/uploadToken/action/upload",
        content=body(),
        headers={"content-type": f"multipart/form-data; boundary={BOUNDARY}"},
    )
    assert response.status_code == 200, response.text
    answer: dict[str, Any] = response.json()
    return answer


def token_state(http: httpx.Client, ks: str, token_id: str) -> tuple[int, int]:
    """The token's status and uploadedFileSize."""
    token = http.post(
        "/api_v3/service/uploadToken/action/get", json={"format": "1", "ks": ks, "uploadTokenId": token_id}
    ).json()
    return int(token["status"]), int(token["uploadedFileSize"])


def stored_file(services: Services, token_id: str) -> bytes:
    with services.db.transaction() as db:
        token = db.get(UploadToken, token_id)
        assert token is not None and token.file_key is not None
        key = token.file_key
    return services.storage.read_bytes(key)


def assembly_size(backend: Backend, partner: PartnerInfo, token_id: str) -> int:
    """How many bytes the token's in-place file holds on local storage (0 when there is none)."""
    assert backend.root is not None
    path = backend.root / "p" / str(partner.id) / "uploads" / token_id / "assembly"
    return path.stat().st_size if path.exists() else 0


PENDING, PARTIAL, FULL = 0, 1, 2


def test_a_chunk_written_in_place_is_capped_too(
    services: Services, staging: Staging, partner: PartnerInfo, backend: Backend
) -> None:
    """A whole file in one call (``resume=0``): on local storage its bytes go straight into the token's
    file, and stop being written at the cap; on S3 the same chunk is staged and capped. Either way it is
    refused and the token keeps nothing."""
    with capped_server(services, partner) as (http, admin_ks, token_id):
        params = {"format": "1", "ks": admin_ks, "uploadTokenId": token_id, "resume": "0"}
        response = post_streaming(
            http, "/api_v3/service/uploadToken/action/upload", field_part("json", json.dumps(params)), 3 * MIB
        )
        refused = early_error(response)
        assert refused == {"code": "FILE_SIZE_EXCEEDED", "message": f'File size exceeded "{MIB}" '}
        assert token_state(http, admin_ks, token_id) == (PENDING, 0)
        if backend.root is not None:  # written in place (not staged), and never past the cap
            assert staging.created == []
            assert assembly_size(backend, partner, token_id) <= MIB
        else:
            assert len(staging.created) == 1
        whole = os.urandom(MIB)  # the cap itself is allowed, in the same shape
        done = post_chunk(http, admin_ks, token_id, whole)
        assert (done["status"], done["uploadedFileSize"]) == (FULL, MIB), done
    assert stored_file(services, token_id) == whole
    assert staging.on_disk() == [] and backend.leftovers() == []


def test_an_in_place_chunk_past_the_cap_is_refused_and_the_token_keeps_its_bytes(
    services: Services, staging: Staging, partner: PartnerInfo, backend: Backend
) -> None:
    """Chunks at known offsets (written in place on local storage): one that would end past the cap is
    refused, whether it extends the file or overlaps what was received (a retry, staged); the bytes
    already recorded do not change and the file can still be finished at exactly the cap."""
    first, rest = os.urandom(600 * 1024), os.urandom(MIB - 600 * 1024)
    with capped_server(services, partner) as (http, admin_ks, token_id):
        assert post_chunk(http, admin_ks, token_id, first, final=False)["uploadedFileSize"] == len(first)
        over = [
            (len(first), os.urandom(len(rest) + 1)),  # one byte past the cap
            (len(first), os.urandom(2 * MIB)),  # far past it: the body is cut off at the cap
            (0, os.urandom(MIB + 1)),  # a retry of the first chunk, longer than the cap (staged)
        ]
        for resume_at, data in over:
            refused = post_chunk(
                http, admin_ks, token_id, data, resume=True, resume_at=resume_at, final=False
            )
            assert refused["code"] == "FILE_SIZE_EXCEEDED", refused
            assert token_state(http, admin_ks, token_id) == (PARTIAL, len(first))
            if backend.root is not None:
                assert assembly_size(backend, partner, token_id) <= MIB
        done = post_chunk(http, admin_ks, token_id, rest, resume=True, resume_at=len(first))
        assert (done["status"], done["uploadedFileSize"]) == (FULL, MIB), done
    assert stored_file(services, token_id) == first + rest
    assert staging.on_disk() == [] and backend.leftovers() == []


def test_appends_that_pass_the_cap_are_refused_at_the_chunk_that_does(
    services: Services, staging: Staging, partner: PartnerInfo, backend: Backend
) -> None:
    """Appends (``resumeAt=-1``, always staged) each fit the cap; the one that would take the file past it
    is refused and not kept, and the file can still end at exactly the cap."""
    chunks = [os.urandom(400 * 1024) for _ in range(2)]
    with capped_server(services, partner) as (http, admin_ks, token_id):
        prefix = f"p/{partner.id}/uploads/{token_id}"
        for chunk in chunks:
            post_chunk(http, admin_ks, token_id, chunk, resume=True, final=False)
        assert token_state(http, admin_ks, token_id) == (PARTIAL, 800 * 1024)
        for size in (400 * 1024, MIB - 800 * 1024 + 1):
            refused = post_chunk(http, admin_ks, token_id, os.urandom(size), resume=True, final=False)
            assert refused["code"] == "FILE_SIZE_EXCEEDED", refused
            assert refused["message"] == f'File size exceeded "{MIB}" '
            assert token_state(http, admin_ks, token_id) == (PARTIAL, 800 * 1024)
            assert len(list(services.storage.list_keys(prefix))) == 2  # the refused part is not kept
        last = os.urandom(MIB - 800 * 1024)
        done = post_chunk(http, admin_ks, token_id, last, resume=True)
        assert (done["status"], done["uploadedFileSize"]) == (FULL, MIB), done
        assert len(staging.created) == 5
    assert stored_file(services, token_id) == b"".join(chunks) + last
    assert staging.on_disk() == [] and backend.leftovers() == []


def test_a_declared_file_size_over_the_cap_is_refused(services: Services, partner: PartnerInfo) -> None:
    with capped_server(services, partner) as (http, admin_ks, _token_id):

        def add(**fields: Any) -> dict[str, Any]:
            body = {
                "format": "1",
                "ks": admin_ks,
                "uploadToken": {"objectType": "KalturaUploadToken", **fields},
            }
            answer: dict[str, Any] = http.post("/api_v3/service/uploadToken/action/add", json=body).json()
            return answer

        for fields in ({"fileSize": MIB + 1}, {"fileSize": 2**40, "autoFinalize": 1}):
            refused = add(**fields)
            assert refused["code"] == "FILE_SIZE_EXCEEDED", refused
            assert refused["message"] == f'File size exceeded "{MIB}" '
        token = add(fileSize=MIB, autoFinalize=1)
        assert token["objectType"] == "KalturaUploadToken" and token["fileSize"] == MIB
        half = os.urandom(MIB // 2)
        assert post_chunk(http, admin_ks, token["id"], half, final=False)["status"] == PARTIAL
        done = post_chunk(http, admin_ks, token["id"], half, resume=True, resume_at=MIB // 2, final=False)
        assert (done["status"], done["uploadedFileSize"]) == (FULL, MIB), done  # autoFinalize at the cap
    assert stored_file(services, token["id"]) == half + half


def test_an_empty_final_chunk_at_the_cap_closes_the_file(
    services: Services, partner: PartnerInfo, backend: Backend
) -> None:
    """A chunk ending exactly at the cap is allowed, even an empty one marking the end; one byte there is
    not."""
    data = os.urandom(MIB)
    with capped_server(services, partner) as (http, admin_ks, token_id):
        assert post_chunk(http, admin_ks, token_id, data, final=False)["uploadedFileSize"] == MIB
        past = post_chunk(http, admin_ks, token_id, b"x", resume=True, resume_at=MIB, final=False)
        assert past["code"] == "FILE_SIZE_EXCEEDED", past
        appended = post_chunk(http, admin_ks, token_id, b"x", resume=True, final=False)
        assert appended["code"] == "FILE_SIZE_EXCEEDED", appended
        done = post_chunk(http, admin_ks, token_id, b"", resume=True, resume_at=MIB)
        assert (done["status"], done["uploadedFileSize"]) == (FULL, MIB), done
    assert stored_file(services, token_id) == data
    assert backend.leftovers() == []


def test_a_chunk_cannot_start_past_the_cap(
    services: Services, staging: Staging, partner: PartnerInfo
) -> None:
    """``resumeAt`` far past the cap would make a huge (sparse) file from a few bytes: refused, on both
    the in-place and the staged path, and the token keeps nothing."""
    with capped_server(services, partner) as (http, admin_ks, token_id):
        params = {"format": "1", "ks": admin_ks, "uploadTokenId": token_id, "resume": "1"}
        path = "/api_v3/service/uploadToken/action/upload"
        for resume_at in (MIB + 1, 2**50):
            fields = field_part("json", json.dumps({**params, "resumeAt": str(resume_at)}))
            refused = post_streaming(http, path, fields, 10).json()
            assert refused["code"] == "FILE_SIZE_EXCEEDED", refused
        token = http.post(
            "/api_v3/service/uploadToken/action/get",
            json={"format": "1", "ks": admin_ks, "uploadTokenId": token_id},
        ).json()
        assert token["status"] == 0 and token["uploadedFileSize"] == 0
    assert staging.backend.leftovers() == []


# --- valid uploads ---------------------------------------------------------------------------------


def test_a_multirequest_upload_with_the_shared_ks(
    http: httpx.Client, admin_ks: str, staging: Staging
) -> None:
    body = {
        "format": "1",
        "ks": admin_ks,
        "1": {"service": "uploadToken", "action": "add", "uploadToken": {"objectType": "KalturaUploadToken"}},
        "2": {"service": "uploadToken", "action": "upload", "uploadTokenId": "{1:result:id}"},
    }
    response = post_streaming(
        http,
        "/api_v3/service/multirequest",
        field_part("json", json.dumps(body)),
        100_000,
        file_name="2:fileData",
    )
    added, uploaded = response.json()
    assert uploaded["id"] == added["id"] and uploaded["uploadedFileSize"] == 100_000
    assert len(staging.created) == 1  # a multirequest always stages (earlier items may change the token)


def test_the_ks_in_the_query_string_or_header_admits_the_file(
    http: httpx.Client, admin_ks: str, staging: Staging
) -> None:
    for where in ("query", "header"):
        token_id = add_token(http, admin_ks)
        params = {"ks": admin_ks} if where == "query" else {}
        headers = {"authorization": f"KS {admin_ks}"} if where == "header" else {}
        payload = (
            field_part("json", json.dumps({"format": "1", "resume": "1", "resumeAt": "-1"}))
            + part_head("fileData", "a.bin")
            + b"hello\r\n"
            + f"--{BOUNDARY}--\r\n".encode()
        )
        response = http.post(
            f"/api_v3/service/uploadToken/action/upload/uploadTokenId/{token_id}",
            params=params,
            content=payload,
            headers={"content-type": f"multipart/form-data; boundary={BOUNDARY}", **headers},
        )
        assert response.json()["uploadedFileSize"] == 5, response.text
    assert len(staging.created) == 2


# --- actions that take anonymous calls ------------------------------------------------------------


def test_an_action_without_a_ks_still_gets_its_file(services: Services, staging: Staging) -> None:
    """No shipped action takes a file without a KS; one that does (on its own registry here) still gets
    it: the check before the file is the call's own, whatever its KS policy."""
    registry = Registry()

    @api_action("probe", "size", ks=KsPolicy.IGNORED, registry=registry)
    def size(ctx: Any, fileData: UploadedFile) -> int:
        return fileData.size

    @api_action("probe", "sizeWithKs", registry=registry)
    def size_with_ks(ctx: Any, fileData: UploadedFile) -> int:
        return fileData.size

    def runner(request: Any, header_ks: str | None) -> ActionRunner:
        return ActionRunner(services, RequestOrigin("127.0.0.1", request.url.path, ""), header_ks)

    endpoint = ApiV3Endpoint(
        registry, runner, 1024 * 1024, services.storage.stage, max_file_bytes=services.settings.max_file_bytes
    )
    app = Starlette(routes=[Route("/api_v3/{rest:path}", endpoint.handle, methods=["POST"])])
    with LiveServer(app) as live, httpx.Client(base_url=live.url, timeout=30) as http:
        anonymous = post_streaming(http, "/api_v3/service/probe/action/size", field_part("format", "1"), 4321)
        assert anonymous.json() == 4321
        refused = post_streaming(
            http, "/api_v3/service/probe/action/sizeWithKs", field_part("format", "1"), 4321
        )
        assert refused.json()["code"] == "MISSING_KS"
    assert len(staging.created) == 1
