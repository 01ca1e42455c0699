"""The official Python client (KalturaApiClient 23.x) against a live Keyframe.

Each test keeps its server up for the whole test: the client retries a failed connection with sleeps of
5-40 s, so a server that went away would turn a failure into a minutes-long hang.
"""

from __future__ import annotations

import time
from typing import Any

import pytest
from KalturaClient import KalturaClient, KalturaConfiguration
from KalturaClient.exceptions import KalturaException
from KalturaClient.Plugins.Core import KalturaPartner, KalturaSessionInfo, KalturaSessionType

from tests.conftest import LiveServer, PartnerInfo

pytestmark = pytest.mark.compat

ADMIN = KalturaSessionType.ADMIN
USER = KalturaSessionType.USER


def new_client(server: LiveServer, partner_id: int, ks: str | None = None) -> KalturaClient:
    config = KalturaConfiguration(partner_id)
    config.serviceUrl = server.url
    client = KalturaClient(config)
    if ks is not None:
        client.setKs(ks)
    return client


def admin_ks(server: LiveServer, partner: PartnerInfo, **kwargs: Any) -> str:
    client = new_client(server, partner.id)
    ks = client.session.start(partner.admin_secret, kwargs.pop("userId", ""), ADMIN, partner.id, **kwargs)
    assert isinstance(ks, str) and ks
    return ks


def assert_kaltura_error(code: str, call: Any, *args: Any) -> KalturaException:
    with pytest.raises(KalturaException) as info:
        call(*args)
    assert info.value.code == code, str(info.value)
    assert info.value.message
    return info.value


# --- session.start ------------------------------------------------------------------------------


def test_start_admin_session_with_admin_secret(live_server: LiveServer, partner: PartnerInfo) -> None:
    client = new_client(live_server, partner.id)
    ks = client.session.start(partner.admin_secret, "alice", ADMIN, partner.id, 3600, "disableentitlement")
    assert isinstance(ks, str) and ks.startswith("djJ8")  # a v2 KS by default

    client.setKs(ks)
    info = client.session.get()
    assert info.sessionType.getValue() == ADMIN
    assert info.userId == "alice"
    assert info.privileges == "disableentitlement"
    # An admin KS is good for admin-only reads.
    assert client.partner.getInfo().id == partner.id


def test_start_user_session_with_user_secret(live_server: LiveServer, partner: PartnerInfo) -> None:
    client = new_client(live_server, partner.id)
    ks = client.session.start(partner.secret, "bob", USER, partner.id)
    assert isinstance(ks, str) and ks

    client.setKs(ks)
    info = client.session.get()
    assert info.sessionType.getValue() == USER
    assert info.userId == "bob"
    assert info.partnerId == partner.id


def test_start_user_session_with_admin_secret(live_server: LiveServer, partner: PartnerInfo) -> None:
    client = new_client(live_server, partner.id)
    ks = client.session.start(partner.admin_secret, "bob", USER, partner.id)
    client.setKs(ks)
    assert client.session.get().sessionType.getValue() == USER


def test_admin_session_with_user_secret_fails(live_server: LiveServer, partner: PartnerInfo) -> None:
    client = new_client(live_server, partner.id)
    error = assert_kaltura_error(
        "START_SESSION_ERROR", client.session.start, partner.secret, "alice", ADMIN, partner.id
    )
    assert str(partner.id) in error.message


def test_wrong_secret_fails_with_start_session_error(live_server: LiveServer, partner: PartnerInfo) -> None:
    client = new_client(live_server, partner.id)
    assert_kaltura_error("START_SESSION_ERROR", client.session.start, "0" * 32, "", ADMIN, partner.id)
    assert_kaltura_error("START_SESSION_ERROR", client.session.start, "0" * 32, "", USER, partner.id)


def test_unknown_partner_fails_with_start_session_error(
    live_server: LiveServer, partner: PartnerInfo
) -> None:
    client = new_client(live_server, partner.id)
    assert_kaltura_error(
        "START_SESSION_ERROR", client.session.start, partner.admin_secret, "", ADMIN, partner.id + 999_999
    )


# --- KSs made by the client itself ----------------------------------------------------------------


@pytest.mark.parametrize("generate", ["generateSession", "generateSessionV2"])
def test_locally_generated_ks_is_accepted(
    live_server: LiveServer, partner: PartnerInfo, generate: str
) -> None:
    raw = getattr(KalturaClient, generate)(partner.admin_secret, "local-admin", ADMIN, partner.id, 3600, "")
    assert isinstance(raw, bytes)
    ks = raw.decode()
    client = new_client(live_server, partner.id, ks)

    info = client.partner.getInfo()
    assert isinstance(info, KalturaPartner)
    assert info.id == partner.id

    session = client.session.get()
    assert session.userId == "local-admin"
    assert session.sessionType.getValue() == ADMIN
    assert abs(session.expiry - (int(time.time()) + 3600)) <= 60


