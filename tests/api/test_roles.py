"""Roles, permissions and partner features, and how they decide what a session may do."""

from __future__ import annotations

import time

from sqlalchemy import select
from starlette.testclient import TestClient

from keyframe.ks import encode_v2
from keyframe.roles import service as role_service
from keyframe.roles.models import UserRole
from keyframe.services import Services
from keyframe.users.models import User, UserStatus
from tests.conftest import PartnerInfo
from tests.helpers import call, error_code, start_session


def role_id(services: Services, partner_id: int, name: str) -> int:
    with services.db.transaction() as db:
        return db.scalar(select(UserRole.id).where(UserRole.partner_id == partner_id, UserRole.name == name))  # type: ignore[return-value]


def add_user(
    services: Services, partner_id: int, user_id: str, role_ids: str, status: int = UserStatus.ACTIVE
) -> None:
    with services.db.transaction() as db:
        db.add(User(partner_id=partner_id, user_id=user_id, role_ids=role_ids, status=status))


def ks_for(partner: PartnerInfo, user: str = "", privileges: str = "", type: int = 2) -> str:
    return encode_v2(
        partner.admin_secret,
        partner_id=partner.id,
        valid_until=int(time.time()) + 600,
        type=type,
        user_id=user,
        privileges=privileges,
    )


def test_a_new_partner_has_the_kmc_default_roles(client: TestClient, partner: PartnerInfo) -> None:
    roles = call(client, "userRole", "list", ks=ks_for(partner))
    names = {r["name"]: r for r in roles["objects"]}
    assert set(names) == {
        "Publisher Administrator",
        "Manager",
        "Content Uploader",
        "Content Moderator",
        "Player Designer",
    }
    assert names["Publisher Administrator"]["permissionNames"] == "*"
    assert names["Content Uploader"]["permissionNames"] == (
        "BASE_USER_SESSION_PERMISSION,WIDGET_SESSION_PERMISSION,KMC_ACCESS,KMC_READ_ONLY,"
        "CONTENT_INGEST_UPLOAD,CONTENT_INGEST_BULK_UPLOAD,CONTENT_MANAGE_BASE"
    )
    assert roles["totalCount"] == 5


def test_the_partner_administrator_holds_the_publisher_administrator_role(
    client: TestClient, partner: PartnerInfo, services: Services
) -> None:
    with services.db.transaction() as db:
        admin = db.scalar(select(User).where(User.partner_id == partner.id))
        assert admin is not None
        assert role_service.role_names(db, partner.id, admin.role_ids) == "Publisher Administrator"


def test_user_roles_limit_an_admin_session(
    client: TestClient, partner: PartnerInfo, services: Services
) -> None:
    add_user(services, partner.id, "uploader", str(role_id(services, partner.id, "Content Uploader")))
    add_user(services, partner.id, "manager", str(role_id(services, partner.id, "Manager")))
    uploader = ks_for(partner, "uploader")
    manager = ks_for(partner, "manager")
    # Both may read the partner, but only holders of INTEGRATION_BASE see the user secret, and only
    # Publisher Administrators the admin secret.
    as_uploader = call(client, "partner", "getInfo", ks=uploader)
    assert as_uploader["id"] == partner.id
    assert "secret" not in as_uploader and "adminSecret" not in as_uploader
    as_manager = call(client, "partner", "getInfo", ks=manager)
    assert as_manager["secret"] == partner.secret and "adminSecret" not in as_manager
    assert error_code(call(client, "userRole", "list", ks=uploader)) == "SERVICE_FORBIDDEN"
    assert call(client, "userRole", "list", ks=manager)["totalCount"] == 5
    assert (
        error_code(call(client, "userRole", "add", ks=manager, userRole={"name": "X"})) == "SERVICE_FORBIDDEN"
    )


