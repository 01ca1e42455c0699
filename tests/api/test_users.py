"""The ``user`` service: CRUD, list filters, login data, loginByLoginId and its throttling, who may read
or change whom."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import pytest
from argon2 import PasswordHasher
from sqlalchemy import select
from starlette.testclient import TestClient

from keyframe.audit.models import AuditEvent
from keyframe.partners import service as partner_service
from keyframe.partners.models import PartnerStatus
from keyframe.roles import service as role_service
from keyframe.roles.models import UserRole
from keyframe.services import Services
from keyframe.users import passwords
from keyframe.users import service as user_service
from keyframe.users.models import User
from tests.conftest import LiveServer, PartnerInfo, make_partner
from tests.helpers import call, error_code, start_session

PASSWORD = "a long enough password"


@pytest.fixture(autouse=True)
def fast_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    """Cheap argon2 parameters: the tests verify hundreds of passwords."""
    hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    monkeypatch.setattr(passwords, "_hasher", hasher)
    monkeypatch.setattr(passwords, "_DUMMY_HASH", hasher.hash("dummy"))


def admin_ks(client: TestClient, partner: PartnerInfo, **kwargs: Any) -> str:
    return start_session(client, partner.id, partner.admin_secret, **kwargs)


def add_user(client: TestClient, ks: str, user_id: str, **fields: Any) -> Any:
    return call(client, "user", "add", ks=ks, user={"objectType": "KalturaUser", "id": user_id, **fields})


def add_login_user(client: TestClient, ks: str, user_id: str, email: str, **fields: Any) -> Any:
    created = add_user(client, ks, user_id, email=email, password=PASSWORD, **fields)
    assert created.get("loginEnabled") is True, created
    return created


def login(client: TestClient, login_id: str, password: str = PASSWORD, **params: Any) -> Any:
    return call(client, "user", "loginByLoginId", loginId=login_id, password=password, **params)


def session_info(client: TestClient, ks: str) -> Any:
    info = call(client, "session", "get", ks=ks)
    assert info["objectType"] == "KalturaSessionInfo", info
    return info


def stored(services: Services, partner_id: int, user_id: str) -> User:
    with services.db.transaction() as db:
        user = db.scalar(select(User).where(User.partner_id == partner_id, User.user_id == user_id))
        assert user is not None
        return user


def events(services: Services, action_prefix: str = "user.") -> list[AuditEvent]:
    with services.db.transaction() as db:
        return list(
            db.scalars(
                select(AuditEvent).where(AuditEvent.action.like(f"{action_prefix}%")).order_by(AuditEvent.id)
            )
        )


def role_id(services: Services, partner_id: int, system_name: str) -> int:
    with services.db.transaction() as db:
        role = role_service.find_role(db, partner_id, system_name)
        assert role is not None
        return role.id


# --- add / get / update / delete -----------------------------------------------------------------


def test_add_and_get_round_trip(client: TestClient, partner: PartnerInfo) -> None:
    ks = admin_ks(client, partner)
    created = add_user(
        client,
        ks,
        "jane.doe",
        email="Jane@Example.com",
        firstName="Jane",
        lastName="Doe",
        description="editor",
        tags="a,b",
        partnerData="{}",
        externalId="ext-1",
        title="not stored",
    )
    assert created["objectType"] == "KalturaUser"
    assert (created["id"], created["partnerId"], created["status"]) == ("jane.doe", partner.id, 1)
    assert created["screenName"] == "jane.doe"  # defaults to the id
    assert created["fullName"] == "Jane Doe"
    assert created["email"] == "Jane@Example.com"
    assert (created["loginEnabled"], created["isAdmin"], created["isAccountOwner"]) == (False, False, False)
    assert created["externalId"] == "ext-1"
    assert created["createdAt"] > 0 and created["updatedAt"] >= created["createdAt"]
    assert "password" not in created and "title" not in created

    fetched = call(client, "user", "get", ks=ks, userId="jane.doe")
    assert fetched == created


def test_add_with_full_name_and_status(client: TestClient, partner: PartnerInfo) -> None:
    ks = admin_ks(client, partner)
    created = add_user(client, ks, "sam", fullName="Sam Van Dyke", status=0, screenName="Sammy")
    assert (created["firstName"], created["lastName"], created["fullName"]) == (
        "Sam",
        "Van Dyke",
        "Sam Van Dyke",
    )
    assert (created["status"], created["screenName"]) == (0, "Sammy")


@pytest.mark.parametrize(
    ("fields", "code"),
    [
        ({"id": "has space"}, "INVALID_FIELD_VALUE"),
        ({"id": "semi;colon"}, "INVALID_FIELD_VALUE"),
        ({"id": "x" * 257}, "PROPERTY_VALIDATION_MAX_LENGTH"),
        ({"id": "ok", "screenName": "s" * 257}, "PROPERTY_VALIDATION_MAX_LENGTH"),
        ({"id": "ok", "email": "ok@example.com", "password": "short"}, "PASSWORD_STRUCTURE_INVALID"),
        ({"id": "ok", "email": "not-an-email", "password": PASSWORD}, "INVALID_FIELD_VALUE"),
        ({"id": "ok", "email": "ok@example.com", "loginEnabled": True}, "PROPERTY_VALIDATION_CANNOT_BE_NULL"),
        ({"id": "ok", "type": 2}, "INVALID_FIELD_VALUE"),  # applicative groups: not supported
        ({"id": "ok", "status": 2}, "INVALID_FIELD_VALUE"),
        ({"id": "ok", "isAccountOwner": True}, "PROPERTY_VALIDATION_NO_INSERT_PERMISSION"),
        ({"id": "ok", "roleIds": "999999"}, "INVALID_OBJECT_ID"),
        ({"id": "ok", "roleIds": "abc"}, "INVALID_OBJECT_ID"),
        ({"id": "ok", "ksPrivileges": "setrole:NO_SUCH_ROLE"}, "UNKNOWN_ROLE_ID"),
        ({"id": "ok", "ksPrivileges": "actionslimit:0"}, "INVALID_ACTIONS_LIMIT"),
        ({"id": "ok", "status": 7}, "INVALID_ENUM_VALUE"),
    ],
)
def test_add_validation(client: TestClient, partner: PartnerInfo, fields: dict[str, Any], code: str) -> None:
    ks = admin_ks(client, partner)
    result = call(client, "user", "add", ks=ks, user={"objectType": "KalturaUser", **fields})
    assert error_code(result) == code, result


def test_add_without_id(client: TestClient, partner: PartnerInfo) -> None:
    ks = admin_ks(client, partner)
    result = call(client, "user", "add", ks=ks, user={"objectType": "KalturaUser", "email": "a@example.com"})
    assert error_code(result) == "PROPERTY_VALIDATION_CANNOT_BE_NULL"
    assert result["message"] == 'The property "id" cannot be null'


def test_duplicates(client: TestClient, partner: PartnerInfo, services: Services) -> None:
    ks = admin_ks(client, partner)
    add_login_user(client, ks, "first", "first@example.com")
    again = add_user(client, ks, "first")
    assert error_code(again) == "DUPLICATE_USER_BY_ID"
    assert again["message"] == "User with id [first] already exists in system"
    same_login = add_user(client, ks, "second", email="FIRST@example.com", password=PASSWORD)
    assert error_code(same_login) == "DUPLICATE_USER_BY_LOGIN_ID"
    assert same_login["message"] == "Loginable user with email [first@example.com] already exists in system"
    # Login ids are unique across the install; user ids only within a partner.
    other = make_partner(services, "Other")
    other_ks = admin_ks(client, other)
    assert error_code(add_user(client, other_ks, "x", email="first@example.com", password=PASSWORD)) == (
        "DUPLICATE_USER_BY_LOGIN_ID"
    )
    assert add_user(client, other_ks, "first")["id"] == "first"
    # The same e-mail without a login is fine.
    assert add_user(client, ks, "third", email="first@example.com")["loginEnabled"] is False


def test_get_unknown_user(client: TestClient, partner: PartnerInfo) -> None:
    ks = admin_ks(client, partner)
    result = call(client, "user", "get", ks=ks, userId="nobody")
    assert error_code(result) == "INVALID_USER_ID"
    assert result["message"] == "Invalid user id"


def test_get_without_id_is_the_session_user(client: TestClient, partner: PartnerInfo) -> None:
    ks = admin_ks(client, partner, user=partner.admin_email)
    me = call(client, "user", "get", ks=ks)
    assert me["id"] == partner.admin_email
    assert (me["isAdmin"], me["isAccountOwner"], me["loginEnabled"]) == (True, True, True)
    assert me["roleNames"] == "Publisher Administrator"
    anonymous = admin_ks(client, partner)
    assert error_code(call(client, "user", "get", ks=anonymous)) == "INVALID_USER_ID"


def test_update(client: TestClient, partner: PartnerInfo, services: Services) -> None:
    ks = admin_ks(client, partner)
    created = add_user(client, ks, "u1", firstName="Old", description="d", tags="t", externalId="e")
    with services.db.transaction() as db:
        db.execute(User.__table__.update().values(updated_at=User.updated_at - 10))
    updated = call(
        client,
        "user",
        "update",
        ks=ks,
        userId="u1",
        user={
            "objectType": "KalturaUser",
            "firstName": "New",
            "description__null": "",
            "screenName": "Newbie",
            "loginEnabled": False,  # insert-only, but unchanged
            "externalId": "e",  # insert-only, but unchanged
            "createdAt": 5,  # read-only: ignored
        },
    )
    assert (updated["firstName"], updated["description"], updated["tags"]) == ("New", "", "t")
    assert updated["screenName"] == "Newbie"
    assert updated["createdAt"] == created["createdAt"]
    assert updated["updatedAt"] > created["updatedAt"] - 10
    for field, value in (("password", PASSWORD), ("loginEnabled", True), ("externalId", "other")):
        refused = call(
            client, "user", "update", ks=ks, userId="u1", user={"objectType": "KalturaUser", field: value}
        )
        assert error_code(refused) == "PROPERTY_VALIDATION_NOT_UPDATABLE", field
    missing = call(client, "user", "update", ks=ks, userId="nobody", user={"objectType": "KalturaUser"})
    assert error_code(missing) == "INVALID_USER_ID"
    audit = [e for e in events(services) if e.action == "user.updated"]
    assert len(audit) == 1 and json.loads(audit[0].data)["changed"] == [
        "screenName",
        "firstName",
        "description",
    ]


def test_a_user_id_cannot_change(client: TestClient, partner: PartnerInfo) -> None:
    """KSs name their user by id: a rename would hand the old id's sessions to whoever takes it next."""
    ks = admin_ks(client, partner)
    add_login_user(client, ks, "before", "rename@example.com")
    renamed = call(
        client, "user", "update", ks=ks, userId="before", user={"objectType": "KalturaUser", "id": "after"}
    )
    assert error_code(renamed) == "PROPERTY_VALIDATION_NOT_UPDATABLE"
    same = call(
        client, "user", "update", ks=ks, userId="before", user={"objectType": "KalturaUser", "id": "before"}
    )
    assert same["id"] == "before"
    assert session_info(client, login(client, "rename@example.com"))["userId"] == "before"