@pytest.mark.parametrize("generate", ["generateSession", "generateSessionV2"])
def test_locally_generated_ks_with_user_secret_is_rejected(
    live_server: LiveServer, partner: PartnerInfo, generate: str
) -> None:
    """Only admin secrets ever sign a KS."""
    ks = getattr(KalturaClient, generate)(partner.secret, "x", ADMIN, partner.id, 3600, "").decode()
    client = new_client(live_server, partner.id, ks)
    assert_kaltura_error("INVALID_KS", client.partner.getInfo)


def test_expired_ks_is_invalid(live_server: LiveServer, partner: PartnerInfo) -> None:
    ks = KalturaClient.generateSessionV2(partner.admin_secret, "old", ADMIN, partner.id, -60, "").decode()
    client = new_client(live_server, partner.id, ks)
    error = assert_kaltura_error("INVALID_KS", client.partner.getInfo)
    assert "EXPIRED" in error.message
    assert_kaltura_error("INVALID_KS", client.session.get)


def test_expired_v1_ks_is_invalid(live_server: LiveServer, partner: PartnerInfo) -> None:
    ks = KalturaClient.generateSession(partner.admin_secret, "old", ADMIN, partner.id, -60, "").decode()
    client = new_client(live_server, partner.id, ks)
    assert_kaltura_error("INVALID_KS", client.partner.getInfo)


# --- session.get / session.end --------------------------------------------------------------------


def test_session_get_describes_the_ks(live_server: LiveServer, partner: PartnerInfo) -> None:
    client = new_client(live_server, partner.id)
    before = int(time.time())
    ks = client.session.start(
        partner.admin_secret,
        "carol@example.com",
        ADMIN,
        partner.id,
        1800,
        "privacycontext:MediaSpace,sview:*",
    )
    after = int(time.time())
    client.setKs(ks)

    info = client.session.get()
    assert isinstance(info, KalturaSessionInfo)
    assert info.partnerId == partner.id
    assert info.userId == "carol@example.com"
    assert info.sessionType.getValue() == ADMIN
    # session.get reports the absolute expiry time, not the seconds left.
    assert before + 1800 <= info.expiry <= after + 1800
    assert info.privileges == "privacycontext:MediaSpace,sview:*"


def test_session_get_of_another_ks(live_server: LiveServer, partner: PartnerInfo) -> None:
    client = new_client(live_server, partner.id, admin_ks(live_server, partner))
    other = client.session.start(partner.secret, "dave", USER, partner.id, 600, "*")

    info = client.session.get(other)
    assert info.partnerId == partner.id
    assert info.userId == "dave"
    assert info.sessionType.getValue() == USER
    assert info.privileges == "*"
    assert abs(info.expiry - (int(time.time()) + 600)) <= 60


def test_expiry_is_capped_at_a_day(live_server: LiveServer, partner: PartnerInfo) -> None:
    client = new_client(live_server, partner.id)
    client.setKs(client.session.start(partner.admin_secret, "", ADMIN, partner.id, 10 * 86_400))
    assert client.session.get().expiry <= int(time.time()) + 86_400 + 5


def test_session_end_invalidates_the_ks(live_server: LiveServer, partner: PartnerInfo) -> None:
    ks = admin_ks(live_server, partner)
    client = new_client(live_server, partner.id, ks)
    assert client.partner.getInfo().id == partner.id

    assert client.session.end() is None

    assert_kaltura_error("INVALID_KS", client.partner.getInfo)
    assert_kaltura_error("INVALID_KS", client.session.get)
    # Another client using the same KS text is refused as well.
    other = new_client(live_server, partner.id, ks)
    assert_kaltura_error("INVALID_KS", other.partner.getInfo)
    # A fresh KS still works.
    client.setKs(admin_ks(live_server, partner))
    assert client.partner.getInfo().id == partner.id


def test_session_end_of_a_client_generated_ks(live_server: LiveServer, partner: PartnerInfo) -> None:
    ks = KalturaClient.generateSession(partner.admin_secret, "", ADMIN, partner.id, 3600, "").decode()
    client = new_client(live_server, partner.id, ks)
    client.session.end()
    assert_kaltura_error("INVALID_KS", client.partner.getInfo)


def test_garbage_ks_is_invalid(live_server: LiveServer, partner: PartnerInfo) -> None:
    client = new_client(live_server, partner.id, "not-a-ks")
    assert_kaltura_error("INVALID_KS", client.partner.getInfo)


def test_missing_ks(live_server: LiveServer, partner: PartnerInfo) -> None:
    client = new_client(live_server, partner.id)
    assert_kaltura_error("MISSING_KS", client.partner.getInfo)


# --- partner ------------------------------------------------------------------------------------


def test_partner_get_info_with_admin_ks(live_server: LiveServer, partner: PartnerInfo) -> None:
    client = new_client(live_server, partner.id, admin_ks(live_server, partner))
    info = client.partner.getInfo()
    assert isinstance(info, KalturaPartner)
    assert info.id == partner.id
    assert info.name == "Acme"
    assert info.adminSecret == partner.admin_secret
    assert info.secret == partner.secret
    assert info.status.getValue() == 1  # ACTIVE
    assert info.adminEmail == partner.admin_email