def test_user_sessions_do_not_carry_their_users_roles(
    client: TestClient, partner: PartnerInfo, services: Services
) -> None:
    # Anyone with the user secret can start a USER session for any user id, the owner's included.
    with services.db.transaction() as db:
        owner = db.scalar(select(User.user_id).where(User.partner_id == partner.id))
    ks = start_session(client, partner.id, partner.secret, type=0, user=str(owner))
    assert error_code(call(client, "partner", "getInfo", ks=ks)) == "SERVICE_FORBIDDEN"
    escalate = call(
        client,
        "session",
        "start",
        secret=partner.secret,
        partnerId=str(partner.id),
        type="0",
        privileges="setrole:PARTNER_ADMIN_ROLE",
    )
    assert error_code(escalate) == "INVALID_SET_ROLE"


def test_setrole_by_id_or_system_name(client: TestClient, partner: PartnerInfo, services: Services) -> None:
    uploader_id = role_id(services, partner.id, "Content Uploader")
    assert error_code(
        call(client, "userRole", "list", ks=ks_for(partner, privileges=f"setrole:{uploader_id}"))
    ) == ("SERVICE_FORBIDDEN")
    assert (
        error_code(call(client, "userRole", "list", ks=ks_for(partner, privileges="setrole:MANAGER_ROLE")))
        is None
    )
    assert error_code(call(client, "userRole", "list", ks=ks_for(partner, privileges="setrole:99999"))) == (
        "UNKNOWN_ROLE_ID"
    )
    started = call(
        client,
        "session",
        "start",
        secret=partner.admin_secret,
        partnerId=str(partner.id),
        privileges=f"setrole:{uploader_id}",
    )
    assert isinstance(started, str)


def test_restrictingrole_removes_permissions(client: TestClient, partner: PartnerInfo) -> None:
    ks = ks_for(partner, privileges="restrictingrole:MANAGER_ROLE")
    # The Manager role holds ACCOUNT_BASE and INTEGRATION_BASE; the admin keeps ADMIN_BASE.
    assert error_code(call(client, "userRole", "list", ks=ks)) is None
    info = call(client, "partner", "getInfo", ks=ks)
    assert "secret" not in info


def test_blocked_and_deleted_users_cannot_use_their_sessions(
    client: TestClient, partner: PartnerInfo, services: Services
) -> None:
    add_user(services, partner.id, "blocked", "", status=UserStatus.BLOCKED)
    add_user(services, partner.id, "gone", "", status=UserStatus.DELETED)
    blocked = call(client, "partner", "getInfo", ks=ks_for(partner, "blocked"))
    assert error_code(blocked) == "USER_BLOCKED"
    gone = call(client, "partner", "getInfo", ks=ks_for(partner, "gone"))
    assert gone["args"]["KSID"] == "INVALID_USER"


def test_role_crud_and_rules(client: TestClient, partner: PartnerInfo, services: Services) -> None:
    ks = ks_for(partner)
    added = call(
        client,
        "userRole",
        "add",
        ks=ks,
        userRole={
            "objectType": "KalturaUserRole",
            "name": "Editors",
            "permissionNames": "KMC_ACCESS,ADMIN_BASE,KMC_ACCESS",
            "tags": "kmc",
        },
    )
    assert added["permissionNames"] == "KMC_ACCESS,ADMIN_BASE"
    assert (
        error_code(call(client, "userRole", "add", ks=ks, userRole={"name": "editors"}))
        == "ROLE_NAME_ALREADY_EXISTS"
    )
    assert error_code(
        call(client, "userRole", "add", ks=ks, userRole={"name": "Y", "permissionNames": "NOPE"})
    ) == ("PERMISSION_NOT_FOUND")
    refused = call(
        client, "userRole", "add", ks=ks, userRole={"name": "Y", "permissionNames": "ADMIN_PUBLISHER_MANAGE"}
    )
    assert error_code(refused) == "PERMISSION_NOT_ASSIGNABLE"
    updated = call(
        client, "userRole", "update", ks=ks, userRoleId=str(added["id"]), userRole={"description": "d"}
    )
    assert updated["description"] == "d" and updated["name"] == "Editors"
    clone = call(client, "userRole", "clone", ks=ks, userRoleId=str(added["id"]))
    assert (clone["name"], clone["permissionNames"]) == ("Copy of Editors", "KMC_ACCESS,ADMIN_BASE")
    assert (
        call(client, "userRole", "clone", ks=ks, userRoleId=str(added["id"]))["name"] == "Copy of Editors (2)"
    )
    add_user(services, partner.id, "editor", str(added["id"]))
    assert (
        error_code(call(client, "userRole", "delete", ks=ks, userRoleId=str(added["id"])))
        == "ROLE_IS_BEING_USED"
    )
    assert call(client, "userRole", "delete", ks=ks, userRoleId=str(clone["id"]))["status"] == 3
    assert (
        error_code(call(client, "userRole", "get", ks=ks, userRoleId=str(clone["id"]))) == "INVALID_OBJECT_ID"
    )
    admin_id = role_id(services, partner.id, "Publisher Administrator")
    assert (
        error_code(call(client, "userRole", "delete", ks=ks, userRoleId=str(admin_id)))
        == "CANNOT_CHANGE_ADMIN_ROLE"
    )
    assert (
        error_code(
            call(
                client,
                "userRole",
                "update",
                ks=ks,
                userRoleId=str(admin_id),
                userRole={"permissionNames": "KMC_ACCESS"},
            )
        )
        == "CANNOT_CHANGE_ADMIN_ROLE"
    )


