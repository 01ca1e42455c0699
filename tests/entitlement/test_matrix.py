"""The Knowledge Center's behaviour table (youtube-entitlement-roles.md §3.7) through the API, every row ×
column, and the rules around it: enforcement switches (§3.5), get/getByIds/download (§3.6), memberships
through groups and INHERIT, entitled users, ``disableentitlementforentry``."""

from __future__ import annotations

import time
from typing import Any

import pytest
from starlette.testclient import TestClient

from keyframe.entitlement import entries, hooks
from keyframe.ks import encode_v2
from keyframe.partners.models import Partner
from keyframe.roles import service as roles
from keyframe.services import Services
from tests.conftest import PartnerInfo
from tests.entitlement.model import ACTIVE_LINK, MEMBERS_ONLY, Cat, Entry, World
from tests.helpers import call, error_code

WITH_CONTEXT, OTHER_CONTEXT, NO_CONTEXT, NO_CONTEXT_2 = 10, 11, 12, 13
ONLY_WITH, ONLY_WITHOUT, MIXED = "0_onlywith", "0_nocontxt", "0_mixed000"


def ks(partner: PartnerInfo, privileges: str, user: str = "viewer") -> str:
    return encode_v2(
        partner.admin_secret,
        partner_id=partner.id,
        valid_until=int(time.time()) + 600,
        type=0,
        user_id=user,
        privileges=privileges,
    )


def configure(services: Services, partner: PartnerInfo, *, feature: bool = True, default: bool) -> None:
    with services.db.transaction() as db:
        roles.set_features(
            db,
            partner.id,
            ["FEATURE_ENTITLEMENT"] if feature else [],
            [] if feature else ["FEATURE_ENTITLEMENT"],
        )
        db.get_one(Partner, partner.id).default_entitlement_enforcement = default


