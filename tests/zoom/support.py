"""Linking an account in one call, for tests about what comes after."""

from __future__ import annotations

from sqlalchemy import select

from keyframe.sandbox.zoom.state import User
from keyframe.zoom.models import VendorIntegration
from tests.conftest import PartnerInfo
from tests.zoom.conftest import Browser, ZoomWorld, notice


def linked_account(
    world: ZoomWorld, browser: Browser, partner: PartnerInfo, email: str, *, enable: bool = True
) -> tuple[User, int]:
    """A Zoom admin whose account is linked to ``partner`` (and enabled), and the integration's id."""
    admin = world.zoom.add_user(email)
    registration = browser.link(admin.id, world.integration_code(partner))
    assert registration.status_code == 200, notice(registration.text)
    if enable:
        saved = browser.submit_settings(registration, defaultUserId="owner")
        assert notice(saved.text) == "Saved Successfully"
    with world.services.db.transaction() as db:
        row = db.scalars(
            select(VendorIntegration).where(VendorIntegration.account_id == admin.account_id)
        ).one()
        return admin, row.id
