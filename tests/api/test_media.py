"""media and baseEntry: add, content from upload tokens and URLs, facts, get/update/delete, ownership.

Content tests run on local files and on S3 (moto), on SQLite and PostgreSQL."""

from __future__ import annotations

import re
import time
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, update
from starlette.testclient import TestClient

from keyframe.jobs.models import Job
from keyframe.jobs.runner import LeaseBook, execute
from keyframe.ks import encode_v2
from keyframe.media import tasks
from keyframe.media.models import EntryStatus, MediaEntry
from keyframe.services import Services
from keyframe.storage import Storage
from tests.api.media_support import (  # noqa: F401 - media_server is a fixture
    add_category,
    add_entry,
    make_audio,
    make_video,
    media_server_fixture,
    ready_entry,
    upload_file,
)
from tests.conftest import Backend, PartnerInfo
from tests.helpers import call, error_code, start_session


@pytest.fixture
def storage(backend: Backend) -> Storage:
    return backend.storage


@pytest.fixture(scope="session")
def video(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    return make_video(tmp_path_factory.mktemp("media"))


@pytest.fixture
def admin_ks(client: TestClient, partner: PartnerInfo) -> str:
    return start_session(client, partner.id, partner.admin_secret)


def user_ks(partner: PartnerInfo, user: str, privileges: str = "") -> str:
    return encode_v2(
        partner.admin_secret,
        partner_id=partner.id,
        valid_until=int(time.time()) + 600,
        type=0,
        user_id=user,
        privileges=privileges,
    )


def stored_entry(services: Services, entry_id: str) -> MediaEntry:
    with services.db.transaction() as db:
        entry = db.get(MediaEntry, entry_id)
        assert entry is not None
        db.expunge(entry)
        return entry


# --- add, get ------------------------------------------------------------------------------------


def test_add_makes_an_entry_without_content(client: TestClient, admin_ks: str, partner: PartnerInfo) -> None:
    eight, seven = add_category(client, admin_ks, "eight"), add_category(client, admin_ks, "seven")
    entry = add_entry(
        client,
        admin_ks,
        name="My clip",
        tags="a,b",
        referenceId="ref-1",
        categoriesIds=f"{eight}, {seven},{eight}",
    )
    assert re.fullmatch(r"0_[0-9a-z]{8}", entry["id"])
    assert entry["status"] == "7"  # NO_CONTENT
    assert entry["type"] == "1"
    assert entry["mediaType"] == 1
    assert entry["partnerId"] == partner.id
    assert entry["categoriesIds"] == f"{eight},{seven}"
    assert entry["categories"] == "eight,seven"
    assert entry["moderationStatus"] == 6
    assert entry["dataUrl"].endswith(f"/playManifest/entryId/{entry['id']}/format/url/protocol/http/a.mp4")

    got = call(client, "media", "get", ks=admin_ks, entryId=entry["id"], version="-1")
    assert got["name"] == "My clip" and got["referenceId"] == "ref-1"
    assert (
        call(client, "baseEntry", "get", ks=admin_ks, entryId=entry["id"])["objectType"]
        == "KalturaMediaEntry"
    )


def test_unknown_and_malformed_ids_are_not_found(client: TestClient, admin_ks: str) -> None:
    for entry_id in ("0_zzzzzzzz", "nonsense", "0_ABCDEFGH", ""):
        result = call(client, "media", "get", ks=admin_ks, entryId=entry_id)
        assert error_code(result) in ("ENTRY_ID_NOT_FOUND", "MISSING_MANDATORY_PARAMETER"), result
    result = call(client, "media", "get", ks=admin_ks, entryId="0_zzzzzzzz")
    assert result["message"] == 'Entry id "0_zzzzzzzz" not found'


def test_read_only_properties_are_ignored_and_insert_only_cannot_change(
    client: TestClient, admin_ks: str
) -> None:
    entry = add_entry(client, admin_ks, name="x", status="2", id="0_aaaaaaaa", partnerId="1")
    assert entry["status"] == "7" and entry["id"] != "0_aaaaaaaa"
    changed = call(
        client,
        "media",
        "update",
        ks=admin_ks,
        entryId=entry["id"],
        mediaEntry={"objectType": "KalturaMediaEntry", "mediaType": "5"},
    )
    assert error_code(changed) == "PROPERTY_VALIDATION_NOT_UPDATABLE"
    same = call(
        client,
        "media",
        "update",
        ks=admin_ks,
        entryId=entry["id"],
        mediaEntry={"objectType": "KalturaMediaEntry", "mediaType": "1", "name": "y"},
    )
    assert same["name"] == "y"


def test_unsupported_types_are_kaltura_errors(client: TestClient, admin_ks: str) -> None:
    result = call(
        client, "media", "add", ks=admin_ks, entry={"objectType": "KalturaMediaEntry", "mediaType": "201"}
    )
    assert error_code(result) == "ENTRY_MEDIA_TYPE_NOT_SUPPORTED"
    result = call(client, "media", "add", ks=admin_ks, entry={"objectType": "KalturaMediaEntry", "type": "5"})
    assert error_code(result) == "ENTRY_TYPE_NOT_SUPPORTED"
    result = call(
        client, "media", "add", ks=admin_ks, entry={"objectType": "KalturaMediaEntry", "name": "n" * 300}
    )
    assert error_code(result) == "PROPERTY_VALIDATION_MAX_LENGTH"
    result = call(
        client, "media", "add", ks=admin_ks, entry={"objectType": "KalturaMediaEntry", "categoriesIds": "x"}
    )
    assert error_code(result) == "INVALID_FIELD_VALUE"


def test_update_and_clear_fields(client: TestClient, admin_ks: str) -> None:
    three = add_category(client, admin_ks, "three")
    entry = add_entry(client, admin_ks, name="a", description="d", tags="t")
    updated = call(
        client,
        "baseEntry",
        "update",
        ks=admin_ks,
        entryId=entry["id"],
        baseEntry={
            "objectType": "KalturaMediaEntry",
            "name": "b",
            "description__null": "",
            "categoriesIds": str(three),
        },
    )
    assert updated["name"] == "b" and updated.get("description", "") == ""
    assert updated["categoriesIds"] == str(three)
    assert updated["updatedAt"] >= entry["updatedAt"]


# --- content -------------------------------------------------------------------------------------


def test_add_content_from_an_upload_token(
    client: TestClient, admin_ks: str, services: Services, backend: Backend
) -> None:
    entry = add_entry(client, admin_ks, name="clip")
    token = upload_file(client, admin_ks, b"hello world", "notes.mp3")
    result = call(
        client,
        "media",
        "addContent",
        ks=admin_ks,
        entryId=entry["id"],
        resource={"objectType": "KalturaUploadedFileTokenResource", "token": token},
    )
    assert result["status"] == "2"
    stored = stored_entry(services, entry["id"])
    assert stored.content_size == 11 and stored.content_type == "audio/mpeg" and stored.version == 1
    assert (
        stored.content_key is not None and services.storage.read_bytes(stored.content_key) == b"hello world"
    )
    token_now = call(client, "uploadToken", "get", ks=admin_ks, uploadTokenId=token)
    assert token_now["status"] == 3  # CLOSED
    assert token_now["attachedObjectId"] == entry["id"]

    again = call(
        client,
        "media",
        "addContent",
        ks=admin_ks,
        entryId=entry["id"],
        resource={
            "objectType": "KalturaUploadedFileTokenResource",
            "token": upload_file(client, admin_ks, b"x"),
        },
    )
    assert error_code(again) == "ENTRY_ALREADY_WITH_CONTENT"
    assert again["message"] == "Entry already associated with content"


def test_a_token_is_used_once(client: TestClient, admin_ks: str) -> None:
    token = upload_file(client, admin_ks, b"abc")
    first = add_entry(client, admin_ks)
    second = add_entry(client, admin_ks)
    resource = {"objectType": "KalturaUploadedFileTokenResource", "token": token}
    assert (
        call(client, "media", "addContent", ks=admin_ks, entryId=first["id"], resource=resource)["status"]
        == "2"
    )
    result = call(client, "media", "addContent", ks=admin_ks, entryId=second["id"], resource=resource)
    assert error_code(result) == "UPLOAD_TOKEN_INVALID_STATUS_FOR_ADD_ENTRY"
    # The failed call changed nothing.
    assert call(client, "media", "get", ks=admin_ks, entryId=second["id"])["status"] == "7"


def test_resources_that_are_not_supported(client: TestClient, admin_ks: str) -> None:
    entry = add_entry(client, admin_ks)
    result = call(
        client,
        "media",
        "addContent",
        ks=admin_ks,
        entryId=entry["id"],
        resource={"objectType": "KalturaResource"},
    )
    assert error_code(result) == "OBJECT_TYPE_ABSTRACT"
    result = call(client, "media", "addContent", ks=admin_ks, entryId=entry["id"])
    assert error_code(result) == "MISSING_MANDATORY_PARAMETER"


def test_add_from_uploaded_file(client: TestClient, admin_ks: str, services: Services) -> None:
    token = upload_file(client, admin_ks, b"\x89PNG\r\n\x1a\n" + b"\x00" * 50, "pic.bin")
    entry = call(
        client,
        "media",
        "addFromUploadedFile",
        ks=admin_ks,
        mediaEntry={"objectType": "KalturaMediaEntry", "name": "pic"},
        uploadTokenId=token,
    )
    assert entry["status"] == "2" and entry["mediaType"] == 2  # IMAGE, from the bytes
    assert stored_entry(services, entry["id"]).content_type == "image/png"
    missing = call(
        client,
        "media",
        "addFromUploadedFile",
        ks=admin_ks,
        mediaEntry={"objectType": "KalturaMediaEntry", "name": "nothing"},
        uploadTokenId="0_" + "0" * 32,
    )
    assert error_code(missing) == "UPLOAD_TOKEN_NOT_FOUND"


def test_html_is_never_stored_as_html(client: TestClient, admin_ks: str, services: Services) -> None:
    entry = ready_entry(client, admin_ks, b"<html><script>alert(1)</script></html>", "page.html")
    assert stored_entry(services, entry["id"]).content_type == "application/octet-stream"


def test_video_facts_from_ffprobe(
    client: TestClient, admin_ks: str, services: Services, video: bytes
) -> None:
    entry = add_entry(client, admin_ks, name="video")
    del entry["mediaType"]
    token = upload_file(client, admin_ks, video, "clip.mp4")
    result = call(
        client,
        "media",
        "addFromUploadedFile",
        ks=admin_ks,
        mediaEntry={"objectType": "KalturaMediaEntry", "name": "probed"},
        uploadTokenId=token,
    )
    assert result["status"] == "2"
    assert result["duration"] == 2 and 1900 <= result["msDuration"] <= 2100
    assert (result["width"], result["height"]) == (320, 240)
    assert result["mediaType"] == 1
    assert stored_entry(services, result["id"]).content_type == "video/mp4"


def test_audio_facts(client: TestClient, admin_ks: str, tmp_path: Path) -> None:
    audio = make_audio(tmp_path)
    token = upload_file(client, admin_ks, audio, "tone.m4a")
    result = call(
        client,
        "media",
        "addFromUploadedFile",
        ks=admin_ks,
        mediaEntry={"objectType": "KalturaMediaEntry", "name": "tone"},
        uploadTokenId=token,
    )
    assert result["mediaType"] == 5  # AUDIO, inferred
    assert result["duration"] == 1 and "width" not in result


def test_update_content_replaces_the_bytes_after_commit(
    client: TestClient, admin_ks: str, services: Services
) -> None:
    entry = ready_entry(client, admin_ks, b"first")
    old_key = stored_entry(services, entry["id"]).content_key
    assert old_key is not None
    replaced = call(
        client,
        "media",
        "updateContent",
        ks=admin_ks,
        entryId=entry["id"],
        resource={
            "objectType": "KalturaUploadedFileTokenResource",
            "token": upload_file(client, admin_ks, b"second"),
        },
    )
    assert replaced["status"] == "2" and replaced["version"] == 2
    new = stored_entry(services, entry["id"])
    assert new.content_key and services.storage.read_bytes(new.content_key) == b"second"
    assert not services.storage.exists(old_key)


def test_a_failed_replacement_keeps_the_old_bytes(
    client: TestClient, admin_ks: str, services: Services
) -> None:
    entry = ready_entry(client, admin_ks, b"keep me")
    key = stored_entry(services, entry["id"]).content_key
    assert key is not None
    result = call(
        client,
        "media",
        "updateContent",
        ks=admin_ks,
        entryId=entry["id"],
        resource={"objectType": "KalturaUploadedFileTokenResource", "token": "0_" + "1" * 32},
    )
    assert error_code(result) == "UPLOAD_TOKEN_NOT_FOUND"
    assert services.storage.read_bytes(key) == b"keep me"


def test_delete_is_soft_and_removes_the_bytes(client: TestClient, admin_ks: str, services: Services) -> None:
    entry = ready_entry(client, admin_ks, b"bytes")
    key = stored_entry(services, entry["id"]).content_key
    assert key is not None and services.storage.exists(key)
    assert call(client, "media", "delete", ks=admin_ks, entryId=entry["id"]) is None
    assert not services.storage.exists(key)
    assert stored_entry(services, entry["id"]).status == EntryStatus.DELETED
    assert error_code(call(client, "media", "get", ks=admin_ks, entryId=entry["id"])) == "ENTRY_ID_NOT_FOUND"
    assert (
        error_code(call(client, "baseEntry", "delete", ks=admin_ks, entryId=entry["id"]))
        == "ENTRY_ID_NOT_FOUND"
    )
    deleted = call(
        client,
        "media",
        "list",
        ks=admin_ks,
        filter={"objectType": "KalturaMediaEntryFilter", "statusEqual": "3"},
    )
    assert [e["id"] for e in deleted["objects"]] == [entry["id"]]


def test_a_multirequest_adds_an_entry_and_its_content(client: TestClient, admin_ks: str) -> None:
    token = upload_file(client, admin_ks, b"multi")
    body: dict[str, Any] = {
        "format": "1",
        "0": {
            "service": "media",
            "action": "add",
            "ks": admin_ks,
            "entry": {"objectType": "KalturaMediaEntry", "name": "mr", "mediaType": "1"},
        },
        "1": {
            "service": "media",
            "action": "addContent",
            "ks": admin_ks,
            "entryId": "{1:result:id}",
            "resource": {"objectType": "KalturaUploadedFileTokenResource", "token": token},
        },
        "2": {"service": "media", "action": "get", "ks": admin_ks, "entryId": "{1:result:id}"},
    }
    results = client.post("/api_v3/service/multirequest", json=body).json()
    assert [r.get("status") for r in results] == ["7", "2", "2"]


# --- URL resources -------------------------------------------------------------------------------


def test_a_url_resource_waits_in_import(client: TestClient, admin_ks: str, services: Services) -> None:
    entry = add_entry(client, admin_ks)
    bad = call(
        client,
        "media",
        "addContent",
        ks=admin_ks,
        entryId=entry["id"],
        resource={"objectType": "KalturaUrlResource", "url": "file:///etc/passwd"},
    )
    assert error_code(bad) == "PROPERTY_VALIDATION_WRONG_FORMAT"
    assert "url" in bad["message"]
    result = call(
        client,
        "media",
        "addContent",
        ks=admin_ks,
        entryId=entry["id"],
        resource={"objectType": "KalturaUrlResource", "url": "https://example.com/clip.mp4"},
    )
    assert result["status"] == "0"  # IMPORT
    assert stored_entry(services, entry["id"]).source_url == "https://example.com/clip.mp4"


def url_import_job(services: Services, entry_id: str) -> Job:
    with services.db.transaction() as db:
        job = db.scalars(select(Job).where(Job.kind == tasks.IMPORT_URL, Job.subject_id == entry_id)).one()
        db.expunge(job)
        return job


def run_job_now(services: Services, job: Job) -> str:
    """Run the job at once (a retry is due later: make it due now, as time passing would)."""
    with services.db.transaction() as db:
        db.execute(update(Job).where(Job.id == job.id).values(next_attempt_at_ms=0))
    return execute(services, job.id, LeaseBook())


def test_a_url_import_runs_as_a_job(
    client: TestClient, admin_ks: str, services: Services, media_server: Any, video: bytes
) -> None:
    services.settings.url_import_allowed_hosts = ["localhost"]
    entry = add_entry(client, admin_ks)
    url = media_server.url("/v.mp4", host="localhost")
    resource = {"objectType": "KalturaUrlResource", "url": url}
    call(client, "media", "addContent", ks=admin_ks, entryId=entry["id"], resource=resource)
    job = url_import_job(services, entry["id"])
    assert job.partner_id == int(entry["partnerId"])

    # The file is not there yet (404): the job retries later, the entry still waits.
    assert run_job_now(services, job) == "retry"
    assert call(client, "media", "get", ks=admin_ks, entryId=entry["id"])["status"] == "0"

    media_server.files["/v.mp4"] = video
    assert run_job_now(services, job) == "succeeded"
    done = call(client, "media", "get", ks=admin_ks, entryId=entry["id"])
    assert done["status"] == "2" and done["duration"] == 2 and done["width"] == 320
    stored = stored_entry(services, entry["id"])
    assert stored.content_key and services.storage.read_bytes(stored.content_key) == video
    assert tasks.import_entry_from_url(services, entry["id"]) is False  # nothing waits any more


def test_a_url_import_gives_up_after_its_last_attempt(
    client: TestClient, admin_ks: str, services: Services, media_server: Any
) -> None:
    services.settings.url_import_allowed_hosts = ["localhost"]
    entry = add_entry(client, admin_ks)
    resource = {"objectType": "KalturaUrlResource", "url": media_server.url("/gone.mp4", host="localhost")}
    call(client, "media", "addContent", ks=admin_ks, entryId=entry["id"], resource=resource)
    job = url_import_job(services, entry["id"])
    outcomes = [run_job_now(services, job) for _ in range(job.max_attempts)]
    assert outcomes == ["retry"] * (job.max_attempts - 1) + ["failed"]
    assert call(client, "media", "get", ks=admin_ks, entryId=entry["id"])["status"] == "-2"


def test_import_of_a_refused_url_is_an_error_at_once(
    client: TestClient, admin_ks: str, services: Services, media_server: Any
) -> None:
    media_server.files["/v.mp4"] = b"secret"
    entry = add_entry(client, admin_ks)
    call(
        client,
        "media",
        "addContent",
        ks=admin_ks,
        entryId=entry["id"],
        resource={"objectType": "KalturaUrlResource", "url": media_server.url("/v.mp4")},
    )
    # 127.0.0.1 is not an allowed host: refused without a request, and not retried.
    assert run_job_now(services, url_import_job(services, entry["id"])) == "failed"
    assert "not a public address" in (url_import_job(services, entry["id"]).last_error or "")
    assert call(client, "media", "get", ks=admin_ks, entryId=entry["id"])["status"] == "-2"
    assert media_server.requests == []


# --- ownership -----------------------------------------------------------------------------------


def test_user_sessions_change_only_their_own_entries(
    client: TestClient, admin_ks: str, partner: PartnerInfo
) -> None:
    alice, bob = user_ks(partner, "alice"), user_ks(partner, "bob")
    mine = add_entry(client, alice, name="alice's")
    assert mine["userId"] == "alice" and mine["creatorId"] == "alice"
    update = {"objectType": "KalturaMediaEntry", "name": "taken"}
    # Bob cannot see it at all; with list:* he can, but still not change it.
    assert error_code(call(client, "media", "get", ks=bob, entryId=mine["id"])) == "ENTRY_ID_NOT_FOUND"
    seeing = user_ks(partner, "bob", "list:*")
    assert call(client, "media", "get", ks=seeing, entryId=mine["id"])["id"] == mine["id"]
    result = call(client, "media", "update", ks=seeing, entryId=mine["id"], mediaEntry=update)
    assert error_code(result) == "PERMISSION_DENIED_TO_UPDATE_ENTRY"
    assert (
        error_code(call(client, "media", "delete", ks=seeing, entryId=mine["id"]))
        == "PERMISSION_DENIED_TO_UPDATE_ENTRY"
    )
    # edit:<id> and edit:* allow it, as does an admin session.
    editor = user_ks(partner, "bob", f"edit:{mine['id']}")
    assert (
        call(client, "media", "update", ks=editor, entryId=mine["id"], mediaEntry=update)["name"] == "taken"
    )
    assert (
        call(client, "media", "update", ks=admin_ks, entryId=mine["id"], mediaEntry=update)["userId"]
        == "alice"
    )
    assert call(client, "media", "delete", ks=user_ks(partner, "carol", "edit:*"), entryId=mine["id"]) is None


def test_a_user_session_cannot_give_entries_away(
    client: TestClient, admin_ks: str, partner: PartnerInfo
) -> None:
    alice = user_ks(partner, "alice")
    result = call(
        client, "media", "add", ks=alice, entry={"objectType": "KalturaMediaEntry", "userId": "bob"}
    )
    assert error_code(result) == "INVALID_KS"
    own = add_entry(client, alice, userId="alice")
    result = call(
        client,
        "media",
        "update",
        ks=alice,
        entryId=own["id"],
        mediaEntry={"objectType": "KalturaMediaEntry", "userId": "bob"},
    )
    assert error_code(result) == "INVALID_KS"
    given = call(
        client,
        "media",
        "update",
        ks=user_ks(partner, "alice", "edituser:bob"),
        entryId=own["id"],
        mediaEntry={"objectType": "KalturaMediaEntry", "userId": "bob"},
    )
    assert given["userId"] == "bob"
    by_admin = add_entry(client, admin_ks, userId="carol")
    assert by_admin["userId"] == "carol"
    admin_tags = call(
        client, "media", "add", ks=alice, entry={"objectType": "KalturaMediaEntry", "adminTags": "x"}
    )
    assert error_code(admin_tags) == "PROPERTY_VALIDATION_NOT_UPDATABLE"


def test_user_sessions_list_their_own_unless_list_star(
    client: TestClient, admin_ks: str, partner: PartnerInfo
) -> None:
    alice, bob = user_ks(partner, "alice"), user_ks(partner, "bob")
    a = ready_entry(client, alice, name="a")
    b = ready_entry(client, bob, name="b")
    f = {"objectType": "KalturaMediaEntryFilter"}
    assert [e["id"] for e in call(client, "media", "list", ks=alice, filter=f)["objects"]] == [a["id"]]
    others = {**f, "userIdEqual": "bob"}
    assert call(client, "media", "list", ks=alice, filter=others)["totalCount"] == 0
    assert call(client, "media", "count", ks=alice) == 1
    everyone = user_ks(partner, "alice", "list:*")
    assert {e["id"] for e in call(client, "baseEntry", "list", ks=everyone)["objects"]} == {a["id"], b["id"]}
    assert call(client, "media", "count", ks=admin_ks) == 2
    assert call(client, "media", "list", ks=user_ks(partner, ""))["totalCount"] == 0
    ids = f"{a['id']},{b['id']},0_zzzzzzzz"
    assert [e["id"] for e in call(client, "baseEntry", "getByIds", ks=alice, entryIds=ids)] == [a["id"]]
    assert [e["id"] for e in call(client, "baseEntry", "getByIds", ks=admin_ks, entryIds=ids)] == [
        a["id"],
        b["id"],
    ]


def test_another_partner_sees_nothing(client: TestClient, admin_ks: str, services: Services) -> None:
    from tests.conftest import make_partner

    entry = ready_entry(client, admin_ks)
    other = make_partner(services, "Other")
    other_ks = start_session(client, other.id, other.admin_secret)
    assert error_code(call(client, "media", "get", ks=other_ks, entryId=entry["id"])) == "ENTRY_ID_NOT_FOUND"
    assert call(client, "media", "count", ks=other_ks) == 0
    assert (
        error_code(call(client, "media", "delete", ks=other_ks, entryId=entry["id"])) == "ENTRY_ID_NOT_FOUND"
    )
