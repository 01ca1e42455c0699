"""Partner rules: registration, lookup, secrets. Services flush; the caller's transaction commits."""

from __future__ import annotations

import secrets as _secrets
import time
from dataclasses import dataclass
from typing import Literal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from keyframe.kapi import errors
from keyframe.partners.models import Partner, PartnerStatus
from keyframe.roles import service as role_service
from keyframe.users.models import User, UserStatus
from keyframe.users.passwords import hash_password, password_problem
from keyframe.users.service import normalize_login, valid_email

MAX_NAME_LENGTH = 256
# Partner ids are 32-bit integers in the schema; upstream's system partners are small negatives.
MIN_PARTNER_ID, MAX_PARTNER_ID = -(2**31), 2**31 - 1
# Secret rotation: how long a replaced secret keeps working.
DEFAULT_GRACE_SECONDS = 86_400
MAX_GRACE_SECONDS = 30 * 86_400
SecretKind = Literal["admin", "user"]


def find(db: Session, partner_id: int | None) -> Partner | None:
    """The partner with this id, or None (also for ids no partner can have, such as 64-bit numbers)."""
    if partner_id is None or not MIN_PARTNER_ID <= partner_id <= MAX_PARTNER_ID:
        return None
    return db.get(Partner, partner_id)


def new_secret() -> str:
    """32 lowercase hex characters from the OS's CSPRNG, the form Kaltura secrets take."""
    return _secrets.token_hex(16)


@dataclass(frozen=True)
class Registration:
    name: str
    admin_email: str
    admin_password: str
    admin_name: str = ""
    description: str = ""
    website: str = ""
    parent_id: int | None = None


def register(db: Session, reg: Registration) -> tuple[Partner, User]:
    """Create a partner with fresh secrets and its administrator (an admin user who can log in)."""
    name = reg.name.strip()
    login = normalize_login(reg.admin_email)
    if not name:
        raise errors.PARTNER_REGISTRATION_ERROR("the partner name is required")
    if len(name) > MAX_NAME_LENGTH:
        raise errors.PARTNER_REGISTRATION_ERROR(
            f"the partner name cannot exceed {MAX_NAME_LENGTH} characters"
        )
    if not valid_email(login):
        raise errors.PARTNER_REGISTRATION_ERROR("the administrator e-mail is not a valid address")
    problem = password_problem(reg.admin_password)
    if problem:
        raise errors.PARTNER_REGISTRATION_ERROR(problem)
    if db.scalar(select(func.count()).select_from(User).where(User.login_id == login)):
        raise errors.DUPLICATE_USER_BY_LOGIN_ID(login)
    if reg.parent_id is not None and find(db, reg.parent_id) is None:
        raise errors.INVALID_PARTNER_ID(reg.parent_id)

    partner = Partner(
        name=name,
        status=PartnerStatus.ACTIVE,
        admin_secret=new_secret(),
        secret=new_secret(),
        admin_name=reg.admin_name.strip() or login,
        admin_email=login,
        admin_user_id=login,
        description=reg.description,
        website=reg.website,
        parent_id=reg.parent_id,
    )
    db.add(partner)
    db.flush()
    admin_role = role_service.create_default_roles(db, partner.id)
    admin = User(
        partner_id=partner.id,
        role_ids=str(admin_role.id),
        is_account_owner=True,
        user_id=login,
        login_id=login,
        password_hash=hash_password(reg.admin_password),
        is_admin=True,
        status=UserStatus.ACTIVE,
        email=login,
        first_name=partner.admin_name,
    )
    db.add(admin)
    db.flush()
    return partner, admin


def get(db: Session, partner_id: int) -> Partner:
    partner = find(db, partner_id)
    if partner is None:
        raise errors.INVALID_PARTNER_ID(partner_id)
    return partner


def visible_to(caller: Partner, partner_id: int, db: Session) -> Partner:
    """A partner the caller may read: itself or one of its children."""
    if partner_id == caller.id:
        return caller
    partner = find(db, partner_id)
    if partner is None or partner.parent_id != caller.id:
        raise errors.INVALID_PARTNER_ID(partner_id)
    return partner


def set_status(db: Session, partner_id: int, status: PartnerStatus) -> Partner:
    partner = get(db, partner_id)
    partner.status = status
    db.flush()
    return partner


def rotate_secret(
    db: Session, partner: Partner, kind: SecretKind, grace_seconds: int = DEFAULT_GRACE_SECONDS
) -> str:
    """Give the partner a new admin or user secret and return it.

    The replaced secret keeps working for ``grace_seconds`` (0 retires it at once; at most 30 days): KSs
    it signed stay valid and it may still start sessions until then. There is one slot for a replaced
    secret, so rotating again during a grace period retires the older secret at once.
    """
    if grace_seconds < 0:
        raise errors.PROPERTY_VALIDATION_MIN_VALUE("gracePeriod", 0)
    if grace_seconds > MAX_GRACE_SECONDS:
        raise errors.PROPERTY_VALIDATION_MAX_VALUE("gracePeriod", MAX_GRACE_SECONDS)
    # Lock the row: two rotations at once must not lose one (the first one's new secret would never work).
    db.refresh(partner, with_for_update=True)
    fresh = new_secret()
    until = int(time.time()) + grace_seconds if grace_seconds else 0
    if kind == "admin":
        previous = partner.admin_secret
        partner.admin_secret = fresh
        partner.previous_admin_secret = previous if grace_seconds else ""
        partner.previous_admin_secret_until = until
    elif kind == "user":
        previous = partner.secret
        partner.secret = fresh
        partner.previous_secret = previous if grace_seconds else ""
        partner.previous_secret_until = until
    else:  # pragma: no cover - the callers parse the kind
        raise ValueError(kind)
    db.flush()
    return fresh