def test_the_account_owner_is_protected(client: TestClient, partner: PartnerInfo, services: Services) -> None:
    ks = admin_ks(client, partner)
    owner = partner.admin_email
    user = {"objectType": "KalturaUser"}
    attempts = [
        ("delete", {"userId": owner}, "CANNOT_DELETE_OR_BLOCK_ROOT_ADMIN_USER"),
        (
            "update",
            {"userId": owner, "user": {**user, "status": 0}},
            "CANNOT_DELETE_OR_BLOCK_ROOT_ADMIN_USER",
        ),
        (
            "update",
            {"userId": owner, "user": {**user, "status": 2}},
            "CANNOT_DELETE_OR_BLOCK_ROOT_ADMIN_USER",
        ),
        (
            "update",
            {"userId": owner, "user": {**user, "isAdmin": False}},
            "CANNOT_SET_ROOT_ADMIN_AS_NO_ADMIN",
        ),
        (
            "update",
            {
                "userId": owner,
                "user": {**user, "roleIds": str(role_id(services, partner.id, "MANAGER_ROLE"))},
            },
            "ACCOUNT_OWNER_NEEDS_PARTNER_ADMIN_ROLE",
        ),
        (
            "update",
            {"userId": owner, "user": {**user, "isAccountOwner": False}},
            "PROPERTY_VALIDATION_NOT_UPDATABLE",
        ),
        ("disableLogin", {"userId": owner}, "CANNOT_DISABLE_LOGIN_FOR_ADMIN_USER"),
    ]
    for action, params, code in attempts:
        assert error_code(call(client, "user", action, ks=ks, **params)) == code, (action, params)
    assert isinstance(login(client, owner, partner.admin_password), str)
    assert call(client, "partner", "getInfo", ks=ks)["adminUserId"] == owner


