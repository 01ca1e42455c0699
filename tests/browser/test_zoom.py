"""Settings > Integration > Zoom integration in Chromium: the accounts table (dates, statuses including
"Needs re-authorization"), "n of 3 accounts" from the server's limit, the Generate integration code dialog
(masked code, reveal, copy, expiry), the Edit Zoom account panel (validation, every field saved and read
back), Enable/Disable, Remove with confirmation, the disabled "Generate" at the limit, a Manager's view and
the server's refusal; then the whole linking journey against the Zoom sandbox, and the on-premises
(Server-to-Server) registration page."""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr
from sqlalchemy import select

from tests.conftest import IN_CI, LiveServer, PartnerInfo

if not IN_CI:  # in CI a missing Playwright is a collection error, never a skip
    pytest.importorskip("playwright", reason="playwright is not installed (pip install -e '.[test]')")
    pytest.importorskip("axe_playwright_python", reason="axe-playwright-python is not installed")

from playwright.sync_api import Locator, Page, expect

from keyframe.auth.ks_validation import peek_partner
from keyframe.config import Settings, ZoomAppCredentials
from keyframe.db import Database
from keyframe.partners.models import Partner
from keyframe.sandbox.zoom import AppKind, ZoomSandbox
from keyframe.services import Services
from keyframe.zoom import linking
from keyframe.zoom import service as zoom_service
from keyframe.zoom import settings as zoom_settings
from keyframe.zoom.models import AuthStatus, AuthType, IntegrationStatus, VendorIntegration
from keyframe.zoom.pages import ACTION_PATH
from tests.browser.conftest import PASSWORD, Tab, add_login_user, api
from tests.browser.test_console import MASK, assert_absent, audit, login, open_integration

NewTab = Callable[..., Tab]
DAY = 86_400
CLIENT_ID = "keyframe-console-test-app"
CLIENT_SECRET = "console-test-client-secret-0123456789"
SECRET_TOKEN = "console-test-secret-token"


# -- fixtures: Keyframe's Zoom app points at a sandbox that runs for the module ---------------------------


@pytest.fixture(scope="module")
def zoom() -> Iterator[ZoomSandbox]:
    with ZoomSandbox(time_scale=0.001) as sandbox:
        yield sandbox


@pytest.fixture
def live_server(app: Any, settings: Settings, zoom: ZoomSandbox) -> Iterator[LiveServer]:
    """Keyframe on a random port that its own settings know (Zoom's redirect URI is built from them), with
    its Zoom app registered in the sandbox once."""
    server = LiveServer(app)
    settings.public_url = server.url
    if CLIENT_ID not in zoom.state.apps:
        zoom.register_app(client_id=CLIENT_ID, client_secret=CLIENT_SECRET, secret_token=SECRET_TOKEN)
    with server:
        yield server


@pytest.fixture
def settings(database: Database, tmp_path: Path, zoom: ZoomSandbox) -> Settings:
    return Settings(
        data_dir=tmp_path,
        database_url=database.url,
        zoom_client_id=CLIENT_ID,
        zoom_client_secret=SecretStr(CLIENT_SECRET),
        zoom_webhook_secret_token=SecretStr(SECRET_TOKEN),
        zoom_base_url=zoom.url,
        zoom_api_url=f"{zoom.url}/v2",
    )


def add_integration(
    services: Services,
    partner_id: int,
    account_id: str,
    *,
    enabled: bool = True,
    auth_status: str = AuthStatus.AUTHORIZED,
    created_days_ago: int = 10,
    updated_days_ago: int = 1,
    last_error: str = "",
    **values: Any,
) -> int:
    """A linked Zoom account, through the service layer's ``link`` (without tokens: the console never
    reads them), then given the state a test needs."""
    now = int(time.time())
    with services.db.transaction() as db:
        row, _ = zoom_service.link(
            db, services.settings, db.get_one(Partner, partner_id), account_id, auth_type=AuthType.OAUTH
        )
        row.status = IntegrationStatus.ACTIVE if enabled else IntegrationStatus.DISABLED
        row.auth_status = auth_status
        row.last_error = last_error
        row.created_at = now - created_days_ago * DAY
        row.updated_at = now - updated_days_ago * DAY
        zoom_settings.save(row, {**zoom_settings.load(row), **values})
        db.flush()
        return row.id


