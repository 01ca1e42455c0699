"""``categoryUser`` and ``groupUser``: levels, join policies, inheritance, groups, owner; ``categoryEntry``
with moderation; and the propagation job (idempotent, resumable)."""

from __future__ import annotations

import pytest
from sqlalchemy import select, update
from starlette.testclient import TestClient

from keyframe.categories import service, tasks
from keyframe.categories.models import Category, UserJoinPolicy
from keyframe.services import Services
from tests.api.category_support import add, admin_ks, entitled_partner, get, listed
from tests.api.category_support import update as update_category
from tests.api.media_support import add_entry
from tests.conftest import PartnerInfo
from tests.helpers import call, error_code, start_session

__all__ = ["admin_ks", "entitled_partner"]


def member(client: TestClient, ks: str, category_id: int, user_id: str, **fields: object) -> dict:  # type: ignore[type-arg]
    return call(  # type: ignore[no-any-return]
        client,
        "categoryUser",
        "add",
        ks=ks,
        categoryUser={
            "objectType": "KalturaCategoryUser",
            "categoryId": category_id,
            "userId": user_id,
            **fields,
        },
    )


def set_join_policy(services: Services, category_id: int, policy: int) -> None:
    with services.db.transaction() as db:
        db.execute(update(Category).where(Category.id == category_id).values(user_join_policy=policy))


def test_members_levels_join_policies_and_inheritance(
    client: TestClient, admin_ks: str, services: Services, entitled_partner: PartnerInfo
) -> None:
    p = entitled_partner
    site = add(client, admin_ks, name="Site", privacyContext="MediaSpace", owner="olga")
    owner_row = call(client, "categoryUser", "get", ks=admin_ks, categoryId=site["id"], userId="olga")
    assert (owner_row["permissionLevel"], owner_row["status"]) == (0, 1)
    assert owner_row["permissionNames"] == "CATEGORY_EDIT,CATEGORY_MODERATE,CATEGORY_CONTRIBUTE,CATEGORY_VIEW"
    assert error_code(
        call(client, "categoryUser", "delete", ks=admin_ks, categoryId=site["id"], userId="olga")
    ) == ("CANNOT_UPDATE_CATEGORY_USER_OWNER")

    added = member(client, admin_ks, site["id"], "mia", permissionLevel=2)
    assert (added["permissionLevel"], added["status"], added["permissionNames"]) == (
        2,
        1,
        "CATEGORY_CONTRIBUTE,CATEGORY_VIEW",
    )
    assert error_code(member(client, admin_ks, site["id"], "mia")) == "CATEGORY_USER_ALREADY_EXISTS"
    updated = call(
        client,
        "categoryUser",
        "update",
        ks=admin_ks,
        categoryId=site["id"],
        userId="mia",
        categoryUser={"objectType": "KalturaCategoryUser", "permissionLevel": 1},
    )
    assert updated["permissionNames"] == "CATEGORY_MODERATE,CATEGORY_VIEW"
    assert get(client, admin_ks, site["id"])["membersCount"] == 2

    # A user session joins by the join policy, and only itself.
    user_ks = start_session(client, p.id, p.secret, type=0, user="ulla")
    assert error_code(member(client, user_ks, site["id"], "ulla")) == "CATEGORY_USER_JOIN_NOT_ALLOWED"
    set_join_policy(services, site["id"], UserJoinPolicy.REQUEST_TO_JOIN)
    assert error_code(member(client, user_ks, site["id"], "zed")) == "CATEGORY_USER_JOIN_NOT_ALLOWED"
    pending = member(client, user_ks, site["id"], "ulla", permissionLevel=0)
    assert (pending["status"], pending["permissionLevel"]) == (2, 3)  # PENDING with the default level
    assert get(client, admin_ks, site["id"])["pendingMembersCount"] == 1
    assert (
        error_code(call(client, "categoryUser", "activate", ks=user_ks, categoryId=site["id"], userId="ulla"))
        == "CANNOT_UPDATE_CATEGORY_USER"
    )
    assert (
        call(client, "categoryUser", "activate", ks=admin_ks, categoryId=site["id"], userId="ulla")["status"]
        == 1
    )

    # INHERIT: members come from the MANUAL ancestor; adding directly is refused.
    channel = add(client, admin_ks, name="Channel", parentId=site["id"], inheritanceType=1)
    assert error_code(member(client, admin_ks, channel["id"], "nik")) == "CATEGORY_INHERIT_MEMBERS"
    assert get(client, admin_ks, channel["id"])["membersCount"] == 3
    inherited = call(
        client,
        "categoryUser",
        "list",
        ks=admin_ks,
        filter={"objectType": "KalturaCategoryUserFilter", "categoryIdEqual": channel["id"]},
    )
    assert sorted(o["userId"] for o in inherited["objects"]) == ["mia", "olga", "ulla"]
    assert error_code(call(client, "categoryUser", "list", ks=admin_ks)) == "MUST_FILTER_USERS_OR_CATEGORY"
    assert channel["id"] in listed(client, admin_ks, memberEqual="mia")

    # Groups: a user is a member through its group.
    group = call(
        client, "user", "add", ks=admin_ks, user={"objectType": "KalturaUser", "id": "editors", "type": 1}
    )
    assert group["type"] == 1
    call(client, "user", "add", ks=admin_ks, user={"objectType": "KalturaUser", "id": "gus"})
    gu = call(
        client,
        "groupUser",
        "add",
        ks=admin_ks,
        groupUser={"objectType": "KalturaGroupUser", "userId": "gus", "groupId": "editors"},
    )
    assert gu["groupId"] == "editors"
    member(client, admin_ks, site["id"], "editors", permissionLevel=0)
    assert listed(client, admin_ks, managerEqual="gus") == [site["id"], channel["id"]]
    with services.db.transaction() as db:
        found = service.find(db, p.id, channel["id"])
        assert found is not None and service.membership(db, found, "gus") is not None


