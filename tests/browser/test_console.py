"""The console in a real browser: login, the gear and the Integration tab, masking, reveal, copy, keyboard
use, roles, rotation, logout, failures that stay inside their card, and an axe-core audit of every page."""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import IN_CI, LiveServer, PartnerInfo

if not IN_CI:  # in CI a missing Playwright is a collection error, never a skip
    pytest.importorskip("playwright", reason="playwright is not installed (pip install -e '.[test]')")
    pytest.importorskip("axe_playwright_python", reason="axe-playwright-python is not installed")

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect

from keyframe.services import Services
from tests.browser.conftest import PASSWORD, SCREENSHOT, Tab, add_login_user, api

MASK = "*" * 44
NewTab = Callable[..., Tab]


def audit(page: Page, where: str) -> None:
    """axe-core on the page as it is now: no serious or critical violation."""
    results = Axe().run(page)
    bad = [v for v in results.response["violations"] if v["impact"] in ("serious", "critical")]
    assert not bad, f"{where}: " + "; ".join(
        f"{v['id']} ({v['impact']}): {[n['target'] for n in v['nodes']]}" for v in bad
    )


def login(tab: Tab, email: str, password: str) -> None:
    tab.goto("/")
    tab.page.get_by_label("E-mail").fill(email)
    tab.page.get_by_label("Password").fill(password)
    tab.page.get_by_role("button", name="Login").click()
    expect(tab.page).to_have_url(re.compile(r"/home$"))


def open_integration(tab: Tab) -> None:
    """The seed's path: the settings icon on the navigation bar, then the Integration tab."""
    page = tab.page
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Settings").click()
    page.get_by_role("navigation", name="Settings").get_by_role("link", name="Integration").click()
    expect(page).to_have_url(re.compile(r"/settings/integration$"))
    expect(page).to_have_title("Keyframe > Settings > Integration")
    expect(page.get_by_role("heading", name="Account Info")).to_be_visible()


def row(page: Page, label: str) -> Any:
    return page.locator(".row").filter(has=page.locator("dt", has_text=re.compile(f"^{label}$")))


def page_text(page: Page) -> tuple[str, str]:
    return page.evaluate("[document.body.innerText, document.documentElement.outerHTML]")


def assert_absent(page: Page, *secrets: str) -> None:
    text, html = page_text(page)
    for secret in secrets:
        assert secret not in text
        assert secret not in html


def test_console_responses_carry_a_strict_csp(live_server: LiveServer) -> None:
    import urllib.request

    expected = (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
        "frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
    )
    for path in (
        "/",
        "/login",
        "/home",
        "/settings",
        "/settings/integration",
        "/console/static/app.js",
        "/console/static/console.css",
    ):
        with urllib.request.urlopen(live_server.url + path, timeout=10) as response:
            assert response.headers["Content-Security-Policy"] == expected, path
            assert response.headers["X-Content-Type-Options"] == "nosniff", path
            assert response.headers["Referrer-Policy"] == "no-referrer", path
            body = response.read().decode()
        if path == "/":
            # No inline script or style: every script has a src, and nothing carries a style attribute.
            assert re.findall(r"<script\b[^>]*>", body) == [
                '<script type="module" src="/console/static/app.js">'
            ]
            assert "<style" not in body and "style=" not in body
    with urllib.request.urlopen(live_server.url + "/console/static/app.js", timeout=10) as response:
        assert response.headers["Content-Type"].startswith(("text/javascript", "application/javascript"))