def integration(services: Services, integration_id: int) -> tuple[int, dict[str, Any]]:
    with services.db.transaction() as db:
        row = db.get_one(VendorIntegration, integration_id)
        return row.status, zoom_settings.load(row)


def card(page: Page) -> Locator:
    return page.locator("#zoom")


def table_row(page: Page, account_id: str) -> Locator:
    return card(page).locator(f"#zoom-table tbody tr[data-account-id='{account_id}']")


def menu_item(page: Page, account_id: str, name: str) -> Locator:
    card(page).get_by_role("button", name=f"Actions for Zoom account {account_id}").click()
    return table_row(page, account_id).get_by_role("menuitem", name=name)


# -- the table, the count, the code ---------------------------------------------------------------------


def test_table_count_and_generate_code_dialog(
    new_tab: NewTab, services: Services, partner: PartnerInfo
) -> None:
    add_integration(
        services, partner.id, "acctSales01", zoomAccountDescription="Sales team", updated_days_ago=2
    )
    add_integration(
        services,
        partner.id,
        "acctLegacy02",
        enabled=False,
        auth_status=AuthStatus.NEEDS_REAUTHORIZATION,
        last_error="Zoom refused the refresh token",
        updated_days_ago=0,
    )
    tab = new_tab(viewport={"width": 1100, "height": 900}, permissions=["clipboard-read", "clipboard-write"])
    page = tab.page
    login(tab, partner.admin_email, partner.admin_password)
    open_integration(tab)
    zoom_card = card(page)
    expect(zoom_card.get_by_role("heading", name="Zoom integration")).to_be_visible()
    expect(zoom_card.get_by_role("heading", name="Zoom integrated accounts")).to_be_visible()
    expect(zoom_card.locator("#zoom-count")).to_have_text("2 of 3 accounts")
    headers = zoom_card.locator("#zoom-table thead th")
    expect(headers).to_have_text(
        ["Zoom account ID", "Account description", "Creation date", "Updated at", "Status", "Actions"]
    )
    # Most recently updated first.
    expect(zoom_card.locator("#zoom-table tbody tr")).to_have_count(2)
    expect(zoom_card.locator("#zoom-table tbody tr").first).to_have_attribute(
        "data-account-id", "acctLegacy02"
    )
    sales = table_row(page, "acctSales01")
    expect(sales.locator("td").nth(1)).to_have_text("Sales team")
    expect(sales.locator("td").nth(4)).to_have_text("Enabled")
    created = sales.locator("td").nth(2).locator("time")
    expect(created).to_have_attribute("datetime", re.compile(r"^\d{4}-\d\d-\d\dT"))
    created_at = datetime.fromisoformat(created.get_attribute("datetime") or "")
    assert abs(created_at.timestamp() - (time.time() - 10 * DAY)) < 120
    expect(created).to_have_text(re.compile(r"^[A-Z][a-z]{2} \d{1,2}, \d{4}$"))  # a medium date
    legacy = table_row(page, "acctLegacy02")
    expect(legacy.locator("td").nth(4)).to_contain_text("Needs re-authorization")
    expect(legacy.locator("td").nth(4)).to_contain_text("Zoom refused the refresh token")
    expect(zoom_card.get_by_role("button", name="Generate integration code")).to_be_enabled()
    audit(page, "zoom card")

    # The code: minted as the dialog opens, masked, revealed on demand, copied without being shown.
    generate = zoom_card.get_by_role("button", name="Generate integration code")
    generate.click()
    dialog = page.get_by_role("dialog", name="Integration code")
    expect(dialog).to_be_visible()
    expect(dialog.get_by_text("Zoom integration code")).to_be_visible()
    expect(dialog.locator("#zoom-code-value .mask")).to_have_text(MASK)
    expiry = dialog.locator("#zoom-code-expiry")
    expect(expiry).to_contain_text("This code is temporary and can be used only once.")
    expect(expiry).to_contain_text("(valid for 24 hours)")
    expires = datetime.fromisoformat(expiry.locator("time").get_attribute("datetime") or "")
    assert abs(expires.timestamp() - (time.time() + DAY)) < 120
    show = dialog.get_by_role("button", name="Show integration code")
    expect(show).to_have_attribute("aria-pressed", "false")
    expect(show).to_be_focused()
    audit(page, "integration code dialog")
    show.click()
    code = dialog.locator("#zoom-code-value code").inner_text()
    assert code and "\n" not in code
    # The code is a KS of this partner, restricted to the registration pages: other calls refuse it.
    assert peek_partner(code) == partner.id
    refused = api(tab.base_url, "session", "get", ks=code)
    assert refused.get("objectType") == "KalturaAPIException", refused
    dialog.get_by_role("button", name="Hide integration code").click()
    expect(dialog.locator("#zoom-code-value .mask")).to_have_text(MASK)
    assert_absent(page, code)
    dialog.get_by_role("button", name="Copy integration code").click()
    expect(dialog.locator("#zoom-code-status")).to_have_text("Copied")
    assert page.evaluate("navigator.clipboard.readText()") == code
    assert_absent(page, code)
    page.evaluate("navigator.clipboard.writeText('')")
    dialog.get_by_role("button", name="Copy and close").click()
    expect(dialog).to_have_count(0)
    expect(zoom_card.locator("#zoom-status")).to_have_text("Copied to clipboard")
    expect(generate).to_be_focused()
    assert page.evaluate("navigator.clipboard.readText()") == code

    # Escape closes it too; each opening mints a new code.
    generate.click()
    dialog.get_by_role("button", name="Show integration code").click()
    second = dialog.locator("#zoom-code-value code").inner_text()
    assert second and second != code
    page.keyboard.press("Escape")
    expect(dialog).to_have_count(0)
    expect(generate).to_be_focused()


