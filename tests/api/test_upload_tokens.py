"""uploadToken over HTTP on both databases and both storage backends: the life cycle, chunks in any order
and retried, resumeAt, sizes, parallel chunks, multirequests, third-party multipart, ownership, delete,
expiry, and that storage keeps nothing it should not."""

from __future__ import annotations

import hashlib
import json
import os
import threading
import time
from typing import Any

import httpx
import pytest
from sqlalchemy import select
from starlette.testclient import TestClient

from keyframe.app import create_app
from keyframe.kapi import errors
from keyframe.kapi.errors import KalturaAPIException
from keyframe.services import Services
from keyframe.storage import Storage
from keyframe.uploads import service
from keyframe.uploads.models import UploadToken, UploadTokenStatus
from tests.conftest import Backend, LiveServer, PartnerInfo, make_partner
from tests.helpers import call, error_code, start_session

PENDING, PARTIAL, FULL, CLOSED, TIMED_OUT = 0, 1, 2, 3, 4


@pytest.fixture
def storage(backend: Backend) -> Storage:
    return backend.storage


@pytest.fixture
def admin_ks(client: TestClient, partner: PartnerInfo) -> str:
    return start_session(client, partner.id, partner.admin_secret)


def add_token(client: TestClient, ks: str, **fields: Any) -> dict[str, Any]:
    token = call(
        client, "uploadToken", "add", ks=ks, uploadToken={"objectType": "KalturaUploadToken", **fields}
    )
    assert token["objectType"] == "KalturaUploadToken", token
    return token  # type: ignore[no-any-return]


def upload(
    http: TestClient | httpx.Client,
    ks: str,
    token_id: str,
    data: bytes,
    *,
    resume: bool = False,
    final: bool = True,
    resume_at: int = -1,
    name: str = "clip.bin",
) -> Any:
    """A chunk as the official client sends it: a ``json`` part with every parameter, then ``fileData``."""
    params = {
        "format": "1",
        "uploadTokenId": token_id,
        "resume": str(resume),
        "finalChunk": str(final),
        "resumeAt": str(resume_at),
        "ks": ks,
    }
    response = http.post(
        "/api_v3/service/uploadtoken/action/upload",
        files={"json": (None, json.dumps(params)), "fileData": (name, data, "application/octet-stream")},
    )
    assert response.status_code == 200, response.text
    return response.json()


def stored_file(services: Services, token_id: str) -> bytes:
    with services.db.transaction() as db:
        token = db.get(UploadToken, token_id)
        assert token is not None and token.file_key is not None
        key = token.file_key
    return services.storage.read_bytes(key)


def keys_of(services: Services, partner: PartnerInfo) -> list[str]:
    return list(services.storage.list_keys(f"p/{partner.id}"))


def leftovers(backend: Backend) -> list[str]:
    return backend.leftovers()


# --- life cycle --------------------------------------------------------------------------------------


def test_add_get_and_a_whole_file_upload(client: TestClient, admin_ks: str, services: Services) -> None:
    token = add_token(client, admin_ks, fileName="talk.mp4", fileSize=5)
    assert token["id"].startswith("0_") and len(token["id"]) == 34
    assert token["status"] == PENDING and token["fileName"] == "talk.mp4" and token["fileSize"] == 5
    assert token["uploadedFileSize"] == 0

    done = upload(client, admin_ks, token["id"], b"hello")
    assert done["status"] == FULL and done["uploadedFileSize"] == 5
    assert call(client, "uploadToken", "get", ks=admin_ks, uploadTokenId=token["id"])["status"] == FULL
    assert stored_file(services, token["id"]) == b"hello"


def test_chunks_in_order_partial_then_full(client: TestClient, admin_ks: str, services: Services) -> None:
    data = os.urandom(300_000)
    token = add_token(client, admin_ks, fileName="a.bin")
    first = upload(client, admin_ks, token["id"], data[:100_000], final=False, resume_at=0)
    assert first["status"] == PARTIAL and first["uploadedFileSize"] == 100_000
    upload(client, admin_ks, token["id"], data[100_000:200_000], resume=True, final=False, resume_at=100_000)
    last = upload(client, admin_ks, token["id"], data[200_000:], resume=True, final=True, resume_at=200_000)
    assert last["status"] == FULL and last["uploadedFileSize"] == 300_000
    assert stored_file(services, token["id"]) == data


