"""What a KS's validity and privileges allow, checked on every call."""

from __future__ import annotations

import time

from starlette.testclient import TestClient

from keyframe.ks import encode_v2
from tests.conftest import PartnerInfo
from tests.helpers import call, error_code, start_session


def ks_for(partner: PartnerInfo, privileges: str = "", *, type: int = 2, lifetime: int = 600) -> str:
    return encode_v2(
        partner.admin_secret,
        partner_id=partner.id,
        valid_until=int(time.time()) + lifetime,
        type=type,
        privileges=privileges,
    )


def test_expired(client: TestClient, partner: PartnerInfo) -> None:
    result = call(client, "partner", "getInfo", ks=ks_for(partner, lifetime=-1))
    assert error_code(result) == "INVALID_KS"
    assert result["message"] == 'Invalid KS "EXPIRED", Error "-1,INVALID_STR"'
    assert result["args"] == {"KSID": "EXPIRED", "ERR_CODE": "-1", "ERR_DESC": "INVALID_STR"}


def test_missing_ks(client: TestClient) -> None:
    result = call(client, "partner", "getInfo")
    assert error_code(result) == "MISSING_KS"
    assert result["message"] == "Missing KS, session not established"
    assert error_code(call(client, "partner", "getInfo", ks__null="")) == "MISSING_KS"


def test_ip_restriction(client: TestClient, partner: PartnerInfo) -> None:
    # Starlette's test client calls from the address "testclient".
    assert call(client, "partner", "getInfo", ks=ks_for(partner, "iprestrict:testclient"))["id"] == partner.id
    refused = call(client, "partner", "getInfo", ks=ks_for(partner, "iprestrict:10.1.2.3"))
    assert refused["args"]["KSID"] == "EXCEEDED_RESTRICTED_IP"


def test_uri_restriction(client: TestClient, partner: PartnerInfo) -> None:
    ks = ks_for(partner, "urirestrict:/api_v3/service/session/*")
    assert call(client, "session", "get", ks=ks)["partnerId"] == partner.id
    refused = call(client, "partner", "getInfo", ks=ks)
    assert refused["args"]["KSID"] == "EXCEEDED_RESTRICTED_URI"
    # The path decides the action: a query string cannot steer a restricted KS elsewhere.
    response = client.post(
        "/api_v3/service/session/action/get?service=partner&action=getInfo", json={"format": "1", "ks": ks}
    )
    assert response.json()["objectType"] == "KalturaSessionInfo"


def test_uri_restriction_with_a_star_anywhere(client: TestClient, partner: PartnerInfo) -> None:
    ks = ks_for(partner, "urirestrict:*/action/get")
    assert call(client, "session", "get", ks=ks)["partnerId"] == partner.id
    assert call(client, "partner", "get", ks=ks)["id"] == partner.id
    assert error_code(call(client, "partner", "getInfo", ks=ks)) == "INVALID_KS"


def test_actions_limit_counts_every_call_durably(client: TestClient, partner: PartnerInfo) -> None:
    ks = ks_for(partner, "actionslimit:2")
    assert call(client, "partner", "getInfo", ks=ks)["id"] == partner.id
    # A failing call counts too.
    assert error_code(call(client, "partner", "get", ks=ks, id="12345678")) == "INVALID_PARTNER_ID"
    limited = call(client, "partner", "getInfo", ks=ks)
    assert limited["args"]["KSID"] == "EXCEEDED_ACTIONS_LIMIT"


def test_setrole_replaces_the_admin_role(client: TestClient, partner: PartnerInfo) -> None:
    ks = ks_for(partner, "setrole:BASE_USER_SESSION_ROLE")
    result = call(client, "partner", "getInfo", ks=ks)
    assert error_code(result) == "SERVICE_FORBIDDEN"
    assert result["message"] == "The access to service [partner->getInfo] is forbidden"
    assert call(client, "system", "ping", ks=ks) is True


def test_setrole_naming_an_unknown_role_fails(client: TestClient, partner: PartnerInfo) -> None:
    assert (
        error_code(call(client, "partner", "getInfo", ks=ks_for(partner, "setrole:NOPE")))
        == "UNKNOWN_ROLE_ID"
    )


def test_user_sessions_cannot_read_partner_info(client: TestClient, partner: PartnerInfo) -> None:
    ks = start_session(client, partner.id, partner.secret, type=0, user="viewer")
    assert error_code(call(client, "partner", "getInfo", ks=ks)) == "SERVICE_FORBIDDEN"
    assert call(client, "session", "get", ks=ks)["userId"] == "viewer"


def test_widget_sessions_get_the_widget_role(client: TestClient, partner: PartnerInfo) -> None:
    ks = ks_for(partner, "view:*,widget:1", type=0)
    assert error_code(call(client, "partner", "getInfo", ks=ks)) == "SERVICE_FORBIDDEN"
    assert call(client, "system", "getTime", ks=ks) > 0


def test_partner_id_parameter_must_match_the_ks(client: TestClient, partner: PartnerInfo) -> None:
    ks = ks_for(partner)
    assert call(client, "partner", "getInfo", ks=ks, partnerId=str(partner.id))["id"] == partner.id
    other = call(client, "partner", "getInfo", ks=ks, partnerId="424242")
    assert error_code(other) == "PARTNER_ACCESS_FORBIDDEN"
    assert error_code(call(client, "partner", "getInfo", ks=ks, partnerId="abc")) == "INVALID_PARTNER_ID"


def test_unknown_privileges_are_kept_and_ignored(client: TestClient, partner: PartnerInfo) -> None:
    ks = ks_for(partner, "somefutureflag:1,enablechangeaccount:5")
    assert call(client, "session", "get", ks=ks)["privileges"] == "somefutureflag:1,enablechangeaccount:5"