def test_empty_table(new_tab: NewTab, partner: PartnerInfo) -> None:
    tab = new_tab()
    login(tab, partner.admin_email, partner.admin_password)
    open_integration(tab)
    expect(card(tab.page).locator("td.empty")).to_have_text("There are no active Zoom accounts.")
    expect(card(tab.page).locator("#zoom-count")).to_have_text("0 of 3 accounts")


# -- the Edit Zoom account panel ------------------------------------------------------------------------


def test_edit_settings_round_trip_with_validation(
    new_tab: NewTab, services: Services, partner: PartnerInfo
) -> None:
    integration_id = add_integration(services, partner.id, "acctEdit01", zoomAccountDescription="Before")
    tab = new_tab(viewport={"width": 1200, "height": 900})
    page = tab.page
    login(tab, partner.admin_email, partner.admin_password)
    open_integration(tab)
    opener = card(page).get_by_role("button", name="Edit Zoom account acctEdit01")
    opener.click()
    panel = page.get_by_role("dialog", name="Edit Zoom account")
    expect(panel).to_be_visible()
    expect(panel.get_by_role("switch", name="Enable integration")).to_be_focused()
    expect(panel.get_by_role("switch", name="Enable integration")).to_be_checked()
    expect(panel.locator("#zoom-account-id")).to_have_text("acctEdit01")
    expect(panel.get_by_label("Zoom account description")).to_have_value("Before")
    # Upstream's defaults as the server gives them.
    expect(panel.get_by_role("switch", name="Upload meeting recordings")).to_be_checked()
    expect(panel.get_by_role("switch", name="Upload webinar recordings")).to_be_checked()
    expect(panel.get_by_role("switch", name="Zoom transcription")).to_be_checked()
    expect(panel.get_by_role("switch", name="Delete content from Zoom after upload")).not_to_be_checked()
    expect(panel.get_by_label("Alternative hosts")).to_have_value("2")
    expect(panel.get_by_label("Co-Hosts")).to_have_value("2")
    expect(panel.get_by_label("Participants")).to_have_value("0")
    expect(panel.get_by_role("radio", name="Upload all recordings")).to_be_checked()
    expect(panel.get_by_role("radio", name="Zoom user", exact=True)).to_be_checked()
    expect(panel.get_by_role("radio", name="Do not modify")).to_be_checked()
    expect(panel.get_by_label("Postfix", exact=True)).to_be_disabled()
    expect(panel.get_by_role("radio", name="Email")).to_be_checked()
    # No default user and "create" off: upstream's save rule holds Save back.
    expect(panel.get_by_role("radio", name="Use default user")).to_be_checked()
    expect(panel.locator("#zoom-default-user-error")).to_have_text("Default user ID is required.")
    save = panel.get_by_role("button", name="Save")
    expect(save).to_be_disabled()
    audit(page, "edit zoom account panel")

    # Validation, one rule at a time.
    category = panel.get_by_label("Category", exact=True)
    category.fill("MediaSpace>>Zoom")
    expect(panel.locator("#zoom-category-error")).to_contain_text("has an empty level")
    category.fill(" MediaSpace > site > Zoom , Archive>Zoom ")
    expect(panel.locator("#zoom-category-error")).to_have_text("")
    panel.get_by_role("radio", name="Opt-in groups").check()
    expect(panel.locator("#zoom-groups-error")).to_have_text("Must fill in at least one group")
    panel.get_by_label("Group IDs").fill("teachers, staff")
    expect(panel.locator("#zoom-groups-error")).to_have_text("")
    panel.get_by_role("radio", name="Add postfix").check()
    expect(panel.locator("#zoom-postfix-error")).to_have_text("Enter the postfix.")
    panel.get_by_label("Postfix", exact=True).fill("@example.edu")
    panel.get_by_label("Default user ID").fill("fallback@example.com")
    expect(save).to_be_enabled()
    # The CMS user option disables the postfix controls; its help explains it.
    panel.get_by_role("button", name="About CMS user").click()
    expect(panel.get_by_role("tooltip")).to_contain_text("map 'user_id' with a specific field such as SSO")
    panel.get_by_role("radio", name="CMS user").check()
    expect(panel.get_by_role("radio", name="Add postfix")).to_be_disabled()
    panel.get_by_role("radio", name="Zoom user", exact=True).check()

    panel.get_by_label("Zoom account description").fill("After")
    panel.get_by_role("switch", name="Upload webinar recordings").uncheck()
    expect(panel.get_by_label("Webinar category")).to_be_disabled()
    panel.get_by_role("switch", name="Delete content from Zoom after upload").check()
    panel.get_by_role("switch", name="Zoom transcription").uncheck()
    panel.get_by_label("Alternative hosts").select_option(label="Co-Editor & Co-Publisher")
    panel.get_by_label("Co-Hosts").select_option(label="Co-Viewer")
    panel.get_by_label("Participants").select_option(label="Ignore participants")
    panel.get_by_role("radio", name="External ID (Use with SSO)").check()
    audit(page, "edit zoom account panel, filled in")
    save.click()
    expect(panel).to_have_count(0)
    expect(table_row(page, "acctEdit01").locator("td").nth(1)).to_have_text("After")

    status, values = integration(services, integration_id)
    assert status == IntegrationStatus.ACTIVE
    assert values["zoomAccountDescription"] == "After"
    assert values["zoomCategory"] == "MediaSpace>site>Zoom,Archive>Zoom"
    assert not values["enableWebinarUploads"]
    assert values["groupParticipationType"] == 1
    assert values["optInGroupNames"] == "teachers\r\nstaff"
    assert values["deletionPolicy"]
    assert not values["enableZoomTranscription"]
    assert values["handleAlternativeHostsMode"] == 4
    assert values["handleCohostsMode"] == 1
    assert values["handleParticipantsMode"] == 2
    assert values["zoomUserMatchingMode"] == 1
    assert values["zoomUserPostfix"] == "@example.edu"
    assert values["userSearchMethod"] == 1
    assert not values["createUserIfNotExist"]
    assert values["defaultUserId"] == "fallback@example.com"

    # Read back in a fresh panel.
    card(page).get_by_role("button", name="Edit Zoom account acctEdit01").click()
    panel = page.get_by_role("dialog", name="Edit Zoom account")
    expect(panel.get_by_label("Category", exact=True)).to_have_value("MediaSpace>site>Zoom,Archive>Zoom")
    expect(panel.get_by_role("radio", name="Opt-in groups")).to_be_checked()
    expect(panel.get_by_label("Group IDs")).to_have_value("teachers, staff")
    expect(panel.get_by_role("radio", name="Add postfix")).to_be_checked()
    expect(panel.get_by_label("Co-Hosts")).to_have_value("1")
    # "Create new user" needs no default user; turning the integration off disables everything else.
    panel.get_by_role("radio", name="Create new user based on Zoom user").check()
    expect(panel.get_by_label("Default user ID")).to_be_disabled()
    panel.get_by_role("switch", name="Enable integration").uncheck()
    expect(panel.get_by_label("Zoom account description")).to_be_disabled()
    expect(panel.get_by_role("radio", name="Opt-in groups")).to_be_disabled()
    panel.get_by_role("button", name="Cancel").click()
    expect(panel).to_have_count(0)
    status, values = integration(services, integration_id)
    assert status == IntegrationStatus.ACTIVE and not values["createUserIfNotExist"]  # Cancel saved nothing