def test_category_entries_with_moderation_and_contribution(
    client: TestClient, admin_ks: str, services: Services, entitled_partner: PartnerInfo
) -> None:
    p = entitled_partner
    moderated = add(
        client, admin_ks, name="Mod", privacyContext="MediaSpace", moderation=1, contributionPolicy=2
    )
    member(client, admin_ks, moderated["id"], "carl", permissionLevel=2)
    user_ks = start_session(client, p.id, p.secret, type=0, user="carl")
    entry = add_entry(client, user_ks, name="mine")
    link = call(
        client,
        "categoryEntry",
        "add",
        ks=user_ks,
        categoryEntry={
            "objectType": "KalturaCategoryEntry",
            "categoryId": moderated["id"],
            "entryId": entry["id"],
        },
    )
    assert link["status"] == 1  # PENDING: a contributor is not a moderator
    assert get(client, admin_ks, moderated["id"])["pendingEntriesCount"] == 1
    assert error_code(
        call(client, "categoryEntry", "activate", ks=user_ks, entryId=entry["id"], categoryId=moderated["id"])
    ) == ("CANNOT_ACTIVATE_CATEGORY_ENTRY")
    call(client, "categoryEntry", "activate", ks=admin_ks, entryId=entry["id"], categoryId=moderated["id"])
    assert get(client, admin_ks, moderated["id"])["entriesCount"] == 1
    outsider_ks = start_session(client, p.id, p.secret, type=0, user="otto")
    own = add_entry(client, outsider_ks, name="theirs")
    refused = call(
        client,
        "categoryEntry",
        "add",
        ks=outsider_ks,
        categoryEntry={
            "objectType": "KalturaCategoryEntry",
            "categoryId": moderated["id"],
            "entryId": own["id"],
        },
    )
    assert error_code(refused) == "CANNOT_ASSIGN_ENTRY_TO_CATEGORY"
    listed_links = call(
        client,
        "categoryEntry",
        "list",
        ks=admin_ks,
        filter={"objectType": "KalturaCategoryEntryFilter", "categoryIdEqual": moderated["id"]},
    )
    assert [o["entryId"] for o in listed_links["objects"]] == [entry["id"]]
    call(client, "categoryEntry", "delete", ks=user_ks, entryId=entry["id"], categoryId=moderated["id"])
    assert get(client, admin_ks, moderated["id"])["entriesCount"] == 0


class _Run:
    """Enough of a JobRun to drive the handler directly: steps recorded in memory, one may crash."""

    def __init__(self, services: Services, subject: int, crash_after: int | None = None) -> None:
        self.services, self.subject_id, self.crash_after = services, str(subject), crash_after
        self.steps: dict[str, object] = {}
        self.calls = 0

    def check(self) -> None:
        pass

    def progress(self, fraction: float, note: str = "") -> None:
        pass

    def step(self, name: str, fn):  # type: ignore[no-untyped-def]
        if name in self.steps:
            return self.steps[name]
        if self.crash_after is not None and self.calls >= self.crash_after:
            raise RuntimeError("killed")
        self.calls += 1
        with self.services.db.transaction() as db:
            result = fn(db)
        self.steps[name] = result
        return result