def test_login_errors_then_session_in_the_tab_only(new_tab: NewTab, partner: PartnerInfo) -> None:
    tab = new_tab()
    page = tab.page
    tab.goto("/")
    expect(page).to_have_title("Keyframe > Login")
    audit(page, "login page")
    page.get_by_role("button", name="Login").click()
    expect(page.get_by_role("alert")).to_have_text("Enter your e-mail address.")
    expect(page.get_by_label("E-mail")).to_be_focused()
    page.get_by_label("E-mail").fill(partner.admin_email)
    page.get_by_label("Password").fill("not the password")
    page.get_by_role("button", name="Login").click()
    expect(page.get_by_role("alert")).to_have_text("The e-mail address or password is incorrect.")
    audit(page, "login page with an error")

    login(tab, partner.admin_email, partner.admin_password)
    expect(page.get_by_role("heading", name="Home")).to_be_visible()
    audit(page, "home page")
    storage = page.evaluate("[sessionStorage.getItem('keyframe.ks'), localStorage.length, document.cookie]")
    ks, local_items, cookies = storage
    assert ks and api(tab.base_url, "session", "get", ks=ks)["partnerId"] == partner.id
    assert local_items == 0 and cookies == ""
    assert tab.context.cookies() == []
    # The session belongs to the tab: another tab of the same browser is not logged in.
    other = tab.context.new_page()
    other.goto(tab.base_url + "/settings/integration")
    expect(other).to_have_url(re.compile(r"/login\?next=%2Fsettings%2Fintegration$"))
    other.close()


def test_integration_masks_and_reveals_each_secret(new_tab: NewTab, partner: PartnerInfo) -> None:
    tab = new_tab(viewport={"width": 1100, "height": 620})
    page = tab.page
    login(tab, partner.admin_email, partner.admin_password)
    open_integration(tab)
    expect(row(page, "Partner ID").locator("dd")).to_have_text(str(partner.id))
    expect(row(page, "Sub Partner ID").locator("dd")).to_have_text(f"{partner.id}00")
    admin, user = row(page, "Administrator Secret"), row(page, "User Secret")
    expect(admin.locator(".mask")).to_have_text(MASK)
    expect(user.locator(".mask")).to_have_text(MASK)
    # Not in the text, not in the DOM (attributes, hidden elements) before the eye is pressed.
    assert_absent(page, partner.admin_secret, partner.secret)
    audit(page, "integration page")

    show_admin = page.get_by_role("button", name="Show administrator secret")
    expect(show_admin).to_have_attribute("aria-pressed", "false")
    show_admin.click()
    hide_admin = page.get_by_role("button", name="Hide administrator secret")
    expect(hide_admin).to_have_attribute("aria-pressed", "true")
    expect(admin.locator("code")).to_have_text(partner.admin_secret)
    # One secret at a time: the user secret is still hidden.
    assert_absent(page, partner.secret)
    page.get_by_role("button", name="Show user secret").click()
    expect(user.locator("code")).to_have_text(partner.secret)
    audit(page, "integration page, secrets shown")
    hide_admin.click()
    expect(page.get_by_role("button", name="Show administrator secret")).to_have_attribute(
        "aria-pressed", "false"
    )
    assert_absent(page, partner.admin_secret)
    expect(user.locator("code")).to_have_text(partner.secret)

    # Every visit starts hidden.
    page.reload()
    expect(row(page, "User Secret").locator(".mask")).to_have_text(MASK)
    assert_absent(page, partner.admin_secret, partner.secret)


def test_screenshot_of_the_integration_page(
    new_tab: NewTab, services: Services, partner: PartnerInfo, tmp_path: Path
) -> None:
    """The README's picture (secrets masked). It is written to docs/images only when
    KEYFRAME_UPDATE_SCREENSHOT=1, so that a test run leaves the working tree alone."""
    email = add_login_user(
        services, partner.id, "PARTNER_ADMIN_ROLE", first_name="Dana", email="dana@example.com"
    )
    tab = new_tab(viewport={"width": 1000, "height": 520})
    page = tab.page
    login(tab, email, PASSWORD)
    open_integration(tab)
    expect(row(page, "User Secret").locator(".mask")).to_have_text(MASK)
    assert_absent(page, partner.admin_secret, partner.secret)
    target = (
        SCREENSHOT if os.environ.get("KEYFRAME_UPDATE_SCREENSHOT") == "1" else tmp_path / "integration.png"
    )
    target.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(target))
    assert target.stat().st_size > 10_000