def test_delete_is_soft(client: TestClient, partner: PartnerInfo) -> None:
    ks = admin_ks(client, partner)
    add_login_user(client, ks, "gone", "gone@example.com", firstName="Gone")
    deleted = call(client, "user", "delete", ks=ks, userId="gone")
    assert (deleted["id"], deleted["status"], deleted["loginEnabled"]) == ("gone", 2, False)
    assert error_code(call(client, "user", "get", ks=ks, userId="gone")) == "INVALID_USER_ID"
    assert error_code(call(client, "user", "delete", ks=ks, userId="gone")) == "INVALID_USER_ID"
    assert error_code(login(client, "gone@example.com")) == "USER_NOT_FOUND"
    ids = [u["id"] for u in call(client, "user", "list", ks=ks)["objects"]]
    assert "gone" not in ids
    listed = call(client, "user", "list", ks=ks, filter={"objectType": "KalturaUserFilter", "statusEqual": 2})
    assert [u["id"] for u in listed["objects"]] == ["gone"]
    # The login id is free again, and so is the user id.
    assert add_login_user(client, ks, "heir", "gone@example.com")["id"] == "heir"
    again = add_user(client, ks, "gone")
    assert (again["status"], again["firstName"]) == (1, "")


# --- list ----------------------------------------------------------------------------------------


def _list(client: TestClient, ks: str, pager: dict[str, Any] | None = None, **filters: Any) -> Any:
    params: dict[str, Any] = {"filter": {"objectType": "KalturaUserFilter", **filters}}
    if pager is not None:
        params["pager"] = {"objectType": "KalturaFilterPager", **pager}
    result = call(client, "user", "list", ks=ks, **params)
    assert result["objectType"] == "KalturaUserListResponse", result
    return result


def _ids(result: Any) -> list[str]:
    return [u["id"] for u in result.get("objects", [])]


def test_list_filters(client: TestClient, partner: PartnerInfo, services: Services) -> None:
    ks = admin_ks(client, partner)
    manager = role_id(services, partner.id, "MANAGER_ROLE")
    uploader = role_id(services, partner.id, "CONTENT_UPLOADER_ROLE")
    add_login_user(
        client,
        ks,
        "alice",
        "alice@corp.example",
        firstName="Alice",
        lastName="Smith",
        isAdmin=True,
        roleIds=str(manager),
        screenName="Ally",
        tags="red,blue",
    )
    add_user(client, ks, "bob", email="bob@home.example", firstName="Bob", lastName="Alvarez", tags="blue")
    add_user(
        client,
        ks,
        "carol",
        email="carol@corp.example",
        firstName="Carol",
        lastName="Jones",
        status=0,
        roleIds=f"{uploader},{manager}",
    )
    add_user(client, ks, "dave_100%", screenName="Dave", firstName="D")
    owner = partner.admin_email

    assert sorted(_ids(_list(client, ks))) == sorted([owner, "alice", "bob", "carol", "dave_100%"])
    assert _ids(_list(client, ks, idEqual="bob")) == ["bob"]
    assert _ids(_list(client, ks, idIn="bob, carol,nobody")) == ["bob", "carol"]
    assert _ids(_list(client, ks, idEqual="bob", idIn="carol")) == []
    assert _ids(_list(client, ks, screenNameLike="ll")) == ["alice"]
    assert _ids(_list(client, ks, screenNameStartsWith="da")) == ["dave_100%"]
    assert _ids(_list(client, ks, emailLike="CORP")) == ["alice", "carol"]
    assert _ids(_list(client, ks, emailStartsWith="bob@")) == ["bob"]
    assert _ids(_list(client, ks, statusEqual=0)) == ["carol"]
    assert _ids(_list(client, ks, statusIn="0,2")) == ["carol"]
    assert _ids(_list(client, ks, isAdminEqual=1)) == [owner, "alice"]
    assert _ids(_list(client, ks, isAdminEqual=0)) == ["bob", "carol", "dave_100%"]
    assert len(_ids(_list(client, ks, isAdminEqual=-1))) == 5
    assert _ids(_list(client, ks, loginEnabledEqual=1)) == [owner, "alice"]
    assert _ids(_list(client, ks, loginEnabledEqual=0)) == ["bob", "carol", "dave_100%"]
    assert _ids(_list(client, ks, roleIdEqual=str(manager))) == ["alice", "carol"]
    assert _ids(_list(client, ks, roleIdEqual=str(uploader))) == ["carol"]
    assert _ids(_list(client, ks, roleIdsIn=f"{uploader},999")) == ["carol"]
    assert _ids(_list(client, ks, firstNameOrLastNameStartsWith="al")) == ["alice", "bob"]
    assert _ids(_list(client, ks, firstNameStartsWith="c")) == ["carol"]
    assert _ids(_list(client, ks, idOrScreenNameStartsWith="al")) == ["alice"]
    assert _ids(_list(client, ks, idOrScreenNameStartsWith="dav")) == ["dave_100%"]
    assert _ids(_list(client, ks, idOrScreenNameStartsWith="dave_1")) == ["dave_100%"]
    assert _ids(_list(client, ks, idOrScreenNameStartsWith="dave%")) == []  # wildcards are literal
    assert _ids(_list(client, ks, tagsMultiLikeOr="red,green")) == ["alice"]
    assert _ids(_list(client, ks, tagsMultiLikeAnd="red,blue")) == ["alice"]
    assert _ids(_list(client, ks, typeEqual=1)) == []
    assert _ids(_list(client, ks, partnerIdEqual=partner.id + 1)) == []
    assert _ids(_list(client, ks, idEqual="alice", partnerIdEqual=partner.id)) == ["alice"]
    alice = _list(client, ks, idEqual="alice")["objects"][0]
    assert alice["roleNames"] == "Manager"
    carol = _list(client, ks, idEqual="carol", statusEqual=0)["objects"][0]
    assert carol["roleIds"] == f"{uploader},{manager}"
    assert carol["roleNames"] == "Content Uploader,Manager"


