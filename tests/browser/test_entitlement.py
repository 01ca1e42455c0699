"""Settings > Integration > Entitlement in Chromium: shown only with FEATURE_ENTITLEMENT; the API Default
line; every labelled category reachable through the pages; Add (picker search and tree, validation messages,
confirmation, "already set"), Edit and Delete through category.* calls; a Manager sees it read-only and the
server refuses the Manager's own call."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest

from tests.conftest import IN_CI, PartnerInfo

if not IN_CI:  # in CI a missing Playwright is a collection error, never a skip
    pytest.importorskip("playwright", reason="playwright is not installed (pip install -e '.[test]')")
    pytest.importorskip("axe_playwright_python", reason="axe-playwright-python is not installed")

from playwright.sync_api import Page, expect

from keyframe.categories.models import Category
from keyframe.partners.models import Partner
from keyframe.roles import service as roles
from keyframe.services import Services
from tests.browser.conftest import PASSWORD, Tab, add_login_user, api
from tests.browser.test_console import audit, login, open_integration

NewTab = Callable[..., Tab]
HELP = (
    "The Privacy Context Label of each category defined here will automatically be applied to its sub "
    "categories. The same label should be set as part of the application's session (KS) privileges."
)


def enable(services: Services, partner: PartnerInfo, *, enforce: bool = True) -> None:
    with services.db.transaction() as db:
        roles.set_features(db, partner.id, ["FEATURE_ENTITLEMENT"], [])
        db.get_one(Partner, partner.id).default_entitlement_enforcement = enforce


def admin_ks(base_url: str, partner: PartnerInfo) -> str:
    ks = api(
        base_url,
        "session",
        "start",
        secret=partner.admin_secret,
        partnerId=partner.id,
        type=2,
        privileges="disableentitlement",
    )
    assert isinstance(ks, str), ks
    return ks


def add_category(base_url: str, ks: str, name: str, parent: int = 0, label: str = "") -> int:
    fields: dict[str, object] = {"objectType": "KalturaCategory", "name": name, "parentId": parent}
    if label:
        fields["privacyContext"] = label
    created = api(base_url, "category", "add", ks=ks, category=fields)
    assert created.get("objectType") == "KalturaCategory", created
    return int(created["id"])


def entitlement(page: Page) -> object:
    return page.locator("#entitlement")


def test_hidden_without_the_feature(new_tab: NewTab, partner: PartnerInfo) -> None:
    tab = new_tab()
    login(tab, partner.admin_email, partner.admin_password)
    open_integration(tab)
    expect(tab.page.get_by_role("heading", name="Account Info")).to_be_visible()
    expect(tab.page.get_by_role("heading", name="Entitlement")).to_have_count(0)


def test_add_edit_delete_with_validation(new_tab: NewTab, services: Services, partner: PartnerInfo) -> None:
    enable(services, partner, enforce=True)
    tab = new_tab()
    page = tab.page
    ks = admin_ks(tab.base_url, partner)
    portal = add_category(tab.base_url, ks, "Portal")
    add_category(tab.base_url, ks, "Galleries", parent=portal)
    lms = add_category(tab.base_url, ks, "Courses")
    login(tab, partner.admin_email, partner.admin_password)
    open_integration(tab)
    card = page.locator("#entitlement")
    expect(card.get_by_role("heading", name="Entitlement")).to_be_visible()
    expect(card.locator("#api-default")).to_have_text("API Default Entitlement enforcement enabled")
    expect(
        card.get_by_text("To add Entitlement Settings for categories, click 'Add Entitlement'.")
    ).to_be_visible()
    card.get_by_role("button", name="About Entitlement").click()
    expect(card.get_by_role("tooltip")).to_have_text(HELP)
    expect(card.locator("td.empty")).to_have_text("No Results")
    audit(page, "entitlement card")

    # Add: pick through the search box, try the validation messages, confirm.
    card.get_by_role("button", name="Add Entitlement").click()
    dialog = page.locator("#add-entitlement-dialog")
    expect(dialog.get_by_role("heading", name="Add Entitlement")).to_be_visible()
    expect(
        dialog.get_by_text("Select the root category integrated with your application and label it below.")
    ).to_be_visible()
    expect(dialog.locator("#picker-selected")).to_have_text("Selected: No Selection")
    search = dialog.get_by_placeholder("Search Categories")
    search.fill("Po")
    expect(dialog.locator(".suggestion")).to_have_count(0)
    search.fill("Por")
    dialog.locator(".suggestion", has_text="Portal").click()
    expect(dialog.locator("#picker-selected")).to_have_text("Selected: Portal")
    label = dialog.get_by_label("Add Privacy Context Label")
    apply = dialog.get_by_role("button", name="Apply")
    for text, message in (
        ("abc", "Privacy Context Labels must include at least 4 characters."),
        ("Media Space", "Privacy Context Labels must include only English alphanumeric characters."),
        ("", "You must enter a Privacy Context Label."),
    ):
        label.fill(text)
        label.blur()
        expect(dialog.locator("#add-label-error")).to_have_text(message)
        expect(apply).to_be_disabled()
    label.fill("MediaSpace")
    expect(dialog.locator("#add-label-error")).to_have_text("")
    audit(page, "add entitlement dialog")
    apply.click()
    confirm = page.locator("#entitlement-confirm")
    expect(confirm.get_by_role("heading", name="Add Entitlement")).to_be_visible()
    expect(confirm).to_contain_text(
        "Entitlement settings will be added to all sub-categories in an asynchronous process."
    )
    confirm.get_by_role("button", name="Yes").click()
    expect(dialog).to_have_count(0)
    table = card.locator("#entitlement-table")
    expect(table.locator("tbody tr")).to_have_count(1)
    expect(table.locator("tbody tr").first).to_contain_text("Portal")
    expect(table.locator("tbody tr").first).to_contain_text("MediaSpace")

    # Add again on the same category, chosen in the tree: refused with upstream's message.
    card.get_by_role("button", name="Add Entitlement").click()
    dialog.locator("#category-tree").get_by_role("button", name="Portal", exact=True).click()
    dialog.get_by_label("Add Privacy Context Label").fill("Other1")
    dialog.get_by_role("button", name="Apply").click()
    page.locator("#entitlement-confirm").get_by_role("button", name="Yes").click()
    expect(dialog.locator("#add-entitlement-error")).to_have_text(
        "Category is already set with a Privacy Context Label."
    )
    dialog.get_by_role("button", name="Cancel").click()

    # Edit: Apply waits for a valid change; the confirmation names the category.
    card.get_by_role("button", name="Actions for Portal").click()
    card.get_by_role("menuitem", name="Edit").click()
    edit = page.locator("#edit-entitlement-dialog")
    expect(edit.locator("#edit-category-name")).to_have_text("Portal")
    edit_label = edit.get_by_label("Privacy Context Label")
    expect(edit_label).to_have_value("MediaSpace")
    expect(edit.get_by_role("button", name="Apply")).to_be_disabled()
    edit_label.fill("")
    expect(edit.locator("#edit-label-error")).to_have_text("Please enter a Privacy Context Label")
    edit_label.fill("Portal2024")
    edit.get_by_role("button", name="Apply").click()
    confirm = page.locator("#entitlement-confirm")
    expect(confirm.get_by_role("heading", name="Confirm Edit")).to_be_visible()
    expect(confirm).to_contain_text("content in the Portal category")
    confirm.get_by_role("button", name="Yes").click()
    expect(table.locator("tbody tr").first).to_contain_text("Portal2024")
    with services.db.transaction() as db:
        assert db.get_one(Category, portal).privacy_context == "Portal2024"

    # Delete.
    card.get_by_role("button", name="Actions for Portal").click()
    card.get_by_role("menuitem", name="Delete").click()
    confirm = page.locator("#entitlement-confirm")
    expect(confirm.get_by_role("heading", name="Delete Entitlement")).to_be_visible()
    expect(confirm).to_contain_text(
        "Any previous Content Privacy settings defined for the Portal category "
        "(including all sub-categories) will be lost."
    )
    confirm.get_by_role("button", name="Yes").click()
    expect(card.locator("td.empty")).to_have_text("No Results")
    with services.db.transaction() as db:
        assert db.get_one(Category, portal).privacy_context == ""
        assert db.get_one(Category, lms).privacy_context == ""


def test_every_labelled_category_is_reachable(
    new_tab: NewTab, services: Services, partner: PartnerInfo
) -> None:
    enable(services, partner, enforce=False)
    tab = new_tab()
    page = tab.page
    ks = admin_ks(tab.base_url, partner)
    for n in range(45):
        add_category(tab.base_url, ks, f"App{n:02d}", label=f"Label{n:02d}")
    login(tab, partner.admin_email, partner.admin_password)
    open_integration(tab)
    card = page.locator("#entitlement")
    expect(card.locator("#api-default")).to_have_text("API Default Entitlement enforcement disabled")
    seen: list[str] = []
    for page_number in (1, 2, 3):
        expect(card.locator("#entitlement-page")).to_have_text(re.compile(f"^Page {page_number} of 3"))
        seen += card.locator("#entitlement-table tbody tr td:nth-child(2)").all_inner_texts()
        if page_number < 3:
            card.get_by_role("button", name="Next").click()
    assert sorted(seen) == [f"Label{n:02d}" for n in range(45)]
    expect(card.get_by_role("button", name="Next")).to_be_disabled()


def test_a_manager_sees_it_read_only_and_the_server_refuses(
    new_tab: NewTab, services: Services, partner: PartnerInfo
) -> None:
    enable(services, partner, enforce=False)
    tab = new_tab()
    page = tab.page
    ks = admin_ks(tab.base_url, partner)
    portal = add_category(tab.base_url, ks, "Portal", label="MediaSpace")
    email = add_login_user(services, partner.id, "MANAGER_ROLE")
    login(tab, email, PASSWORD)
    open_integration(tab)
    card = page.locator("#entitlement")
    expect(card.locator("#entitlement-table tbody tr")).to_have_count(1)
    expect(card.get_by_role("button", name="Add Entitlement")).to_be_disabled()
    card.get_by_role("button", name="Actions for Portal").click()
    expect(card.get_by_role("menuitem", name="Edit")).to_be_disabled()
    expect(card.get_by_role("menuitem", name="Delete")).to_be_disabled()
    audit(page, "entitlement card as a Manager")
    manager_ks = page.evaluate("sessionStorage.getItem('keyframe.ks')")
    refused = api(
        tab.base_url,
        "category",
        "update",
        ks=manager_ks,
        id=portal,
        category={"objectType": "KalturaCategory", "privacyContext": "Stolen1"},
    )
    assert refused.get("objectType") == "KalturaAPIException", refused
    with services.db.transaction() as db:
        assert db.get_one(Category, portal).privacy_context == "MediaSpace"