def test_chunks_out_of_order_and_retried(client: TestClient, admin_ks: str, services: Services) -> None:
    data = os.urandom(90_000)
    a, b, c = data[:30_000], data[30_000:60_000], data[60_000:]
    tid = add_token(client, admin_ks)["id"]
    # The final chunk first: the file's end is known, but bytes are missing.
    early = upload(client, admin_ks, tid, c, resume=True, final=True, resume_at=60_000)
    assert early["status"] == PARTIAL and early["uploadedFileSize"] == 0
    upload(client, admin_ks, tid, b, resume=True, final=False, resume_at=30_000)
    # A retry of the same chunk replaces it (first with garbage, then right).
    upload(client, admin_ks, tid, os.urandom(30_000), resume=True, final=False, resume_at=30_000)
    upload(client, admin_ks, tid, b, resume=True, final=False, resume_at=30_000)
    done = upload(client, admin_ks, tid, a, resume=False, final=False, resume_at=0)
    assert done["status"] == FULL and done["uploadedFileSize"] == 90_000
    assert stored_file(services, tid) == data


def test_chunks_with_known_offsets_are_written_in_place_on_local_storage(
    client: TestClient, admin_ks: str, services: Services, backend: Backend, partner: PartnerInfo
) -> None:
    tid = add_token(client, admin_ks)["id"]
    upload(client, admin_ks, tid, b"0123", resume=False, final=False)
    upload(client, admin_ks, tid, b"4567", resume=True, final=False, resume_at=4)
    prefix = f"p/{partner.id}/uploads/{tid}"
    if backend.root is not None:  # one assembly file, no staged parts
        assert keys_of(services, partner) == [f"{prefix}/assembly"]
    else:  # S3 has no writes in place: each chunk is an object of its own
        assert len(keys_of(services, partner)) == 2
    done = upload(client, admin_ks, tid, b"89", resume=True, final=True, resume_at=8)
    assert done["status"] == FULL
    assert stored_file(services, tid) == b"0123456789"
    assert keys_of(services, partner) == [f"{prefix}/file"]  # sealed (local) or composed (S3)
    assert leftovers(backend) == []


def test_a_refused_chunk_never_changes_bytes_already_recorded(
    client: TestClient, admin_ks: str, services: Services, backend: Backend
) -> None:
    """A chunk over a recorded one's offset that is then refused (here: too long for fileSize) must not
    have overwritten the recorded bytes in the assembly."""
    tid = add_token(client, admin_ks, fileSize=10)["id"]
    upload(client, admin_ks, tid, b"01234", resume=False, final=False)
    refused = upload(client, admin_ks, tid, b"X" * 12, resume=True, final=False, resume_at=0)
    assert error_code(refused) == "UPLOAD_TOKEN_CANNOT_MATCH_EXPECTED_SIZE"
    done = upload(client, admin_ks, tid, b"56789", resume=True, final=True, resume_at=5)
    assert done["status"] == FULL
    assert stored_file(services, tid) == b"0123456789"
    assert leftovers(backend) == []


@pytest.mark.parametrize("resume_at", [10**19, 2**60])
def test_an_offset_out_of_range_is_a_validation_error(
    client: TestClient, admin_ks: str, resume_at: int, backend: Backend
) -> None:
    tid = add_token(client, admin_ks)["id"]
    answer = upload(client, admin_ks, tid, b"abc", resume=True, final=False, resume_at=resume_at)
    assert error_code(answer) == "PROPERTY_VALIDATION_WRONG_FORMAT", answer
    huge = call(
        client,
        "uploadToken",
        "add",
        ks=admin_ks,
        uploadToken={"objectType": "KalturaUploadToken", "fileSize": 1e20},
    )
    assert error_code(huge) == "PROPERTY_VALIDATION_WRONG_FORMAT", huge
    assert leftovers(backend) == []


