"""Ids no partner can have (64-bit numbers) are ordinary "not found" answers on every backend."""

from __future__ import annotations

import base64

from starlette.testclient import TestClient

from tests.conftest import PartnerInfo
from tests.helpers import call, error_code

HUGE = "9223372036854775807"


def test_huge_partner_ids(client: TestClient, partner: PartnerInfo) -> None:
    assert error_code(call(client, "session", "start", secret="x", partnerId=HUGE)) == "START_SESSION_ERROR"
    ks = base64.urlsafe_b64encode(b"v2|99999999999999999|" + b"0" * 32).decode()
    assert error_code(call(client, "partner", "getInfo", ks=ks)) == "INVALID_KS"
    secrets = call(client, "partner", "getSecrets", partnerId=HUGE, adminEmail="a@b.example", cmsPassword="x")
    assert error_code(secrets) == "USER_DATA_ERROR"
