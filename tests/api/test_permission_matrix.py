"""Every registered action × every default role × USER/ADMIN session, over HTTP.

The table below is written by hand from the KMC permission lists (youtube-entitlement-roles.md §4), not
derived from the code: a cell the table denies must answer SERVICE_FORBIDDEN, and a cell it allows must
get past the permission check (any other answer, including a validation error, counts as allowed).
"""

from __future__ import annotations

import time

import pytest
from sqlalchemy import select
from starlette.testclient import TestClient

from keyframe.kapi.registry import REGISTRY
from keyframe.ks import encode_v2
from keyframe.roles.models import UserRole
from keyframe.services import Services
from keyframe.users.models import User
from tests.conftest import PartnerInfo
from tests.helpers import call, error_code

PA, MGR, CU, CM, PD, USER = (
    "Publisher Administrator",
    "Manager",
    "Content Uploader",
    "Content Moderator",
    "Player Designer",
    "user session",
)
ROLES = (PA, MGR, CU, CM, PD)
EVERYONE = frozenset({*ROLES, USER})
KMC_ROLES = frozenset(ROLES)  # every KMC role holds KMC_READ_ONLY

MATRIX: dict[str, frozenset[str]] = {
    "system.ping": EVERYONE,
    "system.getTime": EVERYONE,
    "session.start": EVERYONE,
    "session.end": EVERYONE,
    "session.get": EVERYONE,
    "session.impersonate": EVERYONE,
    "session.impersonateByKs": frozenset({PA}),
    "partner.getInfo": KMC_ROLES,
    "partner.get": KMC_ROLES,
    "partner.getSecrets": EVERYONE,
    "partner.register": EVERYONE,
    "partner.rotateSecret": frozenset({PA}),
    "userRole.add": frozenset({PA}),
    "userRole.clone": frozenset({PA}),
    "userRole.update": frozenset({PA}),
    "userRole.delete": frozenset({PA}),
    "userRole.get": KMC_ROLES,
    "userRole.list": frozenset({PA, MGR}),
    "permission.list": KMC_ROLES,
    "user.add": frozenset({PA}),
    "user.update": frozenset({PA}),
    "user.delete": frozenset({PA}),
    "user.enableLogin": frozenset({PA}),
    "user.disableLogin": frozenset({PA}),
    "user.get": EVERYONE,
    "user.getByLoginId": KMC_ROLES,
    "user.list": KMC_ROLES,
    "user.loginByLoginId": EVERYONE,
    "user.updateLoginData": EVERYONE,
    "auditTrail.list": frozenset({PA, MGR}),
    # Categories: editing the tree needs CONTENT_MANAGE_EDIT_CATEGORIES (PA, Manager); reading is open to
    # every session (listing is limited by entitlement, not by role). Members and entry links admit a user
    # session (the category's own rules decide); copyFromCategory needs CONTENT_MANAGE_CATEGORY_USERS, a
    # FEATURE_ENTITLEMENT permission this partner lacks.
    "category.add": frozenset({PA, MGR}),
    "category.update": frozenset({PA, MGR}),
    "category.delete": frozenset({PA, MGR}),
    "category.move": frozenset({PA, MGR}),
    "category.get": EVERYONE,
    "category.list": EVERYONE,
    "categoryUser.add": EVERYONE,
    "categoryUser.get": EVERYONE,
    "categoryUser.update": EVERYONE,
    "categoryUser.delete": EVERYONE,
    "categoryUser.activate": EVERYONE,
    "categoryUser.deactivate": EVERYONE,
    "categoryUser.list": EVERYONE,
    "categoryUser.copyFromCategory": frozenset(),
    "categoryEntry.add": EVERYONE,
    "categoryEntry.delete": EVERYONE,
    "categoryEntry.activate": EVERYONE,
    "categoryEntry.reject": EVERYONE,
    "categoryEntry.list": EVERYONE,
    "groupUser.add": frozenset({PA}),
    "groupUser.delete": frozenset({PA}),
    "groupUser.list": KMC_ROLES,
    "jobs.list": frozenset({PA}),
    "jobs.get": frozenset({PA}),
    "jobs.retry": frozenset({PA}),
    # Upstream grants upload tokens to basic user sessions (every KMC role holds that permission).
    "uploadToken.add": EVERYONE,
    "uploadToken.get": EVERYONE,
    "uploadToken.list": EVERYONE,
    "uploadToken.delete": EVERYONE,
    "uploadToken.upload": EVERYONE,
    # Upstream's media and baseEntry permission items all include BASE_USER_SESSION_PERMISSION (every KMC
    # role holds it): a USER session is limited by entry ownership, not by the role.
    "media.add": EVERYONE,
    "media.addContent": EVERYONE,
    "media.addFromUploadedFile": EVERYONE,
    "media.updateContent": EVERYONE,
    "media.get": EVERYONE,
    "media.list": EVERYONE,
    "media.count": EVERYONE,
    "media.update": EVERYONE,
    "media.delete": EVERYONE,
    "baseEntry.get": EVERYONE,
    "baseEntry.getByIds": EVERYONE,
    "baseEntry.list": EVERYONE,
    "baseEntry.count": EVERYONE,
    "baseEntry.listByReferenceId": EVERYONE,
    "baseEntry.update": EVERYONE,
    "baseEntry.delete": EVERYONE,
    # Zoom integrations change where a partner's recordings go: Publisher Administrators only (upstream
    # also admits basic sessions to submitRegistration; Keyframe does not).
    "vendor_zoomvendor.list": frozenset({PA}),
    "vendor_zoomvendor.get": frozenset({PA}),
    "vendor_zoomvendor.submitRegistration": frozenset({PA}),
    "vendor_zoomvendor.generateIntegrationCode": frozenset({PA}),
    "vendor_vendorintegration.add": frozenset({PA}),
    "vendor_vendorintegration.get": frozenset({PA}),
    "vendor_vendorintegration.update": frozenset({PA}),
    "vendor_vendorintegration.updateStatus": frozenset({PA}),
    "vendor_vendorintegration.delete": frozenset({PA}),
}