def test_resume_at_minus_one_appends(client: TestClient, admin_ks: str, services: Services) -> None:
    tid = add_token(client, admin_ks)["id"]
    upload(client, admin_ks, tid, b"abc", final=False)
    upload(client, admin_ks, tid, b"def", resume=True, final=False, resume_at=-1)
    done = upload(client, admin_ks, tid, b"gh", resume=True, final=True, resume_at=-1)
    assert done["status"] == FULL and done["uploadedFileSize"] == 8
    assert stored_file(services, tid) == b"abcdefgh"


def test_an_empty_final_chunk_closes_the_file(client: TestClient, admin_ks: str, services: Services) -> None:
    tid = add_token(client, admin_ks)["id"]
    upload(client, admin_ks, tid, b"0123456789", final=False)
    done = upload(client, admin_ks, tid, b"", resume=True, final=True, resume_at=10)
    assert done["status"] == FULL and done["uploadedFileSize"] == 10
    assert stored_file(services, tid) == b"0123456789"


def test_a_full_token_takes_no_more_chunks(client: TestClient, admin_ks: str) -> None:
    tid = add_token(client, admin_ks)["id"]
    upload(client, admin_ks, tid, b"done")
    again = upload(client, admin_ks, tid, b"more", resume=True)
    assert error_code(again) == "UPLOAD_TOKEN_INVALID_STATUS_FOR_UPLOAD"
    assert again["message"] == errors.UPLOAD_TOKEN_INVALID_STATUS_FOR_UPLOAD().message


def test_file_size_is_checked(
    client: TestClient, admin_ks: str, backend: Backend, services: Services
) -> None:
    partner_keys_before = set(services.storage.list_keys())
    tid = add_token(client, admin_ks, fileSize=10)["id"]
    short = upload(client, admin_ks, tid, b"12345")
    assert error_code(short) == "UPLOAD_TOKEN_CANNOT_MATCH_EXPECTED_SIZE"
    assert short["message"] == "Failed to match expected file size"
    too_long = upload(client, admin_ks, tid, b"0123456789AB", final=False)
    assert error_code(too_long) == "UPLOAD_TOKEN_CANNOT_MATCH_EXPECTED_SIZE"
    # The refused chunks left nothing behind but the token's own assembly (on local storage, where chunks
    # are written in place; it goes with the token), and the token still takes the right bytes.
    new_keys = set(services.storage.list_keys()) - partner_keys_before
    assert all(key.endswith(f"/uploads/{tid}/assembly") for key in new_keys), new_keys
    assert call(client, "uploadToken", "get", ks=admin_ks, uploadTokenId=tid)["status"] == PENDING
    assert upload(client, admin_ks, tid, b"0123456789")["status"] == FULL
    assert stored_file(services, tid) == b"0123456789"  # the longer refused bytes are gone
    assert len(set(services.storage.list_keys()) - partner_keys_before) == 1
    assert leftovers(backend) == []


def test_auto_finalize_needs_a_size_and_finalizes_when_it_is_reached(
    client: TestClient, admin_ks: str, services: Services
) -> None:
    missing = call(
        client,
        "uploadToken",
        "add",
        ks=admin_ks,
        uploadToken={"objectType": "KalturaUploadToken", "autoFinalize": 1},
    )
    assert error_code(missing) == "UPLOAD_TOKEN_MISSING_FILE_SIZE"
    tid = add_token(client, admin_ks, fileSize=6, autoFinalize=1)["id"]
    assert upload(client, admin_ks, tid, b"abc", final=False)["status"] == PARTIAL
    assert upload(client, admin_ks, tid, b"def", resume=True, final=False, resume_at=3)["status"] == FULL
    assert stored_file(services, tid) == b"abcdef"


