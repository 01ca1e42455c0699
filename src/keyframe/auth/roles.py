"""Roles and the permission names a request holds.

The system roles every partner shares are constants here; a partner's own roles are rows (``roles/``), and
``roles.service.permissions_for`` resolves what a request holds.
"""

from __future__ import annotations

ALL = "*"
ALWAYS_ALLOWED_ACTIONS = "ALWAYS_ALLOWED_ACTIONS"
BASE_USER_SESSION_PERMISSION = "BASE_USER_SESSION_PERMISSION"
WIDGET_SESSION_PERMISSION = "WIDGET_SESSION_PERMISSION"
# Permission names used by the foundation's actions (the KMC permission tree, §4.3).
ADMIN_BASE = "ADMIN_BASE"
ACCOUNT_BASE = "ACCOUNT_BASE"
INTEGRATION_BASE = "INTEGRATION_BASE"
KMC_READ_ONLY = "KMC_READ_ONLY"
ADMIN_PUBLISHER_MANAGE = "ADMIN_PUBLISHER_MANAGE"
AUDIT_TRAIL_BASE = "AUDIT_TRAIL_BASE"

PARTNER_ADMIN_ROLE = "PARTNER_ADMIN_ROLE"
BASE_USER_SESSION_ROLE = "BASE_USER_SESSION_ROLE"
WIDGET_SESSION_ROLE = "WIDGET_SESSION_ROLE"
NO_SESSION_ROLE = "NO_SESSION_ROLE"

SYSTEM_ROLES: dict[str, frozenset[str]] = {
    PARTNER_ADMIN_ROLE: frozenset({ALL}),
    BASE_USER_SESSION_ROLE: frozenset({BASE_USER_SESSION_PERMISSION, ALWAYS_ALLOWED_ACTIONS}),
    WIDGET_SESSION_ROLE: frozenset({WIDGET_SESSION_PERMISSION, ALWAYS_ALLOWED_ACTIONS}),
    NO_SESSION_ROLE: frozenset({ALWAYS_ALLOWED_ACTIONS}),
}


def allows(granted: frozenset[str], required: tuple[str, ...]) -> bool:
    """True when the granted set holds any one of ``required`` (or the ``*`` of a system role)."""
    if not required or ALL in granted:
        return True
    return any(name in granted for name in required)
