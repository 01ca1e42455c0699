"""Regression tests for the review's findings: each closes a way around a limit."""

from __future__ import annotations

import logging
import time

import pytest
from starlette.testclient import TestClient

from keyframe.ks import encode_v2
from keyframe.services import Services
from tests.conftest import PartnerInfo
from tests.helpers import call, error_code, start_session


def test_chained_references_cannot_multiply_a_request(client: TestClient, partner: PartnerInfo) -> None:
    ks = start_session(client, partner.id, partner.admin_secret)
    body = {
        "format": "1",
        "ks": ks,
        "0": {"service": "permission", "action": "list", "pager": {"pageSize": "500"}},
        "1": {"service": "session", "action": "get", "session": "{1:result:objects:_all:description}" * 600},
    }
    first, second = client.post("/api_v3/service/multirequest", json=body).json()
    assert first["totalCount"] > 0
    assert second["code"] == "REQUEST_TOO_LARGE"


def test_the_access_log_shows_no_path_parameters(
    client: TestClient, partner: PartnerInfo, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="keyframe.access")
    client.get(f"/api_v3/service/session/action/start/secret/{partner.admin_secret}/partnerId/{partner.id}")
    client.get("/api_v3/service/user/action/loginByLoginId/loginId/a@b.example/password/hunter2hunter2")
    logged = "\n".join(r.getMessage() for r in caplog.records if r.name == "keyframe.access")
    assert "/api_v3/service/session/action/start" in logged
    assert partner.admin_secret not in logged and "hunter2" not in logged


def test_a_second_service_in_the_path_cannot_escape_urirestrict(
    client: TestClient, partner: PartnerInfo
) -> None:
    ks = encode_v2(
        partner.admin_secret,
        partner_id=partner.id,
        valid_until=int(time.time()) + 60,
        type=2,
        privileges="urirestrict:/api_v3/service/system/action/ping*",
    )
    answer = client.post(
        "/api_v3/service/system/action/ping/service/partner/action/getInfo", json={"format": "1", "ks": ks}
    ).json()
    assert answer is True  # the call the URL names, not the one smuggled after it


def test_forwarded_for_is_read_from_the_trusted_end(
    client: TestClient, partner: PartnerInfo, services: Services
) -> None:
    services.settings.trusted_proxies = ["testclient"]
    ks = encode_v2(
        partner.admin_secret,
        partner_id=partner.id,
        valid_until=int(time.time()) + 60,
        type=2,
        privileges="iprestrict:10.0.0.5",
    )
    forged = client.post(
        "/api_v3/service/partner/action/getInfo",
        json={"format": "1", "ks": ks},
        headers={"X-Forwarded-For": "10.0.0.5, 6.6.6.6"},
    ).json()
    assert forged["args"]["KSID"] == "EXCEEDED_RESTRICTED_IP"
    real = client.post(
        "/api_v3/service/partner/action/getInfo",
        json={"format": "1", "ks": ks},
        headers={"X-Forwarded-For": "10.0.0.5"},
    ).json()
    assert real["id"] == partner.id


def test_multipart_fields_count_towards_the_body_limit(client: TestClient, services: Services) -> None:
    # 20 fields of 600 kB: each under the per-part limit, together over the 10 MiB body limit.
    fields = {f"f{i}": (None, "x" * 600_000) for i in range(20)}
    response = client.post("/api_v3/service/system/action/ping", files=fields)
    assert b"REQUEST_TOO_LARGE" in response.content


def test_values_past_the_schema_are_validation_errors(client: TestClient, partner: PartnerInfo) -> None:
    ks = start_session(client, partner.id, partner.admin_secret)
    deep = call(client, "userRole", "list", ks=ks, pager={"pageSize": "500", "pageIndex": str(2**62)})
    assert deep["objects"] == []
    huge = call(
        client,
        "userRole",
        "list",
        ks=ks,
        filter={"objectType": "KalturaUserRoleFilter", "idEqual": str(2**62)},
    )
    assert huge["objects"] == []
    long = call(client, "userRole", "add", ks=ks, userRole={"name": "L", "description": "d" * 5000})
    assert error_code(long) == "PROPERTY_VALIDATION_MAX_LENGTH"
    user = call(
        client,
        "session",
        "start",
        secret=partner.admin_secret,
        partnerId=str(partner.id),
        type="2",
        userId="u" * 300,
    )
    assert error_code(user) == "PROPERTY_VALIDATION_MAX_LENGTH"
