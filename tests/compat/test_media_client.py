"""The official Python client against a live Keyframe: media.add, addContent from an upload token, get, list
with filters, update, count, baseEntry.getByIds and delete; the dataUrl downloads the bytes."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from KalturaClient import KalturaClient, KalturaConfiguration
from KalturaClient.exceptions import KalturaException
from KalturaClient.Plugins.Core import (
    KalturaBaseEntry,
    KalturaEntryStatus,
    KalturaFilterPager,
    KalturaMediaEntry,
    KalturaMediaEntryFilter,
    KalturaMediaType,
    KalturaSessionType,
    KalturaUploadedFileTokenResource,
    KalturaUploadToken,
)

from tests.conftest import LiveServer, PartnerInfo

pytestmark = pytest.mark.compat


def test_media_entries_with_the_official_client(
    live_server: LiveServer, partner: PartnerInfo, tmp_path: Path
) -> None:
    config = KalturaConfiguration(partner.id)
    config.serviceUrl = live_server.url
    client = KalturaClient(config)
    ks = client.session.start(partner.admin_secret, "admin", KalturaSessionType.ADMIN, partner.id)
    client.setKs(ks)

    entry = KalturaMediaEntry()
    entry.name = "Official clip"
    entry.mediaType = KalturaMediaType.VIDEO
    entry.tags = "compat,client"
    entry.referenceId = "compat-1"
    added = client.media.add(entry)
    assert isinstance(added, KalturaMediaEntry)
    assert added.status.getValue() == KalturaEntryStatus.NO_CONTENT

    token = client.uploadToken.add(KalturaUploadToken())
    data = b"\x00\x00\x00\x18ftypmp42" + b"\x01" * 4000
    path = tmp_path / "clip.mp4"
    path.write_bytes(data)
    with path.open("rb") as file:  # the client names the file part after the file's name
        client.uploadToken.upload(token.id, file, False, True, -1)
    resource = KalturaUploadedFileTokenResource()
    resource.token = token.id
    ready = client.media.addContent(added.id, resource)
    assert ready.status.getValue() == KalturaEntryStatus.READY

    got = client.media.get(added.id)
    assert got.name == "Official clip" and got.mediaType.getValue() == KalturaMediaType.VIDEO

    media_filter = KalturaMediaEntryFilter()
    media_filter.nameLike = "official"
    media_filter.tagsMultiLikeOr = "compat"
    media_filter.orderBy = "-createdAt"
    pager = KalturaFilterPager()
    pager.pageSize = 10
    listed = client.media.list(media_filter, pager)
    assert listed.totalCount == 1 and [e.id for e in listed.objects] == [added.id]
    assert client.media.count(media_filter) == 1

    change = KalturaMediaEntry()
    change.name = "Renamed"
    assert client.media.update(added.id, change).name == "Renamed"
    by_ids = client.baseEntry.getByIds(added.id)
    assert [e.id for e in by_ids] == [added.id] and isinstance(by_ids[0], KalturaBaseEntry)
    assert client.baseEntry.listByReferenceId("compat-1").objects[0].id == added.id

    download = httpx.get(live_server.url + httpx.URL(got.dataUrl).path, params={"ks": ks})
    assert download.status_code == 200 and download.content == data

    client.media.delete(added.id)
    with pytest.raises(KalturaException) as error:
        client.media.get(added.id)
    assert error.value.code == "ENTRY_ID_NOT_FOUND"