def test_list_order_and_paging(client: TestClient, partner: PartnerInfo, services: Services) -> None:
    ks = admin_ks(client, partner)
    for n in range(7):
        add_user(client, ks, f"user{n}")
    with services.db.transaction() as db:
        for n in range(7):
            db.execute(
                User.__table__.update()
                .where(User.user_id == f"user{n}")
                .values(created_at=1_000 + n, updated_at=2_000 - n)
            )
    users = [f"user{n}" for n in range(7)]
    page = _list(client, ks, {"pageSize": 3, "pageIndex": 2}, idIn=",".join(users), orderBy="+createdAt")
    assert page["totalCount"] == 7
    assert _ids(page) == ["user3", "user4", "user5"]
    assert _ids(_list(client, ks, {"pageSize": 3, "pageIndex": 3}, idIn=",".join(users))) == ["user6"]
    assert _ids(_list(client, ks, {"pageSize": 3, "pageIndex": 4}, idIn=",".join(users))) == []
    assert _ids(_list(client, ks, {"pageSize": 2}, idIn=",".join(users), orderBy="-createdAt")) == [
        "user6",
        "user5",
    ]
    assert _ids(_list(client, ks, {"pageSize": 2}, idIn=",".join(users), orderBy="+updatedAt")) == [
        "user6",
        "user5",
    ]
    assert _ids(_list(client, ks, {"pageSize": 2}, idIn=",".join(users), orderBy="-updatedAt")) == [
        "user0",
        "user1",
    ]
    assert _ids(_list(client, ks, createdAtGreaterThanOrEqual=1_005, createdAtLessThanOrEqual=1_006)) == [
        "user5",
        "user6",
    ]
    assert _ids(_list(client, ks, createdAtLessThanOrEqual=1_001)) == ["user0", "user1"]
    assert _ids(_list(client, ks, updatedAtLessThanOrEqual=1_994)) == ["user6"]
    assert _ids(_list(client, ks, updatedAtGreaterThanOrEqual=1_999, idIn=",".join(users))) == [
        "user0",
        "user1",
    ]
    huge = _list(client, ks, {"pageSize": 500, "pageIndex": 2**62}, idIn=",".join(users))
    assert (huge["totalCount"], _ids(huge)) == (7, [])
    plain = call(client, "user", "list", ks=ks)
    assert plain["totalCount"] == 8


def test_partners_do_not_see_each_others_users(
    client: TestClient, partner: PartnerInfo, services: Services
) -> None:
    add_login_user(client, admin_ks(client, partner), "mine", "mine@example.com")
    other = make_partner(services, "Other")
    ks = admin_ks(client, other)
    assert "mine" not in _ids(call(client, "user", "list", ks=ks))
    assert error_code(call(client, "user", "get", ks=ks, userId="mine")) == "INVALID_USER_ID"
    assert error_code(call(client, "user", "delete", ks=ks, userId="mine")) == "INVALID_USER_ID"
    update = call(client, "user", "update", ks=ks, userId="mine", user={"objectType": "KalturaUser"})
    assert error_code(update) == "INVALID_USER_ID"
    assert (
        error_code(call(client, "user", "getByLoginId", ks=ks, loginId="mine@example.com"))
        == "USER_NOT_FOUND"
    )
    assert (
        error_code(call(client, "user", "disableLogin", ks=ks, loginId="mine@example.com"))
        == "USER_NOT_FOUND"
    )


def test_get_by_login_id(client: TestClient, partner: PartnerInfo) -> None:
    ks = admin_ks(client, partner)
    add_login_user(client, ks, "found", "found@example.com")
    assert call(client, "user", "getByLoginId", ks=ks, loginId=" FOUND@example.com ")["id"] == "found"
    unknown = call(client, "user", "getByLoginId", ks=ks, loginId="nobody@example.com")
    assert error_code(unknown) == "LOGIN_DATA_NOT_FOUND"
    assert unknown["message"] == "Login id not found"


# --- login ---------------------------------------------------------------------------------------


def test_login_of_an_administrator_gives_an_admin_session(client: TestClient, partner: PartnerInfo) -> None:
    ks = login(client, partner.admin_email.upper(), partner.admin_password)
    assert isinstance(ks, str), ks
    info = session_info(client, ks)
    assert (info["sessionType"], info["userId"], info["partnerId"]) == (2, partner.admin_email, partner.id)
    assert info["privileges"] == "*"
    assert info["expiry"] <= time.time() + 86_400 + 5
    # An admin session from a login can do admin things.
    assert call(client, "partner", "getInfo", ks=ks)["id"] == partner.id


def test_login_of_a_user_gives_a_user_session(client: TestClient, partner: PartnerInfo) -> None:
    add_login_user(client, admin_ks(client, partner), "plain", "plain@example.com")
    ks = login(client, "plain@example.com", partnerId=str(partner.id), expiry="600", privileges="sview:*")
    info = session_info(client, ks)
    assert (info["sessionType"], info["userId"], info["privileges"]) == (0, "plain", "sview:*")
    assert time.time() + 590 <= info["expiry"] <= time.time() + 605
    me = call(client, "user", "get", ks=ks)
    assert me["lastLoginTime"] >= int(time.time()) - 5


def test_login_expiry_is_capped_and_privileges_are_checked(client: TestClient, partner: PartnerInfo) -> None:
    ks = login(client, partner.admin_email, partner.admin_password, expiry=str(10**9))
    assert session_info(client, ks)["expiry"] <= time.time() + 86_400 + 5
    bad = login(client, partner.admin_email, partner.admin_password, privileges="actionslimit:0")
    assert error_code(bad) == "INVALID_ACTIONS_LIMIT"


def test_user_ks_privileges_replace_the_requested_ones(client: TestClient, partner: PartnerInfo) -> None:
    ks = admin_ks(client, partner)
    add_login_user(client, ks, "kiosk", "kiosk@example.com", ksPrivileges="actionslimit:20,sview:*")
    info = session_info(client, login(client, "kiosk@example.com", privileges="list:*,edit:*"))
    assert info["privileges"] == "actionslimit:20,sview:*"


