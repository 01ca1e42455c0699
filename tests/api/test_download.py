"""The download route: dataUrl/downloadUrl with the KS in the path, the query or a header; Range requests;
who may download; the KS never reaches the access log. Runs on local files and S3."""

from __future__ import annotations

import logging
import time
from urllib.parse import urlsplit

import pytest
from starlette.testclient import TestClient

from keyframe.ks import encode_v2
from keyframe.storage import Storage
from tests.api.media_support import add_entry, ready_entry
from tests.conftest import Backend, PartnerInfo
from tests.helpers import call, start_session

DATA = bytes(range(256)) * 40  # 10240 bytes


@pytest.fixture
def storage(backend: Backend) -> Storage:
    return backend.storage


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


def with_ks(url: str, ks: str) -> str:
    """upstream's form: ``/ks/<ks>`` before the file name."""
    path = urlsplit(url).path
    head, _, name = path.rpartition("/")
    return f"{head}/ks/{ks}/{name}" if name.startswith("a.") else f"{path}/ks/{ks}"


def test_data_url_streams_the_file(client: TestClient, admin_ks: str) -> None:
    entry = ready_entry(client, admin_ks, DATA, "clip.mp4")
    response = client.get(with_ks(entry["dataUrl"], admin_ks))
    assert response.status_code == 200
    assert response.content == DATA
    assert response.headers["accept-ranges"] == "bytes"
    assert response.headers["content-length"] == str(len(DATA))
    assert response.headers["content-type"] == "video/mp4"  # from the file name: the bytes show no format
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["etag"] == f'"{entry["id"]}-1"'


def test_download_url_with_the_ks_in_the_query_or_a_header(client: TestClient, admin_ks: str) -> None:
    entry = ready_entry(client, admin_ks, DATA)
    path = urlsplit(entry["downloadUrl"]).path
    assert "/raw/entry_id/" in path
    assert client.get(path, params={"ks": admin_ks}).content == DATA
    response = client.get(path, headers={"Authorization": f"KS {admin_ks}"})
    assert response.status_code == 200 and response.headers["content-disposition"].startswith("attachment")


def test_ranges(client: TestClient, admin_ks: str) -> None:
    entry = ready_entry(client, admin_ks, DATA)
    url = with_ks(entry["dataUrl"], admin_ks)
    part = client.get(url, headers={"Range": "bytes=100-199"})
    assert part.status_code == 206 and part.content == DATA[100:200]
    assert part.headers["content-range"] == f"bytes 100-199/{len(DATA)}"
    assert part.headers["content-length"] == "100"
    tail = client.get(url, headers={"Range": "bytes=-10"})
    assert tail.status_code == 206 and tail.content == DATA[-10:]
    rest = client.get(url, headers={"Range": "bytes=10000-"})
    assert rest.status_code == 206 and rest.content == DATA[10000:]
    beyond = client.get(url, headers={"Range": "bytes=999999-"})
    assert beyond.status_code == 416 and beyond.headers["content-range"] == f"bytes */{len(DATA)}"
    clipped = client.get(url, headers={"Range": "bytes=10200-99999"})
    assert clipped.status_code == 206 and clipped.content == DATA[10200:]
    several = client.get(url, headers={"Range": "bytes=0-1,5-6"})
    assert several.status_code == 200 and several.content == DATA  # multiple ranges: the whole file
    stale = client.get(url, headers={"Range": "bytes=0-9", "If-Range": '"other"'})
    assert stale.status_code == 200 and stale.content == DATA
    fresh = client.get(url, headers={"Range": "bytes=0-9", "If-Range": part.headers["etag"]})
    assert fresh.status_code == 206 and fresh.content == DATA[:10]
    for absurd in ("bytes=" + "9" * 5000 + "-", "bytes=0-" + "9" * 5000, "bytes=-" + "1" * 5000):
        whole = client.get(url, headers={"Range": absurd})  # ignored, not an HTTP 500
        assert whole.status_code == 200 and whole.content == DATA
    head = client.head(url)
    assert (
        head.status_code == 200 and head.headers["content-length"] == str(len(DATA)) and head.content == b""
    )


