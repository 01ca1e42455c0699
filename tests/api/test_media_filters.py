"""media.list / baseEntry.list / count: every filter, the default status rules, order and pager."""

from __future__ import annotations

from typing import Any

import pytest
from starlette.testclient import TestClient

from keyframe.media.models import MediaEntry, ModerationStatus
from keyframe.services import Services
from tests.api.media_support import add_entry, category_ids, ready_entry, real_ids
from tests.conftest import PartnerInfo
from tests.helpers import call, error_code, start_session


@pytest.fixture
def admin_ks(client: TestClient, partner: PartnerInfo) -> str:
    return start_session(client, partner.id, partner.admin_secret)


@pytest.fixture
def cats(client: TestClient, admin_ks: str) -> dict[str, str]:
    return category_ids(client, admin_ks)


@pytest.fixture
def entries(
    client: TestClient, admin_ks: str, services: Services, cats: dict[str, str]
) -> dict[str, dict[str, Any]]:
    """Four READY entries with distinct fields and times, one without content, in categories "1" (a child
    of "2"), "2" and "3"."""
    made = {
        "cat": ready_entry(
            client,
            admin_ks,
            name="Cat video",
            tags="pets,funny",
            referenceId="r-1",
            categoriesIds=real_ids(cats, "1,2"),
            description="a cat on a mat",
            userId="alice",
        ),
        "dog": ready_entry(
            client,
            admin_ks,
            name="Dog video",
            tags="pets",
            referenceId="r-2",
            categoriesIds=real_ids(cats, "2"),
            userId="bob",
        ),
        "song": ready_entry(
            client,
            admin_ks,
            b"ID3" + b"\x00" * 100,
            "song.mp3",
            name="A song",
            tags="music",
            referenceId="r-3",
            mediaType="5",
            userId="alice",
        ),
        "pic": ready_entry(
            client, admin_ks, name="Picture 100%", mediaType="2", categoriesIds=real_ids(cats, "3")
        ),
        "empty": add_entry(client, admin_ks, name="Cat without content"),
    }
    # Distinct times, oldest first, so the orders are deterministic.
    with services.db.transaction() as db:
        for index, key in enumerate(made):
            entry = db.get(MediaEntry, made[key]["id"])
            assert entry is not None
            entry.created_at = 1_000_000 + index * 100
            entry.updated_at = 2_000_000 - index * 100
    return made


def listed(
    client: TestClient, ks: str, service: str = "media", pager: dict[str, Any] | None = None, **f: Any
) -> list[str]:
    object_type = "KalturaMediaEntryFilter" if service == "media" else "KalturaBaseEntryFilter"
    params: dict[str, Any] = {"ks": ks, "filter": {"objectType": object_type, **f}}
    if pager:
        params["pager"] = {"objectType": "KalturaFilterPager", **pager}
    result = call(client, service, "list", **params)
    assert "objects" in result or result.get("totalCount") == 0, result
    return [e["id"] for e in result.get("objects", [])]


def names(entries: dict[str, dict[str, Any]], ids: list[str]) -> list[str]:
    by_id = {e["id"]: k for k, e in entries.items()}
    return [by_id[i] for i in ids]


def test_default_lists_ready_entries_newest_first(client: TestClient, admin_ks: str, entries: dict) -> None:  # type: ignore[type-arg]
    assert names(entries, listed(client, admin_ks)) == ["pic", "song", "dog", "cat"]
    assert call(client, "media", "count", ks=admin_ks) == 4
    assert names(entries, listed(client, admin_ks, statusEqual="7")) == ["empty"]
    assert names(entries, listed(client, admin_ks, statusIn="2,7", orderBy="+createdAt")) == [
        "cat",
        "dog",
        "song",
        "pic",
        "empty",
    ]
    assert names(entries, listed(client, admin_ks, statusNotIn="2")) == ["empty"]


def test_moderation_defaults(client: TestClient, admin_ks: str, entries: dict, services: Services) -> None:  # type: ignore[type-arg]
    with services.db.transaction() as db:
        entry = db.get(MediaEntry, entries["dog"]["id"])
        assert entry is not None
        entry.moderation_status = ModerationStatus.PENDING_MODERATION
    assert "dog" not in names(entries, listed(client, admin_ks))
    assert names(entries, listed(client, admin_ks, moderationStatusEqual="1")) == ["dog"]