def test_unknown_token_and_missing_file(client: TestClient, admin_ks: str) -> None:
    assert error_code(upload(client, admin_ks, "0_" + "0" * 32, b"x")) == "UPLOAD_TOKEN_NOT_FOUND"
    got = call(client, "uploadToken", "get", ks=admin_ks, uploadTokenId="0_nope")
    assert error_code(got) == "UPLOAD_TOKEN_NOT_FOUND" and got["message"] == "Upload token not found"
    tid = add_token(client, admin_ks)["id"]
    no_file = call(client, "uploadToken", "upload", ks=admin_ks, uploadTokenId=tid)
    assert error_code(no_file) == "MISSING_MANDATORY_PARAMETER"


# --- transports --------------------------------------------------------------------------------------


def test_query_string_parameters_with_plain_form_fields(
    client: TestClient, admin_ks: str, services: Services
) -> None:
    """As third-party uploaders send it: the token and KS in the query string, the rest as form fields."""
    data = os.urandom(50_000)
    tid = add_token(client, admin_ks, fileName="talk.mp4")["id"]
    for offset in (0, 25_000):
        response = client.post(
            "/api_v3/service/uploadtoken/action/upload",
            params={"uploadTokenId": tid, "ks": admin_ks, "format": "1"},
            data={
                "resume": "1" if offset else "0",
                "resumeAt": str(offset),
                "finalChunk": "1" if offset else "0",
            },
            files={
                "fileData": (f"chunk_{offset}", data[offset : offset + 25_000], "application/octet-stream")
            },
        )
        assert response.status_code == 200
    token = response.json()
    assert token["status"] == FULL and token["fileName"] == "talk.mp4"
    assert stored_file(services, tid) == data


def test_multirequest_upload(client: TestClient, admin_ks: str, services: Services) -> None:
    body = {
        "format": "1",
        "ks": admin_ks,
        "0": {"service": "uploadToken", "action": "add", "uploadToken": {"objectType": "KalturaUploadToken"}},
        "1": {"service": "uploadToken", "action": "upload", "uploadTokenId": "{1:result:id}"},
        "2": {"service": "uploadToken", "action": "get", "uploadTokenId": "{1:result:id}"},
    }
    response = client.post(
        "/api_v3/service/multirequest",
        files={
            "json": (None, json.dumps(body)),
            "1:fileData": ("f.bin", b"multi", "application/octet-stream"),
        },
    )
    added, uploaded, got = response.json()
    assert uploaded["status"] == FULL and got["status"] == FULL and got["id"] == added["id"]
    assert stored_file(services, added["id"]) == b"multi"


def test_xml_answer_for_the_official_client_shape(client: TestClient, admin_ks: str) -> None:
    tid = add_token(client, admin_ks)["id"]
    params = {"uploadTokenId": tid, "resume": "False", "finalChunk": "True", "resumeAt": "-1", "ks": admin_ks}
    response = client.post(
        "/api_v3/service/uploadtoken/action/upload",
        files={
            "json": (None, json.dumps(params)),
            "fileData": ("f.bin", b"hello", "application/octet-stream"),
        },
    )
    assert b"<objectType>KalturaUploadToken</objectType>" in response.content
    assert b"<status>2</status>" in response.content


def test_a_file_larger_than_the_in_memory_limit(
    client: TestClient, admin_ks: str, services: Services, backend: Backend
) -> None:
    """Files stream to disk: a part far larger than the body limit (which bounds what is held in memory)
    uploads fine, while fields beyond that limit are still refused."""
    services.settings.max_body_bytes = 64 * 1024  # read when the app is created
    with TestClient(create_app(services.settings, services)) as small:
        data = os.urandom(3 * 1024 * 1024 + 17)
        tid = add_token(small, admin_ks)["id"]
        done = upload(small, admin_ks, tid, data)
        assert done["status"] == FULL and done["uploadedFileSize"] == len(data)
        assert hashlib.sha256(stored_file(services, tid)).digest() == hashlib.sha256(data).digest()
        big_field = small.post(
            "/api_v3/service/uploadtoken/action/get",
            files={"json": (None, json.dumps({"ks": admin_ks, "pad": "x" * 100_000}))},
        )
        assert b"<code>REQUEST_TOO_LARGE</code>" in big_field.content
    assert leftovers(backend) == []


