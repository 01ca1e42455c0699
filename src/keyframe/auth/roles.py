"""Roles and the permission names a request holds.

Keyframe's foundation knows the system roles every partner shares; per-partner roles stored in the database
extend this (the users/roles work). Resolution follows upstream's order (youtube-entitlement-roles.md §4.5):
``setrole`` on the KS, else the session kind's default role; ``restrictingrole`` removes permissions.
"""

from __future__ import annotations

import re

from keyframe.ks import KS

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


_ROLE_ID = re.compile(r"-?[0-9]+")


class UnknownRole(LookupError):
    pass


class InvalidRole(ValueError):
    pass


def role_permissions(name: str) -> frozenset[str]:
    """A role's permissions by system name; ``null`` is the empty role."""
    if name == "null":
        return frozenset()
    if _ROLE_ID.fullmatch(name):
        if name.startswith("-"):
            raise InvalidRole(name)
        raise UnknownRole(name)  # numeric ids name stored roles, which the foundation does not have
    try:
        return SYSTEM_ROLES[name]
    except KeyError:
        raise UnknownRole(name) from None


def permissions_for(ks: KS | None) -> frozenset[str]:
    if ks is None:
        return SYSTEM_ROLES[NO_SESSION_ROLE]
    set_role = ks.privileges.first("setrole")
    if set_role is not None:
        granted = role_permissions(set_role)
    elif ks.is_widget:
        granted = SYSTEM_ROLES[WIDGET_SESSION_ROLE]
    elif ks.is_admin:
        granted = SYSTEM_ROLES[PARTNER_ADMIN_ROLE]
    else:
        granted = SYSTEM_ROLES[BASE_USER_SESSION_ROLE]
    restricting = ks.privileges.first("restrictingrole")
    if restricting:
        removed = SYSTEM_ROLES.get(restricting, frozenset())
        if ALL in removed:
            return frozenset({ALWAYS_ALLOWED_ACTIONS})
        granted = granted - removed
    return granted


def allows(granted: frozenset[str], required: tuple[str, ...]) -> bool:
    """True when the role set grants any one of ``required`` (``*`` grants everything)."""
    if not required or ALL in granted:
        return True
    return any(name in granted for name in required)