@pytest.fixture(autouse=True, params=["few", "many"])
def list_shape(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Every API test runs twice: with the list rule's SQL shapes chosen as for a viewer who sees few
    entries (the set shape, the defaults at this size), and as for one who sees many (the per-entry
    shapes: a newest-first walk for the page, a hashed test of every entry for the count)."""
    monkeypatch.setattr(hooks, "_shape_cache", {})
    if request.param == "many":
        monkeypatch.setattr(entries, "MANY", 0)
        monkeypatch.setattr(entries, "WALK_SPREAD", 0)
    return str(request.param)


def build(services: Services, world: World) -> None:
    with services.db.transaction() as db:
        world.write(db)


def matrix_world(partner_id: int) -> World:
    world = World(partner_id)
    world.cats = {
        WITH_CONTEXT: Cat(WITH_CONTEXT, None, contexts=("MediaSpace",)),
        OTHER_CONTEXT: Cat(OTHER_CONTEXT, None, contexts=("Canvas",)),
        NO_CONTEXT: Cat(NO_CONTEXT, None),
        NO_CONTEXT_2: Cat(NO_CONTEXT_2, None),
    }
    world.entries = {
        ONLY_WITH: Entry(ONLY_WITH, owner="someone", links={WITH_CONTEXT: ACTIVE_LINK}),
        ONLY_WITHOUT: Entry(ONLY_WITHOUT, owner="someone", links={NO_CONTEXT: ACTIVE_LINK, NO_CONTEXT_2: 2}),
        MIXED: Entry(MIXED, owner="someone", links={WITH_CONTEXT: ACTIVE_LINK, NO_CONTEXT: ACTIVE_LINK}),
    }
    return world


def listed(client: TestClient, session: str, **filter_fields: Any) -> set[str]:
    result = call(
        client,
        "media",
        "list",
        ks=session,
        filter={"objectType": "KalturaMediaEntryFilter", **filter_fields},
        pager={"objectType": "KalturaFilterPager", "pageSize": 500},
    )
    assert error_code(result) is None, result
    ids = {o["id"] for o in result["objects"]}
    assert result["totalCount"] == len(ids)
    count = call(client, "media", "count", ks=session, filter={"objectType": "KalturaMediaEntryFilter"})
    if not filter_fields:
        assert count == len(ids)
    return ids


COLUMNS = {
    "no entitlement privileges": "list:*",
    "disableentitlement": "list:*,disableentitlement",
    "matching privacycontext": "list:*,privacycontext:MediaSpace",
}
# The KB table, row by row: (entry's categories, partner default enforcement) → the columns that return it.
# "any" rows are checked with both defaults; with the default off they describe an enforced session, so
# there the session asks for enforcement itself (``enableentitlement``), as applications do.
KB_MATRIX = [
    (ONLY_WITH, "ON", {"disableentitlement", "matching privacycontext"}),
    (ONLY_WITH, "OFF", {"no entitlement privileges", "disableentitlement", "matching privacycontext"}),
    (ONLY_WITHOUT, "any", {"no entitlement privileges", "disableentitlement"}),
    (MIXED, "any", {"no entitlement privileges", "disableentitlement", "matching privacycontext"}),
]
CASES = [
    pytest.param(entry, default, returned, id=f"{entry}-{label}-default-{'on' if default else 'off'}")
    for entry, label, returned in KB_MATRIX
    for default in ([True, False] if label == "any" else [label == "ON"])
]


@pytest.mark.parametrize(("entry", "default", "returned"), CASES)
def test_kb_matrix(
    client: TestClient,
    services: Services,
    partner: PartnerInfo,
    entry: str,
    default: bool,
    returned: set[str],
) -> None:
    configure(services, partner, default=default)
    build(services, matrix_world(partner.id))
    any_row = entry in (ONLY_WITHOUT, MIXED)
    for column, privileges in COLUMNS.items():
        asks_enforcement = any_row and not default and column != "disableentitlement"
        session = privileges + (",enableentitlement" if asks_enforcement else "")
        got = listed(client, ks(partner, session))
        assert (entry in got) == (column in returned), (column, session)


def test_without_the_feature_nothing_is_enforced(
    client: TestClient, services: Services, partner: PartnerInfo
) -> None:
    configure(services, partner, feature=False, default=True)
    build(services, matrix_world(partner.id))
    assert listed(client, ks(partner, "list:*,enableentitlement,privacycontext:Other")) == {
        ONLY_WITH,
        ONLY_WITHOUT,
        MIXED,
    }


def test_enable_wins_over_disable(client: TestClient, services: Services, partner: PartnerInfo) -> None:
    configure(services, partner, default=False)
    build(services, matrix_world(partner.id))
    assert listed(client, ks(partner, "list:*,disableentitlement,enableentitlement")) == {ONLY_WITHOUT, MIXED}


def test_get_follows_the_single_entry_rule(
    client: TestClient, services: Services, partner: PartnerInfo
) -> None:
    configure(services, partner, default=True)
    world = matrix_world(partner.id)
    world.entries["0_public00"] = Entry("0_public00", owner="someone")
    build(services, world)
    plain, app = ks(partner, "sview:*"), ks(partner, "sview:*,privacycontext:MediaSpace")
    assert error_code(call(client, "media", "get", ks=plain, entryId=ONLY_WITH)) == "ENTRY_ID_NOT_FOUND"
    assert call(client, "baseEntry", "get", ks=app, entryId=ONLY_WITH)["id"] == ONLY_WITH
    assert error_code(call(client, "media", "get", ks=app, entryId=ONLY_WITHOUT)) == "ENTRY_ID_NOT_FOUND"
    # An entry in no category is public to get (step 8), though an application's list does not show it.
    assert call(client, "media", "get", ks=app, entryId="0_public00")["id"] == "0_public00"
    assert "0_public00" not in listed(client, ks(partner, "list:*,privacycontext:MediaSpace"))
    found = call(client, "baseEntry", "getByIds", ks=plain, entryIds=f"{ONLY_WITH},{ONLY_WITHOUT},{MIXED}")
    assert [e["id"] for e in found] == [ONLY_WITHOUT, MIXED]
    opened = ks(partner, f"sview:*,disableentitlementforentry:{ONLY_WITH}")
    assert call(client, "media", "get", ks=opened, entryId=ONLY_WITH)["id"] == ONLY_WITH
    # Update and delete see only what get sees.
    admin_enforced = encode_v2(
        partner.admin_secret,
        partner_id=partner.id,
        valid_until=int(time.time()) + 600,
        type=2,
        user_id="admin",
    )
    assert (
        error_code(
            call(
                client,
                "media",
                "update",
                ks=admin_enforced,
                entryId=ONLY_WITH,
                mediaEntry={"objectType": "KalturaMediaEntry", "name": "x"},
            )
        )
        == "ENTRY_ID_NOT_FOUND"
    )
    assert (
        error_code(call(client, "media", "delete", ks=admin_enforced, entryId=ONLY_WITH))
        == "ENTRY_ID_NOT_FOUND"
    )


def members_world(partner_id: int) -> World:
    world = World(partner_id)
    root = Cat(1, None, contexts=("MediaSpace",), privacy=MEMBERS_ONLY)
    channel = Cat(2, root, privacy=MEMBERS_ONLY, members={"ann": (3, 1), "staff": (3, 1), "nobody": (4, 1)})
    inherits = Cat(3, channel, privacy=MEMBERS_ONLY, inherit=True)
    world.cats = {1: root, 2: channel, 3: inherits}
    world.groups = {"bob": {"staff"}, "cy": set(), "nobody": set()}
    world.entries = {
        "0_channel0": Entry("0_channel0", owner="x", links={2: ACTIVE_LINK}),
        "0_inherit0": Entry("0_inherit0", owner="x", links={3: ACTIVE_LINK}),
        "0_rootonly": Entry("0_rootonly", owner="x", links={1: ACTIVE_LINK}),
        "0_owned000": Entry("0_owned000", owner="cy", links={1: ACTIVE_LINK}),
        "0_sharedcy": Entry("0_sharedcy", owner="x", links={1: ACTIVE_LINK}, entitled={"view": ("cy",)}),
    }
    return world


@pytest.mark.parametrize(
    ("user", "expected"),
    [
        ("ann", {"0_channel0", "0_inherit0"}),  # a member, and INHERIT takes the parent's members
        ("bob", {"0_channel0", "0_inherit0"}),  # through the group "staff"
        ("cy", {"0_owned000", "0_sharedcy"}),  # owner, and entitledUsersView
        ("nobody", set()),  # permission level NONE does not entitle
    ],
)
def test_members_groups_inherit_owner_and_entitled_users(
    client: TestClient, services: Services, partner: PartnerInfo, user: str, expected: set[str]
) -> None:
    configure(services, partner, default=True)
    build(services, members_world(partner.id))
    assert listed(client, ks(partner, "list:*,privacycontext:MediaSpace", user=user)) == expected


def test_entitled_users_are_set_through_the_api(
    client: TestClient, services: Services, partner: PartnerInfo
) -> None:
    configure(services, partner, default=True)
    build(services, members_world(partner.id))
    admin = encode_v2(
        partner.admin_secret,
        partner_id=partner.id,
        valid_until=int(time.time()) + 600,
        type=2,
        user_id="admin",
        privileges="disableentitlement",
    )
    updated = call(
        client,
        "media",
        "update",
        ks=admin,
        entryId="0_rootonly",
        mediaEntry={"objectType": "KalturaMediaEntry", "entitledUsersPublish": "dora, eve"},
    )
    assert updated["entitledUsersPublish"] == "dora,eve", updated
    assert listed(client, ks(partner, "list:*,privacycontext:MediaSpace", user="eve")) == {"0_rootonly"}
    # Only the owner or an admin session may change them.
    refused = call(
        client,
        "media",
        "update",
        ks=ks(partner, "edit:*,disableentitlement", user="eve"),
        entryId="0_rootonly",
        mediaEntry={"objectType": "KalturaMediaEntry", "entitledUsersView": "eve"},
    )
    assert error_code(refused) == "PERMISSION_DENIED_TO_UPDATE_ENTRY"


@pytest.mark.parametrize(
    ("user", "privileges", "expected"),
    [
        ("cy", "privacycontext:MediaSpace", {"0_owned000", "0_sharedcy"}),
        ("ann", "privacycontext:MediaSpace", {"0_channel0", "0_inherit0"}),
        ("nobody", "privacycontext:MediaSpace", set()),
        (
            "nobody",
            "disableentitlement",
            {"0_channel0", "0_inherit0", "0_rootonly", "0_owned000", "0_sharedcy"},
        ),
    ],
)
def test_category_entry_links_show_only_entitled_entries(
    client: TestClient,
    services: Services,
    partner: PartnerInfo,
    user: str,
    privileges: str,
    expected: set[str],
) -> None:
    """A link names its entry: under enforcement categoryEntry.list must not reveal entries the viewer
    could not get."""
    configure(services, partner, default=True)
    build(services, members_world(partner.id))
    result = call(
        client,
        "categoryEntry",
        "list",
        ks=ks(partner, privileges, user=user),
        filter={"objectType": "KalturaCategoryEntryFilter", "categoryIdIn": "1,2,3"},
    )
    assert error_code(result) is None, result
    assert {link["entryId"] for link in result["objects"]} == expected
    assert result["totalCount"] == len(result["objects"])
