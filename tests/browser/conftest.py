"""Browser fixtures: Debian's Chromium driven by Playwright's sync API against a live Keyframe.

With ``CI=true`` a missing Chromium or Playwright is an error (the tests must not silently skip in CI);
elsewhere the tests skip with the reason."""

from __future__ import annotations

import json
import os
import urllib.request
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from argon2 import PasswordHasher

from keyframe.roles import service as role_service
from keyframe.services import Services
from keyframe.users import passwords
from keyframe.users.models import User
from tests.conftest import IN_CI, LiveServer

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PASSWORD = "a long enough password"

try:
    from playwright.sync_api import Browser, BrowserContext, Page, sync_playwright

    PLAYWRIGHT_ERROR: str | None = None
except ImportError as exc:  # pragma: no cover - depends on the environment
    PLAYWRIGHT_ERROR = f"playwright is not installed ({exc})"


def _unavailable() -> str | None:
    if PLAYWRIGHT_ERROR:
        return PLAYWRIGHT_ERROR
    if not (os.path.isfile(CHROMIUM) and os.access(CHROMIUM, os.X_OK)):
        return f"{CHROMIUM} is missing (apt-get install chromium)"
    return None


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    reason = _unavailable()
    if reason:
        if IN_CI:
            pytest.fail(f"CI=true but the browser tests cannot run: {reason}")
        pytest.skip(reason)
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture(autouse=True)
def fast_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    """Cheap argon2 parameters: logging in is deliberately slow otherwise."""
    hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    monkeypatch.setattr(passwords, "_hasher", hasher)
    monkeypatch.setattr(passwords, "_DUMMY_HASH", hasher.hash("dummy"))


@dataclass
class Tab:
    """One browser context and its page, with what the page reported."""

    context: BrowserContext
    page: Page
    base_url: str
    problems: list[str]

    def goto(self, path: str) -> None:
        self.page.goto(self.base_url + path)


@pytest.fixture
def new_tab(browser: Browser, live_server: LiveServer) -> Iterator[Any]:
    """Opens pages in fresh contexts; at the end, no page may have logged an error or a CSP violation."""
    tabs: list[Tab] = []

    def open_tab(**context_args: Any) -> Tab:
        context = browser.new_context(base_url=live_server.url, **context_args)
        context.set_default_timeout(5_000)
        page = context.new_page()
        problems: list[str] = []
        page.on("pageerror", lambda error: problems.append(f"page error: {error}"))
        page.on(
            "console",
            lambda message: (
                problems.append(f"console {message.type}: {message.text}")
                if message.type == "error" and "Failed to load resource" not in message.text
                else None
            ),
        )
        tab = Tab(context, page, live_server.url, problems)
        tabs.append(tab)
        return tab

    yield open_tab
    problems = [p for tab in tabs for p in tab.problems]
    for tab in tabs:
        tab.context.close()
    assert not problems, problems


def add_login_user(
    services: Services, partner_id: int, role: str, first_name: str = "Pat", email: str | None = None
) -> str:
    """An administrator user (its login gives an ADMIN KS carrying its role) with the default role whose
    system name is ``role``; returns its login id."""
    email = email or f"{role.lower()}-{uuid.uuid4().hex[:6]}@example.com"
    with services.db.transaction() as db:
        found = role_service.find_role(db, partner_id, role)
        assert found is not None, role
        db.add(
            User(
                partner_id=partner_id,
                user_id=email,
                login_id=email,
                email=email,
                first_name=first_name,
                last_name="Tester",
                password_hash=passwords.hash_password(PASSWORD),
                is_admin=True,
                role_ids=str(found.id),
            )
        )
    return email


def api(base_url: str, service: str, action: str, **params: Any) -> Any:
    """An api_v3 call over HTTP, outside the browser."""
    request = urllib.request.Request(
        f"{base_url}/api_v3/service/{service}/action/{action}",
        data=json.dumps({"format": "1", **params}).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())


SCREENSHOT = Path(__file__).resolve().parents[2] / "docs" / "images" / "integration.png"