def test_shown_secret_hides_again_after_a_minute(new_tab: NewTab, partner: PartnerInfo) -> None:
    tab = new_tab()
    page = tab.page
    page.clock.install()
    login(tab, partner.admin_email, partner.admin_password)
    tab.goto("/settings/integration")
    page.get_by_role("button", name="Show user secret").click()
    expect(row(page, "User Secret").locator("code")).to_have_text(partner.secret)
    page.clock.run_for(59_000)
    expect(row(page, "User Secret").locator("code")).to_have_text(partner.secret)
    page.clock.run_for(2_000)
    expect(page.get_by_role("button", name="Show user secret")).to_have_attribute("aria-pressed", "false")
    expect(row(page, "User Secret").get_by_role("status")).to_have_text("Hidden again")
    assert_absent(page, partner.secret)


def test_copy_gives_the_real_secret_while_masked(new_tab: NewTab, partner: PartnerInfo) -> None:
    tab = new_tab(permissions=["clipboard-read", "clipboard-write"])
    page = tab.page
    login(tab, partner.admin_email, partner.admin_password)
    tab.goto("/settings/integration")
    page.get_by_role("button", name="Copy administrator secret").click()
    expect(row(page, "Administrator Secret").get_by_role("status")).to_have_text("Copied")
    assert page.evaluate("navigator.clipboard.readText()") == partner.admin_secret
    page.get_by_role("button", name="Copy user secret").click()
    expect(row(page, "User Secret").get_by_role("status")).to_have_text("Copied")
    assert page.evaluate("navigator.clipboard.readText()") == partner.secret
    # Copying reveals nothing.
    assert_absent(page, partner.admin_secret, partner.secret)


def test_eye_button_by_keyboard_alone(new_tab: NewTab, partner: PartnerInfo) -> None:
    tab = new_tab()
    page = tab.page
    login(tab, partner.admin_email, partner.admin_password)
    tab.goto("/settings/integration")
    expect(page.get_by_role("button", name="Show administrator secret")).to_be_visible()
    focused: list[str] = []
    for _ in range(12):
        page.keyboard.press("Tab")
        name = page.evaluate(
            "document.activeElement.getAttribute('aria-label') || document.activeElement.textContent"
        )
        focused.append(name.strip())
        if name == "Show administrator secret":
            break
    assert focused[-1] == "Show administrator secret", focused
    # The focus order on the way: skip link, brand, settings, logout, the Integration tab.
    assert focused[:-1] == ["Skip to content", "Keyframe", "Settings", "Log out", "Integration"], focused
    assert page.evaluate("document.activeElement.matches(':focus-visible')")
    page.keyboard.press("Space")
    eye = page.locator("#admin-secret-row button[aria-pressed]")
    expect(eye).to_have_attribute("aria-pressed", "true")
    expect(eye).to_have_accessible_name("Hide administrator secret")
    expect(eye).to_be_focused()
    expect(row(page, "Administrator Secret").locator("code")).to_have_text(partner.admin_secret)
    page.keyboard.press("Enter")
    expect(eye).to_have_attribute("aria-pressed", "false")
    assert_absent(page, partner.admin_secret)
    # On to the copy button, then the user secret's eye.
    page.keyboard.press("Tab")
    expect(page.get_by_role("button", name="Copy administrator secret")).to_be_focused()


