"""Zoom's signed deliveries: URL validation, deauthorization, and refusals of unsigned or stale ones."""

from __future__ import annotations

import json
import time
from typing import Any

import httpx
from sqlalchemy import select

from keyframe.jobs.models import WebhookEvent
from keyframe.sandbox.zoom import signature
from keyframe.zoom.models import VendorIntegration
from tests.conftest import PartnerInfo
from tests.zoom.conftest import Browser, ZoomWorld
from tests.zoom.support import linked_account


def post_signed(
    world: ZoomWorld,
    action: str,
    body: dict[str, Any],
    *,
    secret: str | None = None,
    at: int | None = None,
    tracking: str | None = None,
) -> httpx.Response:
    raw = json.dumps(body).encode()
    stamp = str(at if at is not None else int(time.time()))
    mac = signature(secret or world.app.secret_token, stamp, raw)
    return httpx.post(
        world.page(action),
        content=raw,
        headers={
            "content-type": "application/json",
            "x-zm-request-timestamp": stamp,
            "x-zm-signature": mac,
            **({"x-zm-trackingid": tracking} if tracking else {}),
        },
    )


def test_the_event_endpoint_passes_zoom_url_validation(world: ZoomWorld) -> None:
    assert world.zoom.validate_endpoint(world.app.client_id).ok


def test_signed_deauthorization_disables_and_forgets_tokens(
    world: ZoomWorld, acme: PartnerInfo, browser: Browser
) -> None:
    admin, integration_id = linked_account(world, browser, acme, "a@zoom-a.example")
    assert world.zoom.deauthorize(world.app.client_id, admin.account_id) is not None
    assert world.zoom.wait_for_deliveries(30)
    (delivery,) = world.zoom.deliveries("app_deauthorized")
    assert delivery.status == 200

    with world.services.db.transaction() as db:
        row = db.get(VendorIntegration, integration_id)
        assert row is not None
        assert (row.status, row.access_token, row.refresh_token) == (1, "", "")
        assert row.auth_status == "deauthorized"
    (shown,) = world.api("vendor_zoomvendor", "list", ks=world.admin_ks(acme))["objects"]
    assert shown["status"] == 1 and shown["authorizationStatus"] == "deauthorized"
    actions = [e["action"] for e in world.api("auditTrail", "list", ks=world.admin_ks(acme))["objects"]]
    assert "zoom.deauthorized" in actions

    # Installing again with a new code restores it (disabled until the admin enables it).
    assert browser.link(admin.id, world.integration_code(acme)).status_code == 200
    (shown,) = world.api("vendor_zoomvendor", "list", ks=world.admin_ks(acme))["objects"]
    assert shown["authorizationStatus"] == "authorized" and shown["id"] == integration_id


def test_unsigned_forged_or_stale_deauthorizations_are_refused(
    world: ZoomWorld, acme: PartnerInfo, browser: Browser
) -> None:
    admin, integration_id = linked_account(world, browser, acme, "a@zoom-a.example")
    body = {
        "event": "app_deauthorized",
        "event_ts": int(time.time() * 1000),
        "payload": {"account_id": admin.account_id, "client_id": world.app.client_id},
    }
    assert httpx.post(world.page("deAuthorization"), json=body).status_code == 401
    assert post_signed(world, "deAuthorization", body, secret="not-the-secret").status_code == 401
    assert post_signed(world, "deAuthorization", body, at=int(time.time()) - 3600).status_code == 401
    # A signature header with a non-ASCII character is refused like any wrong one (it was a 503).
    odd = httpx.post(
        world.page("deAuthorization"),
        json=body,
        headers={
            "x-zm-request-timestamp": str(int(time.time())),
            "x-zm-signature": "v0=\xe9".encode("latin-1"),
        },
    )
    assert odd.status_code == 401
    with world.services.db.transaction() as db:
        row = db.get(VendorIntegration, integration_id)
        assert row is not None and row.status == 2 and row.access_token

    # Signed correctly it works, and a repeated delivery is acknowledged once.
    assert post_signed(world, "deAuthorization", body).status_code == 200
    assert post_signed(world, "deAuthorization", body).status_code == 200
    with world.services.db.transaction() as db:
        assert db.get(VendorIntegration, integration_id).status == 1  # type: ignore[union-attr]
        assert len(db.scalars(select(WebhookEvent)).all()) == 1


def test_a_replayed_deauthorization_with_a_new_tracking_id_changes_nothing(
    world: ZoomWorld, acme: PartnerInfo, browser: Browser
) -> None:
    """The tracking id is not signed: a captured delivery replayed (inside the timestamp window) under a
    new one must not deauthorize the account the admin has just installed again."""
    admin, integration_id = linked_account(world, browser, acme, "a@zoom-a.example")
    body = {
        "event": "app_deauthorized",
        "event_ts": int(time.time() * 1000),
        "payload": {"account_id": admin.account_id, "client_id": world.app.client_id},
    }
    stamp = int(time.time())
    assert post_signed(world, "deAuthorization", body, at=stamp, tracking="zoom-1").status_code == 200
    assert browser.link(admin.id, world.integration_code(acme)).status_code == 200
    assert post_signed(world, "deAuthorization", body, at=stamp, tracking="forged-2").status_code == 200
    with world.services.db.transaction() as db:
        row = db.get(VendorIntegration, integration_id)
        assert row is not None and row.auth_status == "authorized" and row.access_token
        assert len(db.scalars(select(WebhookEvent)).all()) == 1


def test_recording_events_are_verified_and_stored_once(world: ZoomWorld) -> None:
    body = {"event": "recording.completed", "event_ts": 1, "payload": {"account_id": "x", "object": {}}}
    assert post_signed(world, "recordingComplete", body, secret="wrong").status_code == 401
    assert post_signed(world, "recordingComplete", body).status_code == 200
    assert post_signed(world, "recordingComplete", body).status_code == 200
    with world.services.db.transaction() as db:
        (event,) = db.scalars(select(WebhookEvent)).all()
        assert event.source == "zoom"
