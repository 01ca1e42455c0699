"""The audit trail: which events are recorded, that they hold no secret, and auditTrail.list."""

from __future__ import annotations

import json
from typing import Any

import pytest
from sqlalchemy import select
from starlette.testclient import TestClient

from keyframe.audit import service as audit
from keyframe.audit.models import AuditEvent
from keyframe.ks import decode_v2, split_ks
from keyframe.roles.catalogue import DEFAULT_ROLES
from keyframe.roles.models import UserRole
from keyframe.services import Services
from tests.conftest import PartnerInfo, make_partner
from tests.helpers import call, call_xml, error_code, start_session


def events(services: Services, partner_id: int | None = None, action: str | None = None) -> list[AuditEvent]:
    with services.db.transaction() as db:
        stmt = select(AuditEvent).order_by(AuditEvent.id)
        if partner_id is not None:
            stmt = stmt.where(AuditEvent.partner_id == partner_id)
        if action is not None:
            stmt = stmt.where(AuditEvent.action == action)
        found = list(db.scalars(stmt))
        db.expunge_all()
        return found


def ks_id(ks: str, secret: str) -> str:
    _, partner_id, payload = split_ks(ks)
    return decode_v2(partner_id, payload, [secret])[0].ks_id


def role_ks(client: TestClient, services: Services, partner: PartnerInfo, permissions: str) -> str:
    """An admin-type KS whose ``setrole`` is a stored role with these permissions."""
    with services.db.transaction() as db:
        role = UserRole(partner_id=partner.id, name=f"Role {permissions[:20]}", permission_names=permissions)
        db.add(role)
        db.flush()
        role_id = role.id
    return start_session(client, partner.id, partner.admin_secret, privileges=f"setrole:{role_id}")


def listing(client: TestClient, ks: str, **params: Any) -> dict[str, Any]:
    result = call(client, "auditTrail", "list", ks=ks, **params)
    assert error_code(result) is None, result
    assert result["objectType"] == "KalturaAuditTrailListResponse"
    return dict(result)


def assert_no_secrets(services: Services, forbidden: set[str]) -> None:
    """No column of any stored event contains a secret or a KS text."""
    forbidden = {f for f in forbidden if f}
    for event in events(services):
        for column in AuditEvent.__table__.columns:
            value = str(getattr(event, column.key))
            for text in forbidden:
                assert text not in value, (event.action, column.key)


# --- what is recorded ----------------------------------------------------------------------------


def test_rotation_is_recorded_without_the_secret(
    client: TestClient, partner: PartnerInfo, services: Services
) -> None:
    ks = start_session(client, partner.id, partner.admin_secret, user="ops@acme")
    rotated = call(client, "partner", "rotateSecret", ks=ks, secretType="admin", gracePeriod="600")
    [event] = events(services, action="partner.secret.rotated")
    assert (event.partner_id, event.object_type, event.object_id) == (
        partner.id,
        "KalturaPartner",
        str(partner.id),
    )
    assert (event.user_id, event.ks_id) == ("ops@acme", ks_id(ks, partner.admin_secret))
    assert event.client_ip == "testclient"
    assert json.loads(event.data) == {"kind": "admin", "graceSeconds": 600}
    assert event.created_at > 0
    assert_no_secrets(services, {partner.admin_secret, partner.secret, rotated["adminSecret"], ks})