def test_content_uploader_gets_view_disabled(
    new_tab: NewTab, services: Services, partner: PartnerInfo
) -> None:
    email = add_login_user(services, partner.id, "CONTENT_UPLOADER_ROLE")
    tab = new_tab()
    page = tab.page
    partner_calls: list[str] = []
    page.on("request", lambda r: partner_calls.append(r.url) if "/service/partner/" in r.url else None)
    login(tab, email, PASSWORD)
    expect(page.get_by_role("link", name="Settings > Integration")).to_have_count(0)
    page.get_by_role("link", name="Settings").click()
    dialog = page.get_by_role("alertdialog", name="View Disabled")
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text("Click OK to navigate to the main view")
    expect(page.get_by_role("button", name="OK")).to_be_focused()
    audit(page, "View Disabled alert")
    page.get_by_role("button", name="OK").click()
    expect(page).to_have_url(re.compile(r"/home$"))
    # Nothing was fetched for the page the user may not see.
    assert partner_calls == []
    assert_absent(page, partner.admin_secret, partner.secret)


def test_manager_sees_the_user_secret_but_not_the_admin_secret(
    new_tab: NewTab, services: Services, partner: PartnerInfo
) -> None:
    email = add_login_user(services, partner.id, "MANAGER_ROLE")
    tab = new_tab()
    page = tab.page
    login(tab, email, PASSWORD)
    open_integration(tab)
    admin = row(page, "Administrator Secret")
    expect(admin.locator("dd")).to_have_text("Restricted to Publisher Administrators")
    expect(page.get_by_role("button", name="Show administrator secret")).to_have_count(0)
    expect(page.get_by_role("button", name="Copy administrator secret")).to_have_count(0)
    expect(page.get_by_role("button", name=re.compile("^Rotate"))).to_have_count(0)
    assert_absent(page, partner.admin_secret, partner.secret)
    audit(page, "integration page as a Manager")
    page.get_by_role("button", name="Show user secret").click()
    expect(row(page, "User Secret").locator("code")).to_have_text(partner.secret)
    assert_absent(page, partner.admin_secret)


def test_rotation_shows_the_new_secret_once_and_the_old_one_still_works(
    new_tab: NewTab, partner: PartnerInfo
) -> None:
    tab = new_tab()
    page = tab.page
    login(tab, partner.admin_email, partner.admin_password)
    tab.goto("/settings/integration")
    rotate = page.get_by_role("button", name="Rotate administrator secret")
    rotate.click()
    dialog = page.get_by_role("dialog", name="Rotate administrator secret")
    expect(dialog).to_be_visible()
    grace = dialog.get_by_label("Grace period (hours)")
    expect(grace).to_be_focused()
    expect(grace).to_have_value("24")
    audit(page, "rotate dialog")
    grace.fill("721")
    dialog.get_by_role("button", name="Rotate").click()
    expect(dialog.get_by_role("alert")).to_have_text("Enter a whole number of hours from 0 to 720.")
    expect(grace).to_have_attribute("aria-invalid", "true")
    # Cancel (Escape) changes nothing and gives the focus back.
    page.keyboard.press("Escape")
    expect(dialog).to_have_count(0)
    expect(rotate).to_be_focused()

    rotate.click()
    dialog = page.get_by_role("dialog", name="Rotate administrator secret")
    dialog.get_by_label("Grace period (hours)").fill("2")
    dialog.get_by_role("button", name="Rotate").click()
    shown = page.get_by_role("dialog", name="New administrator secret")
    expect(shown).to_contain_text("keeps working for 2 hours")
    new_secret = shown.locator("#new-secret-value").inner_text()
    assert re.fullmatch(r"[0-9a-f]{32}", new_secret) and new_secret != partner.admin_secret
    expect(shown.get_by_role("button", name="Copy new administrator secret")).to_be_focused()
    audit(page, "new secret dialog")
    shown.get_by_role("button", name="Done").click()
    expect(shown).to_have_count(0)
    expect(rotate).to_be_focused()
    # Shown once: after the dialog the new secret is masked like any other.
    expect(row(page, "Administrator Secret").locator(".mask")).to_have_text(MASK)
    assert_absent(page, new_secret, partner.admin_secret)

    # The old secret still starts sessions during the grace period; the new one does too.
    for secret in (partner.admin_secret, new_secret):
        ks = api(tab.base_url, "session", "start", secret=secret, partnerId=partner.id, type=2)
        assert isinstance(ks, str), ks
    # The console's own session (signed with the old secret) goes on working.
    page.get_by_role("button", name="Show administrator secret").click()
    expect(row(page, "Administrator Secret").locator("code")).to_have_text(new_secret)
    page.reload()
    page.get_by_role("button", name="Show administrator secret").click()
    expect(row(page, "Administrator Secret").locator("code")).to_have_text(new_secret)


