"""Roles, partner features, and the permissions a request holds (upstream's order, §4.5)."""

from __future__ import annotations

import re
from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from keyframe.auth import roles as system
from keyframe.auth.ks_state import issued_at_ms
from keyframe.kapi import errors
from keyframe.ks import KS
from keyframe.roles.catalogue import DEFAULT_ROLES, FEATURE_NAMES, PERMISSIONS, valid_permissions
from keyframe.roles.models import PartnerFeature, RoleStatus, UserRole
from keyframe.users.models import User, UserStatus

_ROLE_ID = re.compile(r"-?[0-9]{1,9}")


# --- roles ---------------------------------------------------------------------------------------


def create_default_roles(db: Session, partner_id: int) -> UserRole:
    """Give a new partner the KMC default roles; returns its Publisher Administrator role."""
    created = [
        UserRole(
            partner_id=partner_id,
            name=role.name,
            system_name=role.system_name,
            description=role.description,
            permission_names=",".join(role.permissions),
            tags=role.tags,
            protected=role.permissions == ("*",),
        )
        for role in DEFAULT_ROLES
    ]
    db.add_all(created)
    db.flush()
    return created[0]


def admin_role(db: Session, partner_id: int) -> UserRole | None:
    return db.scalar(
        select(UserRole).where(UserRole.partner_id == partner_id, UserRole.protected.is_(True)).limit(1)
    )


def find_role(db: Session, partner_id: int, ref: str, *, lock: bool = False) -> UserRole | None:
    """An active or blocked role of the partner by numeric id or by system name.

    ``lock`` takes the row (PostgreSQL ``FOR UPDATE``) so that assigning a role and deleting it cannot
    interleave; on SQLite every write transaction is already exclusive."""
    query = select(UserRole).where(UserRole.partner_id == partner_id, UserRole.status != RoleStatus.DELETED)
    if lock:
        query = query.with_for_update()
    if _ROLE_ID.fullmatch(ref):
        return db.scalar(query.where(UserRole.id == int(ref)))
    return db.scalar(query.where(UserRole.system_name == ref).limit(1))


def get_role(db: Session, partner_id: int, role_id: int, *, lock: bool = False) -> UserRole:
    role = find_role(db, partner_id, str(role_id), lock=lock) if -(2**31) <= role_id < 2**31 else None
    if role is None:
        raise errors.INVALID_OBJECT_ID(role_id)
    return role


def parse_role_ids(text: str) -> list[int]:
    ids = []
    for raw in text.split(","):
        part = raw.strip()
        if not part:
            continue
        if not _ROLE_ID.fullmatch(part):
            raise errors.INVALID_OBJECT_ID(part[:64])
        ids.append(int(part))
    return ids


def check_role_ids(db: Session, partner_id: int, text: str) -> str:
    """Normalize a ``roleIds`` CSV, refusing ids that are not active roles of the partner."""
    ids = list(dict.fromkeys(parse_role_ids(text)))
    for role_id in ids:
        role = get_role(db, partner_id, role_id, lock=True)
        if role.status != RoleStatus.ACTIVE:
            raise errors.INVALID_OBJECT_ID(role_id)
    return ",".join(str(i) for i in ids)


def role_names(db: Session, partner_id: int, csv: str) -> str:
    ids = parse_role_ids(csv)
    if not ids:
        return ""
    found = {
        r.id: r.name
        for r in db.scalars(select(UserRole).where(UserRole.partner_id == partner_id, UserRole.id.in_(ids)))
    }
    return ",".join(found[i] for i in ids if i in found)


def normalize_permission_names(text: str) -> str:
    """A role's permission list: known names only (PERMISSION_NOT_FOUND otherwise), no duplicates."""
    names = list(dict.fromkeys(n.strip() for n in text.split(",") if n.strip()))
    for name in names:
        if name != "*" and name not in PERMISSIONS:
            raise errors.PERMISSION_NOT_FOUND(name[:128])
    return ",".join(names)


# --- features ------------------------------------------------------------------------------------


def features(db: Session, partner_id: int) -> frozenset[str]:
    return frozenset(db.scalars(select(PartnerFeature.name).where(PartnerFeature.partner_id == partner_id)))


def set_features(
    db: Session, partner_id: int, enable: Iterable[str], disable: Iterable[str]
) -> frozenset[str]:
    current = features(db, partner_id)
    for name in [*enable, *disable]:
        if name not in FEATURE_NAMES:
            raise errors.PERMISSION_NOT_FOUND(name)
    for name in enable:
        if name not in current:
            db.add(PartnerFeature(partner_id=partner_id, name=name))
    for name in disable:
        if name in current:
            db.delete(db.get_one(PartnerFeature, (partner_id, name)))
    db.flush()
    return features(db, partner_id)