def test_requested_setrole_cannot_exceed_the_users_roles(
    client: TestClient, partner: PartnerInfo, services: Services
) -> None:
    ks = admin_ks(client, partner)
    uploader = role_id(services, partner.id, "CONTENT_UPLOADER_ROLE")
    add_login_user(client, ks, "plain", "plain@example.com")
    add_login_user(client, ks, "uploader", "uploader@example.com", isAdmin=True, roleIds=str(uploader))
    for login_id, role in (
        ("plain@example.com", "PARTNER_ADMIN_ROLE"),
        ("plain@example.com", str(role_id(services, partner.id, "MANAGER_ROLE"))),
        ("uploader@example.com", "MANAGER_ROLE"),
    ):
        assert error_code(login(client, login_id, privileges=f"setrole:{role}")) == "INVALID_SET_ROLE", role
    # Narrowing is fine.
    narrowed = login(client, "uploader@example.com", privileges=f"setrole:{uploader}")
    assert session_info(client, narrowed)["privileges"] == f"setrole:{uploader}"
    assert isinstance(login(client, "plain@example.com", privileges="setrole:BASE_USER_SESSION_ROLE"), str)
    admin = login(client, partner.admin_email, partner.admin_password, privileges="setrole:MANAGER_ROLE")
    assert session_info(client, admin)["privileges"] == "setrole:MANAGER_ROLE"
    # An administrator-set ksPrivileges may use any role.
    add_login_user(client, ks, "special", "special@example.com", ksPrivileges="setrole:MANAGER_ROLE")
    assert isinstance(login(client, "special@example.com"), str)


def test_login_errors(client: TestClient, partner: PartnerInfo, services: Services) -> None:
    add_login_user(client, admin_ks(client, partner), "someone", "someone@example.com")
    unknown = login(client, "nobody@example.com")
    assert error_code(unknown) == "USER_NOT_FOUND"
    assert unknown["message"] == "User was not found"
    wrong = login(client, "someone@example.com", "not the password")
    assert error_code(wrong) == "USER_WRONG_PASSWORD"
    assert wrong["message"] == "Wrong password supplied"
    other = make_partner(services, "Other")
    mismatch = login(client, "someone@example.com", partnerId=str(other.id))
    assert error_code(mismatch) == "INVALID_PARTNER_ID"
    assert mismatch["message"] == f'Invalid partner id "{other.id}"'
    assert error_code(login(client, "", "")) == "USER_NOT_FOUND"
    with services.db.transaction() as db:
        partner_service.set_status(db, partner.id, PartnerStatus.FULL_BLOCK)
    assert error_code(login(client, "someone@example.com")) == "INVALID_PARTNER_ID"