# -- Enable/Disable, Remove, the limit ------------------------------------------------------------------


def test_enable_disable_and_remove_with_confirmation(
    new_tab: NewTab, services: Services, partner: PartnerInfo
) -> None:
    first = add_integration(services, partner.id, "acctOne", updated_days_ago=3)
    add_integration(services, partner.id, "acctTwo", updated_days_ago=2)
    third = add_integration(services, partner.id, "acctThree", updated_days_ago=1)
    tab = new_tab(viewport={"width": 1100, "height": 900})
    page = tab.page
    login(tab, partner.admin_email, partner.admin_password)
    open_integration(tab)
    zoom_card = card(page)
    # The limit: "3 of 3", and no new code can be generated until an account is removed.
    expect(zoom_card.locator("#zoom-count")).to_have_text("3 of 3 accounts")
    generate = zoom_card.get_by_role("button", name="Generate integration code")
    expect(generate).to_be_disabled()
    expect(generate).to_have_accessible_description(
        "All 3 Zoom accounts are in use. Remove an account to link another one."
    )
    expect(zoom_card.locator("#zoom-limit-note")).to_contain_text("limited to 3 accounts")
    audit(page, "zoom card at the limit")

    # Disable, then Enable, from the three-dots menu (by keyboard for the second).
    menu_item(page, "acctOne", "Disable").click()
    expect(table_row(page, "acctOne").locator("td").nth(4)).to_have_text("Disabled")
    assert integration(services, first)[0] == IntegrationStatus.DISABLED
    expect(zoom_card.locator("#zoom-status")).to_have_text("Zoom account acctOne disabled.")
    toggle = zoom_card.get_by_role("button", name="Actions for Zoom account acctOne")
    expect(toggle).to_be_focused()
    page.keyboard.press("Enter")
    expect(table_row(page, "acctOne").get_by_role("menuitem", name="Edit")).to_be_focused()
    page.keyboard.press("ArrowDown")
    expect(table_row(page, "acctOne").get_by_role("menuitem", name="Enable")).to_be_focused()
    page.keyboard.press("Enter")
    expect(table_row(page, "acctOne").locator("td").nth(4)).to_have_text("Enabled")
    assert integration(services, first)[0] == IntegrationStatus.ACTIVE

    # Remove: "No" keeps the account; "Yes" removes it and frees a slot.
    menu_item(page, "acctThree", "Remove").click()
    confirm = page.get_by_role("alertdialog", name="Remove Zoom account")
    expect(confirm).to_contain_text("Remove the Zoom account acctThree?")
    expect(confirm.get_by_role("button", name="No")).to_be_focused()
    audit(page, "remove confirmation")
    confirm.get_by_role("button", name="No").click()
    expect(confirm).to_have_count(0)
    expect(zoom_card.locator("#zoom-table tbody tr")).to_have_count(3)
    menu_item(page, "acctThree", "Remove").click()
    page.get_by_role("alertdialog", name="Remove Zoom account").get_by_role("button", name="Yes").click()
    expect(zoom_card.locator("#zoom-table tbody tr")).to_have_count(2)
    expect(table_row(page, "acctThree")).to_have_count(0)
    expect(zoom_card.locator("#zoom-count")).to_have_text("2 of 3 accounts")
    expect(generate).to_be_enabled()
    assert integration(services, third)[0] == IntegrationStatus.DELETED


