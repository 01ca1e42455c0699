"""The ``category`` service: tree fields on add/rename/move, validation and error codes, filters, delete."""

from __future__ import annotations

from functools import partial

import pytest
from sqlalchemy import select
from starlette.testclient import TestClient

from keyframe.categories import service
from keyframe.categories.models import Category, CategoryAncestor
from keyframe.kapi.errors import KalturaAPIException
from keyframe.services import Services
from tests.api.category_support import add, add_error, admin_ks, entitled_partner, get, listed, update
from tests.api.media_support import add_entry
from tests.conftest import PartnerInfo
from tests.helpers import at_once, call, error_code, start_session

__all__ = ["admin_ks", "entitled_partner"]


def closure(services: Services, category_id: int) -> set[int]:
    with services.db.transaction() as db:
        return set(
            db.scalars(
                select(CategoryAncestor.ancestor_id).where(CategoryAncestor.category_id == category_id)
            )
        )


def test_tree_fields_on_add_rename_and_move(client: TestClient, admin_ks: str, services: Services) -> None:
    root = add(client, admin_ks, name="Root")
    a = add(client, admin_ks, name="A", parentId=root["id"])
    b = add(client, admin_ks, name="B", parentId=a["id"])
    assert (b["fullName"], b["depth"], b["parentId"]) == ("Root>A>B", 2, a["id"])
    assert b["fullIds"] == f"{root['id']}>{a['id']}>{b['id']}"
    assert root["parentId"] == 0 and root["depth"] == 0
    assert get(client, admin_ks, root["id"])["directSubCategoriesCount"] == 1

    update(client, admin_ks, a["id"], name="Alpha")
    assert get(client, admin_ks, b["id"])["fullName"] == "Root>Alpha>B"

    other = add(client, admin_ks, name="Other")
    assert call(
        client, "category", "move", ks=admin_ks, categoryIds=str(a["id"]), targetCategoryParentId=other["id"]
    )
    moved = get(client, admin_ks, b["id"])
    assert (moved["fullName"], moved["depth"]) == ("Other>Alpha>B", 2)
    assert moved["fullIds"] == f"{other['id']}>{a['id']}>{b['id']}"
    assert closure(services, b["id"]) == {other["id"], a["id"], b["id"]}
    assert get(client, admin_ks, root["id"])["directSubCategoriesCount"] == 0

    # Moving to the top level through update(parentId=0), and refusing a move under one's own child.
    update(client, admin_ks, a["id"], parentId=0)
    assert get(client, admin_ks, b["id"])["fullName"] == "Alpha>B"
    assert closure(services, b["id"]) == {a["id"], b["id"]}
    assert error_code(update(client, admin_ks, a["id"], parentId=b["id"])) == "PARENT_CATEGORY_IS_CHILD"


@pytest.mark.parametrize(
    ("fields", "code"),
    [
        ({"name": ""}, "PROPERTY_VALIDATION_MIN_LENGTH"),
        ({"name": "x" * 129}, "PROPERTY_VALIDATION_MAX_LENGTH"),
        ({"name": "a>b"}, "CATEGORY_NAME_CONTAINS_INVALID_CHARS"),
        ({"name": "a,b"}, "CATEGORY_NAME_CONTAINS_INVALID_CHARS"),
        ({"name": "a<b"}, "CATEGORY_NAME_CONTAINS_INVALID_CHARS"),
        ({"name": "n", "parentId": 999999}, "PARENT_CATEGORY_NOT_FOUND"),
        ({"name": "n", "inheritanceType": 1}, "CANNOT_INHERIT_MEMBERS_WHEN_PARENT_CATEGORY_IS_NOT_SET"),
        ({"name": "n", "appearInList": 3}, "CANNOT_SET_APPEAR_IN_LIST_FIELD_WITH_NO_PRIVACY_CONTEXT"),
        ({"name": "n", "privacy": 3}, "CANNOT_SET_PRIVACY_FIELD_WITH_NO_PRIVACY_CONTEXT"),
        ({"name": "n", "owner": "bob"}, "CANNOT_SET_OWNER_FIELD_WITH_NO_PRIVACY_CONTEXT"),
        (
            {"name": "n", "contributionPolicy": 2},
            "CANNOT_SET_CONTIRUBUTION_POLICY_FIELD_WITH_NO_PRIVACY_CONTEXT",
        ),
        (
            {"name": "n", "defaultPermissionLevel": 2},
            "CANNOT_SET_DEFAULT_PERMISSION_LEVEL_FIELD_WITH_NO_PRIVACY_CONTEXT",
        ),
        ({"name": "n", "privacyContext": "abc"}, "PRIVACY_CONTEXT_INVALID_STRING"),
        ({"name": "n", "privacyContext": "Media Space"}, "PRIVACY_CONTEXT_INVALID_STRING"),
        (
            {"name": "n", "privacyContext": "MediaSpace", "owner": "bad user"},
            "CANNOT_SET_OWNER_FIELD_WITH_USER_ID",
        ),
    ],
)
def test_add_validation(client: TestClient, admin_ks: str, fields: dict[str, object], code: str) -> None:
    assert add_error(client, admin_ks, **fields) == code


