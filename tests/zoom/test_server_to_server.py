"""On-premises set-up (reference §5.4, ``localRegistrationPage``): a Server-to-Server app per Zoom account,
linked by an administrator's KS, tokens from ``account_credentials``."""

from __future__ import annotations

import httpx
from pydantic import SecretStr

from keyframe.config import ZoomAppCredentials
from keyframe.sandbox.zoom import AppKind
from keyframe.zoom import tokens
from tests.conftest import PartnerInfo
from tests.zoom.conftest import Browser, ZoomWorld, hidden_fields, notice


def test_local_registration_links_a_server_to_server_account(
    world: ZoomWorld, acme: PartnerInfo, browser: Browser
) -> None:
    owner = world.zoom.add_user("owner@onprem.example")
    s2s = world.zoom.register_app(kind=AppKind.S2S, account_id=owner.account_id)
    world.services.settings.zoom_s2s_apps = {
        f"{owner.account_id}:{acme.id}": ZoomAppCredentials(
            client_id=s2s.client_id, client_secret=SecretStr(s2s.client_secret)
        )
    }
    ks = world.admin_ks(acme)
    page = browser.local_registration(ks, owner.account_id)
    assert page.status_code == 200, notice(page.text)
    assert notice(browser.submit_settings(page, defaultUserId="owner").text) == "Saved Successfully"

    (shown,) = world.api("vendor_zoomvendor", "list", ks=ks)["objects"]
    assert shown["accountId"] == owner.account_id and shown["status"] == 2
    before = sum(1 for r in world.zoom.requests("/oauth/token") if r.note == "account_credentials")
    fresh = tokens.refresh(world.services, shown["id"], force=True)
    assert fresh.refreshed
    assert (
        sum(1 for r in world.zoom.requests("/oauth/token") if r.note == "account_credentials") == before + 1
    )
    me = httpx.get(f"{world.zoom.url}/v2/users/me", headers={"authorization": f"Bearer {fresh.access_token}"})
    assert me.status_code == 200 and me.json()["account_id"] == owner.account_id


def test_local_registration_needs_an_administrator_and_working_credentials(
    world: ZoomWorld, acme: PartnerInfo, browser: Browser
) -> None:
    owner = world.zoom.add_user("owner@onprem.example")
    user_ks = world.api("session", "start", secret=acme.secret, partnerId=acme.id, type=0, userId="someone")
    refused = browser.local_registration(user_ks, owner.account_id)
    assert refused.status_code == 400
    assert "administrator (ADMIN_PUBLISHER_MANAGE)" in notice(refused.text)
    # The form comes back with the account ID, never with the KS.
    assert owner.account_id in refused.text and user_ks not in refused.text
    # Without an S2S app for the account, the installation's OAuth app is tried, and Zoom refuses it.
    refused = browser.local_registration(world.admin_ks(acme), owner.account_id)
    assert refused.status_code == 400
    assert "Zoom refused the Server-to-Server credentials" in notice(refused.text)
    assert world.api("vendor_zoomvendor", "list", ks=world.admin_ks(acme))["accountsUsed"] == 0


def test_local_registration_takes_no_ks_from_the_address(
    world: ZoomWorld, acme: PartnerInfo, browser: Browser
) -> None:
    """A KS in a GET URL stays in browser history, referrers and proxy logs: the page takes it only from
    its POSTed form, which needs the page's CSRF token."""
    owner = world.zoom.add_user("owner@onprem.example")
    s2s = world.zoom.register_app(kind=AppKind.S2S, account_id=owner.account_id)
    world.services.settings.zoom_s2s_apps = {
        owner.account_id: ZoomAppCredentials(
            client_id=s2s.client_id, client_secret=SecretStr(s2s.client_secret)
        )
    }
    ks = world.admin_ks(acme)
    page = browser.http.get(
        world.page("localRegistrationPage"), params={"ks": ks, "zoomAccountId": owner.account_id}
    )
    assert page.status_code == 400
    assert "A KS in the page address is not accepted" in notice(page.text)
    assert ks not in page.text and "Link account" in page.text
    assert page.headers["cache-control"] == "no-store"
    assert "default-src 'none'" in page.headers["content-security-policy"]
    # Nor from the query of a POST, nor without the form's CSRF token.
    form = hidden_fields(page.text)
    posted = browser.http.post(
        world.page("localRegistrationPage"),
        params={"ks": ks},
        data={**form, "zoomAccountId": owner.account_id},
    )
    assert posted.status_code == 400
    forged = httpx.post(
        world.page("localRegistrationPage"),
        data={**form, "ks": ks, "zoomAccountId": owner.account_id},
        timeout=30,
    )
    assert forged.status_code == 403 and "was not sent from this site" in notice(forged.text)
    assert world.api("vendor_zoomvendor", "list", ks=ks)["accountsUsed"] == 0
    # The form, as a person fills it in, links.
    assert browser.local_registration(ks, owner.account_id).status_code == 200
    assert world.api("vendor_zoomvendor", "list", ks=ks)["accountsUsed"] == 1
