"""session.start / get / end / impersonate / impersonateByKs over HTTP, on SQLite and PostgreSQL."""

from __future__ import annotations

import time

from starlette.testclient import TestClient

from keyframe.ks import Privileges, decode_v2, encode_v1, encode_v2, split_ks
from keyframe.partners import service as partner_service
from keyframe.partners.models import PartnerStatus
from keyframe.services import Services
from tests.conftest import PartnerInfo, make_partner
from tests.helpers import call, error_code, start_session


def decode(ks: str, partner: PartnerInfo):  # type: ignore[no-untyped-def]
    _, pid, payload = split_ks(ks)
    token, _ = decode_v2(pid, payload, [partner.admin_secret])
    return token


def test_admin_secret_starts_admin_and_user_sessions(client: TestClient, partner: PartnerInfo) -> None:
    admin = start_session(
        client, partner.id, partner.admin_secret, type=2, user="alice", privileges="sview:*"
    )
    user = start_session(client, partner.id, partner.admin_secret, type=0, user="bob")
    assert admin.startswith("djJ8")  # v2 by default
    token = decode(admin, partner)
    assert (token.partner_id, token.user_id, token.type, str(token.privileges)) == (
        partner.id,
        "alice",
        2,
        "sview:*",
    )
    assert decode(user, partner).type == 0


def test_user_secret_starts_only_user_sessions(client: TestClient, partner: PartnerInfo) -> None:
    user = start_session(client, partner.id, partner.secret, type=0, user="bob")
    assert decode(user, partner).type == 0  # signed with the admin secret all the same
    refused = call(client, "session", "start", secret=partner.secret, partnerId=str(partner.id), type="2")
    assert error_code(refused) == "START_SESSION_ERROR"
    assert refused["message"] == f"Error while starting session for partner [{partner.id}]"


def test_bad_secret_unknown_partner_and_blocked_partner(
    client: TestClient, partner: PartnerInfo, services: Services
) -> None:
    assert error_code(call(client, "session", "start", secret="x" * 32, partnerId=str(partner.id))) == (
        "START_SESSION_ERROR"
    )
    assert error_code(call(client, "session", "start", secret=partner.admin_secret, partnerId="99999")) == (
        "START_SESSION_ERROR"
    )
    assert error_code(call(client, "session", "start", secret=partner.admin_secret)) == "START_SESSION_ERROR"
    ks = start_session(client, partner.id, partner.admin_secret)
    with services.db.transaction() as db:
        partner_service.set_status(db, partner.id, PartnerStatus.BLOCKED)
    blocked = call(client, "session", "start", secret=partner.admin_secret, partnerId=str(partner.id))
    assert error_code(blocked) == "START_SESSION_ERROR"
    # Sessions it already had stop working too.
    assert error_code(call(client, "partner", "getInfo", ks=ks)) == "SERVICE_FORBIDDEN_CONTENT_BLOCKED"


def test_expiry_is_capped_by_the_partner_maximum(client: TestClient, partner: PartnerInfo) -> None:
    before = int(time.time())
    long = decode(
        call(
            client,
            "session",
            "start",
            secret=partner.admin_secret,
            partnerId=str(partner.id),
            expiry="9999999",
        ),
        partner,
    )
    assert before + 86_400 <= long.valid_until <= int(time.time()) + 86_400
    short = decode(
        call(client, "session", "start", secret=partner.admin_secret, partnerId=str(partner.id), expiry="60"),
        partner,
    )
    assert short.valid_until <= int(time.time()) + 60


def test_privileges_are_validated_at_start(client: TestClient, partner: PartnerInfo) -> None:
    def start(privileges: str) -> object:
        return call(
            client,
            "session",
            "start",
            secret=partner.admin_secret,
            partnerId=str(partner.id),
            privileges=privileges,
        )

    assert error_code(start("setrole:NO_SUCH_ROLE")) == "UNKNOWN_ROLE_ID"
    assert error_code(start("setrole:-3")) == "INVALID_SET_ROLE"
    assert error_code(start("actionslimit:0")) == "INVALID_ACTIONS_LIMIT"
    assert error_code(start("actionslimit:x")) == "INVALID_ACTIONS_LIMIT"
    assert isinstance(start("setrole:BASE_USER_SESSION_ROLE,actionslimit:5,unknownthing:1"), str)


def test_session_get_describes_the_current_or_a_given_ks(client: TestClient, partner: PartnerInfo) -> None:
    ks = start_session(client, partner.id, partner.admin_secret, user="alice", privileges="privacycontext:X")
    other = start_session(client, partner.id, partner.secret, type=0, user="bob")
    info = call(client, "session", "get", ks=ks)
    assert info["objectType"] == "KalturaSessionInfo"
    assert (info["partnerId"], info["userId"], info["sessionType"], info["privileges"]) == (
        partner.id,
        "alice",
        2,
        "privacycontext:X",
    )
    assert info["expiry"] > time.time()  # absolute
    assert "ks" not in info
    assert call(client, "session", "get", ks=ks, session=other)["userId"] == "bob"


def test_session_get_refuses_another_partners_ks(
    client: TestClient, partner: PartnerInfo, services: Services
) -> None:
    stranger = make_partner(services, "Stranger")
    ks = start_session(client, partner.id, partner.admin_secret)
    theirs = start_session(client, stranger.id, stranger.admin_secret)
    assert error_code(call(client, "session", "get", ks=ks, session=theirs)) == "PARTNER_ACCESS_FORBIDDEN"


