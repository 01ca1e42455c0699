"""The OAuth ``state`` binds Zoom's redirect to the browser that started the installation. Without it, an
attacker could approve the app in Zoom as themselves, stop before Keyframe's page, and send the link
(``oauthValidation?code=…``) to a victim: the victim's integration code would link the attacker's Zoom
account into the victim's partner (login CSRF / code injection)."""

from __future__ import annotations

import secrets
import time
from types import SimpleNamespace
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from keyframe.crypto import Signer
from keyframe.zoom import pages
from keyframe.zoom.pages import COOKIE_PATH, STATE_COOKIE, STATE_TTL
from tests.conftest import PartnerInfo
from tests.zoom.conftest import Browser, ZoomWorld, hidden_fields, notice

REFUSED = "Keyframe cannot tell that this Zoom authorization was started in this browser"


def approved_redirect(world: ZoomWorld, browser: Browser, zoom_user: str) -> str:
    """Start the installation in ``browser`` and approve it at Zoom, but stop before following Zoom's
    redirect back to Keyframe: its URL (``code`` and ``state``)."""
    approval = browser.http.get(world.page("preOauthValidation"))
    answer = browser.http.post(
        f"{world.zoom.url}/oauth/authorize",
        data={**hidden_fields(approval.text), "user": zoom_user, "decision": "allow"},
        follow_redirects=False,
    )
    assert answer.status_code == 302
    return answer.headers["location"]


def linked_accounts(world: ZoomWorld, partner: PartnerInfo) -> int:
    return int(world.api("vendor_zoomvendor", "list", ks=world.admin_ks(partner))["accountsUsed"])


