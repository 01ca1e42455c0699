"""A Zoom account is ACTIVE under one partner at most, even when two partners link it at the same instant:
"is it active elsewhere?" and the activation are serialised on the account itself (PostgreSQL: an advisory
lock keyed by the account id; SQLite: ``BEGIN IMMEDIATE``), not only on each partner's own row."""

from __future__ import annotations

import threading
from functools import partial
from typing import Any

from sqlalchemy import select

from keyframe.kapi.errors import KalturaAPIException
from keyframe.partners.models import Partner
from keyframe.zoom import service
from keyframe.zoom.models import AuthType, IntegrationStatus, VendorIntegration
from tests.conftest import PartnerInfo, make_partner
from tests.helpers import at_once
from tests.zoom.conftest import ZoomWorld
from tests.zoom.test_official_client import s2s_apps

SETTING = {"objectType": "KalturaZoomIntegrationSetting", "defaultUserId": "owner"}


def active_partners(world: ZoomWorld, account_id: str) -> list[int]:
    with world.services.db.transaction() as db:
        return list(
            db.scalars(
                select(VendorIntegration.partner_id).where(
                    VendorIntegration.account_id == account_id,
                    VendorIntegration.status == IntegrationStatus.ACTIVE,
                )
            )
        )


def test_two_partners_adding_one_account_at_once(world: ZoomWorld, acme: PartnerInfo) -> None:
    other = make_partner(world.services, "Other")
    accounts = [f"shared-{n}" for n in range(6)]
    with world.services.db.transaction() as db:  # room for every round, whoever wins it
        for partner_id in (acme.id, other.id):
            db.get_one(Partner, partner_id).zoom_accounts_limit = len(accounts)
    s2s_apps(world, *accounts)  # configured for the account alone: either partner may add it
    sessions = [world.admin_ks(acme), world.admin_ks(other)]
    for account in accounts:
        results = at_once(
            *(
                partial(
                    world.api, "vendor_vendorintegration", "add", ks=ks, integration=SETTING, remoteId=account
                )
                for ks in sessions
            )
        )
        added = [r for r in results if r.get("objectType") == "KalturaZoomIntegrationSetting"]
        refused = [r for r in results if r.get("code") == "INTEGRATION_ALREADY_EXIST"]
        assert len(added) == 1 and len(refused) == 1, results
        assert added[0]["status"] == 2
        winner = added[0]["partnerId"]
        assert refused[0]["message"] == (
            f'Integration already exists for partner id "{winner}", please disable it and try again'
        )
        assert active_partners(world, account) == [winner]


def test_the_second_partner_waits_for_the_first_to_commit(world: ZoomWorld, acme: PartnerInfo) -> None:
    """Deterministic: the first link holds its transaction open; the second (another partner, so another
    partner lock) must wait for it, then see it and be refused."""
    other = make_partner(world.services, "Other")
    services = world.services
    linked, release = threading.Event(), threading.Event()

    def link_and_enable(partner_id: int, hold: bool) -> int:
        with services.db.transaction() as db:
            row, _ = service.link(
                db,
                services.settings,
                db.get_one(Partner, partner_id),
                "shared-account",
                auth_type=AuthType.SERVER_TO_SERVER,
            )
            service.set_status(db, row, IntegrationStatus.ACTIVE)
            if hold:
                linked.set()
                assert release.wait(30)
            return row.id

    first = threading.Thread(target=link_and_enable, args=(acme.id, True))
    first.start()
    assert linked.wait(30)
    outcome: dict[str, Any] = {}

    def second() -> None:
        try:
            outcome["id"] = link_and_enable(other.id, False)
        except KalturaAPIException as error:
            outcome["error"] = error

    waiting = threading.Thread(target=second)
    waiting.start()
    try:
        waiting.join(1.0)
        assert waiting.is_alive(), outcome  # it waits for the account, though its partner lock was free
    finally:
        release.set()
        first.join(30)
    waiting.join(30)
    assert "id" not in outcome and outcome["error"].code == "INTEGRATION_ALREADY_EXIST"
    assert active_partners(world, "shared-account") == [acme.id]