def test_a_manager_sees_it_read_only_and_the_server_refuses(
    new_tab: NewTab, services: Services, partner: PartnerInfo
) -> None:
    integration_id = add_integration(services, partner.id, "acctMgr01")
    email = add_login_user(services, partner.id, "MANAGER_ROLE")
    tab = new_tab()
    page = tab.page
    login(tab, email, PASSWORD)
    open_integration(tab)
    zoom_card = card(page)
    expect(zoom_card.get_by_role("heading", name="Zoom integration")).to_be_visible()
    generate = zoom_card.get_by_role("button", name="Generate integration code")
    expect(generate).to_be_disabled()
    expect(generate).to_have_accessible_description(
        "Managing Zoom accounts is restricted to Publisher Administrators."
    )
    expect(zoom_card.get_by_role("button", name=re.compile("^Edit Zoom account"))).to_have_count(0)
    audit(page, "zoom card as a Manager")
    manager_ks = page.evaluate("sessionStorage.getItem('keyframe.ks')")
    for service, action, params in (
        ("vendor_zoomvendor", "generateIntegrationCode", {}),
        ("vendor_vendorintegration", "updateStatus", {"id": integration_id, "status": 1}),
        ("vendor_vendorintegration", "delete", {"integrationId": integration_id}),
    ):
        refused = api(tab.base_url, service, action, ks=manager_ks, **params)
        assert refused.get("objectType") == "KalturaAPIException", (action, refused)
    assert integration(services, integration_id)[0] == IntegrationStatus.ACTIVE