def registered() -> list[str]:
    from keyframe.app import load_actions

    load_actions()
    return [f"{spec.service}.{spec.action}".lower() for spec in REGISTRY.all()]


def test_the_table_covers_every_registered_action() -> None:
    assert sorted(registered()) == sorted(name.lower() for name in MATRIX)


@pytest.fixture
def sessions(services: Services, partner: PartnerInfo) -> dict[tuple[str, int], tuple[str, str]]:
    """(role, session type) → (user id, privileges) for every cell's KS."""
    with services.db.transaction() as db:
        ids = dict(
            db.execute(select(UserRole.name, UserRole.id).where(UserRole.partner_id == partner.id)).all()
        )
        for role in ROLES:
            db.add(User(partner_id=partner.id, user_id=f"holder-{ids[role]}", role_ids=str(ids[role])))
    cells = {(role, t): (f"holder-{ids[role]}", "") for role in ROLES for t in (0, 2)}
    cells[(USER, 0)] = ("", "")  # a plain USER session: the user-session role
    cells[(PA, -2)] = ("", "")  # a plain ADMIN session: the partner's admin role
    return cells


def test_every_cell(client: TestClient, services: Services, partner: PartnerInfo, sessions: dict) -> None:  # type: ignore[type-arg]
    services.settings.allow_public_registration = True
    wrong: list[str] = []
    for name in sorted(MATRIX):
        service, action = name.split(".")
        for (role, session_type), (user, privileges) in sessions.items():
            ks = encode_v2(
                partner.admin_secret,
                partner_id=partner.id,
                valid_until=int(time.time()) + 600,
                type=abs(session_type),
                user_id=user,
                privileges=privileges,
            )
            code = error_code(call(client, service, action, ks=ks))
            allowed = code not in ("SERVICE_FORBIDDEN", "MISSING_KS")
            # A USER session never carries its user's roles (only ADMIN sessions do): it is a user session.
            if allowed != ((role if session_type else USER) in MATRIX[name]):
                wrong.append(f"{name} as {role} ({'ADMIN' if session_type else 'USER'}): got {code}")
    assert wrong == []