def test_partner_get_with_admin_ks(live_server: LiveServer, partner: PartnerInfo) -> None:
    client = new_client(live_server, partner.id, admin_ks(live_server, partner))
    info = client.partner.get()
    assert info.id == partner.id
    assert client.partner.get(partner.id).id == partner.id
    assert_kaltura_error("INVALID_PARTNER_ID", client.partner.get, partner.id + 999_999)


def test_partner_get_secrets(live_server: LiveServer, partner: PartnerInfo) -> None:
    client = new_client(live_server, partner.id)
    info = client.partner.getSecrets(partner.id, partner.admin_email, partner.admin_password)
    assert isinstance(info, KalturaPartner)
    assert info.id == partner.id
    assert info.adminSecret == partner.admin_secret
    assert info.secret == partner.secret
    # The secrets it returns start sessions.
    assert client.session.start(info.adminSecret, "", ADMIN, partner.id)


def test_partner_get_secrets_wrong_password(live_server: LiveServer, partner: PartnerInfo) -> None:
    client = new_client(live_server, partner.id)
    assert_kaltura_error(
        "USER_DATA_ERROR", client.partner.getSecrets, partner.id, partner.admin_email, "wrong password"
    )
    assert_kaltura_error(
        "USER_DATA_ERROR",
        client.partner.getSecrets,
        partner.id,
        "nobody@example.com",
        partner.admin_password,
    )


# --- system -------------------------------------------------------------------------------------


def test_system_ping(live_server: LiveServer, partner: PartnerInfo) -> None:
    client = new_client(live_server, partner.id)
    assert client.system.ping() is True
    client.setKs(admin_ks(live_server, partner))
    assert client.system.ping() is True


# --- multirequest -------------------------------------------------------------------------------


def test_multirequest_with_result_reference_and_failing_item(
    live_server: LiveServer, partner: PartnerInfo
) -> None:
    client = new_client(live_server, partner.id)
    client.startMultiRequest()
    started = client.session.start(partner.admin_secret, "mr-user", ADMIN, partner.id, 3600, "sview:*")
    assert str(started) == "{1:result}"
    client.setKs(started)  # every later call carries ks={1:result}
    client.session.get(started)  # and {1:result} as the `session` argument too
    client.session.start("wrong-secret", "", ADMIN, partner.id)  # fails, the rest keeps going
    client.partner.getInfo()
    client.system.ping()
    results = client.doMultiRequest()

    assert len(results) == 5
    ks, info, failure, partner_info, pong = results
    assert isinstance(ks, str) and ks.startswith("djJ8")
    assert isinstance(info, KalturaSessionInfo)
    assert info.userId == "mr-user"
    assert info.partnerId == partner.id
    assert info.sessionType.getValue() == ADMIN
    assert info.privileges == "sview:*"
    assert isinstance(failure, KalturaException)
    assert failure.code == "START_SESSION_ERROR"
    assert isinstance(partner_info, KalturaPartner)
    assert partner_info.id == partner.id
    assert partner_info.adminSecret == partner.admin_secret
    # In a multirequest scalars come back as text; the server writes booleans as 1/0.
    assert pong == "1"

    # The KS the multirequest started is a real one.
    check = new_client(live_server, partner.id, ks)
    assert check.session.get().userId == "mr-user"


def test_multirequest_reference_to_failed_item(live_server: LiveServer, partner: PartnerInfo) -> None:
    """A reference to a failed sub-request resolves to "", so the dependent call fails on its own."""
    client = new_client(live_server, partner.id, admin_ks(live_server, partner))
    client.startMultiRequest()
    bad = client.session.start("wrong-secret", "", ADMIN, partner.id)
    client.session.get(bad)
    client.partner.getInfo()
    results = client.doMultiRequest()

    assert len(results) == 3
    assert isinstance(results[0], KalturaException)
    assert results[0].code == "START_SESSION_ERROR"
    assert isinstance(results[1], KalturaSessionInfo)  # session="" → the current KS
    assert isinstance(results[2], KalturaPartner)
    assert results[2].id == partner.id


def test_multirequest_attribute_reference(live_server: LiveServer, partner: PartnerInfo) -> None:
    client = new_client(live_server, partner.id, admin_ks(live_server, partner))
    client.startMultiRequest()
    info = client.partner.getSecrets(partner.id, partner.admin_email, partner.admin_password)
    client.session.start(info.adminSecret, "via-ref", ADMIN, info.id)  # {1:result:adminSecret}
    results = client.doMultiRequest()

    assert isinstance(results[0], KalturaPartner)
    assert isinstance(results[1], str), results[1]
    check = new_client(live_server, partner.id, results[1])
    assert check.session.get().userId == "via-ref"


def test_multirequest_all_failing(live_server: LiveServer, partner: PartnerInfo) -> None:
    client = new_client(live_server, partner.id, "garbage")
    client.startMultiRequest()
    client.partner.getInfo()
    client.session.get()
    results = client.doMultiRequest()
    assert [r.code for r in results] == ["INVALID_KS", "INVALID_KS"]
