"""partner.getInfo / get / getSecrets / register."""

from __future__ import annotations

from starlette.testclient import TestClient

from keyframe.services import Services
from tests.conftest import PartnerInfo, make_partner
from tests.helpers import call, error_code, start_session


def test_get_info_shows_the_account(client: TestClient, partner: PartnerInfo) -> None:
    ks = start_session(client, partner.id, partner.admin_secret)
    info = call(client, "partner", "getInfo", ks=ks)
    assert info["objectType"] == "KalturaPartner"
    assert (info["id"], info["name"], info["status"]) == (partner.id, "Acme", 1)
    assert (info["adminSecret"], info["secret"]) == (partner.admin_secret, partner.secret)
    assert info["adminEmail"] == partner.admin_email
    assert info["subPartnerId"] == partner.id * 100
    assert partner.id >= 100


def test_secrets_are_32_hex_and_distinct(services: Services) -> None:
    first, second = make_partner(services), make_partner(services)
    secrets = {first.admin_secret, first.secret, second.admin_secret, second.secret}
    assert len(secrets) == 4
    assert all(len(s) == 32 and int(s, 16) >= 0 for s in secrets)
    assert second.id == first.id + 1


def test_get_reads_self_and_children_only(
    client: TestClient, partner: PartnerInfo, services: Services
) -> None:
    child = make_partner(services, "Child", parent_id=partner.id)
    stranger = make_partner(services, "Stranger")
    ks = start_session(client, partner.id, partner.admin_secret)
    assert call(client, "partner", "get", ks=ks)["id"] == partner.id
    assert call(client, "partner", "get", ks=ks, id=str(child.id))["name"] == "Child"
    refused = call(client, "partner", "get", ks=ks, id=str(stranger.id))
    assert error_code(refused) == "INVALID_PARTNER_ID"
    assert refused["message"] == f'Invalid partner id "{stranger.id}"'


def test_get_secrets_with_admin_credentials(client: TestClient, partner: PartnerInfo) -> None:
    result = call(
        client,
        "partner",
        "getSecrets",
        partnerId=str(partner.id),
        adminEmail=partner.admin_email.upper(),
        cmsPassword=partner.admin_password,
    )
    assert (result["adminSecret"], result["secret"]) == (partner.admin_secret, partner.secret)
    assert "cmsPassword" not in result


def test_get_secrets_refuses_bad_credentials_alike(
    client: TestClient, partner: PartnerInfo, services: Services
) -> None:
    other = make_partner(services, "Other")
    attempts = [
        (partner.id, partner.admin_email, "wrong password"),
        (partner.id, "nobody@example.com", partner.admin_password),
        (other.id, partner.admin_email, partner.admin_password),  # right login, wrong partner
        (999_999, partner.admin_email, partner.admin_password),
    ]
    for partner_id, email, password in attempts:
        result = call(
            client, "partner", "getSecrets", partnerId=str(partner_id), adminEmail=email, cmsPassword=password
        )
        assert error_code(result) == "USER_DATA_ERROR"
        assert result["message"] == "User data is not valid."


def test_register_is_closed_by_default(client: TestClient) -> None:
    result = call(
        client,
        "partner",
        "register",
        partner={"objectType": "KalturaPartner", "name": "New", "adminEmail": "n@example.com"},
        cmsPassword="long enough password",
    )
    assert error_code(result) == "SERVICE_FORBIDDEN"


def test_register_when_the_operator_allows_it(client: TestClient, services: Services) -> None:
    services.settings.allow_public_registration = True
    created = call(
        client,
        "partner",
        "register",
        partner={"objectType": "KalturaPartner", "name": "New Co", "adminEmail": "owner@newco.example"},
        cmsPassword="long enough password",
    )
    assert created["name"] == "New Co"
    assert len(created["adminSecret"]) == 32
    ks = start_session(client, created["id"], created["adminSecret"])
    assert call(client, "partner", "getInfo", ks=ks)["adminEmail"] == "owner@newco.example"
    again = call(
        client,
        "partner",
        "register",
        partner={"objectType": "KalturaPartner", "name": "Dup", "adminEmail": "OWNER@newco.example"},
        cmsPassword="long enough password",
    )
    assert error_code(again) == "DUPLICATE_USER_BY_LOGIN_ID"
    weak = call(
        client,
        "partner",
        "register",
        partner={"objectType": "KalturaPartner", "name": "Weak", "adminEmail": "w@newco.example"},
        cmsPassword="short",
    )
    assert error_code(weak) == "PARTNER_REGISTRATION_ERROR"


def test_get_secrets_follows_the_users_roles_and_the_login_lock(
    client: TestClient, partner: PartnerInfo, services: Services
) -> None:
    from sqlalchemy import select

    from keyframe.roles.models import UserRole
    from keyframe.users.models import User
    from keyframe.users.passwords import hash_password

    with services.db.transaction() as db:
        uploader = db.scalar(
            select(UserRole.id).where(UserRole.partner_id == partner.id, UserRole.name == "Content Uploader")
        )
        db.add(
            User(
                partner_id=partner.id,
                user_id="up",
                login_id="up@example.com",
                is_admin=True,
                password_hash=hash_password("uploader password"),
                role_ids=str(uploader),
            )
        )
    seen = call(
        client,
        "partner",
        "getSecrets",
        partnerId=str(partner.id),
        adminEmail="up@example.com",
        cmsPassword="uploader password",
    )
    assert seen["id"] == partner.id
    assert "adminSecret" not in seen and "secret" not in seen
    for _ in range(5):
        wrong = call(
            client,
            "partner",
            "getSecrets",
            partnerId=str(partner.id),
            adminEmail=partner.admin_email,
            cmsPassword="wrong password",
        )
    assert error_code(wrong) == "LOGIN_RETRIES_EXCEEDED"
    locked = call(
        client,
        "partner",
        "getSecrets",
        partnerId=str(partner.id),
        adminEmail=partner.admin_email,
        cmsPassword=partner.admin_password,
    )
    assert error_code(locked) == "LOGIN_RETRIES_EXCEEDED"