# --- what a request may do ----------------------------------------------------------------------


def expand(names: Iterable[str], valid: frozenset[str]) -> frozenset[str]:
    """Permission names as granted: ``*`` is every valid permission; invalid ones are dropped."""
    granted: set[str] = set()
    for name in names:
        if name == "*":
            return valid
        if name in valid:
            granted.add(name)
    return frozenset(granted)


def permissions_for(db: Session, partner_id: int, ks: KS | None) -> frozenset[str]:
    """The permission names of a request (youtube-entitlement-roles.md §4.5):

    ``setrole`` on the KS, else the KS user's roles, else the session kind's default role; plus the
    partner's features and the always-allowed actions; minus a ``restrictingrole``'s permissions.
    """
    if ks is None:
        return frozenset({system.ALWAYS_ALLOWED_ACTIONS})
    partner_features = features(db, partner_id)
    valid = valid_permissions(partner_features)
    set_role = ks.privileges.first("setrole")
    names: frozenset[str] | None
    if set_role is not None:
        names = _role_names(db, partner_id, set_role)
    else:
        names = _user_role_names(db, partner_id, ks)
        if names is None:
            if ks.is_widget:
                names = system.SYSTEM_ROLES[system.WIDGET_SESSION_ROLE]
            elif ks.is_admin:
                names = frozenset({"*"})
            else:
                names = system.SYSTEM_ROLES[system.BASE_USER_SESSION_ROLE]
    granted = expand(names, valid) | partner_features | {system.ALWAYS_ALLOWED_ACTIONS}
    restricting = ks.privileges.first("restrictingrole")
    if restricting:
        removed = expand(_role_names(db, partner_id, restricting, strict=False), valid)
        granted = (granted - removed) | {system.ALWAYS_ALLOWED_ACTIONS}
    return frozenset(granted)


def _role_names(db: Session, partner_id: int, ref: str, *, strict: bool = True) -> frozenset[str]:
    if ref == "null":
        return frozenset()
    if ref in system.SYSTEM_ROLES:
        return system.SYSTEM_ROLES[ref]
    if ref.startswith("-") and _ROLE_ID.fullmatch(ref):
        if strict:
            raise errors.INVALID_SET_ROLE()
        return frozenset()
    role = find_role(db, partner_id, ref)
    if role is None:
        if strict:
            raise errors.UNKNOWN_ROLE_ID()
        return frozenset()
    return _names_of(role)


def _user_role_names(db: Session, partner_id: int, ks: KS) -> frozenset[str] | None:
    """The union of the KS user's active roles; None when the user has none (or does not exist).

    Only an ADMIN KS carries its user's roles. Stricter than upstream: a USER KS can be minted with the
    user secret (which integrations hold) for any user id, so it must not inherit, say, the account
    owner's Publisher Administrator role; it gets the user-session role.
    """
    if ks.is_anonymous:
        return None
    user = db.scalar(select(User).where(User.partner_id == partner_id, User.user_id == ks.user_id))
    if user is None:
        return None
    if user.status == UserStatus.BLOCKED:
        raise errors.USER_BLOCKED()
    if user.status == UserStatus.DELETED:
        raise errors.invalid_ks("INVALID_USER")
    issued = issued_at_ms(ks)
    if issued is not None and issued < user.sessions_valid_after_ms:
        raise errors.invalid_ks("LOGOUT")
    if not ks.is_admin:
        return None
    ids = parse_role_ids(user.role_ids)
    if not ids:
        # Stricter than upstream (which gives such a user the admin default, i.e. everything): a user that
        # exists but holds no role gets the user-session role. Full rights come from a role, or from an
        # admin KS for no stored user, which only an admin-secret holder can mint.
        return system.SYSTEM_ROLES[system.BASE_USER_SESSION_ROLE]
    roles = db.scalars(
        select(UserRole).where(
            UserRole.partner_id == partner_id, UserRole.id.in_(ids), UserRole.status == RoleStatus.ACTIVE
        )
    )
    names: set[str] = set()
    for role in roles:
        names |= _names_of(role)
    return frozenset(names)


def _names_of(role: UserRole) -> frozenset[str]:
    return frozenset(n for n in role.permission_names.split(",") if n)


def validate_set_role(db: Session, partner_id: int, ref: str) -> None:
    """At session start: ``setrole`` must name a role (UNKNOWN_ROLE_ID / INVALID_SET_ROLE otherwise)."""
    _role_names(db, partner_id, ref)
