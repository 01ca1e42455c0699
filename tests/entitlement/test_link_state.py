"""An enforced list's ``totalCount`` is read from category links, which copy their entry's status and
moderation status (``entitled_distinct_ids``). Through the API: whatever changes an entry's state (content,
import, delete) or moves its links (a category deleted into its parent), the count still matches the
entries the same list returns."""

from __future__ import annotations

from typing import Any

import pytest
from starlette.testclient import TestClient

from keyframe.entitlement import entries, hooks
from tests.api.category_support import add as add_category
from tests.api.category_support import admin_ks, entitled_partner
from tests.api.media_support import add_entry, upload_file
from tests.conftest import PartnerInfo
from tests.helpers import call, start_session

__all__ = ["admin_ks", "entitled_partner"]

# Every state criterion the API offers on a list (statusIn includes DELETED: listed only when asked for).
FILTERS: list[dict[str, str]] = [
    {},
    {"statusEqual": "7"},
    {"statusIn": "2,3,7"},
    {"statusNotIn": "2"},
    {"moderationStatusIn": "6"},
    # Not state criteria, though 0 and False look like "not given" to a careless test.
    {"createdAtLessThanOrEqual": "0"},
    {"categoriesIdsEmpty": "0"},
    {"categoriesIdsEmpty": "1"},
]


@pytest.fixture(params=["few", "many"])
def list_shape(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """The page's SQL shape differs for viewers who see few or many entries; the count must match both."""
    monkeypatch.setattr(hooks, "_shape_cache", {})
    if request.param == "many":
        monkeypatch.setattr(entries, "MANY", 0)
        monkeypatch.setattr(entries, "WALK_SPREAD", 0)
    return str(request.param)


def listed(client: TestClient, ks: str, **criteria: str) -> tuple[int, list[str]]:
    result = call(
        client,
        "media",
        "list",
        ks=ks,
        filter={"objectType": "KalturaMediaEntryFilter", "orderBy": "-createdAt", **criteria},
        pager={"objectType": "KalturaFilterPager", "pageSize": 500},
    )
    assert result.get("objectType") == "KalturaMediaListResponse", result
    return int(result["totalCount"]), sorted(e["id"] for e in result["objects"])


def assert_counts_match(client: TestClient, ks: str) -> dict[str, list[str]]:
    """For every state filter, totalCount is the number of entries the list returns; gives the lists."""
    seen: dict[str, list[str]] = {}
    for criteria in FILTERS:
        total, ids = listed(client, ks, **criteria)
        assert total == len(ids), (criteria, total, ids)
        seen[",".join(f"{k}={v}" for k, v in criteria.items()) or "default"] = ids
    return seen


def with_content(client: TestClient, ks: str, entry_id: str) -> None:
    token = upload_file(client, ks, b"\x00" * 500)
    resource: dict[str, Any] = {"objectType": "KalturaUploadedFileTokenResource", "token": token}
    result = call(client, "media", "addContent", ks=ks, entryId=entry_id, resource=resource)
    assert result.get("status") == "2", result


def test_counts_follow_entry_state(
    client: TestClient,
    entitled_partner: PartnerInfo,
    admin_ks: str,
    list_shape: str,
) -> None:
    p = entitled_partner
    portal = add_category(client, admin_ks, name="Portal", privacyContext="MediaSpace", privacy=1)["id"]
    sub = add_category(client, admin_ks, name="Sub", parentId=portal)["id"]
    viewer = start_session(
        client,
        p.id,
        p.admin_secret,
        user="viewer",
        type=0,
        privileges="list:*,privacycontext:MediaSpace,enableentitlement",
    )

    first = add_entry(client, admin_ks, name="first", categoriesIds=str(portal))["id"]
    assert assert_counts_match(client, viewer)["default"] == []  # NO_CONTENT is not listed by default
    assert assert_counts_match(client, viewer)["statusEqual=7"] == [first]

    with_content(client, admin_ks, first)
    assert assert_counts_match(client, viewer)["default"] == [first]

    # Linked twice (through a sub-category too), still counted once.
    second = add_entry(client, admin_ks, name="second", categoriesIds=f"{portal},{sub}")["id"]
    with_content(client, admin_ks, second)
    assert assert_counts_match(client, viewer)["default"] == sorted([first, second])

    # Deleted: gone from the default list, counted when DELETED is asked for.
    assert call(client, "media", "delete", ks=admin_ks, entryId=first) is None
    lists = assert_counts_match(client, viewer)
    assert lists["default"] == [second]
    assert first in lists["statusIn=2,3,7"]

    # A category deleted into its parent: its entries' new links carry their state.
    third = add_entry(client, admin_ks, name="third", categoriesIds=str(sub))["id"]
    with_content(client, admin_ks, third)
    pending = add_entry(client, admin_ks, name="no content yet", categoriesIds=str(sub))["id"]
    result = call(client, "category", "delete", ks=admin_ks, id=sub, moveEntriesToParentCategory=1)
    assert result is None, result
    lists = assert_counts_match(client, viewer)
    assert lists["default"] == sorted([second, third])
    assert lists["statusEqual=7"] == [pending]

    # Content attached after the move still reaches the moved link.
    with_content(client, admin_ks, pending)
    assert assert_counts_match(client, viewer)["default"] == sorted([second, third, pending])
