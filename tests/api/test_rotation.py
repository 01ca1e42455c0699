"""partner.rotateSecret (a Keyframe extension): new secrets, grace periods, and KSs across a rotation."""

from __future__ import annotations

import time

import pytest
from starlette.testclient import TestClient

from keyframe.partners import service as partner_service
from keyframe.partners.models import Partner
from keyframe.roles.models import UserRole
from keyframe.services import Services
from tests.conftest import PartnerInfo, make_partner
from tests.helpers import call, error_code, start_session

THIRTY_DAYS = 30 * 86_400


def rotate(client: TestClient, ks: str, secret_type: str, **params: object) -> dict[str, object]:
    result = call(client, "partner", "rotateSecret", ks=ks, secretType=secret_type, **params)
    assert error_code(result) is None, result
    assert isinstance(result, dict)
    return result


def load(services: Services, partner_id: int) -> Partner:
    with services.db.transaction() as db:
        partner = db.get_one(Partner, partner_id)
        db.expunge(partner)
        return partner


def end_grace(services: Services, partner_id: int, kind: str = "admin") -> None:
    """Move time past the grace period: the replaced secret's deadline goes into the past."""
    with services.db.transaction() as db:
        partner = db.get_one(Partner, partner_id)
        if kind == "admin":
            partner.previous_admin_secret_until = int(time.time()) - 1
        else:
            partner.previous_secret_until = int(time.time()) - 1


def works(client: TestClient, ks: str) -> bool:
    return error_code(call(client, "partner", "getInfo", ks=ks)) is None


def custom_role_ks(
    client: TestClient, services: Services, partner: PartnerInfo, permissions: str, name: str = "Custom"
) -> str:
    with services.db.transaction() as db:
        role = UserRole(partner_id=partner.id, name=name, permission_names=permissions)
        db.add(role)
        db.flush()
        role_id = role.id
    return start_session(client, partner.id, partner.admin_secret, privileges=f"setrole:{role_id}")


def test_rotating_the_admin_secret_keeps_the_old_one_for_the_grace_period(
    client: TestClient, partner: PartnerInfo, services: Services
) -> None:
    old_ks = start_session(client, partner.id, partner.admin_secret)
    assert works(client, old_ks)  # verified once: now in the validator's cache

    rotated = rotate(client, old_ks, "admin")
    new_secret = rotated["adminSecret"]
    assert isinstance(new_secret, str) and len(new_secret) == 32 and int(new_secret, 16) >= 0
    assert new_secret not in (partner.admin_secret, partner.secret)
    assert rotated["secret"] == partner.secret  # the user secret is untouched
    assert rotated["objectType"] == "KalturaPartner" and rotated["id"] == partner.id
    stored = load(services, partner.id)
    assert stored.admin_secret == new_secret
    assert stored.previous_admin_secret == partner.admin_secret
    assert abs(stored.previous_admin_secret_until - (time.time() + 86_400)) < 60

    # During the grace period both secrets start sessions, and KSs signed with either are valid.
    assert works(client, old_ks)
    assert works(client, start_session(client, partner.id, partner.admin_secret))
    new_ks = start_session(client, partner.id, new_secret)
    assert works(client, new_ks)
    assert call(client, "partner", "getInfo", ks=new_ks)["adminSecret"] == new_secret

    end_grace(services, partner.id)
    refused = call(client, "partner", "getInfo", ks=old_ks)
    assert error_code(refused) == "INVALID_KS"
    assert partner.admin_secret not in str(refused)
    again = call(client, "session", "start", secret=partner.admin_secret, partnerId=str(partner.id), type="2")
    assert error_code(again) == "START_SESSION_ERROR"
    assert works(client, new_ks)


def test_grace_zero_retires_the_old_admin_secret_at_once(client: TestClient, partner: PartnerInfo) -> None:
    old_ks = start_session(client, partner.id, partner.admin_secret)
    assert works(client, old_ks)
    rotated = rotate(client, old_ks, "ADMIN", gracePeriod="0")
    assert error_code(call(client, "partner", "getInfo", ks=old_ks)) == "INVALID_KS"
    assert works(client, start_session(client, partner.id, str(rotated["adminSecret"])))


def test_rotating_again_retires_the_older_secret_at_once(
    client: TestClient, partner: PartnerInfo, services: Services
) -> None:
    first_ks = start_session(client, partner.id, partner.admin_secret)
    assert works(client, first_ks)
    second = str(rotate(client, first_ks, "admin")["adminSecret"])
    second_ks = start_session(client, partner.id, second)
    third = str(rotate(client, second_ks, "admin", gracePeriod="3600")["adminSecret"])
    # One slot for a replaced secret: the original is gone, the second one is in its grace period.
    assert error_code(call(client, "partner", "getInfo", ks=first_ks)) == "INVALID_KS"
    assert works(client, second_ks)
    assert works(client, start_session(client, partner.id, third))
    stored = load(services, partner.id)
    assert (stored.admin_secret, stored.previous_admin_secret) == (third, second)
    assert abs(stored.previous_admin_secret_until - (time.time() + 3600)) < 60