def test_account_info_fails_alone_and_retries(new_tab: NewTab, partner: PartnerInfo) -> None:
    tab = new_tab()
    page = tab.page
    login(tab, partner.admin_email, partner.admin_password)

    def fail(route: Any) -> None:
        route.fulfill(status=502, body="bad gateway", content_type="text/plain")

    page.route("**/api_v3/service/partner/action/getInfo", fail)
    tab.goto("/settings/integration")
    card = page.get_by_role("region", name="Account Info")
    expect(card.get_by_role("alert")).to_contain_text("An error occurred during account info loading.")
    audit(page, "account info error")
    # The rest of the page stays usable.
    expect(page.get_by_role("link", name="Settings")).to_be_enabled()
    page.unroute("**/api_v3/service/partner/action/getInfo", fail)
    card.get_by_role("button", name="Retry").click()
    expect(row(page, "Partner ID").locator("dd")).to_have_text(str(partner.id))
    expect(page.get_by_role("heading", name="Account Info")).to_be_focused()


def test_logout_ends_the_session(new_tab: NewTab, partner: PartnerInfo) -> None:
    tab = new_tab()
    page = tab.page
    login(tab, partner.admin_email, partner.admin_password)
    ks = page.evaluate("sessionStorage.getItem('keyframe.ks')")
    page.get_by_role("button", name="Log out").click()
    expect(page).to_have_url(re.compile(r"/login$"))
    expect(page.get_by_role("status")).to_have_text("You have logged out.")
    assert page.evaluate("sessionStorage.length") == 0
    assert api(tab.base_url, "session", "get", ks=ks)["code"] == "INVALID_KS"
    tab.goto("/settings/integration")
    expect(page).to_have_url(re.compile(r"/login\?next="))
    audit(page, "login page after logout")


@pytest.mark.parametrize("path", ["/settings/integration", "/home"])
def test_pages_need_a_session(new_tab: NewTab, path: str) -> None:
    tab = new_tab()
    tab.goto(path)
    expect(tab.page).to_have_url(re.compile(r"/login\?next="))


def test_rotating_the_admin_secret_at_once_ends_the_console_session(
    new_tab: NewTab, partner: PartnerInfo
) -> None:
    tab = new_tab()
    page = tab.page
    login(tab, partner.admin_email, partner.admin_password)
    tab.goto("/settings/integration")
    page.get_by_role("button", name="Rotate administrator secret").click()
    dialog = page.get_by_role("dialog", name="Rotate administrator secret")
    expect(dialog).to_contain_text("Your own session was signed with it")
    dialog.get_by_label("Grace period (hours)").fill("0")
    dialog.get_by_role("button", name="Rotate").click()
    shown = page.get_by_role("dialog", name="New administrator secret")
    expect(shown).to_contain_text("The previous secret has stopped working.")
    new_secret = shown.locator("#new-secret-value").inner_text()
    shown.get_by_role("button", name="Done").click()
    expect(page).to_have_url(re.compile(r"/login\?next="))
    expect(page.get_by_role("status")).to_contain_text("Please log in again.")
    assert page.evaluate("sessionStorage.length") == 0
    old = api(tab.base_url, "session", "start", secret=partner.admin_secret, partnerId=partner.id, type=2)
    assert old["code"] == "START_SESSION_ERROR", old
    assert isinstance(
        api(tab.base_url, "session", "start", secret=new_secret, partnerId=partner.id, type=2), str
    )