def test_admin_secret_session_starts_are_recorded(
    client: TestClient, partner: PartnerInfo, services: Services
) -> None:
    admin_ks = start_session(client, partner.id, partner.admin_secret, user="alice", privileges="sview:*")
    user_ks_by_admin_secret = start_session(client, partner.id, partner.admin_secret, type=0, user="bob")
    user_ks = start_session(
        client, partner.id, partner.secret, type=0, user="carol"
    )  # user secret: not audited
    failed = call(client, "session", "start", secret="0" * 32, partnerId=str(partner.id), type="2")
    assert error_code(failed) == "START_SESSION_ERROR"

    started = events(services, action="session.start.admin_secret")
    assert [e.user_id for e in started] == ["alice", "bob"]
    first, second = started
    assert (first.partner_id, first.object_type, first.object_id) == (
        partner.id,
        "KalturaPartner",
        str(partner.id),
    )
    assert first.ks_id == ks_id(admin_ks, partner.admin_secret)
    assert second.ks_id == ks_id(user_ks_by_admin_secret, partner.admin_secret)
    assert first.client_ip == "testclient"
    data = json.loads(first.data)
    assert (data["sessionType"], data["previousSecret"], data["privileges"]) == (2, False, "sview:*")
    assert data["validUntil"] > 0
    assert json.loads(second.data)["sessionType"] == 0

    # After a rotation, using the replaced secret (in its grace period) is flagged.
    rotated = call(client, "partner", "rotateSecret", ks=admin_ks, secretType="admin")
    start_session(client, partner.id, partner.admin_secret, user="late")
    start_session(client, partner.id, rotated["adminSecret"], user="prompt")
    flagged = {
        e.user_id: json.loads(e.data)["previousSecret"]
        for e in events(services, action="session.start.admin_secret")
    }
    assert (flagged["late"], flagged["prompt"]) == (True, False)
    assert_no_secrets(
        services,
        {
            partner.admin_secret,
            partner.secret,
            rotated["adminSecret"],
            admin_ks,
            user_ks_by_admin_secret,
            user_ks,
        },
    )


def test_impersonation_by_secret_is_recorded_for_the_parent(
    client: TestClient, partner: PartnerInfo, services: Services
) -> None:
    child = make_partner(services, "Child", parent_id=partner.id)
    ks = call(
        client,
        "session",
        "impersonate",
        secret=partner.admin_secret,
        partnerId=str(partner.id),
        impersonatedPartnerId=str(child.id),
        type="2",
        userId="ops",
    )
    assert isinstance(ks, str)
    [event] = events(services, action="session.impersonate.admin_secret")
    assert (event.partner_id, event.object_id, event.user_id) == (partner.id, str(child.id), "ops")
    assert event.ks_id == ks_id(ks, child.admin_secret)
    assert json.loads(event.data)["impersonatedPartnerId"] == child.id
    assert_no_secrets(services, {partner.admin_secret, child.admin_secret, ks})


def test_reading_secrets_is_recorded(client: TestClient, partner: PartnerInfo, services: Services) -> None:
    admin_ks = start_session(client, partner.id, partner.admin_secret, user="alice")
    call(client, "partner", "getInfo", ks=admin_ks)
    call(client, "partner", "get", ks=admin_ks)
    integration_ks = role_ks(client, services, partner, "INTEGRATION_BASE")
    assert "adminSecret" not in call(client, "partner", "getInfo", ks=integration_ks)
    reader_ks = role_ks(client, services, partner, "KMC_READ_ONLY")
    shown = call(client, "partner", "getInfo", ks=reader_ks)
    assert "secret" not in shown and "adminSecret" not in shown  # nothing secret returned: no event

    reads = events(services, action="partner.secrets.read")
    assert [json.loads(e.data) for e in reads] == [
        {"secrets": ["adminSecret", "secret"], "via": "partner.getInfo"},
        {"secrets": ["adminSecret", "secret"], "via": "partner.get"},
        {"secrets": ["secret"], "via": "partner.getInfo"},
    ]
    assert reads[0].user_id == "alice" and reads[0].ks_id == ks_id(admin_ks, partner.admin_secret)
    assert {(e.partner_id, e.object_type, e.object_id) for e in reads} == {
        (partner.id, "KalturaPartner", str(partner.id))
    }


def test_a_parent_reading_a_childs_secrets_is_recorded_for_the_child(
    client: TestClient, partner: PartnerInfo, services: Services
) -> None:
    child = make_partner(services, "Child", parent_id=partner.id)
    parent_ks = start_session(client, partner.id, partner.admin_secret)
    assert call(client, "partner", "get", ks=parent_ks, id=str(child.id))["adminSecret"] == child.admin_secret
    [event] = [e for e in events(services, action="partner.secrets.read") if e.object_id == str(child.id)]
    assert event.partner_id == child.id
    assert json.loads(event.data)["ksPartnerId"] == partner.id


