"""The official client's Vendor plugin (``client.vendor.zoomVendor`` / ``vendorIntegration``) against a
live Keyframe with a linked account."""

from __future__ import annotations

import pytest
from KalturaClient import KalturaClient, KalturaConfiguration
from KalturaClient.exceptions import KalturaException
from KalturaClient.Plugins.Core import KalturaFilterPager, KalturaNullableBoolean
from KalturaClient.Plugins.Vendor import (
    KalturaHandleParticipantsMode,
    KalturaVendorIntegrationStatus,
    KalturaZoomIntegrationSetting,
    KalturaZoomIntegrationSettingResponse,
)
from pydantic import SecretStr

from keyframe.config import ZoomAppCredentials
from tests.conftest import PartnerInfo, make_partner
from tests.zoom.conftest import Browser, ZoomWorld
from tests.zoom.support import linked_account

pytestmark = pytest.mark.compat


def official_client(world: ZoomWorld, partner: PartnerInfo) -> KalturaClient:
    config = KalturaConfiguration(partner.id)
    config.serviceUrl = world.url
    client = KalturaClient(config)
    client.setKs(world.admin_ks(partner))
    return client


def test_zoom_vendor_list_get_and_submit_registration(
    world: ZoomWorld, acme: PartnerInfo, browser: Browser
) -> None:
    admin, integration_id = linked_account(world, browser, acme, "a@zoom-a.example")
    client = official_client(world, acme)

    listed = client.vendor.zoomVendor.list(KalturaFilterPager(pageSize=6))
    assert isinstance(listed, KalturaZoomIntegrationSettingResponse)
    assert listed.totalCount == 1
    (setting,) = listed.objects
    assert isinstance(setting, KalturaZoomIntegrationSetting)
    assert (setting.id, setting.accountId, setting.partnerId) == (integration_id, admin.account_id, acme.id)
    assert setting.status.getValue() == KalturaVendorIntegrationStatus.ACTIVE
    assert isinstance(setting.createdAt, str) and setting.createdAt.isdigit()

    got = client.vendor.zoomVendor.get(acme.id)
    assert got.accountId == admin.account_id

    change = KalturaZoomIntegrationSetting(
        zoomAccountDescription="From the official client",
        handleAlternativeHostsMode=KalturaHandleParticipantsMode.ADD_AS_CO_VIEWERS,
        enableRecordingUpload=KalturaNullableBoolean.FALSE_VALUE,
        zoomCategory="Client>Recordings",
    )
    assert client.vendor.zoomVendor.submitRegistration(admin.account_id, change) == "1"
    got = client.vendor.zoomVendor.get(acme.id)
    assert got.zoomAccountDescription == "From the official client"
    assert got.handleAlternativeHostsMode.getValue() == KalturaHandleParticipantsMode.ADD_AS_CO_VIEWERS
    assert got.status.getValue() == KalturaVendorIntegrationStatus.DISABLED
    assert got.zoomCategory == "Client>Recordings"
    assert got.defaultUserId == "owner"  # untouched fields stay

    with pytest.raises(KalturaException) as info:
        client.vendor.zoomVendor.submitRegistration("no-such-account", change)
    assert info.value.code == "NO_INTEGRATION_DATA"


def test_vendor_integration_crud(world: ZoomWorld, acme: PartnerInfo, browser: Browser) -> None:
    _, integration_id = linked_account(world, browser, acme, "a@zoom-a.example")
    client = official_client(world, acme)
    service = client.vendor.vendorIntegration

    got = service.get(integration_id)
    assert isinstance(got, KalturaZoomIntegrationSetting) and got.id == integration_id
    updated = service.update(integration_id, KalturaZoomIntegrationSetting(zoomUserPostfix="@example.com"))
    assert updated.zoomUserPostfix == "@example.com"
    assert (
        service.updateStatus(integration_id, KalturaVendorIntegrationStatus.DISABLED).status.getValue() == 1
    )
    assert service.updateStatus(integration_id, KalturaVendorIntegrationStatus.ACTIVE).status.getValue() == 2
    assert service.delete(integration_id).status.getValue() == KalturaVendorIntegrationStatus.DELETED
    with pytest.raises(KalturaException) as info:
        service.get(integration_id)
    assert info.value.code == "INVALID_OBJECT_ID"
    with pytest.raises(KalturaException) as info:
        client.vendor.zoomVendor.get(acme.id)
    assert info.value.code == "INVALID_PARTNER_ID"


def s2s_apps(world: ZoomWorld, *keys: str) -> None:
    world.services.settings.zoom_s2s_apps = {
        key: ZoomAppCredentials(client_id=f"client-{key}", client_secret=SecretStr("s")) for key in keys
    }


def test_vendor_integration_add_counts_against_the_limit(world: ZoomWorld, acme: PartnerInfo) -> None:
    ks = world.admin_ks(acme)
    setting = {"objectType": "KalturaZoomIntegrationSetting", "defaultUserId": "owner"}
    s2s_apps(world, *(f"acct-{n}:{acme.id}" for n in range(4)))
    for n in range(3):
        added = world.api("vendor_vendorintegration", "add", ks=ks, integration=setting, remoteId=f"acct-{n}")
        assert added["accountId"] == f"acct-{n}" and added["status"] == 2, added
    refused = world.api("vendor_vendorintegration", "add", ks=ks, integration=setting, remoteId="acct-3")
    assert refused["code"] == "EXCEEDED_MAX_ZOOM_ACCOUNTS"
    assert "at most 3 Zoom accounts" in refused["message"]
    again = world.api("vendor_vendorintegration", "add", ks=ks, integration=setting, remoteId="acct-0")
    assert again["code"] == "INTEGRATION_ALREADY_EXIST"


def test_vendor_integration_add_cannot_squat_another_partners_account(
    world: ZoomWorld, acme: PartnerInfo, browser: Browser
) -> None:
    """``add`` proves nothing about the account: without a Server-to-Server app the operator configured
    for it, partner A could make any Zoom account id ACTIVE and so block (and be named to) the partner
    whose Zoom admin later installs the app."""
    other = make_partner(world.services, name="Other")
    admin = world.zoom.add_user("owner@zoom-b.example")
    setting = {"objectType": "KalturaZoomIntegrationSetting", "defaultUserId": "owner"}
    ks = world.admin_ks(acme)
    refused = world.api(
        "vendor_vendorintegration", "add", ks=ks, integration=setting, remoteId=admin.account_id
    )
    assert refused["code"] == "INVALID_FIELD_VALUE", refused
    assert world.api("vendor_zoomvendor", "list", ks=ks)["accountsUsed"] == 0
    # The account's real owner links it.
    assert browser.link(admin.id, world.integration_code(other)).status_code == 200
    # An app configured for another partner does not open it to acme either.
    s2s_apps(world, f"{admin.account_id}:{other.id}")
    refused = world.api(
        "vendor_vendorintegration", "add", ks=ks, integration=setting, remoteId=admin.account_id
    )
    assert refused["code"] == "INVALID_FIELD_VALUE", refused