def test_session_end_revokes_at_once(client: TestClient, partner: PartnerInfo) -> None:
    ks = start_session(client, partner.id, partner.admin_secret)
    assert call(client, "partner", "getInfo", ks=ks)["id"] == partner.id
    assert call(client, "session", "end", ks=ks) is None
    revoked = call(client, "partner", "getInfo", ks=ks)
    assert error_code(revoked) == "INVALID_KS"
    assert revoked["message"] == 'Invalid KS "LOGOUT", Error "-1,INVALID_STR"'
    # Another KS of the same partner is unaffected.
    assert call(client, "partner", "getInfo", ks=start_session(client, partner.id, partner.admin_secret))[
        "id"
    ]


def test_session_end_with_sessionid_revokes_the_whole_group(client: TestClient, partner: PartnerInfo) -> None:
    first = start_session(client, partner.id, partner.admin_secret, privileges="sessionid:app-1")
    second = start_session(client, partner.id, partner.admin_secret, privileges="sessionid:app-1")
    unrelated = start_session(client, partner.id, partner.admin_secret, privileges="sessionid:app-2")
    call(client, "session", "end", ks=first)
    assert error_code(call(client, "partner", "getInfo", ks=second)) == "INVALID_KS"
    assert call(client, "partner", "getInfo", ks=unrelated)["id"] == partner.id


def test_session_end_without_ks_is_harmless(client: TestClient) -> None:
    assert call(client, "session", "end") is None


def test_v1_tokens_are_accepted(client: TestClient, partner: PartnerInfo) -> None:
    ks = encode_v1(partner.admin_secret, partner_id=partner.id, valid_until=int(time.time()) + 60, type=2)
    assert call(client, "partner", "getInfo", ks=ks)["id"] == partner.id
    call(client, "session", "end", ks=ks)
    assert error_code(call(client, "partner", "getInfo", ks=ks)) == "INVALID_KS"


def test_impersonate_a_child_partner(client: TestClient, partner: PartnerInfo, services: Services) -> None:
    child = make_partner(services, "Child", parent_id=partner.id)
    stranger = make_partner(services, "Stranger")
    ks = call(
        client,
        "session",
        "impersonate",
        secret=partner.admin_secret,
        impersonatedPartnerId=str(child.id),
        partnerId=str(partner.id),
        type="2",
        userId="ops",
    )
    token = decode(ks, child)
    assert (token.partner_id, token.master_partner_id, token.user_id) == (child.id, partner.id, "ops")
    assert call(client, "partner", "getInfo", ks=ks)["id"] == child.id
    refused = call(
        client,
        "session",
        "impersonate",
        secret=partner.admin_secret,
        impersonatedPartnerId=str(stranger.id),
        partnerId=str(partner.id),
    )
    assert error_code(refused) == "PARTNER_ACCESS_FORBIDDEN"
    wrong_secret = call(
        client,
        "session",
        "impersonate",
        secret=partner.secret,
        impersonatedPartnerId=str(child.id),
        partnerId=str(partner.id),
    )
    assert error_code(wrong_secret) == "START_SESSION_ERROR"


def test_impersonate_by_ks(client: TestClient, partner: PartnerInfo, services: Services) -> None:
    child = make_partner(services, "Child", parent_id=partner.id)
    parent_ks = start_session(client, partner.id, partner.admin_secret)
    child_ks = start_session(client, child.id, child.secret, type=0, user="learner", privileges="sview:*")
    info = call(client, "session", "impersonateByKs", ks=parent_ks, session=child_ks)
    assert info["objectType"] == "KalturaSessionInfo"
    assert (info["partnerId"], info["userId"], info["sessionType"], info["privileges"]) == (
        child.id,
        "learner",
        0,
        "sview:*",
    )
    assert 0 < info["expiry"] <= 86_400  # relative: seconds remaining
    token = decode(info["ks"], child)
    assert token.master_partner_id == partner.id
    # A USER session cannot mint sessions.
    user_ks = start_session(client, partner.id, partner.secret, type=0)
    assert error_code(call(client, "session", "impersonateByKs", ks=user_ks, session=child_ks)) == (
        "SERVICE_FORBIDDEN"
    )


def test_ks_in_authorization_header(client: TestClient, partner: PartnerInfo) -> None:
    ks = start_session(client, partner.id, partner.admin_secret)
    response = client.post(
        "/api_v3/service/partner/action/getInfo", json={"format": "1"}, headers={"Authorization": f"KS {ks}"}
    )
    assert response.json()["id"] == partner.id


def test_version_one_partner_issues_v1(client: TestClient, partner: PartnerInfo, services: Services) -> None:
    from keyframe.partners.models import Partner

    with services.db.transaction() as db:
        db.get(Partner, partner.id).ks_version = 1  # type: ignore[union-attr]
    ks = start_session(client, partner.id, partner.admin_secret, user="alice")
    assert not ks.startswith("djJ8")
    assert call(client, "session", "get", ks=ks)["userId"] == "alice"
    bad = call(
        client, "session", "start", secret=partner.admin_secret, partnerId=str(partner.id), userId="a;b"
    )
    assert error_code(bad) == "PROPERTY_VALIDATION_WRONG_FORMAT"


def test_a_token_signed_with_another_secret_is_invalid(client: TestClient, partner: PartnerInfo) -> None:
    forged = encode_v2("f" * 32, partner_id=partner.id, valid_until=int(time.time()) + 60, type=2)
    result = call(client, "partner", "getInfo", ks=forged)
    assert error_code(result) == "INVALID_KS"
    assert result["message"] == f'Invalid KS "{forged}", Error "-1,INVALID_STR"'
    assert Privileges.parse("") == Privileges()