def test_get_secrets_success_is_recorded(
    client: TestClient, partner: PartnerInfo, services: Services
) -> None:
    result = call(
        client,
        "partner",
        "getSecrets",
        partnerId=str(partner.id),
        adminEmail=partner.admin_email,
        cmsPassword=partner.admin_password,
    )
    assert result["adminSecret"] == partner.admin_secret
    failed = call(
        client,
        "partner",
        "getSecrets",
        partnerId=str(partner.id),
        adminEmail=partner.admin_email,
        cmsPassword="Not-The-Password-42",
    )
    assert error_code(failed) == "USER_DATA_ERROR"
    [event] = events(services, action="partner.secrets.read")
    assert (event.partner_id, event.object_id, event.user_id, event.ks_id) == (
        partner.id,
        str(partner.id),
        partner.admin_email,
        "",
    )
    assert json.loads(event.data) == {"secrets": ["adminSecret", "secret"], "via": "partner.getSecrets"}
    # The failure is recorded like a wrong login password (and counts towards the login lock).
    [failure] = events(services, action="user.login.failed")
    assert (failure.partner_id, failure.object_id, failure.client_ip) == (
        partner.id,
        partner.admin_email,
        "testclient",
    )
    assert json.loads(failure.data)["via"] == "partner.getSecrets"
    assert_no_secrets(
        services, {partner.admin_secret, partner.secret, partner.admin_password, "Not-The-Password-42"}
    )


# --- auditTrail.list ---------------------------------------------------------------------------


def seed(services: Services, partner_id: int, rows: list[tuple[int, str, str, str, str]]) -> None:
    """Events (createdAt, action, objectType, objectId, userId) for a partner."""
    with services.db.transaction() as db:
        for created_at, action, object_type, object_id, user_id in rows:
            event = audit.record(
                db,
                partner_id=partner_id,
                action=action,
                object_type=object_type,
                object_id=object_id,
                user_id=user_id,
                data={"n": created_at},
            )
            event.created_at = created_at


ROWS = [
    (1_000, "partner.secret.rotated", "KalturaPartner", "7", "alice"),
    (2_000, "user.login.failed", "KalturaUser", "bob", "bob"),
    (3_000, "partner.secrets.read", "KalturaPartner", "7", "alice"),
    (4_000, "role.updated", "KalturaUserRole", "12", "carol"),
    (5_000, "partner.secrets.read", "KalturaPartner", "8", "bob"),
]


@pytest.fixture
def seeded(client: TestClient, partner: PartnerInfo, services: Services) -> str:
    """An admin KS of a partner whose audit trail holds exactly ROWS (another partner has one more)."""
    ks = start_session(client, partner.id, partner.admin_secret)
    with services.db.transaction() as db:
        for event in db.scalars(select(AuditEvent)):
            db.delete(event)
    seed(services, partner.id, ROWS)
    other = make_partner(services, "Other")
    seed(services, other.id, [(2_500, "partner.secrets.read", "KalturaPartner", "7", "alice")])
    return ks


def created(result: dict[str, Any]) -> list[int]:
    return [o["createdAt"] for o in result["objects"]]


def test_list_is_newest_first_and_only_the_callers_partner(
    client: TestClient, partner: PartnerInfo, seeded: str
) -> None:
    result = listing(client, seeded)
    assert result["totalCount"] == 5
    assert created(result) == [5_000, 4_000, 3_000, 2_000, 1_000]
    first = result["objects"][-1]
    assert first["objectType"] == "KalturaAuditTrail"
    assert first["partnerId"] == partner.id
    assert (first["action"], first["auditObjectType"], first["objectId"], first["userId"]) == (
        "partner.secret.rotated",
        "KalturaPartner",
        "7",
        "alice",
    )
    assert json.loads(first["data"]) == {"n": 1_000}
    assert {"id", "ksId", "clientIp"} <= first.keys()
    oldest_first = listing(
        client, seeded, filter={"objectType": "KalturaAuditTrailFilter", "orderBy": "+createdAt"}
    )
    assert created(oldest_first) == [1_000, 2_000, 3_000, 4_000, 5_000]


