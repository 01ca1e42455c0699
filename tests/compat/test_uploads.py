"""Uploads with real tools against a live Keyframe: the official client in 5 MB chunks, a multirequest that
creates an entry and attaches content by reference, and the third-party ``kaltura-uploader`` package."""

from __future__ import annotations

import hashlib
import io
import os
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest
from KalturaClient import KalturaClient
from KalturaClient.Plugins.Core import (
    KalturaEntryStatus,
    KalturaMediaEntry,
    KalturaMediaEntryFilter,
    KalturaMediaType,
    KalturaUploadedFileTokenResource,
    KalturaUploadToken,
    KalturaUploadTokenStatus,
)

from keyframe.storage import Storage
from tests.api.media_support import make_video
from tests.compat.test_official_client import admin_ks, new_client
from tests.conftest import Backend, LiveServer, PartnerInfo

pytestmark = pytest.mark.compat

MB = 1024 * 1024


@pytest.fixture
def storage(backend: Backend) -> Storage:
    """Both storage backends (``backend`` is parametrized): the bytes must survive the trip on each."""
    return backend.storage


def random_file(path: Path, size: int) -> str:
    """Write ``size`` random bytes to ``path``; return their SHA-256."""
    digest = hashlib.sha256()
    with path.open("wb") as fh:
        left = size
        while left:
            block = os.urandom(min(left, MB))
            digest.update(block)
            fh.write(block)
            left -= len(block)
    return digest.hexdigest()


def named(data: bytes, name: str) -> io.BytesIO:
    """A file object as the client expects one: it sends ``.name`` as the part's file name."""
    buffer = io.BytesIO(data)
    buffer.name = name
    return buffer


def downloaded_sha256(server: LiveServer, entry: KalturaMediaEntry, ks: str) -> str:
    """Stream the entry's download URL with the KS in the path, as upstream's URLs carry it. The URL names
    KEYFRAME_PUBLIC_URL; the test server listens on a port of its own."""
    path = urlsplit(entry.downloadUrl).path.rstrip("/")
    digest = hashlib.sha256()
    with httpx.stream("GET", f"{server.url}{path}/ks/{ks}", timeout=60) as response:
        assert response.status_code == 200, response.read()[:300]
        for block in response.iter_bytes():
            digest.update(block)
    return digest.hexdigest()


@pytest.fixture
def client(live_server: LiveServer, partner: PartnerInfo) -> Iterator[KalturaClient]:
    yield new_client(live_server, partner.id, admin_ks(live_server, partner))


def test_official_client_uploads_50_mb_in_5_mb_chunks(
    client: KalturaClient, tmp_path: Path, live_server: LiveServer
) -> None:
    source = tmp_path / "lecture.bin"
    size = 50 * MB
    expected = random_file(source, size)

    token = client.uploadToken.add(KalturaUploadToken(fileName=source.name, fileSize=size))
    assert token.status.getValue() == KalturaUploadTokenStatus.PENDING
    chunk = 5 * MB
    with source.open("rb") as fh:
        for offset in range(0, size, chunk):
            data = fh.read(chunk)
            final = offset + len(data) >= size
            token = client.uploadToken.upload(token.id, named(data, source.name), offset > 0, final, offset)
            expected_status = (
                KalturaUploadTokenStatus.FULL_UPLOAD if final else KalturaUploadTokenStatus.PARTIAL_UPLOAD
            )
            assert token.status.getValue() == expected_status
    assert token.uploadedFileSize == size

    entry = client.media.add(KalturaMediaEntry(name="Lecture", mediaType=KalturaMediaType.VIDEO))
    assert entry.status.getValue() == KalturaEntryStatus.NO_CONTENT
    entry = client.media.addContent(entry.id, KalturaUploadedFileTokenResource(token=token.id))
    assert client.uploadToken.get(token.id).status.getValue() == KalturaUploadTokenStatus.CLOSED

    entry = client.media.get(entry.id)
    assert entry.status.getValue() == KalturaEntryStatus.READY
    listed = client.media.list(KalturaMediaEntryFilter(idEqual=entry.id))
    assert [e.id for e in listed.objects] == [entry.id]
    assert downloaded_sha256(live_server, entry, client.getKs()) == expected


def test_a_multirequest_creates_an_entry_and_attaches_content_by_reference(
    client: KalturaClient, live_server: LiveServer
) -> None:
    server = live_server
    data = os.urandom(300_000)
    client.startMultiRequest()
    token = client.uploadToken.add(KalturaUploadToken(fileName="clip.bin"))
    client.uploadToken.upload(token.id, named(data, "clip.bin"))
    entry = client.media.add(KalturaMediaEntry(name="Clip", mediaType=KalturaMediaType.VIDEO))
    client.media.addContent(entry.id, KalturaUploadedFileTokenResource(token=token.id))
    results = client.doMultiRequest()

    assert [type(r).__name__ for r in results] == [
        "KalturaUploadToken",
        "KalturaUploadToken",
        "KalturaMediaEntry",
        "KalturaMediaEntry",
    ]
    created = client.media.get(results[3].id)
    assert created.status.getValue() == KalturaEntryStatus.READY
    assert created.id == results[2].id
    assert downloaded_sha256(server, created, client.getKs()) == hashlib.sha256(data).hexdigest()


def test_kaltura_uploader_uploads_a_file_and_creates_an_entry(
    live_server: LiveServer, partner: PartnerInfo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from kaltura_uploader import uploader as kaltura_uploader

    # Library mode, its service-URL constants pointed at the test server instead of kaltura.com.
    monkeypatch.setattr(kaltura_uploader, "KALTURA_SERVICE_URL", live_server.url + "/")
    monkeypatch.setattr(kaltura_uploader, "KALTURA_API_URL", live_server.url + "/api_v3/")
    # A real MP4: the tool sniffs the type with libmagic to choose the kind of entry it creates.
    source = tmp_path / "talk.mp4"
    source.write_bytes(make_video(tmp_path, seconds=3))
    expected = hashlib.sha256(source.read_bytes()).hexdigest()

    tool = kaltura_uploader.KalturaUploader(partner.id, partner.admin_secret, chunk_size_kb=16)
    token_id = tool.upload_file(str(source))
    entry_id = tool.create_kaltura_entry(token_id, str(source), tags="uploaded,tool")

    client = new_client(live_server, partner.id, admin_ks(live_server, partner))
    entry = client.media.get(entry_id)
    assert entry.name == "talk.mp4"
    assert entry.tags == "uploaded,tool"
    assert entry.status.getValue() == KalturaEntryStatus.READY
    assert entry.mediaType.getValue() == KalturaMediaType.VIDEO
    assert entry.duration == 3
    assert downloaded_sha256(live_server, entry, client.getKs()) == expected
