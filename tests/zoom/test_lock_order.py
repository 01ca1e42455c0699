"""Every Zoom write takes its locks in one order: the partner's row, then the integration's row, then the
Zoom account (``service.lock_account``). Saving settings with a new ``zoomCategory`` creates categories,
and category tree writes lock the partner's row; when the settings paths locked the integration's row
first, a save racing a re-link of the same account (partner, then integration) deadlocked on PostgreSQL
and one of the two failed."""

from __future__ import annotations

import time
from collections.abc import Callable
from functools import partial
from typing import Any

import httpx
import pytest

from keyframe.zoom import service
from tests.conftest import PartnerInfo
from tests.helpers import at_once
from tests.zoom.conftest import Browser, ZoomWorld, notice

ROUNDS = 3  # per settings path


@pytest.fixture
def slow_categories(monkeypatch: pytest.MonkeyPatch) -> None:
    """Widen the window between the integration's row lock and the categories' partner lock, so the
    re-link reliably takes its first lock inside it (before the fix, every round deadlocked)."""
    original = service.ensure_categories

    def slow(*args: Any, **kwargs: Any) -> str | None:
        time.sleep(0.3)
        return original(*args, **kwargs)

    monkeypatch.setattr(service, "ensure_categories", slow)


def test_saving_settings_while_the_account_is_linked_again(
    world: ZoomWorld, acme: PartnerInfo, browser: Browser, slow_categories: None
) -> None:
    admin = world.zoom.add_user("owner@zoom-a.example")
    registration = browser.link(admin.id, world.integration_code(acme))
    assert registration.status_code == 200, notice(registration.text)
    integration_id = world.api("vendor_zoomvendor", "list", ks=world.admin_ks(acme))["objects"][0]["id"]
    ks = world.admin_ks(acme)
    saves: dict[str, Callable[[str], Any]] = {
        # The registration page's own form (pages._store).
        "page": lambda name: browser.submit_settings(registration, defaultUserId="owner", zoomCategory=name),
        "update": lambda name: world.api(
            "vendor_vendorintegration",
            "update",
            ks=ks,
            id=integration_id,
            integrationSetting={"objectType": "KalturaZoomIntegrationSetting", "zoomCategory": name},
        ),
        "submitRegistration": lambda name: world.api(
            "vendor_zoomvendor",
            "submitRegistration",
            ks=ks,
            accountId=admin.account_id,
            integrationSetting={"objectType": "KalturaZoomIntegrationSetting", "zoomCategory": name},
        ),
    }
    relinker = Browser(world)  # the admin installs the app again, in another browser
    try:
        for path, save in saves.items():
            for round_ in range(ROUNDS):
                name = f"Zoom>{path}-{round_}"
                code_page = relinker.install(admin.id)  # Zoom's part first: the race is Keyframe's part
                saved, relinked = at_once(
                    partial(save, name), partial(relinker.enter_code, code_page, world.integration_code(acme))
                )
                assert isinstance(relinked, httpx.Response), relinked
                assert relinked.status_code == 200, (path, round_, notice(relinked.text))
                assert "Zoom account settings" in relinked.text
                if isinstance(saved, httpx.Response):
                    assert notice(saved.text) == "Saved Successfully", (path, round_, saved.status_code)
                elif path == "update":
                    assert saved.get("zoomCategory") == name, (path, round_, saved)
                else:
                    assert saved is True, (path, round_, saved)
                shown = world.api("vendor_vendorintegration", "get", ks=ks, integrationId=integration_id)
                assert shown["zoomCategory"] == name and shown["authorizationStatus"] == "authorized"
    finally:
        relinker.close()
    listed = world.api("vendor_zoomvendor", "list", ks=ks)
    assert listed["accountsUsed"] == 1  # re-links, not new accounts
    names = {c["fullName"] for c in world.api("category", "list", ks=ks)["objects"]}
    assert {f"Zoom>{path}-{n}" for path in saves for n in range(ROUNDS)} <= names