def test_roles_are_per_partner(client: TestClient, partner: PartnerInfo, services: Services) -> None:
    from tests.conftest import make_partner

    other = make_partner(services, "Other")
    theirs = role_id(services, other.id, "Manager")
    assert (
        error_code(call(client, "userRole", "get", ks=ks_for(partner), userRoleId=str(theirs)))
        == "INVALID_OBJECT_ID"
    )


def test_features_gate_dependent_permissions(
    client: TestClient, partner: PartnerInfo, services: Services
) -> None:
    ks = ks_for(partner)
    features = call(
        client, "permission", "list", ks=ks, filter={"objectType": "KalturaPermissionFilter", "typeIn": "2,3"}
    )
    assert features["totalCount"] == 0
    names = {
        p["name"] for p in call(client, "permission", "list", ks=ks, pager={"pageSize": "500"})["objects"]
    }
    assert "CONTENT_MANAGE_CATEGORY_USERS" not in names and "ADMIN_BASE" in names
    with services.db.transaction() as db:
        role_service.set_features(db, partner.id, ["FEATURE_ENTITLEMENT"], [])
    features = call(
        client, "permission", "list", ks=ks, filter={"objectType": "KalturaPermissionFilter", "typeIn": "2,3"}
    )
    assert [p["name"] for p in features["objects"]] == ["FEATURE_ENTITLEMENT"]
    names = {
        p["name"] for p in call(client, "permission", "list", ks=ks, pager={"pageSize": "500"})["objects"]
    }
    assert "CONTENT_MANAGE_CATEGORY_USERS" in names
    with services.db.transaction() as db:
        assert role_service.set_features(db, partner.id, [], ["FEATURE_ENTITLEMENT"]) == frozenset()


def test_nobody_grants_a_permission_they_do_not_hold(
    client: TestClient, partner: PartnerInfo, services: Services
) -> None:
    ks = ks_for(partner)
    editor = call(
        client,
        "userRole",
        "add",
        ks=ks,
        userRole={
            "objectType": "KalturaUserRole",
            "name": "Role editors",
            "permissionNames": "ADMIN_BASE,ADMIN_ROLE_UPDATE,ADMIN_ROLE_ADD",
        },
    )
    add_user(services, partner.id, "editor", str(editor["id"]))
    as_editor = ks_for(partner, "editor")
    grow = call(
        client,
        "userRole",
        "update",
        ks=as_editor,
        userRoleId=str(editor["id"]),
        userRole={"permissionNames": "ADMIN_BASE,ADMIN_ROLE_UPDATE,ADMIN_ROLE_ADD,ADMIN_USER_UPDATE"},
    )
    assert error_code(grow) == "PERMISSION_NOT_HELD"
    manager = role_id(services, partner.id, "Manager")
    assert (
        error_code(call(client, "userRole", "clone", ks=as_editor, userRoleId=str(manager)))
        == "PERMISSION_NOT_HELD"
    )
    narrower = call(
        client, "userRole", "add", ks=as_editor, userRole={"name": "Readers", "permissionNames": "ADMIN_BASE"}
    )
    assert narrower["permissionNames"] == "ADMIN_BASE"