# -- the whole journey against the Zoom sandbox ---------------------------------------------------------


def test_linking_journey_against_the_zoom_sandbox(
    new_tab: NewTab, services: Services, partner: PartnerInfo, zoom: ZoomSandbox, live_server: LiveServer
) -> None:
    """Generate the code in the console → install the app in Zoom (the sandbox's approval page) → enter
    the code on Keyframe's page → the registration form → the account in the console → edit → disable;
    and the used code is refused on a second installation."""
    app = zoom.state.apps[CLIENT_ID]
    app.redirect_uris[:] = [linking.redirect_uri(services)]  # this test's Keyframe (a new port each time)
    owner = zoom.add_user(f"owner-{time.time_ns()}@zoom.example")
    tab = new_tab(viewport={"width": 1100, "height": 900}, permissions=["clipboard-read", "clipboard-write"])
    page = tab.page
    login(tab, partner.admin_email, partner.admin_password)
    open_integration(tab)
    zoom_card = card(page)
    expect(zoom_card.locator("td.empty")).to_have_text("There are no active Zoom accounts.")

    # 1. The console: generate the code and copy it.
    zoom_card.get_by_role("button", name="Generate integration code").click()
    dialog = page.get_by_role("dialog", name="Integration code")
    expect(dialog.locator("#zoom-code-value .mask")).to_have_text(MASK)
    dialog.get_by_role("button", name="Copy and close").click()
    expect(dialog).to_have_count(0)
    code = page.evaluate("navigator.clipboard.readText()")
    assert code

    # 2. Zoom: the admin installs the app (Keyframe sends the browser to the sandbox's authorize page).
    install = tab.context.new_page()
    install.goto(f"{live_server.url}{ACTION_PATH}preOauthValidation")
    expect(install).to_have_url(re.compile(f"^{re.escape(zoom.url)}/oauth/authorize"))
    install.get_by_label("Sign in as").select_option(label=owner.email)
    install.get_by_role("button", name="Allow").click()

    # 3. Back on Keyframe's page, which asks for the integration code.
    expect(install).to_have_url(re.compile(f"^{re.escape(live_server.url)}.*oauthValidation"))
    expect(install.get_by_role("heading", name="Link your Zoom account")).to_be_visible()
    install.get_by_label("Integration code").fill(code)
    install.get_by_role("button", name="Continue").click()

    # 4. The registration form: describe the account and save.
    expect(install.get_by_role("heading", name="Zoom account settings")).to_be_visible()
    expect(install.get_by_text(owner.account_id)).to_be_visible()
    install.get_by_label("Zoom account description").fill("Linked in the journey")
    install.get_by_role("button", name="Save").click()
    expect(install.get_by_text("Saved Successfully")).to_be_visible()

    # 5. The console shows the account (after a reload), enabled.
    page.reload()
    linked = table_row(page, owner.account_id)
    expect(linked).to_have_count(1)
    expect(linked.locator("td").nth(1)).to_have_text("Linked in the journey")
    expect(linked.locator("td").nth(4)).to_have_text("Enabled")
    expect(zoom_card.locator("#zoom-count")).to_have_text("1 of 3 accounts")
    audit(page, "zoom card after linking")

    # 6. Edit, then disable.
    zoom_card.get_by_role("button", name=f"Edit Zoom account {owner.account_id}").click()
    panel = page.get_by_role("dialog", name="Edit Zoom account")
    expect(panel.get_by_label("Zoom account description")).to_have_value("Linked in the journey")
    panel.get_by_label("Category", exact=True).fill("Zoom > Recordings")
    panel.get_by_role("radio", name="Create new user based on Zoom user").check()
    panel.get_by_role("button", name="Save").click()
    expect(panel).to_have_count(0)
    menu_item(page, owner.account_id, "Disable").click()
    expect(table_row(page, owner.account_id).locator("td").nth(4)).to_have_text("Disabled")
    with services.db.transaction() as db:
        row = db.scalars(
            select(VendorIntegration).where(VendorIntegration.account_id == owner.account_id)
        ).one()
        assert row.partner_id == partner.id
        assert row.status == IntegrationStatus.DISABLED
        values = zoom_settings.load(row)
        assert values["zoomCategory"] == "Zoom>Recordings"
        assert values["createUserIfNotExist"]
        assert row.refresh_token  # kept (encrypted) for the recordings import

    # 7. The code was single use: installing again with it is refused, readably.
    install.goto(f"{live_server.url}{ACTION_PATH}preOauthValidation")
    install.get_by_label("Sign in as").select_option(label=owner.email)
    install.get_by_role("button", name="Allow").click()
    install.get_by_label("Integration code").fill(code)
    install.get_by_role("button", name="Continue").click()
    expect(install.get_by_text("This integration code has already been used")).to_be_visible()
    install.close()