def test_unknown_login_costs_a_password_verification(
    client: TestClient, partner: PartnerInfo, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[str | None] = []
    verify = passwords.verify_password

    def spy(password_hash: str | None, password: str) -> bool:
        calls.append(password_hash)
        return verify(password_hash, password)

    monkeypatch.setattr(passwords, "verify_password", spy)
    assert error_code(login(client, "nobody@example.com")) == "USER_NOT_FOUND"
    assert calls == [None]
    assert error_code(login(client, partner.admin_email, "wrong password")) == "USER_WRONG_PASSWORD"
    assert len(calls) == 2 and calls[1] is not None


def _lock_ends_now(services: Services, partner_id: int, user_id: str) -> None:
    with services.db.transaction() as db:
        db.execute(
            User.__table__.update()
            .where(User.partner_id == partner_id, User.user_id == user_id)
            .values(locked_until=int(time.time()) - 1)
        )


def test_wrong_passwords_lock_the_login(client: TestClient, partner: PartnerInfo, services: Services) -> None:
    add_login_user(client, admin_ks(client, partner), "target", "target@example.com")
    for _ in range(user_service.MAX_FAILED_LOGINS - 1):
        assert error_code(login(client, "target@example.com", "guess")) == "USER_WRONG_PASSWORD"
    before = int(time.time())
    locked = login(client, "target@example.com", "guess")
    assert error_code(locked) == "LOGIN_RETRIES_EXCEEDED"
    assert locked["message"].startswith("Maximum login retries exceeded.")
    # Locked: even the right password is refused, and the attempt changes nothing.
    assert error_code(login(client, "target@example.com")) == "LOGIN_RETRIES_EXCEEDED"
    state = stored(services, partner.id, "target")
    assert state.failed_logins == 5
    assert before + 60 <= state.locked_until <= int(time.time()) + 60

    # After the lock, one more wrong password locks again, twice as long.
    _lock_ends_now(services, partner.id, "target")
    before = int(time.time())
    assert error_code(login(client, "target@example.com", "guess")) == "LOGIN_RETRIES_EXCEEDED"
    state = stored(services, partner.id, "target")
    assert state.failed_logins == 6
    assert before + 120 <= state.locked_until <= int(time.time()) + 120

    # Once the lock is over the right password works and clears the count.
    _lock_ends_now(services, partner.id, "target")
    assert isinstance(login(client, "target@example.com"), str)
    state = stored(services, partner.id, "target")
    assert (state.failed_logins, state.locked_until) == (0, 0)

    audit = [(e.action, e.object_id, e.user_id, e.partner_id) for e in events(services, "user.login")]
    assert audit.count(("user.login.failed", "target", "target", partner.id)) == 6
    assert audit.count(("user.login.locked", "target", "target", partner.id)) == 2
    assert audit[-1] == ("user.login.succeeded", "target", "target", partner.id)
    assert all(PASSWORD not in e.data and "guess" not in e.data for e in events(services))


def test_lock_duration_grows_to_an_hour() -> None:
    assert [user_service.lock_seconds(n) for n in (0, 4, 5, 6, 7, 10, 11, 12, 100)] == [
        0,
        0,
        60,
        120,
        240,
        1920,
        3600,
        3600,
        3600,
    ]


def test_a_successful_login_resets_the_count(client: TestClient, partner: PartnerInfo) -> None:
    add_login_user(client, admin_ks(client, partner), "forgetful", "forgetful@example.com")
    for _ in range(3):
        login(client, "forgetful@example.com", "guess")
    assert isinstance(login(client, "forgetful@example.com"), str)
    for _ in range(4):
        assert error_code(login(client, "forgetful@example.com", "guess")) == "USER_WRONG_PASSWORD"
    assert isinstance(login(client, "forgetful@example.com"), str)


def test_wrong_passwords_in_a_multirequest_count_too(client: TestClient, partner: PartnerInfo) -> None:
    add_login_user(client, admin_ks(client, partner), "multi", "multi@example.com")
    body: dict[str, Any] = {"format": "1"}
    for n in range(6):
        body[str(n)] = {
            "service": "user",
            "action": "loginByLoginId",
            "loginId": "multi@example.com",
            "password": "guess" if n < 5 else PASSWORD,
        }
    results = json.loads(client.post("/api_v3/service/multirequest", json=body).content)
    assert [error_code(r) for r in results] == ["USER_WRONG_PASSWORD"] * 4 + ["LOGIN_RETRIES_EXCEEDED"] * 2


def test_blocked_users_cannot_log_in(client: TestClient, partner: PartnerInfo, services: Services) -> None:
    ks = admin_ks(client, partner)
    add_login_user(client, ks, "blocked", "blocked@example.com")
    user_ks = login(client, "blocked@example.com")
    block = {"objectType": "KalturaUser", "status": 0}
    assert call(client, "user", "update", ks=ks, userId="blocked", user=block)["status"] == 0
    refused = login(client, "blocked@example.com")
    assert error_code(refused) == "USER_IS_BLOCKED"
    assert refused["message"] == "User is blocked"
    # The password is checked first: a wrong one says so (and counts).
    assert error_code(login(client, "blocked@example.com", "guess")) == "USER_WRONG_PASSWORD"
    assert stored(services, partner.id, "blocked").failed_logins == 1
    # A session issued before the block stops working.
    assert error_code(call(client, "user", "get", ks=user_ks)) == "USER_BLOCKED"
    unblock = {"objectType": "KalturaUser", "status": 1}
    call(client, "user", "update", ks=ks, userId="blocked", user=unblock)
    assert isinstance(login(client, "blocked@example.com"), str)


def test_deleted_users_cannot_log_in(client: TestClient, partner: PartnerInfo) -> None:
    ks = admin_ks(client, partner)
    add_login_user(client, ks, "leaver", "leaver@example.com")
    user_ks = login(client, "leaver@example.com")
    call(client, "user", "delete", ks=ks, userId="leaver")
    assert error_code(login(client, "leaver@example.com")) == "USER_NOT_FOUND"
    assert error_code(call(client, "user", "get", ks=user_ks)) == "INVALID_KS"


# --- updateLoginData, enableLogin, disableLogin --------------------------------------------------


def test_update_login_data(client: TestClient, partner: PartnerInfo, services: Services) -> None:
    ks = admin_ks(client, partner)
    add_login_user(client, ks, "mover", "old@example.com", firstName="Old")
    add_login_user(client, ks, "neighbour", "taken@example.com")

    def update(**params: Any) -> Any:
        return call(
            client,
            "user",
            "updateLoginData",
            **{"oldLoginId": "old@example.com", "password": PASSWORD, **params},
        )

    assert (
        error_code(update(password="wrong one", newPassword="another long password")) == "WRONG_OLD_PASSWORD"
    )
    assert error_code(update(password="same wrong", newPassword="same wrong")) == "USER_WRONG_PASSWORD"
    assert stored(services, partner.id, "mover").failed_logins == 2
    assert error_code(update(oldLoginId="nobody@example.com")) == "LOGIN_DATA_NOT_FOUND"
    assert error_code(update(newLoginId="taken@example.com")) == "LOGIN_ID_ALREADY_USED"
    assert error_code(update(newLoginId="not an email")) == "INVALID_FIELD_VALUE"
    assert error_code(update(newPassword="short")) == "PASSWORD_STRUCTURE_INVALID"
    assert error_code(update(newPassword=PASSWORD)) == "PASSWORD_ALREADY_USED"

    assert update(newLoginId="New@Example.com", newPassword="the new password", newFirstName="New") is None
    assert error_code(login(client, "old@example.com")) == "USER_NOT_FOUND"
    assert error_code(login(client, "new@example.com")) == "USER_WRONG_PASSWORD"
    ks_new = login(client, "new@example.com", "the new password")
    me = call(client, "user", "get", ks=ks_new)
    assert (me["email"], me["firstName"], me["lastName"]) == ("new@example.com", "New", "")
    assert stored(services, partner.id, "mover").failed_logins == 0
    changed = [
        json.loads(e.data)["changed"] for e in events(services) if e.action == "user.login_data.updated"
    ]
    assert changed == [["loginId", "password", "firstName"]]


def test_update_login_data_of_the_owner_updates_the_partner(client: TestClient, partner: PartnerInfo) -> None:
    result = call(
        client,
        "user",
        "updateLoginData",
        oldLoginId=partner.admin_email,
        password=partner.admin_password,
        newLoginId="owner@new.example",
    )
    assert result is None
    ks = login(client, "owner@new.example", partner.admin_password)
    assert call(client, "partner", "getInfo", ks=ks)["adminEmail"] == "owner@new.example"


def test_update_login_data_is_throttled(client: TestClient, partner: PartnerInfo) -> None:
    add_login_user(client, admin_ks(client, partner), "victim", "victim@example.com")
    for _ in range(user_service.MAX_FAILED_LOGINS - 1):
        login(client, "victim@example.com", "guess")
    params = {"oldLoginId": "victim@example.com", "password": "guess", "newPassword": "attacker password"}
    assert error_code(call(client, "user", "updateLoginData", **params)) == "LOGIN_RETRIES_EXCEEDED"
    params["password"] = PASSWORD
    assert error_code(call(client, "user", "updateLoginData", **params)) == "LOGIN_RETRIES_EXCEEDED"


def test_enable_and_disable_login(client: TestClient, partner: PartnerInfo, services: Services) -> None:
    ks = admin_ks(client, partner)
    add_user(client, ks, "later", email="later@example.com")
    add_login_user(client, ks, "holder", "holder@example.com")
    assert error_code(
        call(client, "user", "enableLogin", ks=ks, userId="later", loginId="l@example.com")
    ) == ("PROPERTY_VALIDATION_CANNOT_BE_NULL")
    taken = call(
        client, "user", "enableLogin", ks=ks, userId="later", loginId="HOLDER@example.com", password=PASSWORD
    )
    assert error_code(taken) == "LOGIN_ID_ALREADY_USED"
    weak = call(
        client, "user", "enableLogin", ks=ks, userId="later", loginId="l@example.com", password="short"
    )
    assert error_code(weak) == "PASSWORD_STRUCTURE_INVALID"
    nobody = call(
        client, "user", "enableLogin", ks=ks, userId="nobody", loginId="n@example.com", password=PASSWORD
    )
    assert error_code(nobody) == "USER_NOT_FOUND"

    enabled = call(
        client, "user", "enableLogin", ks=ks, userId="later", loginId="Later@Example.com", password=PASSWORD
    )
    assert enabled["loginEnabled"] is True
    assert session_info(client, login(client, "later@example.com"))["userId"] == "later"
    again = call(
        client, "user", "enableLogin", ks=ks, userId="later", loginId="x@example.com", password=PASSWORD
    )
    assert error_code(again) == "USER_LOGIN_ALREADY_ENABLED"

    disabled = call(client, "user", "disableLogin", ks=ks, loginId="LATER@example.com")
    assert (disabled["id"], disabled["loginEnabled"]) == ("later", False)
    assert error_code(login(client, "later@example.com")) == "USER_NOT_FOUND"
    assert (
        error_code(call(client, "user", "disableLogin", ks=ks, userId="later"))
        == "USER_LOGIN_ALREADY_DISABLED"
    )
    assert error_code(call(client, "user", "disableLogin", ks=ks)) == "PROPERTY_VALIDATION_CANNOT_BE_NULL"
    assert error_code(call(client, "user", "disableLogin", ks=ks, userId="nobody")) == "USER_NOT_FOUND"
    assert call(client, "user", "disableLogin", ks=ks, userId="holder")["loginEnabled"] is False
    actions = [e.action for e in events(services, "user.login.")]
    assert actions.count("user.login.enabled") == 1 and actions.count("user.login.disabled") == 2


# --- who may do what -----------------------------------------------------------------------------


def test_a_user_session_reads_itself_only(client: TestClient, partner: PartnerInfo) -> None:
    ks = admin_ks(client, partner)
    add_login_user(client, ks, "me", "me@example.com")
    add_user(client, ks, "someone-else")
    mine = login(client, "me@example.com")
    assert call(client, "user", "get", ks=mine)["id"] == "me"
    assert call(client, "user", "get", ks=mine, userId="me")["id"] == "me"
    refused = call(client, "user", "get", ks=mine, userId="someone-else")
    assert error_code(refused) == "CANNOT_RETRIEVE_ANOTHER_USER_USING_NON_ADMIN_SESSION"
    assert refused["message"] == 'cannot retrieve another user "someone-else" using non-admin session'
    for action, params in (
        ("list", {}),
        ("getByLoginId", {"loginId": "me@example.com"}),
        ("add", {"user": {"objectType": "KalturaUser", "id": "new"}}),
        ("update", {"userId": "me", "user": {"objectType": "KalturaUser", "isAdmin": True}}),
        ("delete", {"userId": "someone-else"}),
        ("enableLogin", {"userId": "someone-else", "loginId": "s@example.com", "password": PASSWORD}),
        ("disableLogin", {"userId": "me"}),
    ):
        assert error_code(call(client, "user", action, ks=mine, **params)) == "SERVICE_FORBIDDEN", action
    assert error_code(call(client, "user", "get")) == "MISSING_KS"


def _role(services: Services, partner_id: int, name: str, permissions: str) -> int:
    with services.db.transaction() as db:
        role = UserRole(partner_id=partner_id, name=name, system_name="", permission_names=permissions)
        db.add(role)
        db.flush()
        return role.id


@pytest.fixture
def user_admin(client: TestClient, partner: PartnerInfo, services: Services) -> Iterator[str]:
    """A KS of an administrator whose role may manage users but is not the Publisher Administrator."""
    role = _role(
        services,
        partner.id,
        "User admin",
        "KMC_ACCESS,KMC_READ_ONLY,ADMIN_BASE,ADMIN_USER_ADD,ADMIN_USER_UPDATE,ADMIN_USER_DELETE,"
        "BASE_USER_SESSION_PERMISSION",
    )
    add_login_user(
        client, admin_ks(client, partner), "helpdesk", "helpdesk@example.com", isAdmin=True, roleIds=str(role)
    )
    ks = login(client, "helpdesk@example.com")
    assert session_info(client, ks)["sessionType"] == 2
    yield ks


def test_nobody_grants_more_than_they_hold(
    client: TestClient, partner: PartnerInfo, services: Services, user_admin: str
) -> None:
    ks = user_admin
    helpdesk_role = stored(services, partner.id, "helpdesk").role_ids
    admin_role = str(role_id(services, partner.id, "PARTNER_ADMIN_ROLE"))
    manager = str(role_id(services, partner.id, "MANAGER_ROLE"))
    for fields in (
        {"roleIds": admin_role},
        {"roleIds": manager},
        {"isAdmin": True},  # an administrator without roles holds every permission
        {"ksPrivileges": "setrole:PARTNER_ADMIN_ROLE"},
    ):
        assert error_code(add_user(client, ks, "climber", **fields)) == "NOT_ALLOWED_TO_CHANGE_ROLE", fields
    # What the caller holds itself may be given.
    assert add_user(client, ks, "peer", isAdmin=True, roleIds=helpdesk_role)["roleIds"] == helpdesk_role
    assert add_login_user(client, ks, "plain", "plain@example.com")["isAdmin"] is False
    promote = {"objectType": "KalturaUser", "roleIds": admin_role}
    assert error_code(call(client, "user", "update", ks=ks, userId="plain", user=promote)) == (
        "NOT_ALLOWED_TO_CHANGE_ROLE"
    )
    own = call(
        client, "user", "update", ks=ks, userId="helpdesk", user={"objectType": "KalturaUser", "roleIds": ""}
    )
    assert error_code(own) == "CANNOT_CHANGE_OWN_ROLE"
    # Setting a password on a more powerful user would be a way in too.
    add_user(client, admin_ks(client, partner), "big", isAdmin=True, roleIds=manager)
    take_over = call(
        client, "user", "enableLogin", ks=ks, userId="big", loginId="big@example.com", password=PASSWORD
    )
    assert error_code(take_over) == "NOT_ALLOWED_TO_CHANGE_ROLE"
    # The Publisher Administrator may do all of it.
    full = admin_ks(client, partner)
    assert call(client, "user", "update", ks=full, userId="plain", user=promote)["roleNames"] == (
        "Publisher Administrator"
    )


def test_reading_users_needs_a_read_permission(
    client: TestClient, partner: PartnerInfo, services: Services
) -> None:
    role = _role(services, partner.id, "Uploader only", "CONTENT_INGEST_UPLOAD")
    ks = admin_ks(client, partner)
    add_login_user(client, ks, "narrow", "narrow@example.com", isAdmin=True, roleIds=str(role))
    narrow = login(client, "narrow@example.com")
    assert call(client, "user", "get", ks=narrow)["id"] == "narrow"
    assert error_code(call(client, "user", "get", ks=narrow, userId=partner.admin_email)) == (
        "CANNOT_RETRIEVE_ANOTHER_USER_USING_NON_ADMIN_SESSION"
    )
    assert error_code(call(client, "user", "list", ks=narrow)) == "SERVICE_FORBIDDEN"
    reader = _role(services, partner.id, "Reader", "KMC_READ_ONLY")
    add_login_user(client, ks, "reader", "reader@example.com", isAdmin=True, roleIds=str(reader))
    read_ks = login(client, "reader@example.com")
    assert call(client, "user", "get", ks=read_ks, userId="narrow")["id"] == "narrow"
    assert call(client, "user", "list", ks=read_ks)["totalCount"] == 3
    assert error_code(call(client, "user", "delete", ks=read_ks, userId="narrow")) == "SERVICE_FORBIDDEN"


def test_deleting_through_update_needs_the_delete_permission(
    client: TestClient, partner: PartnerInfo, services: Services
) -> None:
    role = _role(services, partner.id, "Updater", "KMC_READ_ONLY,ADMIN_USER_UPDATE")
    ks = admin_ks(client, partner)
    add_login_user(client, ks, "updater", "updater@example.com", isAdmin=True, roleIds=str(role))
    add_user(client, ks, "victim")
    updater = login(client, "updater@example.com")
    delete = {"objectType": "KalturaUser", "status": 2}
    assert (
        error_code(call(client, "user", "update", ks=updater, userId="victim", user=delete))
        == "SERVICE_FORBIDDEN"
    )
    assert error_code(call(client, "user", "delete", ks=updater, userId="victim")) == "SERVICE_FORBIDDEN"
    block = {"objectType": "KalturaUser", "status": 0}
    assert call(client, "user", "update", ks=updater, userId="victim", user=block)["status"] == 0
    assert call(client, "user", "update", ks=ks, userId="victim", user=delete)["status"] == 2


# --- the official client -------------------------------------------------------------------------


@pytest.mark.compat
def test_official_client_login(live_server: LiveServer, partner: PartnerInfo) -> None:
    from KalturaClient import KalturaClient, KalturaConfiguration
    from KalturaClient.exceptions import KalturaException
    from KalturaClient.Plugins.Core import (
        KalturaFilterPager,
        KalturaSessionType,
        KalturaUser,
        KalturaUserFilter,
        KalturaUserListResponse,
        KalturaUserStatus,
    )

    config = KalturaConfiguration(partner.id)
    config.serviceUrl = live_server.url
    client = KalturaClient(config)
    ks = client.user.loginByLoginId(partner.admin_email, partner.admin_password)
    assert isinstance(ks, str) and ks
    client.setKs(ks)
    info = client.session.get()
    assert info.sessionType.getValue() == KalturaSessionType.ADMIN
    assert info.userId == partner.admin_email

    created = client.user.add(
        KalturaUser(id="viewer", email="viewer@example.com", password=PASSWORD, firstName="V")
    )
    assert isinstance(created, KalturaUser)
    assert (created.id, created.loginEnabled, created.status.getValue()) == (
        "viewer",
        True,
        KalturaUserStatus.ACTIVE,
    )
    listed = client.user.list(KalturaUserFilter(idIn="viewer"), KalturaFilterPager(pageSize=10))
    assert isinstance(listed, KalturaUserListResponse)
    assert listed.totalCount == 1 and listed.objects[0].firstName == "V"
    me = client.user.get()
    assert me.isAccountOwner is True and me.roleNames == "Publisher Administrator"

    user_client = KalturaClient(config)
    user_ks = user_client.user.loginByLoginId("viewer@example.com", PASSWORD, partner.id, 3600, "sview:*")
    user_client.setKs(user_ks)
    user_info = user_client.session.get()
    assert (user_info.sessionType.getValue(), user_info.userId) == (KalturaSessionType.USER, "viewer")
    with pytest.raises(KalturaException) as wrong:
        user_client.user.loginByLoginId("viewer@example.com", "wrong password")
    assert wrong.value.code == "USER_WRONG_PASSWORD"


def test_password_changes_blocks_and_deletes_end_the_users_sessions(
    client: TestClient, partner: PartnerInfo
) -> None:
    ks = admin_ks(client, partner)
    add_login_user(client, ks, "pat", "pat@example.com")
    first = login(client, "pat@example.com")
    assert session_info(client, first)["userId"] == "pat"
    changed = call(
        client,
        "user",
        "updateLoginData",
        oldLoginId="pat@example.com",
        password=PASSWORD,
        newPassword="a brand new password",
    )
    assert changed is None
    assert error_code(call(client, "session", "get", ks=first)) == "INVALID_KS"
    second = login(client, "pat@example.com", "a brand new password")
    assert session_info(client, second)["userId"] == "pat"
    call(client, "user", "disableLogin", ks=ks, userId="pat")
    assert error_code(call(client, "session", "get", ks=second)) == "INVALID_KS"


def test_a_reused_user_id_does_not_revive_old_sessions(client: TestClient, partner: PartnerInfo) -> None:
    ks = admin_ks(client, partner)
    add_login_user(client, ks, "sam", "sam@example.com")
    old = login(client, "sam@example.com")
    call(client, "user", "delete", ks=ks, userId="sam")
    add_user(client, ks, "sam")
    answer = call(client, "session", "get", ks=old)
    assert error_code(answer) == "INVALID_KS"