def test_a_broken_multipart_body_is_a_kaltura_error(client: TestClient, backend: Backend) -> None:
    """In the format asked for before the body broke: the query string, or a field before the break."""
    broken = b'--xyz\r\nContent-Disposition: form-data; name="fileData"; filename="a"\r\n\r\nabc'
    headers = {"content-type": "multipart/form-data; boundary=xyz"}
    as_json = client.post(
        "/api_v3/service/uploadtoken/action/upload?format=1", content=broken, headers=headers
    )
    assert as_json.status_code == 200
    assert as_json.json()["code"] == "PROPERTY_VALIDATION_WRONG_FORMAT"
    field = b'--xyz\r\nContent-Disposition: form-data; name="format"\r\n\r\n1\r\n'
    from_field = client.post(
        "/api_v3/service/uploadtoken/action/upload", content=field + broken, headers=headers
    )
    assert from_field.json()["code"] == "PROPERTY_VALIDATION_WRONG_FORMAT"
    as_xml = client.post("/api_v3/service/uploadtoken/action/upload", content=broken, headers=headers)
    assert b"<code>PROPERTY_VALIDATION_WRONG_FORMAT</code>" in as_xml.content
    assert leftovers(backend) == []


# --- concurrency -------------------------------------------------------------------------------------


def test_parallel_chunks_all_count(live_server: LiveServer, partner: PartnerInfo, services: Services) -> None:
    chunk = 64 * 1024
    data = os.urandom(8 * chunk)
    with httpx.Client(base_url=live_server.url, timeout=60) as http:
        ks = start_session(http, partner.id, partner.admin_secret)  # type: ignore[arg-type]
        tid = add_token(http, ks, fileSize=len(data))["id"]  # type: ignore[arg-type]
        answers: list[Any] = []
        barrier = threading.Barrier(8)

        def send(index: int) -> None:
            barrier.wait()
            offset = index * chunk
            final = index == 7
            with httpx.Client(base_url=live_server.url, timeout=60) as own:
                answers.append(
                    upload(
                        own,
                        ks,
                        tid,
                        data[offset : offset + chunk],
                        resume=index > 0,
                        final=final,
                        resume_at=offset,
                    )
                )

        threads = [threading.Thread(target=send, args=(i,)) for i in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert [error_code(a) for a in answers] == [None] * 8
        token = call(http, "uploadToken", "get", ks=ks, uploadTokenId=tid)  # type: ignore[arg-type]
    assert token["status"] == FULL and token["uploadedFileSize"] == len(data)
    assert stored_file(services, tid) == data
    assert sum(1 for a in answers if a["status"] == FULL) == 1


# --- ownership, listing, delete ----------------------------------------------------------------------


def test_a_user_session_sees_and_uses_only_its_own_tokens(
    client: TestClient, partner: PartnerInfo, admin_ks: str
) -> None:
    alice = start_session(client, partner.id, partner.secret, type=0, user="alice")
    bob = start_session(client, partner.id, partner.secret, type=0, user="bob")
    mine = add_token(client, alice, fileName="alice.bin")
    assert mine["userId"] == "alice"
    theirs = add_token(client, bob, fileName="bob.bin")["id"]

    assert (
        error_code(call(client, "uploadToken", "get", ks=alice, uploadTokenId=theirs))
        == "UPLOAD_TOKEN_NOT_FOUND"
    )
    assert error_code(upload(client, alice, theirs, b"x")) == "UPLOAD_TOKEN_NOT_FOUND"
    assert error_code(call(client, "uploadToken", "delete", ks=alice, uploadTokenId=theirs)) == (
        "UPLOAD_TOKEN_NOT_FOUND"
    )
    listed = call(client, "uploadToken", "list", ks=alice)
    assert listed["objectType"] == "KalturaUploadTokenListResponse"
    assert [t["id"] for t in listed["objects"]] == [mine["id"]] and listed["totalCount"] == 1
    other = call(
        client,
        "uploadToken",
        "list",
        ks=alice,
        filter={"objectType": "KalturaUploadTokenFilter", "userIdEqual": "bob"},
    )
    assert other["totalCount"] == 0
    # The admin sees both; another partner sees neither.
    assert call(client, "uploadToken", "list", ks=admin_ks)["totalCount"] == 2
    stranger = make_partner(services_of(client), "Other")
    stranger_ks = start_session(client, stranger.id, stranger.admin_secret)
    assert error_code(call(client, "uploadToken", "get", ks=stranger_ks, uploadTokenId=theirs)) == (
        "UPLOAD_TOKEN_NOT_FOUND"
    )


def services_of(client: TestClient) -> Services:
    return client.app.state.services  # type: ignore[attr-defined,no-any-return]


def test_list_filters_and_pager(client: TestClient, admin_ks: str) -> None:
    a = add_token(client, admin_ks, fileName="a.bin", fileSize=3)["id"]
    b = add_token(client, admin_ks, fileName="b.bin")["id"]
    upload(client, admin_ks, a, b"abc")

    def ids(**flt: Any) -> list[str]:
        result = call(
            client,
            "uploadToken",
            "list",
            ks=admin_ks,
            filter={"objectType": "KalturaUploadTokenFilter", **flt},
        )
        return sorted(t["id"] for t in result["objects"])

    assert ids(idEqual=a) == [a]
    assert ids(idIn=f"{a},{b}") == sorted([a, b])
    assert ids(statusEqual=FULL) == [a]
    assert ids(statusIn=f"{PENDING},{PARTIAL}") == [b]
    assert ids(fileNameEqual="b.bin") == [b]
    assert ids(fileSizeEqual=3) == [a]
    page = call(
        client, "uploadToken", "list", ks=admin_ks, pager={"objectType": "KalturaFilterPager", "pageSize": 1}
    )
    assert len(page["objects"]) == 1 and page["totalCount"] == 2


def test_delete_removes_the_bytes(
    client: TestClient, admin_ks: str, services: Services, partner: PartnerInfo
) -> None:
    tid = add_token(client, admin_ks)["id"]
    upload(client, admin_ks, tid, b"partial", final=False)
    assert keys_of(services, partner) != []
    assert call(client, "uploadToken", "delete", ks=admin_ks, uploadTokenId=tid) is None
    assert keys_of(services, partner) == []
    assert (
        error_code(call(client, "uploadToken", "get", ks=admin_ks, uploadTokenId=tid))
        == "UPLOAD_TOKEN_NOT_FOUND"
    )


# --- claim (what entries use) ------------------------------------------------------------------------


def test_claim_hands_the_file_over_and_deleting_the_token_keeps_it(
    client: TestClient, admin_ks: str, services: Services, partner: PartnerInfo
) -> None:
    tid = add_token(client, admin_ks, fileName="talk.mp4")["id"]
    pending = add_token(client, admin_ks)["id"]
    upload(client, admin_ks, tid, b"the talk")
    with services.db.transaction() as db, pytest.raises(KalturaAPIException) as caught:
        service.claim(
            db, partner.id, pending, user_id=None, attached_object_type="1", attached_object_id="0_x"
        )
    assert caught.value.code == "UPLOAD_TOKEN_INVALID_STATUS_FOR_ADD_ENTRY"
    with services.db.transaction() as db, pytest.raises(KalturaAPIException) as caught:
        service.claim(
            db, partner.id, tid, user_id="someone", attached_object_type="1", attached_object_id="0_x"
        )
    assert caught.value.code == "UPLOAD_TOKEN_NOT_FOUND"
    with services.db.transaction() as db, pytest.raises(KalturaAPIException) as caught:
        service.claim(
            db, partner.id + 1, tid, user_id=None, attached_object_type="1", attached_object_id="0_x"
        )
    assert caught.value.code == "UPLOAD_TOKEN_NOT_FOUND"

    with services.db.transaction() as db:
        claimed = service.claim(
            db,
            partner.id,
            tid,
            user_id=None,
            attached_object_type="KalturaMediaEntry",
            attached_object_id="0_abc",
        )
    assert (claimed.size, claimed.file_name) == (8, "talk.mp4")
    token = call(client, "uploadToken", "get", ks=admin_ks, uploadTokenId=tid)
    assert token["status"] == CLOSED
    assert (token["attachedObjectType"], token["attachedObjectId"]) == ("KalturaMediaEntry", "0_abc")
    with services.db.transaction() as db, pytest.raises(KalturaAPIException) as caught:
        service.claim(db, partner.id, tid, user_id=None, attached_object_type="1", attached_object_id="0_y")
    assert caught.value.code == "UPLOAD_TOKEN_INVALID_STATUS_FOR_ADD_ENTRY"
    assert error_code(upload(client, admin_ks, tid, b"x")) == "UPLOAD_TOKEN_INVALID_STATUS_FOR_UPLOAD"

    # Neither expiry nor deleting the token touches the entry's file.
    assert service.expire_stale_tokens(services, now=time.time() + 10 * 86_400) == 1  # only `pending`
    assert call(client, "uploadToken", "delete", ks=admin_ks, uploadTokenId=tid) is None
    assert services.storage.read_bytes(claimed.key) == b"the talk"


def test_a_claim_rolled_back_with_its_caller_leaves_the_token_full(
    client: TestClient, admin_ks: str, services: Services, partner: PartnerInfo
) -> None:
    tid = add_token(client, admin_ks)["id"]
    upload(client, admin_ks, tid, b"bytes")
    with pytest.raises(RuntimeError), services.db.transaction() as db:
        service.claim(db, partner.id, tid, user_id=None, attached_object_type="1", attached_object_id="0_x")
        raise RuntimeError("the entry could not be saved")
    assert call(client, "uploadToken", "get", ks=admin_ks, uploadTokenId=tid)["status"] == FULL
    assert stored_file(services, tid) == b"bytes"


# --- expiry ------------------------------------------------------------------------------------------


def test_stale_tokens_time_out_and_lose_their_bytes(
    client: TestClient, admin_ks: str, services: Services, partner: PartnerInfo
) -> None:
    partial = add_token(client, admin_ks)["id"]
    upload(client, admin_ks, partial, b"some", final=False)
    full = add_token(client, admin_ks)["id"]
    upload(client, admin_ks, full, b"all of it")
    assert service.expire_stale_tokens(services) == 0  # fresh
    ttl = services.settings.upload_token_ttl_seconds
    assert service.expire_stale_tokens(services, now=time.time() + ttl + 5) == 2
    assert keys_of(services, partner) == []
    for tid in (partial, full):
        token = call(client, "uploadToken", "get", ks=admin_ks, uploadTokenId=tid)
        assert token["status"] == TIMED_OUT
        assert error_code(upload(client, admin_ks, tid, b"late", resume=True)) == (
            "UPLOAD_TOKEN_INVALID_STATUS_FOR_UPLOAD"
        )
    assert service.expire_stale_tokens(services, now=time.time() + ttl + 5) == 0
    with services.db.transaction() as db:
        statuses = set(db.scalars(select(UploadToken.status)))
    assert statuses == {UploadTokenStatus.TIMED_OUT}


def test_nothing_leaks_after_refused_chunks(
    client: TestClient, admin_ks: str, services: Services, partner: PartnerInfo, backend: Backend
) -> None:
    tid = add_token(client, admin_ks, fileSize=4)["id"]
    assert error_code(upload(client, admin_ks, tid, b"too long")) == "UPLOAD_TOKEN_CANNOT_MATCH_EXPECTED_SIZE"
    assert error_code(upload(client, "not-a-ks", tid, b"abcd")) is not None
    other = make_partner(services, "Other")
    other_ks = start_session(client, other.id, other.admin_secret)
    assert error_code(upload(client, other_ks, tid, b"abcd")) == "UPLOAD_TOKEN_NOT_FOUND"
    assert keys_of(services, partner) == [] and list(services.storage.list_keys(f"p/{other.id}")) == []
    assert leftovers(backend) == []
