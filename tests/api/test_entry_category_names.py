"""``entry.categories`` as full names on media.add / media.update / baseEntry.update: missing categories are
created along their path by category.add's rules (for sessions that may call category.add), once per call,
and ``categories`` / ``categoriesIds`` always describe the same links."""

from __future__ import annotations

from typing import Any

import pytest
from starlette.testclient import TestClient

from tests.api.category_support import add, admin_ks, entitled_partner, get, listed
from tests.api.media_support import add_entry
from tests.conftest import PartnerInfo
from tests.helpers import call, error_code, start_session

__all__ = ["admin_ks", "entitled_partner"]


def links(entry: dict[str, Any]) -> dict[int, str]:
    """The entry's categories as {id: full name}, pairing the two fields position by position."""
    ids = [int(i) for i in (entry.get("categoriesIds") or "").split(",") if i]
    names = [n for n in (entry.get("categories") or "").split(",") if n]
    assert len(ids) == len(names), entry
    return dict(zip(ids, names, strict=True))


def full_names(client: TestClient, ks: str, prefix: str) -> list[str]:
    return [get(client, ks, i)["fullName"] for i in listed(client, ks, fullNameStartsWith=prefix)]


def check_consistent(client: TestClient, ks: str, entry: dict[str, Any]) -> dict[int, str]:
    found = links(entry)
    for category_id, name in found.items():
        assert get(client, ks, category_id)["fullName"] == name
    return found


def test_add_creates_missing_paths_once_and_links_them(client: TestClient, admin_ks: str) -> None:
    existing = add(client, admin_ks, name="Portal")
    entry = add_entry(
        client,
        admin_ks,
        name="match",
        categories="Portal>Sports>Football,Portal>Sports>Tennis, Portal > News ,Portal>Sports>Football",
    )
    linked = check_consistent(client, admin_ks, entry)
    assert sorted(linked.values()) == ["Portal>News", "Portal>Sports>Football", "Portal>Sports>Tennis"]
    # Each category of the paths exists once; the existing root was reused.
    assert full_names(client, admin_ks, "Portal") == [
        "Portal",
        "Portal>News",
        "Portal>Sports",
        "Portal>Sports>Football",
        "Portal>Sports>Tennis",
    ]
    root = get(client, admin_ks, existing["id"])
    assert (root["directSubCategoriesCount"], root["entriesCount"], root["directEntriesCount"]) == (2, 1, 0)
    sports = listed(client, admin_ks, fullNameEqual="Portal>Sports")
    assert get(client, admin_ks, sports[0])["entriesCount"] == 1  # one entry, under two of its children
    assert (
        call(client, "media", "get", ks=admin_ks, entryId=entry["id"])["categoriesIds"]
        == (entry["categoriesIds"])
    )


def test_update_replaces_links_and_creates_what_is_missing(client: TestClient, admin_ks: str) -> None:
    entry = add_entry(client, admin_ks, name="e", categories="Shows>Drama,Shows>Comedy")
    updated = call(
        client,
        "media",
        "update",
        ks=admin_ks,
        entryId=entry["id"],
        mediaEntry={"objectType": "KalturaMediaEntry", "categories": "Shows>Drama,Archive>2024"},
    )
    assert sorted(check_consistent(client, admin_ks, updated).values()) == ["Archive>2024", "Shows>Drama"]
    assert full_names(client, admin_ks, "Shows>Comedy") == ["Shows>Comedy"]  # unlinked, not deleted

    # baseEntry.update too; an empty value removes every link.
    again = call(
        client,
        "baseEntry",
        "update",
        ks=admin_ks,
        entryId=entry["id"],
        baseEntry={"objectType": "KalturaMediaEntry", "categories": "Archive>2024>March"},
    )
    assert list(check_consistent(client, admin_ks, again).values()) == ["Archive>2024>March"]
    cleared = call(
        client,
        "baseEntry",
        "update",
        ks=admin_ks,
        entryId=entry["id"],
        baseEntry={"objectType": "KalturaMediaEntry", "categories": ""},
    )
    assert (cleared.get("categories", ""), cleared.get("categoriesIds", "")) == ("", "")


@pytest.mark.parametrize(
    ("categories", "code"),
    [
        ("Good>One,Bad>>Empty", "PROPERTY_VALIDATION_MIN_LENGTH"),
        ("Good>One,Bad>a<b", "CATEGORY_NAME_CONTAINS_INVALID_CHARS"),
        ("Good>One,Bad>" + "x" * 129, "PROPERTY_VALIDATION_MAX_LENGTH"),
        ("Good>One," + ">".join(f"L{i}" for i in range(9)), "MAX_CATEGORY_DEPTH_REACHED"),
        (",".join(f"Good>N{i}" for i in range(33)), "PROPERTY_VALIDATION_MAX_LENGTH"),
    ],
)
def test_category_add_validations_apply_and_a_refused_call_creates_nothing(
    client: TestClient, admin_ks: str, categories: str, code: str
) -> None:
    refused = call(
        client,
        "media",
        "add",
        ks=admin_ks,
        entry={"objectType": "KalturaMediaEntry", "mediaType": "1", "categories": categories},
    )
    assert error_code(refused) == code
    assert listed(client, admin_ks) == []  # "Good>One" was rolled back with the call


def test_new_categories_in_a_labelled_branch_follow_category_add(
    client: TestClient, admin_ks: str, entitled_partner: PartnerInfo
) -> None:
    site = add(client, admin_ks, name="Site", privacyContext="MediaSpace")
    entry = add_entry(client, admin_ks, name="e", categories="Site>Channels>Mine")
    (made,) = links(entry)
    mine = get(client, admin_ks, made)
    assert mine["privacyContexts"] == "MediaSpace"
    assert mine["owner"] == entitled_partner.admin_email.lower()  # the creator owns it, as category.add does
    assert get(client, admin_ks, site["id"])["directSubCategoriesCount"] == 1


def test_sessions_that_may_not_add_categories_only_link_existing_ones(
    client: TestClient, admin_ks: str, entitled_partner: PartnerInfo
) -> None:
    p = entitled_partner
    public = add(client, admin_ks, name="Public")
    user_ks = start_session(client, p.id, p.secret, type=0, user="uma")
    entry = add_entry(client, user_ks, name="mine", categories="Public")
    assert links(entry) == {public["id"]: "Public"}
    refused = call(
        client,
        "media",
        "update",
        ks=user_ks,
        entryId=entry["id"],
        mediaEntry={"objectType": "KalturaMediaEntry", "categories": "Public>New"},
    )
    assert error_code(refused) == "CATEGORY_NOT_FOUND"
    assert listed(client, admin_ks) == [public["id"]]