def test_the_authorize_redirect_carries_a_state_the_browser_keeps_hashed(world: ZoomWorld) -> None:
    response = httpx.get(world.page("preOauthValidation"), follow_redirects=False, timeout=30)
    assert response.status_code == 302
    location = urlsplit(response.headers["location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == f"{world.zoom.url}/oauth/authorize"
    (state,) = parse_qs(location.query)["state"]
    assert len(state) >= 43  # 32 random bytes
    cookie = response.headers["set-cookie"]
    assert cookie.startswith(f"{STATE_COOKIE}=")
    assert state not in cookie  # only its HMAC
    for attribute in ("HttpOnly", "SameSite=lax", f"Path={COOKIE_PATH}", f"Max-Age={STATE_TTL}"):
        assert attribute in cookie, cookie
    # Each installation gets its own.
    again = httpx.get(world.page("preOauthValidation"), follow_redirects=False, timeout=30)
    assert parse_qs(urlsplit(again.headers["location"]).query)["state"] != [state]


def test_a_redirect_from_another_browser_links_nothing(world: ZoomWorld, acme: PartnerInfo) -> None:
    attacker, victim = Browser(world), Browser(world)
    try:
        intruder = world.zoom.add_user("intruder@zoom-evil.example")
        lure = approved_redirect(world, attacker, intruder.id)
        assert "state=" in lure

        # The victim, with no installation of its own under way.
        page = victim.http.get(lure)
        assert page.status_code == 400 and REFUSED in notice(page.text)
        assert "integrationCode" not in page.text and "code" not in hidden_fields(page.text)
        assert "preOauthValidation" in page.text  # a way to start again
        # The victim in the middle of its own installation: the state is not its own.
        owner = world.zoom.add_user("owner@zoom-a.example")
        approved_redirect(world, victim, owner.id)
        page = victim.http.get(lure)
        assert page.status_code == 400 and REFUSED in notice(page.text)
        # Without any state (as if the attacker dropped it).
        bare = lure.split("&state=")[0]
        assert "state=" not in bare
        assert victim.http.get(bare).status_code == 400

        # Nor can the victim's own form carry the attacker's code: the link itself checks the state.
        own = victim.http.get(approved_redirect(world, victim, owner.id))
        assert own.status_code == 200
        form = hidden_fields(own.text)
        form["code"] = parse_qs(urlsplit(lure).query)["code"][0]
        form["state"] = parse_qs(urlsplit(lure).query)["state"][0]
        refused = victim.http.post(
            world.page("fetchRegistrationPage"),
            data={**form, "integrationCode": world.integration_code(acme)},
        )
        assert refused.status_code == 400 and REFUSED in notice(refused.text)
        assert linked_accounts(world, acme) == 0

        # The attacker's own browser still gets its form: the state is bound, not the person refused.
        assert attacker.http.get(lure).status_code == 200
    finally:
        attacker.close()
        victim.close()


def test_the_state_is_used_once(world: ZoomWorld, acme: PartnerInfo, browser: Browser) -> None:
    owner = world.zoom.add_user("owner@zoom-a.example")
    page = browser.install(owner.id)
    form = hidden_fields(page.text)
    assert form["state"]
    missing = browser.http.post(
        world.page("fetchRegistrationPage"),
        data={**form, "state": "", "integrationCode": world.integration_code(acme)},
    )
    assert missing.status_code == 400 and REFUSED in notice(missing.text)
    linked = browser.enter_code(page, world.integration_code(acme))
    assert linked.status_code == 200, notice(linked.text)
    assert STATE_COOKIE not in browser.http.cookies  # spent with the link
    # Zoom's redirect replayed in the same browser is refused now.
    replayed = browser.http.get(str(page.url))
    assert replayed.status_code == 400 and REFUSED in notice(replayed.text)
    assert linked_accounts(world, acme) == 1


def test_the_state_expires_on_the_server_too(
    world: ZoomWorld, acme: PartnerInfo, browser: Browser, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The cookie's Max-Age is the browser's to honour; the state's own issue time, under the HMAC, is not."""
    owner = world.zoom.add_user("owner@zoom-a.example")
    page = browser.install(owner.id)
    state = hidden_fields(page.text)["state"]
    issued, _, _ = state.partition(".")
    assert abs(int(issued) - time.time()) < 60
    signer = Signer(world.services.settings, "zoom-oauth-state")

    def redirect(state: str, cookie: str) -> httpx.Response:
        return httpx.get(
            world.page("oauthValidation"),
            params={"code": "some-code", "state": state},
            cookies={STATE_COOKIE: cookie},
            timeout=30,
        )

    fresh = f"{int(time.time()) - STATE_TTL + 30}.{secrets.token_urlsafe(32)}"
    assert redirect(fresh, signer.sign(fresh)).status_code == 200
    for stale in (
        f"{int(time.time()) - STATE_TTL - 1}.{secrets.token_urlsafe(32)}",  # too old, though signed
        f"{int(time.time()) + 3600}.{secrets.token_urlsafe(32)}",  # from the future
        secrets.token_urlsafe(32),  # no issue time (as before it was signed in)
    ):
        answer = redirect(stale, signer.sign(stale))
        assert answer.status_code == 400 and REFUSED in notice(answer.text), stale
    # A later issue time written over a stale state's does not match the cookie's HMAC.
    old = f"{int(time.time()) - STATE_TTL - 1}.{secrets.token_urlsafe(32)}"
    moved = f"{int(time.time())}.{old.partition('.')[2]}"
    assert redirect(moved, signer.sign(old)).status_code == 400

    # The code form kept open past the limit links nothing (its cookie still sent, as a browser ignoring
    # Max-Age would), and the integration code is not spent.
    later = time.time() + STATE_TTL + 1
    monkeypatch.setattr(pages, "time", SimpleNamespace(time=lambda: later))
    code = world.integration_code(acme)
    refused = browser.enter_code(page, code)
    assert refused.status_code == 400 and REFUSED in notice(refused.text)
    assert linked_accounts(world, acme) == 0
    monkeypatch.undo()
    linked = browser.link(owner.id, code)
    assert linked.status_code == 200, notice(linked.text)
    assert linked_accounts(world, acme) == 1