def test_local_registration_page_takes_the_ks_by_form(
    new_tab: NewTab, services: Services, partner: PartnerInfo, zoom: ZoomSandbox, live_server: LiveServer
) -> None:
    """On-premises set-up: the page asks for an administrator's KS in a form (POSTed, never in the address),
    links the Server-to-Server account, and shows the registration form."""
    owner = zoom.add_user(f"onprem-{time.time_ns()}@zoom.example")
    s2s = zoom.register_app(kind=AppKind.S2S, account_id=owner.account_id)
    services.settings.zoom_s2s_apps = {
        owner.account_id: ZoomAppCredentials(
            client_id=s2s.client_id, client_secret=SecretStr(s2s.client_secret)
        )
    }
    ks = api(live_server.url, "session", "start", secret=partner.admin_secret, partnerId=partner.id, type=2)
    page = new_tab().page
    page.goto(f"{live_server.url}{ACTION_PATH}localRegistrationPage?zoomAccountId={owner.account_id}")
    expect(page.get_by_role("heading", name="Link a Zoom account")).to_be_visible()
    expect(page.get_by_label("Zoom account ID")).to_have_value(owner.account_id)
    audit(page, "local registration form")
    page.get_by_label("Administrator KS").fill(ks)
    page.get_by_role("button", name="Link account").click()

    expect(page.get_by_role("heading", name="Zoom account settings")).to_be_visible()
    assert ks not in page.url
    expect(page.get_by_text(owner.account_id)).to_be_visible()
    page.get_by_label("Default user ID (owner when no user matches)").fill("owner")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Saved Successfully")).to_be_visible()
    with services.db.transaction() as db:
        row = db.scalars(
            select(VendorIntegration).where(VendorIntegration.account_id == owner.account_id)
        ).one()
        assert (row.partner_id, row.status, row.auth_type) == (
            partner.id,
            IntegrationStatus.ACTIVE,
            AuthType.SERVER_TO_SERVER,
        )
        assert row.access_token.startswith("v2:")  # bound to its row
