"""Tokens after linking: refreshed under the row lock (the sandbox rotates refresh tokens and kills the
old one at once), and a permanent refusal shown as "needs re-authorization"."""

from __future__ import annotations

import threading
from types import SimpleNamespace
from typing import Any

import httpx
import pytest
from sqlalchemy import update

from keyframe.zoom import tasks, tokens
from keyframe.zoom.client import ZoomError
from keyframe.zoom.models import VendorIntegration
from tests.conftest import PartnerInfo
from tests.zoom.conftest import Browser, ZoomWorld
from tests.zoom.support import linked_account


def token_grants(world: ZoomWorld, grant_type: str) -> int:
    return sum(1 for r in world.zoom.requests("/oauth/token") if r.note == grant_type)


def in_threads(count: int, fn: Any) -> list[Any]:
    """Run ``fn`` in ``count`` threads released together; their results (or exceptions)."""
    barrier = threading.Barrier(count)
    results: list[Any] = [None] * count

    def run(index: int) -> None:
        barrier.wait()
        try:
            results[index] = fn()
        except Exception as error:  # reported to the test
            results[index] = error

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return results


def test_parallel_forced_refreshes_never_lose_the_refresh_token(
    world: ZoomWorld, acme: PartnerInfo, browser: Browser
) -> None:
    _, integration_id = linked_account(world, browser, acme, "a@zoom-a.example")
    results = in_threads(8, lambda: tokens.refresh(world.services, integration_id, force=True))
    assert all(isinstance(r, tokens.Refreshed) and r.refreshed for r in results), results
    # Each refresh used the token the previous one stored: eight rotations, no refusal, and the stored
    # refresh token still works.
    assert token_grants(world, "refresh_token") == 8
    assert tokens.refresh(world.services, integration_id, force=True).refreshed
    listed = world.api("vendor_zoomvendor", "list", ks=world.admin_ks(acme))
    assert listed["objects"][0]["authorizationStatus"] == "authorized"


def test_parallel_readers_of_an_expiring_token_refresh_it_once(
    world: ZoomWorld, acme: PartnerInfo, browser: Browser
) -> None:
    _, integration_id = linked_account(world, browser, acme, "a@zoom-a.example")
    with world.services.db.transaction() as db:
        db.execute(update(VendorIntegration).values(access_expires_at=0))
    results = in_threads(6, lambda: tokens.access_token(world.services, integration_id))
    assert all(isinstance(r, str) for r in results), results
    assert len(set(results)) == 1  # everyone got the one new token
    assert token_grants(world, "refresh_token") == 1
    # And it works at Zoom.
    me = httpx.get(f"{world.zoom.url}/v2/users/me", headers={"authorization": f"Bearer {results[0]}"})
    assert me.status_code == 200, me.text


def test_a_permanently_refused_refresh_needs_reauthorization(
    world: ZoomWorld, acme: PartnerInfo, browser: Browser
) -> None:
    admin, integration_id = linked_account(world, browser, acme, "a@zoom-a.example")
    with world.zoom.state.lock:  # Zoom revoked the grant (e.g. an admin removed the app's access)
        world.zoom.state.refresh_tokens.clear()
    with pytest.raises(tokens.NeedsReauthorization):
        tokens.refresh(world.services, integration_id, force=True)

    (shown,) = world.api("vendor_zoomvendor", "list", ks=world.admin_ks(acme))["objects"]
    assert shown["authorizationStatus"] == "needsReauthorization"
    assert "Refreshing the Zoom tokens failed" in shown["lastError"]
    # Nobody calls Zoom again for it: the job skips it, and readers are told at once.
    before = token_grants(world, "refresh_token")
    with world.services.db.transaction() as db:
        db.execute(update(VendorIntegration).values(access_expires_at=0))
    tasks.refresh_tokens(SimpleNamespace(services=world.services))  # type: ignore[arg-type]
    with pytest.raises(tokens.NeedsReauthorization):
        tokens.access_token(world.services, integration_id)
    assert token_grants(world, "refresh_token") == before

    # Installing again (a new code) authorizes it again.
    page = browser.link(admin.id, world.integration_code(acme))
    assert page.status_code == 200
    (shown,) = world.api("vendor_zoomvendor", "list", ks=world.admin_ks(acme))["objects"]
    assert (shown["authorizationStatus"], shown["lastError"]) == ("authorized", "")


def test_a_passing_failure_is_retried_not_recorded(
    world: ZoomWorld, acme: PartnerInfo, browser: Browser
) -> None:
    _, integration_id = linked_account(world, browser, acme, "a@zoom-a.example")
    world.zoom.inject_fault("server_error", "/oauth/token")
    with pytest.raises(ZoomError) as info:
        tokens.refresh(world.services, integration_id, force=True)
    assert not info.value.permanent
    # The refresh token was not spent by the failed attempt: the next refresh works.
    assert tokens.refresh(world.services, integration_id, force=True).refreshed


def test_the_refresh_job_refreshes_tokens_that_expire_soon(
    world: ZoomWorld, acme: PartnerInfo, browser: Browser
) -> None:
    _, soon = linked_account(world, browser, acme, "a@zoom-a.example")
    _, later = linked_account(world, browser, acme, "b@zoom-b.example")
    with world.services.db.transaction() as db:
        db.execute(update(VendorIntegration).where(VendorIntegration.id == soon).values(access_expires_at=1))
    tasks.refresh_tokens(SimpleNamespace(services=world.services))  # type: ignore[arg-type]
    assert token_grants(world, "refresh_token") == 1
    with world.services.db.transaction() as db:
        assert db.get(VendorIntegration, soon).access_expires_at > 1  # type: ignore[union-attr]
        assert db.get(VendorIntegration, later) is not None