def test_who_may_download(client: TestClient, partner: PartnerInfo, admin_ks: str) -> None:
    alice = user_ks(partner, "alice")
    entry = ready_entry(client, alice, DATA)
    url = entry["dataUrl"]
    assert client.get(with_ks(url, alice)).status_code == 200
    assert client.get(with_ks(url, user_ks(partner, "bob"))).status_code == 404
    assert client.get(with_ks(url, user_ks(partner, "bob", f"download:{entry['id']}"))).status_code == 200
    assert client.get(with_ks(url, user_ks(partner, "bob", "sview:*"))).status_code == 200
    assert client.get(urlsplit(url).path).status_code == 401
    assert client.get(with_ks(url, "not-a-ks")).status_code == 401
    expired = encode_v2(partner.admin_secret, partner_id=partner.id, valid_until=1, type=2)
    assert client.get(with_ks(url, expired)).status_code == 401
    call(client, "session", "end", ks=alice)
    assert client.get(with_ks(url, alice)).status_code == 401  # revoked


def test_entries_without_content_or_deleted_are_not_found(client: TestClient, admin_ks: str) -> None:
    empty = add_entry(client, admin_ks)
    assert client.get(with_ks(empty["dataUrl"], admin_ks)).status_code == 404
    entry = ready_entry(client, admin_ks, DATA)
    call(client, "media", "delete", ks=admin_ks, entryId=entry["id"])
    assert client.get(with_ks(entry["dataUrl"], admin_ks)).status_code == 404
    assert client.get(f"/p/{entry['partnerId']}/sp/0/thumbnail/entry_id/{entry['id']}").status_code == 404


def test_another_partners_ks_is_refused(client: TestClient, admin_ks: str, services: object) -> None:
    from tests.conftest import make_partner

    entry = ready_entry(client, admin_ks, DATA)
    other = make_partner(services, "Other")  # type: ignore[arg-type]
    other_ks = start_session(client, other.id, other.admin_secret)
    assert client.get(with_ks(entry["dataUrl"], other_ks)).status_code == 403


def test_the_ks_is_not_logged(client: TestClient, admin_ks: str, caplog: pytest.LogCaptureFixture) -> None:
    entry = ready_entry(client, admin_ks, DATA)
    with caplog.at_level(logging.DEBUG):
        assert client.get(with_ks(entry["dataUrl"], admin_ks)).status_code == 200
        assert client.get(with_ks(entry["dataUrl"], "garbage-ks-text")).status_code == 401
        client.get(urlsplit(entry["downloadUrl"]).path, params={"ks": admin_ks})
        client.get(urlsplit(entry["downloadUrl"]).path + f"/ks/ks/{admin_ks}")  # a pair named "ks" too
    # The test client logs its own requests (httpx2); what the server logs must not hold a KS.
    server = "\n".join(r.getMessage() for r in caplog.records if r.name.startswith(("keyframe", "uvicorn")))
    assert admin_ks not in server and "garbage-ks-text" not in server
    assert "/ks/***" in server


def test_urirestrict_sees_the_entry_url_not_the_pairs_after_it(
    client: TestClient, partner: PartnerInfo, admin_ks: str
) -> None:
    entry = ready_entry(client, admin_ks, DATA)
    path = urlsplit(entry["dataUrl"]).path.rsplit("/", 1)[0]  # without the file name

    def admin_restricted_to(pattern: str) -> str:
        return encode_v2(
            partner.admin_secret,
            partner_id=partner.id,
            valid_until=int(time.time()) + 600,
            type=2,
            user_id="",
            privileges=f"urirestrict:{pattern}",
        )

    other_page = admin_restricted_to("*allowedPage*")
    refused = client.get(f"{path}/x/allowedPage/ks/{other_page}")
    assert refused.status_code == 401 and refused.text == "INVALID_KS"
    this_entry = admin_restricted_to(f"*/entryId/{entry['id']}")
    assert client.get(f"{path}/ks/{this_entry}").content == DATA