@pytest.mark.parametrize(
    ("conditions", "expected"),
    [
        ({"idEqual": "cat"}, ["cat"]),
        ({"idIn": "cat,song"}, ["song", "cat"]),
        ({"nameLike": "video"}, ["dog", "cat"]),
        ({"nameLike": "100%"}, ["pic"]),
        ({"nameLike": "_"}, []),
        ({"nameMultiLikeOr": "cat,song"}, ["song", "cat"]),
        ({"nameEqual": "Dog video"}, ["dog"]),
        ({"userIdEqual": "alice"}, ["song", "cat"]),
        ({"userIdIn": "bob,nobody"}, ["dog"]),
        ({"tagsLike": "pet"}, ["dog", "cat"]),
        ({"tagsMultiLikeOr": "funny,music"}, ["song", "cat"]),
        ({"referenceIdEqual": "r-2"}, ["dog"]),
        ({"referenceIdIn": "r-1,r-3"}, ["song", "cat"]),
        ({"typeEqual": "1"}, ["pic", "song", "dog", "cat"]),
        ({"mediaTypeEqual": "5"}, ["song"]),
        ({"mediaTypeIn": "2,5"}, ["pic", "song"]),
        ({"categoriesIdsMatchOr": "1,3"}, ["pic", "cat"]),
        ({"categoriesIdsMatchAnd": "1,2"}, ["cat"]),
        ({"categoryAncestorIdIn": "2"}, ["dog", "cat"]),
        ({"freeText": "mat"}, ["cat"]),
        ({"freeText": "r-3"}, ["song"]),
        ({"freeText": "pets video"}, ["dog", "cat"]),
        ({"createdAtGreaterThanOrEqual": 1_000_100, "createdAtLessThanOrEqual": 1_000_200}, ["song", "dog"]),
        ({"updatedAtGreaterThanOrEqual": 1_999_900}, ["dog", "cat"]),
        ({"updatedAtLessThanOrEqual": 1_999_800}, ["pic", "song"]),
        ({"orderBy": "+name"}, ["song", "cat", "dog", "pic"]),
        ({"orderBy": "-name"}, ["pic", "dog", "cat", "song"]),
        ({"orderBy": "+updatedAt"}, ["pic", "song", "dog", "cat"]),
        ({"orderBy": "-updatedAt"}, ["cat", "dog", "song", "pic"]),
    ],
)
def test_filters(
    client: TestClient,
    admin_ks: str,
    entries: dict,  # type: ignore[type-arg]
    cats: dict[str, str],
    conditions: dict[str, Any],
    expected: list[str],
) -> None:
    real: dict[str, Any] = {
        k: ",".join(entries[p]["id"] for p in v.split(","))
        if k in ("idEqual", "idIn")
        else real_ids(cats, v)
        if k.startswith("categor")
        else v
        for k, v in conditions.items()
    }
    assert names(entries, listed(client, admin_ks, **real)) == expected
    if not any(k.startswith("mediaType") for k in real):  # a KalturaMediaEntryFilter property
        assert names(entries, listed(client, admin_ks, "baseEntry", **real)) == expected
    count = call(
        client, "media", "count", ks=admin_ks, filter={"objectType": "KalturaMediaEntryFilter", **real}
    )
    assert count == len(expected)


def test_pager(client: TestClient, admin_ks: str, entries: dict) -> None:  # type: ignore[type-arg]
    first = listed(client, admin_ks, pager={"pageSize": 3, "pageIndex": 1})
    second = listed(client, admin_ks, pager={"pageSize": 3, "pageIndex": 2})
    assert names(entries, first + second) == ["pic", "song", "dog", "cat"]
    result = call(
        client,
        "media",
        "list",
        ks=admin_ks,
        pager={"objectType": "KalturaFilterPager", "pageSize": 3, "pageIndex": 9},
    )
    assert result["objects"] == [] and result["totalCount"] == 4


def test_list_by_reference_id(client: TestClient, admin_ks: str, entries: dict) -> None:  # type: ignore[type-arg]
    result = call(client, "baseEntry", "listByReferenceId", ks=admin_ks, refId="r-2")
    assert result["objectType"] == "KalturaBaseEntryListResponse"
    assert [e["id"] for e in result["objects"]] == [entries["dog"]["id"]]


def test_wrong_filter_types_are_errors(client: TestClient, admin_ks: str) -> None:
    result = call(client, "media", "list", ks=admin_ks, filter={"objectType": "KalturaBaseEntryFilter"})
    assert error_code(result) == "INVALID_OBJECT_TYPE"
    result = call(
        client,
        "media",
        "list",
        ks=admin_ks,
        filter={"objectType": "KalturaMediaEntryFilter", "statusEqual": "9"},
    )
    assert error_code(result) == "INVALID_ENUM_VALUE"