def test_no_context_rules_apply_to_the_service_only_fields(
    services: Services, entitled_partner: PartnerInfo
) -> None:
    """userJoinPolicy is checked the same way (it is read-only on the wire, set by service callers)."""
    from keyframe.categories import service
    from keyframe.kapi.errors import KalturaAPIException

    caller = service.Caller(user_id="", enforced=False)
    with services.db.transaction() as db:
        for changes, code in (
            (
                service.Changes(name="x", user_join_policy=1),
                "CANNOT_SET_USER_JOIN_POLICY_FIELD_WITH_NO_PRIVACY_CONTEXT",
            ),
            (
                service.Changes(name="y", inheritance_type=1, parent_id=0),
                "CANNOT_INHERIT_MEMBERS_WHEN_PARENT_CATEGORY_IS_NOT_SET",
            ),
        ):
            with pytest.raises(KalturaAPIException) as info:
                service.add(db, entitled_partner.id, changes, caller)
            assert info.value.code == code


def test_inherit_rules_and_duplicates(
    client: TestClient, admin_ks: str, entitled_partner: PartnerInfo
) -> None:
    root = add(client, admin_ks, name="Site", privacyContext="MediaSpace")
    assert (
        root["owner"] == entitled_partner.admin_email.lower()
    )  # the creator owns a category of an entitled branch
    assert root["privacyContexts"] == "MediaSpace"
    child = add(client, admin_ks, name="Channel", parentId=root["id"], inheritanceType=1)
    assert child["privacyContexts"] == "MediaSpace" and child["inheritedParentId"] == root["id"]
    assert child["owner"] == ""
    assert (
        error_code(update(client, admin_ks, child["id"], owner="carol"))
        == "CANNOT_SET_OWNER_WHEN_CATEGORY_INHERIT_MEMBERS"
    )
    assert (
        error_code(update(client, admin_ks, child["id"], defaultPermissionLevel=1))
        == "CANNOT_SET_DEFAULT_PERMISSION_LEVEL_WHEN_CATEGORY_INHERIT_MEMBERS"
    )
    assert add_error(client, admin_ks, name="Channel", parentId=root["id"]) == "DUPLICATE_CATEGORY"
    # Back to MANUAL: its own members apply again.
    manual = update(client, admin_ks, child["id"], inheritanceType=2)
    assert manual["inheritedParentId"] == child["id"]


def test_privacy_context_needs_the_permission_and_no_enforcement(
    client: TestClient, admin_ks: str, services: Services, entitled_partner: PartnerInfo, partner: PartnerInfo
) -> None:
    root = add(client, admin_ks, name="Root")
    enforced = start_session(
        client, partner.id, partner.admin_secret, user="admin", privileges="enableentitlement"
    )
    assert error_code(update(client, enforced, root["id"], privacyContext="MediaSpace")) in (
        "CANNOT_UPDATE_CATEGORY_PRIVACY_CONTEXT",
        "NOT_ENTITLED_TO_UPDATE_CATEGORY",
    )
    with services.db.transaction() as db:
        from keyframe.roles import service as roles

        roles.set_features(db, partner.id, ["FEATURE_DISABLE_CATEGORY_LIMIT"], [])
    assert (
        error_code(update(client, admin_ks, root["id"], privacyContext="AppOne,AppTwo"))
        == "CANNOT_SET_MULTI_PRIVACY_CONTEXT"
    )
    with services.db.transaction() as db:
        roles.set_features(db, partner.id, [], ["FEATURE_ENTITLEMENT"])
    assert (
        error_code(update(client, admin_ks, root["id"], privacyContext="AppOne"))
        == "PROPERTY_VALIDATION_NO_UPDATE_PERMISSION"
    )