def test_propagation_is_resumable_and_idempotent(
    client: TestClient, admin_ks: str, services: Services, entitled_partner: PartnerInfo
) -> None:
    root = add(client, admin_ks, name="Root")
    children = [add(client, admin_ks, name=f"c{i}", parentId=root["id"]) for i in range(5)]
    leaf = add(client, admin_ks, name="leaf", parentId=children[0]["id"])
    update_category(client, admin_ks, root["id"], privacyContext="MediaSpace")
    # Reads are right before the job ran: effective labels come through the closure.
    assert root["id"] in listed(client, admin_ks, privacyContextsContains="MediaSpace")
    assert leaf["id"] in listed(client, admin_ks, privacyContextsContains="MediaSpace")

    run = _Run(services, root["id"], crash_after=2)
    with pytest.raises(RuntimeError):  # killed half-way
        tasks.propagate(run, chunk_size=2)  # type: ignore[arg-type]
    with services.db.transaction() as db:
        done = [
            c for c in db.scalars(select(Category.privacy_contexts).where(Category.parent_id == root["id"]))
        ]
    assert 0 < done.count("MediaSpace") < 5  # half-way
    run.crash_after = None
    tasks.propagate(run, chunk_size=2)  # type: ignore[arg-type]
    tasks.propagate(_Run(services, root["id"]), chunk_size=2)  # type: ignore[arg-type]  # again: no change
    assert get(client, admin_ks, leaf["id"])["privacyContexts"] == "MediaSpace"

    # Removing the label resets the branch to the defaults and removes members.
    update_category(client, admin_ks, children[1]["id"], privacy=3, owner="olga")
    update_category(client, admin_ks, root["id"], privacyContext="")
    tasks.propagate(_Run(services, root["id"]), chunk_size=2)  # type: ignore[arg-type]
    reset = get(client, admin_ks, children[1]["id"])
    assert (reset["privacy"], reset["owner"], reset["privacyContexts"], reset["membersCount"]) == (
        1,
        "",
        "",
        0,
    )


def test_propagation_is_scheduled_as_a_job(client: TestClient, admin_ks: str, services: Services) -> None:
    from keyframe.jobs.models import Job

    root = add(client, admin_ks, name="Root")
    update_category(client, admin_ks, root["id"], privacyContext="MediaSpace")
    with services.db.transaction() as db:
        job = db.scalar(select(Job).where(Job.kind == "categories.propagate_contexts"))
        assert job is not None and job.subject_id == str(root["id"])


def member_rows(client: TestClient, ks: str, **f: object) -> list[tuple[int, str]]:
    result = call(
        client, "categoryUser", "list", ks=ks, filter={"objectType": "KalturaCategoryUserFilter", **f}
    )
    assert result.get("objectType") == "KalturaCategoryUserListResponse", result
    assert result["totalCount"] == len(result.get("objects") or [])
    return sorted((o["categoryId"], o["userId"]) for o in result.get("objects") or [])


def test_a_user_session_reads_its_own_memberships_and_those_of_categories_it_manages(
    client: TestClient, admin_ks: str, entitled_partner: PartnerInfo
) -> None:
    p = entitled_partner
    site = add(client, admin_ks, name="Site", privacyContext="MediaSpace", owner="olga")["id"]
    other = add(client, admin_ks, name="Other", privacyContext="MediaSpace", owner="pat")["id"]
    call(client, "user", "add", ks=admin_ks, user={"objectType": "KalturaUser", "id": "editors", "type": 1})
    call(client, "user", "add", ks=admin_ks, user={"objectType": "KalturaUser", "id": "gus"})
    grouped = call(
        client,
        "groupUser",
        "add",
        ks=admin_ks,
        groupUser={"objectType": "KalturaGroupUser", "userId": "gus", "groupId": "editors"},
    )
    assert grouped["groupId"] == "editors"
    for category_id, user in ((site, "mia"), (site, "ulla"), (other, "mia"), (other, "editors")):
        member(client, admin_ks, category_id, user, permissionLevel=3)
    everyone = member_rows(client, admin_ks, categoryIdIn=f"{site},{other}")
    assert len(everyone) == 6  # an ADMIN session without enforcement sees every membership

    mia = start_session(client, p.id, p.secret, type=0, user="mia")
    assert member_rows(client, mia, categoryIdEqual=site) == [(site, "mia")]
    assert member_rows(client, mia, userIdIn="mia,ulla,olga") == [(site, "mia"), (other, "mia")]
    assert member_rows(client, mia, userIdEqual="ulla") == []
    assert call(client, "categoryUser", "get", ks=mia, categoryId=site, userId="mia")["userId"] == "mia"
    hidden = call(client, "categoryUser", "get", ks=mia, categoryId=site, userId="ulla")
    assert error_code(hidden) == "INVALID_CATEGORY_USER_ID"  # as for a membership that does not exist

    # A user's groups' memberships are its own; a manager (the owner) reads its category's members.
    gus = start_session(client, p.id, p.secret, type=0, user="gus")
    assert member_rows(client, gus, categoryIdIn=f"{site},{other}") == [(other, "editors")]
    olga = start_session(client, p.id, p.secret, type=0, user="olga")
    assert member_rows(client, olga, categoryIdIn=f"{site},{other}") == [
        (site, "mia"),
        (site, "olga"),
        (site, "ulla"),
    ]
    assert call(client, "categoryUser", "get", ks=olga, categoryId=site, userId="ulla")["userId"] == "ulla"

    # An ADMIN session under enforced entitlement is an entitled session: the same rule.
    enforced = start_session(client, p.id, p.admin_secret, user="mia", privileges="enableentitlement")
    assert member_rows(client, enforced, categoryIdEqual=site) == [(site, "mia")]
    nobody = start_session(client, p.id, p.secret, type=0)
    assert member_rows(client, nobody, categoryIdIn=f"{site},{other}") == []