def test_rotating_the_user_secret(client: TestClient, partner: PartnerInfo, services: Services) -> None:
    admin_ks = start_session(client, partner.id, partner.admin_secret)
    rotated = rotate(client, admin_ks, "USER", gracePeriod="600")
    new_user_secret = str(rotated["secret"])
    assert new_user_secret != partner.secret and len(new_user_secret) == 32
    assert rotated["adminSecret"] == partner.admin_secret
    assert works(client, admin_ks)  # KSs are signed with the admin secret: unaffected

    # Both user secrets start USER sessions during the grace period; neither starts an ADMIN session.
    for secret in (partner.secret, new_user_secret):
        start_session(client, partner.id, secret, type=0, user="viewer")
        admin = call(client, "session", "start", secret=secret, partnerId=str(partner.id), type="2")
        assert error_code(admin) == "START_SESSION_ERROR"

    end_grace(services, partner.id, "user")
    old = call(client, "session", "start", secret=partner.secret, partnerId=str(partner.id), type="0")
    assert error_code(old) == "START_SESSION_ERROR"
    start_session(client, partner.id, new_user_secret, type=0, user="viewer")


@pytest.mark.parametrize(
    ("params", "code", "arg"),
    [
        ({"secretType": "admin", "gracePeriod": "-1"}, "PROPERTY_VALIDATION_MIN_VALUE", "0"),
        ({"secretType": "user", "gracePeriod": str(THIRTY_DAYS + 1)}, "PROPERTY_VALIDATION_MAX_VALUE", None),
        ({"secretType": "partner"}, "INVALID_ENUM_VALUE", "partner"),
        ({"secretType": "2"}, "INVALID_ENUM_VALUE", "2"),
        ({"gracePeriod": "60"}, "MISSING_MANDATORY_PARAMETER", "secretType"),
    ],
)
def test_invalid_rotations_change_nothing(
    client: TestClient,
    partner: PartnerInfo,
    services: Services,
    params: dict[str, str],
    code: str,
    arg: str | None,
) -> None:
    ks = start_session(client, partner.id, partner.admin_secret)
    result = call(client, "partner", "rotateSecret", ks=ks, **params)
    assert error_code(result) == code
    if arg is not None:
        assert arg in result["message"]
    stored = load(services, partner.id)
    assert (stored.admin_secret, stored.secret) == (partner.admin_secret, partner.secret)
    assert (stored.previous_admin_secret, stored.previous_secret) == ("", "")


def test_the_longest_grace_period_is_thirty_days(
    client: TestClient, partner: PartnerInfo, services: Services
) -> None:
    ks = start_session(client, partner.id, partner.admin_secret)
    rotate(client, ks, "user", gracePeriod=str(THIRTY_DAYS))
    assert abs(load(services, partner.id).previous_secret_until - (time.time() + THIRTY_DAYS)) < 60


def test_only_publisher_management_may_rotate(
    client: TestClient, partner: PartnerInfo, services: Services
) -> None:
    user_ks = start_session(client, partner.id, partner.secret, type=0, user="viewer")
    manager_ks = start_session(client, partner.id, partner.admin_secret, privileges="setrole:MANAGER_ROLE")
    for ks in (user_ks, manager_ks):
        refused = call(client, "partner", "rotateSecret", ks=ks, secretType="admin")
        assert error_code(refused) == "SERVICE_FORBIDDEN"
        assert refused["message"] == "The access to service [partner->rotateSecret] is forbidden"
    missing = call(client, "partner", "rotateSecret", secretType="admin")
    assert error_code(missing) == "MISSING_KS"
    stored = load(services, partner.id)
    assert (stored.admin_secret, stored.secret) == (partner.admin_secret, partner.secret)


def test_the_answer_shows_secrets_by_the_usual_read_rules(
    client: TestClient, partner: PartnerInfo, services: Services
) -> None:
    ks = custom_role_ks(client, services, partner, "ADMIN_PUBLISHER_MANAGE")
    rotated = rotate(client, ks, "user")
    assert "adminSecret" in rotated
    assert "secret" not in rotated  # reading the user secret takes INTEGRATION_BASE
    assert load(services, partner.id).secret != partner.secret


def test_a_parent_rotates_a_childs_secret(
    client: TestClient, partner: PartnerInfo, services: Services
) -> None:
    child = make_partner(services, "Child", parent_id=partner.id)
    parent_ks = start_session(client, partner.id, partner.admin_secret)
    rotated = rotate(client, parent_ks, "admin", partnerId=str(child.id), gracePeriod="0")
    assert rotated["id"] == child.id
    assert load(services, child.id).admin_secret == rotated["adminSecret"] != child.admin_secret
    assert load(services, partner.id).admin_secret == partner.admin_secret


def test_rotate_secret_service(services: Services, partner: PartnerInfo) -> None:
    with services.db.transaction() as db:
        account = partner_service.get(db, partner.id)
        fresh = partner_service.rotate_secret(db, account, "admin", 0)
        assert account.admin_secrets == (fresh,)
        newer = partner_service.rotate_secret(db, account, "admin", 120)
        assert account.admin_secrets == (newer, fresh)
        user = partner_service.rotate_secret(db, account, "user")
        assert account.user_secrets == (user, partner.secret)
        assert len({fresh, newer, user, partner.admin_secret, partner.secret}) == 5