def test_filters(client: TestClient, admin_ks: str) -> None:
    root = add(client, admin_ks, name="Galleries", privacyContext="MediaSpace", referenceId="ref-g")
    a = add(client, admin_ks, name="Art", parentId=root["id"], description="paintings")
    b = add(client, admin_ks, name="Books", parentId=a["id"])
    plain = add(client, admin_ks, name="Plain")
    ids = {root["id"], a["id"], b["id"], plain["id"]}
    assert set(listed(client, admin_ks)) == ids
    assert listed(client, admin_ks, privacyContextEqual="*") == [root["id"]]
    assert listed(client, admin_ks, privacyContextEqual="MediaSpace") == [root["id"]]
    assert sorted(listed(client, admin_ks, privacyContextsContains="MediaSpace")) == sorted(
        [root["id"], a["id"], b["id"]]
    )
    assert listed(client, admin_ks, fullNameStartsWith="Galleries>Art") == [a["id"], b["id"]]
    assert listed(client, admin_ks, fullNameEqual="Galleries>Art>Books") == [b["id"]]
    assert listed(client, admin_ks, fullIdsStartsWith=f"{root['id']}>") == [a["id"], b["id"]]
    assert sorted(listed(client, admin_ks, ancestorIdIn=str(root["id"]))) == sorted([a["id"], b["id"]])
    assert listed(client, admin_ks, parentIdEqual=0, orderBy="-name") == [plain["id"], root["id"]]
    assert listed(client, admin_ks, depthEqual=2) == [b["id"]]
    assert listed(client, admin_ks, freeText="paintings") == [a["id"]]
    assert listed(client, admin_ks, nameOrReferenceIdStartsWith="ref-") == [root["id"]]
    assert listed(client, admin_ks, referenceIdEqual="ref-g") == [root["id"]]
    owner = root["owner"]
    assert listed(client, admin_ks, managerEqual=owner) == [root["id"], a["id"], b["id"]]
    assert listed(client, admin_ks, memberEqual=owner) == [root["id"], a["id"], b["id"]]


def test_delete_moves_or_drops_entries(client: TestClient, admin_ks: str) -> None:
    parent = add(client, admin_ks, name="Parent")
    child = add(client, admin_ks, name="Child", parentId=parent["id"])
    grandchild = add(client, admin_ks, name="Grand", parentId=child["id"])
    kept = add_entry(client, admin_ks, name="kept", categoriesIds=str(grandchild["id"]))
    assert get(client, admin_ks, parent["id"])["entriesCount"] == 1
    assert call(client, "category", "delete", ks=admin_ks, id=child["id"]) is None
    assert (
        error_code(call(client, "category", "get", ks=admin_ks, id=grandchild["id"])) == "CATEGORY_NOT_FOUND"
    )
    entry = call(client, "media", "get", ks=admin_ks, entryId=kept["id"])
    assert entry["categoriesIds"] == str(parent["id"])
    parent_now = get(client, admin_ks, parent["id"])
    assert (
        parent_now["directEntriesCount"],
        parent_now["entriesCount"],
        parent_now["directSubCategoriesCount"],
    ) == (1, 1, 0)

    other = add(client, admin_ks, name="Other", parentId=parent["id"])
    dropped = add_entry(client, admin_ks, name="dropped", categoriesIds=str(other["id"]))
    call(client, "category", "delete", ks=admin_ks, id=other["id"], moveEntriesToParentCategory=0)
    assert call(client, "media", "get", ks=admin_ks, entryId=dropped["id"]).get("categoriesIds", "") == ""


def test_entry_filters_use_the_closure(client: TestClient, admin_ks: str) -> None:
    root = add(client, admin_ks, name="Root")
    leaf = add(client, admin_ks, name="Leaf", parentId=root["id"])
    entry = add_entry(client, admin_ks, name="e", categoriesIds=str(leaf["id"]))
    result = call(
        client,
        "baseEntry",
        "list",
        ks=admin_ks,
        filter={
            "objectType": "KalturaBaseEntryFilter",
            "categoryAncestorIdIn": str(root["id"]),
            "statusIn": "7",
        },
    )
    assert [o["id"] for o in result["objects"]] == [entry["id"]]