@pytest.mark.parametrize(
    ("criteria", "expected"),
    [
        ({"actionEqual": "partner.secrets.read"}, [5_000, 3_000]),
        ({"actionIn": "user.login.failed, role.updated"}, [4_000, 2_000]),
        ({"actionEqual": "role.updated", "actionIn": "user.login.failed"}, []),
        ({"auditObjectTypeEqual": "KalturaPartner"}, [5_000, 3_000, 1_000]),
        ({"objectIdEqual": "7"}, [3_000, 1_000]),
        ({"userIdEqual": "bob"}, [5_000, 2_000]),
        ({"createdAtGreaterThanOrEqual": "2000", "createdAtLessThanOrEqual": "4000"}, [4_000, 3_000, 2_000]),
        ({"userIdEqual": "alice", "actionEqual": "partner.secrets.read"}, [3_000]),
        ({"userIdEqual": "nobody"}, []),
    ],
)
def test_list_filters(client: TestClient, seeded: str, criteria: dict[str, str], expected: list[int]) -> None:
    result = listing(client, seeded, filter={"objectType": "KalturaAuditTrailFilter", **criteria})
    assert created(result) == expected
    assert result["totalCount"] == len(expected)


def test_list_pages(client: TestClient, seeded: str) -> None:
    pages = [
        listing(
            client, seeded, pager={"objectType": "KalturaFilterPager", "pageSize": "2", "pageIndex": str(i)}
        )
        for i in (1, 2, 3, 4)
    ]
    assert [created(p) for p in pages] == [[5_000, 4_000], [3_000, 2_000], [1_000], []]
    assert {p["totalCount"] for p in pages} == {5}
    deep = listing(
        client, seeded, pager={"objectType": "KalturaFilterPager", "pageSize": "500", "pageIndex": str(2**62)}
    )
    assert (deep["objects"], deep["totalCount"]) == ([], 5)


def test_list_refuses_an_unknown_order(client: TestClient, seeded: str) -> None:
    result = call(client, "auditTrail", "list", ks=seeded, filter={"orderBy": "+name"})
    assert error_code(result) == "INVALID_ENUM_VALUE"


def test_list_in_xml(client: TestClient, seeded: str) -> None:
    result = call_xml(client, "audittrail", "list", ks=seeded, filter={"actionEqual": "role.updated"})
    assert result.findtext("objectType") == "KalturaAuditTrailListResponse"
    assert result.findtext("totalCount") == "1"
    item = result.find("objects/item")
    assert item is not None
    assert (item.findtext("objectType"), item.findtext("auditObjectType")) == (
        "KalturaAuditTrail",
        "KalturaUserRole",
    )


def test_who_may_list(client: TestClient, partner: PartnerInfo, services: Services) -> None:
    user_ks = start_session(client, partner.id, partner.secret, type=0, user="viewer")
    manager = next(r for r in DEFAULT_ROLES if r.system_name == "MANAGER_ROLE")
    assert "AUDIT_TRAIL_BASE" in manager.permissions
    without_audit = ",".join(p for p in manager.permissions if not p.startswith("AUDIT_TRAIL"))
    manager_like_ks = role_ks(client, services, partner, without_audit)
    for ks in (user_ks, manager_like_ks):
        refused = call(client, "auditTrail", "list", ks=ks)
        assert error_code(refused) == "SERVICE_FORBIDDEN"
        assert refused["message"] == "The access to service [audittrail->list] is forbidden"
    assert error_code(call(client, "auditTrail", "list")) == "MISSING_KS"

    manager_ks = start_session(client, partner.id, partner.admin_secret, privileges="setrole:MANAGER_ROLE")
    auditor_ks = role_ks(client, services, partner, "AUDIT_TRAIL_BASE")
    admin_ks = start_session(client, partner.id, partner.admin_secret)
    for ks in (manager_ks, auditor_ks, admin_ks):
        assert listing(client, ks)["totalCount"] >= 1