def test_max_depth_on_add_and_move(client: TestClient, admin_ks: str) -> None:
    """Upstream's limit: depths 0..7 (MAX_CATEGORY_DEPTH_REACHED), on add and on a move of a subtree."""
    parent = 0
    for level in range(8):
        parent = add(client, admin_ks, name=f"L{level}", parentId=parent)["id"]
    assert get(client, admin_ks, parent)["depth"] == 7
    assert add_error(client, admin_ks, name="too deep", parentId=parent) == "MAX_CATEGORY_DEPTH_REACHED"
    top = add(client, admin_ks, name="Top")
    add(client, admin_ks, name="Child", parentId=top["id"])
    six = listed(client, admin_ks, depthEqual=6)[0]
    moved = call(
        client, "category", "move", ks=admin_ks, categoryIds=str(top["id"]), targetCategoryParentId=six
    )
    assert error_code(moved) == "MAX_CATEGORY_DEPTH_REACHED"  # Child would be at depth 8
    assert error_code(update(client, admin_ks, top["id"], parentId=six)) == "MAX_CATEGORY_DEPTH_REACHED"
    five = listed(client, admin_ks, depthEqual=5)[0]
    assert update(client, admin_ks, top["id"], parentId=five)["depth"] == 6


def manager_role_session(client: TestClient, services: Services, partner: PartnerInfo, user: str) -> str:
    """An ADMIN session (as KMC's) of a user holding the default Manager role: it may edit categories
    (CONTENT_MANAGE_EDIT_CATEGORIES) but not their entitlement settings (CONTENT_MANAGE_CATEGORY_USERS)."""
    from keyframe.roles.models import UserRole
    from keyframe.users.models import User

    with services.db.transaction() as db:
        role = db.scalar(
            select(UserRole.id).where(UserRole.partner_id == partner.id, UserRole.name == "Manager")
        )
        db.add(User(partner_id=partner.id, user_id=user, role_ids=str(role)))
    return start_session(client, partner.id, partner.admin_secret, user=user, privileges="disableentitlement")


def test_changing_the_owner_needs_a_manager_or_the_entitlement_permission(
    client: TestClient, admin_ks: str, services: Services, entitled_partner: PartnerInfo
) -> None:
    site = add(client, admin_ks, name="Site", privacyContext="MediaSpace", owner="olga")
    editor_ks = manager_role_session(client, services, entitled_partner, "max")

    # An editor of categories may not make itself (or anyone) the owner: that would make it a MANAGER.
    refused = update(client, editor_ks, site["id"], owner="max")
    assert error_code(refused) == "PROPERTY_VALIDATION_NO_UPDATE_PERMISSION"
    assert '"owner"' in refused["message"]
    assert error_code(update(client, editor_ks, site["id"], owner__null="")) == (
        "PROPERTY_VALIDATION_NO_UPDATE_PERMISSION"
    )
    assert get(client, admin_ks, site["id"])["owner"] == "olga"
    members = call(
        client,
        "categoryUser",
        "list",
        ks=admin_ks,
        filter={"objectType": "KalturaCategoryUserFilter", "categoryIdEqual": site["id"]},
    )
    assert [m["userId"] for m in members["objects"]] == ["olga"]
    # Other fields, and sending the owner unchanged (as a client that read the category does), are fine.
    assert update(client, editor_ks, site["id"], description="d", owner="olga")["description"] == "d"

    # A manager of the category may hand it over; so may the Publisher Administrator.
    call(
        client,
        "categoryUser",
        "add",
        ks=admin_ks,
        categoryUser={
            "objectType": "KalturaCategoryUser",
            "categoryId": site["id"],
            "userId": "max",
            "permissionLevel": 0,
        },
    )
    assert update(client, editor_ks, site["id"], owner="max")["owner"] == "max"
    assert update(client, admin_ks, site["id"], owner="olga")["owner"] == "olga"


def test_two_adds_of_one_name_at_once_make_one_category(services: Services, partner: PartnerInfo) -> None:
    """Names are unique per partner even when two calls check them at the same instant (PostgreSQL runs
    them concurrently): one call creates the category, the other gets DUPLICATE_CATEGORY."""

    def add_named(name: str) -> int:
        with services.db.transaction() as db:
            made = service.add(db, partner.id, service.Changes(name=name), service.Caller("", enforced=False))
            return made.category.id

    for round_ in range(5):
        results = at_once(*(partial(add_named, f"Twin {round_}") for _ in range(2)))
        made = [r for r in results if isinstance(r, int)]
        refused = [r for r in results if isinstance(r, KalturaAPIException)]
        assert len(made) == 1 and len(refused) == 1, results
        assert refused[0].code == "DUPLICATE_CATEGORY"
    with services.db.transaction() as db:
        names = list(db.scalars(select(Category.full_name).where(Category.partner_id == partner.id)))
    assert sorted(names) == [f"Twin {n}" for n in range(5)]
