"""User rules: ids, profiles, status, login data and login throttling. Services flush; the caller's
transaction commits.

A user is identified by the partner's own id for it (unique per partner). A user may log in when it has
login data: a login id (an e-mail, lower-cased, unique across the install) and an argon2id password hash.
Deleting is soft: the row stays with status DELETED and without login data, invisible to lookups; adding
the same id again replaces it.
"""

from __future__ import annotations

import re
import time
from collections.abc import Sequence
from dataclasses import dataclass, fields
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy import ColumnElement, Select, and_, delete, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from keyframe.kapi import errors
from keyframe.kapi.errors import ErrorDef
from keyframe.partners.models import Partner
from keyframe.roles import service as role_service
from keyframe.sqlfilters import contains, escape_like, starts_with
from keyframe.users.models import User, UserStatus, UserType
from keyframe.users.passwords import hash_password, password_problem

# Characters of a user id: no whitespace, and none of ``,`` (lists of ids), ``;`` and ``|`` (KS v1 fields).
_USER_ID = re.compile(r"[A-Za-z0-9_.@+\-!#$%&'*?^`{}~=/:]{1,256}")
_EMAIL = re.compile(r"[^@\s;,|]+@[^@\s;,|]+\.[^@\s;,|]+")
MAX_LENGTH = 256
MAX_ROLE_IDS_LENGTH = 1024
MAX_KS_PRIVILEGES_LENGTH = 1024

# Login throttling: after this many consecutive wrong passwords the login is locked, first for
# LOCK_BASE_SECONDS, doubling with every further wrong password, at most LOCK_MAX_SECONDS.
MAX_FAILED_LOGINS = 5
LOCK_BASE_SECONDS = 60
LOCK_MAX_SECONDS = 3600

_Stmt = TypeVar("_Stmt", bound=Select[Any])


def now() -> int:
    return int(time.time())


def normalize_login(text: str) -> str:
    return text.strip().lower()


def valid_email(text: str) -> bool:
    return len(text) <= MAX_LENGTH and _EMAIL.fullmatch(text) is not None


def check_user_id(user_id: str, field: str = "id") -> str:
    if not _USER_ID.fullmatch(user_id):
        raise errors.INVALID_FIELD_VALUE(field)
    return user_id


def check_password(password: str) -> None:
    problem = password_problem(password)
    if problem:
        raise errors.PASSWORD_STRUCTURE_INVALID(problem)


# --- lookup --------------------------------------------------------------------------------------


def find(db: Session, partner_id: int, user_id: str) -> User | None:
    """A user of the partner that is not deleted."""
    return db.scalar(
        select(User).where(
            User.partner_id == partner_id, User.user_id == user_id, User.status != UserStatus.DELETED
        )
    )


def get(db: Session, partner_id: int, user_id: str) -> User:
    user = find(db, partner_id, user_id)
    if user is None:
        raise errors.INVALID_USER_ID()
    return user


def find_by_login(db: Session, login_id: str) -> User | None:
    """The user holding this login id, whichever partner it belongs to."""
    login = normalize_login(login_id)
    if not login:
        return None
    return db.scalar(select(User).where(User.login_id == login))


def is_root(partner: Partner, user: User) -> bool:
    """The account owner: it cannot be deleted, blocked, demoted or lose its login."""
    return user.is_account_owner or (bool(partner.admin_user_id) and user.user_id == partner.admin_user_id)


# --- add and update ------------------------------------------------------------------------------


@dataclass
class Profile:
    """The stored fields a caller sets; None means "not given" (leave as is, or the default on add)."""

    user_id: str | None = None
    type: int | None = None  # insert-only: a USER or a GROUP
    screen_name: str | None = None
    email: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    description: str | None = None
    tags: str | None = None
    partner_data: str | None = None
    external_id: str | None = None
    status: UserStatus | None = None
    is_admin: bool | None = None
    role_ids: str | None = None
    ks_privileges: str | None = None

    def given(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self) if getattr(self, f.name) is not None}


_API_NAMES = {
    "user_id": "id",
    "screen_name": "screenName",
    "first_name": "firstName",
    "last_name": "lastName",
    "partner_data": "partnerData",
    "external_id": "externalId",
    "ks_privileges": "ksPrivileges",
    "role_ids": "roleIds",
}
_LIMITED = ("user_id", "screen_name", "email", "first_name", "last_name", "external_id")


def _check_profile(db: Session, partner_id: int, profile: Profile) -> None:
    for name in _LIMITED:
        value = getattr(profile, name)
        if value is not None and len(value) > MAX_LENGTH:
            raise errors.PROPERTY_VALIDATION_MAX_LENGTH(_API_NAMES.get(name, name), MAX_LENGTH)
    if profile.user_id is not None:
        check_user_id(profile.user_id)
    if profile.ks_privileges is not None:
        if len(profile.ks_privileges) > MAX_KS_PRIVILEGES_LENGTH:
            raise errors.PROPERTY_VALIDATION_MAX_LENGTH("ksPrivileges", MAX_KS_PRIVILEGES_LENGTH)
        profile.ks_privileges = profile.ks_privileges.strip()
    if profile.role_ids is not None:
        profile.role_ids = role_service.check_role_ids(db, partner_id, profile.role_ids)
        if len(profile.role_ids) > MAX_ROLE_IDS_LENGTH:
            raise errors.PROPERTY_VALIDATION_MAX_LENGTH("roleIds", MAX_ROLE_IDS_LENGTH)


def _remove_tombstone(db: Session, partner_id: int, user_id: str) -> None:
    """A deleted user's row keeps its id; a new user (or a renamed one) may take the id over."""
    db.execute(
        delete(User).where(
            User.partner_id == partner_id, User.user_id == user_id, User.status == UserStatus.DELETED
        )
    )


def _flush(db: Session, login_error: ErrorDef, login: str | None, user_id: str) -> None:
    """Flush, turning a lost race on a unique key into the Kaltura error for it."""
    try:
        db.flush()
    except IntegrityError as error:
        if "login_id" in str(error.orig) and login is not None:
            raise login_error(login) from None
        raise errors.DUPLICATE_USER_BY_ID(user_id) from None


def add(
    db: Session, partner: Partner, profile: Profile, *, password: str | None, login_enabled: bool
) -> User:
    """Create a user; with a password (or ``login_enabled``) it may log in with its e-mail as login id."""
    if not profile.user_id:
        raise errors.PROPERTY_VALIDATION_CANNOT_BE_NULL("id")
    _check_profile(db, partner.id, profile)
    user_id = profile.user_id
    if profile.status == UserStatus.DELETED:
        raise errors.INVALID_FIELD_VALUE("status")
    if find(db, partner.id, user_id) is not None:
        raise errors.DUPLICATE_USER_BY_ID(user_id)
    login: str | None = None
    if password is not None or login_enabled:
        email = profile.email or ""
        if not valid_email(email.strip()):
            raise errors.INVALID_FIELD_VALUE("email")
        if password is None:
            raise errors.PROPERTY_VALIDATION_CANNOT_BE_NULL("password")
        check_password(password)
        login = normalize_login(email)
        if find_by_login(db, login) is not None:
            raise errors.DUPLICATE_USER_BY_LOGIN_ID(login)
    _remove_tombstone(db, partner.id, user_id)
    db.flush()
    user = User(
        partner_id=partner.id,
        user_id=user_id,
        type=profile.type or UserType.USER,
        login_id=login,
        password_hash=hash_password(password) if login is not None and password is not None else None,
        is_admin=bool(profile.is_admin),
        status=profile.status if profile.status is not None else UserStatus.ACTIVE,
        email=profile.email or "",
        first_name=profile.first_name or "",
        last_name=profile.last_name or "",
        screen_name=profile.screen_name or user_id,
        description=profile.description or "",
        tags=profile.tags or "",
        partner_data=profile.partner_data or "",
        external_id=profile.external_id or "",
        role_ids=profile.role_ids or "",
        ks_privileges=profile.ks_privileges or "",
        # The id may have belonged to a deleted user: that user's KSs must not act as this one.
        sessions_valid_after_ms=now_ms(),
    )
    db.add(user)
    _flush(db, errors.DUPLICATE_USER_BY_LOGIN_ID, login, user_id)
    return user


def update(db: Session, partner: Partner, user: User, profile: Profile) -> list[str]:
    """Apply the given fields; returns the API names of those that changed."""
    _check_profile(db, partner.id, profile)
    root = is_root(partner, user)
    if root and profile.is_admin is False:
        raise errors.CANNOT_SET_ROOT_ADMIN_AS_NO_ADMIN()
    if root and profile.role_ids is not None:
        admin_role = role_service.admin_role(db, partner.id)
        if admin_role is not None and str(admin_role.id) not in profile.role_ids.split(","):
            raise errors.ACCOUNT_OWNER_NEEDS_PARTNER_ADMIN_ROLE()
    changed: list[str] = []
    if profile.status is not None and profile.status != user.status:
        set_status(db, partner, user, profile.status)
        changed.append("status")
    for name, value in profile.given().items():
        if name in ("user_id", "status", "type"):  # type is insert-only
            continue
        if getattr(user, name) != value:
            setattr(user, name, value)
            changed.append(_API_NAMES.get(name, name))
    _flush(db, errors.LOGIN_ID_ALREADY_USED, None, user.user_id)
    return changed


def set_status(db: Session, partner: Partner, user: User, status: UserStatus) -> None:
    """Block, unblock or delete. Deleting removes the login data; the account owner stays active."""
    if status != UserStatus.ACTIVE and is_root(partner, user):
        raise errors.CANNOT_DELETE_OR_BLOCK_ROOT_ADMIN_USER()
    user.status = status
    end_sessions(user)
    if status == UserStatus.DELETED:
        _drop_login(user)
    db.flush()


def now_ms() -> int:
    return time.time_ns() // 1_000_000


def end_sessions(user: User) -> None:
    """Invalidate every KS issued to the user so far (the runner compares their issue time)."""
    user.sessions_valid_after_ms = now_ms()


def _drop_login(user: User) -> None:
    user.login_id = None
    user.password_hash = None
    user.failed_logins = 0
    user.locked_until = 0


# --- login data ----------------------------------------------------------------------------------


def _claim_login(db: Session, login_id: str, field: str, taken: ErrorDef, owner: User | None = None) -> str:
    login = normalize_login(login_id)
    if not valid_email(login):
        raise errors.INVALID_FIELD_VALUE(field)
    holder = find_by_login(db, login)
    if holder is not None and holder is not owner:
        raise taken(login)
    return login


def enable_login(db: Session, user: User, login_id: str, password: str) -> None:
    if user.login_id is not None:
        raise errors.USER_LOGIN_ALREADY_ENABLED()
    check_password(password)
    login = _claim_login(db, login_id, "loginId", errors.LOGIN_ID_ALREADY_USED)
    user.login_id = login
    user.password_hash = hash_password(password)
    user.failed_logins = 0
    user.locked_until = 0
    _flush(db, errors.LOGIN_ID_ALREADY_USED, login, user.user_id)


def disable_login(db: Session, partner: Partner, user: User) -> None:
    if user.login_id is None:
        raise errors.USER_LOGIN_ALREADY_DISABLED()
    if is_root(partner, user):
        raise errors.CANNOT_DISABLE_LOGIN_FOR_ADMIN_USER()
    _drop_login(user)
    end_sessions(user)
    db.flush()


def change_login_data(
    db: Session,
    partner: Partner,
    user: User,
    *,
    password: str,
    new_login_id: str,
    new_password: str,
    new_first_name: str | None,
    new_last_name: str | None,
) -> list[str]:
    """updateLoginData once the current password was verified; returns what changed."""
    changed: list[str] = []
    if new_login_id:
        old_login = user.login_id or ""
        login = _claim_login(db, new_login_id, "newLoginId", errors.LOGIN_ID_ALREADY_USED, owner=user)
        if login != old_login:
            if normalize_login(user.email) == old_login:
                user.email = login
            if normalize_login(partner.admin_email) == old_login:
                partner.admin_email = login
            user.login_id = login
            changed.append("loginId")
    if new_password:
        check_password(new_password)
        if new_password == password:
            raise errors.PASSWORD_ALREADY_USED()
        user.password_hash = hash_password(new_password)
        changed.append("password")
    if {"loginId", "password"} & set(changed):
        end_sessions(user)
    for name, value in (("first_name", new_first_name), ("last_name", new_last_name)):
        if value is not None:
            if len(value) > MAX_LENGTH:
                raise errors.PROPERTY_VALIDATION_MAX_LENGTH(_API_NAMES[name], MAX_LENGTH)
            if getattr(user, name) != value:
                setattr(user, name, value)
                changed.append(_API_NAMES[name])
    _flush(db, errors.LOGIN_ID_ALREADY_USED, user.login_id, user.user_id)
    return changed


# --- login throttling ----------------------------------------------------------------------------


def lock_seconds(failed_logins: int) -> int:
    """How long a login stays locked after this many consecutive wrong passwords (0: not locked)."""
    if failed_logins < MAX_FAILED_LOGINS:
        return 0
    doublings = min(failed_logins - MAX_FAILED_LOGINS, 16)
    return int(min(LOCK_BASE_SECONDS * 2**doublings, LOCK_MAX_SECONDS))


def is_locked(user: User, at: int) -> bool:
    return user.locked_until > at


def _set_login_state(db: Session, user: User, **values: int) -> None:
    # A login attempt is not an edit of the user: keep updatedAt as it is.
    db.execute(
        sa.update(User).where(User.pk == user.pk).values(updated_at=User.updated_at, **values),
        execution_options={"synchronize_session": "fetch"},
    )


def record_failed_login(db: Session, user: User, at: int) -> int:
    """Count a wrong password; returns the time the login is now locked until (0: not locked)."""
    failed = user.failed_logins + 1
    seconds = lock_seconds(failed)
    locked_until = at + seconds if seconds else user.locked_until
    _set_login_state(db, user, failed_logins=failed, locked_until=locked_until)
    return locked_until if seconds else 0


def record_login(db: Session, user: User, at: int) -> None:
    _set_login_state(db, user, failed_logins=0, locked_until=0, last_login_at=at)


def reset_failed_logins(db: Session, user: User) -> None:
    """The right password without a login (updateLoginData) also ends a run of wrong ones."""
    _set_login_state(db, user, failed_logins=0, locked_until=0)


# --- list ----------------------------------------------------------------------------------------


@dataclass
class UserQuery:
    """Which of a partner's users to list; every criterion given must hold. Deleted users are left out
    unless ``statuses`` names DELETED."""

    ids: Sequence[str] | None = None
    statuses: Sequence[int] | None = None
    screen_name_like: str | None = None
    screen_name_starts_with: str | None = None
    email_like: str | None = None
    email_starts_with: str | None = None
    tags_any: Sequence[str] | None = None
    tags_all: Sequence[str] | None = None
    is_admin: bool | None = None
    login_enabled: bool | None = None
    match_nothing: bool = False
    first_name_starts_with: str | None = None
    last_name_starts_with: str | None = None
    first_or_last_name_starts_with: str | None = None
    id_or_screen_name_starts_with: str | None = None
    role_id_equal: str | None = None
    role_ids_any: Sequence[str] | None = None
    role_ids_equal: str | None = None
    created_from: int | None = None
    created_to: int | None = None
    updated_from: int | None = None
    updated_to: int | None = None
    order: str | None = None


def _has_role(role_id: str) -> ColumnElement[bool]:
    csv = User.role_ids
    rid = escape_like(role_id)
    return or_(
        csv == role_id,
        csv.like(f"{rid},%", escape="\\"),
        csv.like(f"%,{rid}", escape="\\"),
        csv.like(f"%,{rid},%", escape="\\"),
    )


_ORDERS: dict[str, Any] = {
    "createdAt": User.created_at,
    "updatedAt": User.updated_at,
    "id": User.user_id,
}


def _where(stmt: _Stmt, q: UserQuery) -> _Stmt:
    conditions: list[ColumnElement[bool]] = []
    if q.ids is not None:
        conditions.append(User.user_id.in_(list(q.ids)))
    if q.statuses is not None:
        conditions.append(User.status.in_(list(q.statuses)))
    else:
        conditions.append(User.status != UserStatus.DELETED)
    if q.match_nothing:
        conditions.append(User.pk.is_(None))
    for column, text, match in (
        (User.screen_name, q.screen_name_like, contains),
        (User.screen_name, q.screen_name_starts_with, starts_with),
        (User.email, q.email_like, contains),
        (User.email, q.email_starts_with, starts_with),
        (User.first_name, q.first_name_starts_with, starts_with),
        (User.last_name, q.last_name_starts_with, starts_with),
    ):
        if text:
            conditions.append(match(column, text))
    if q.first_or_last_name_starts_with:
        text = q.first_or_last_name_starts_with
        conditions.append(or_(starts_with(User.first_name, text), starts_with(User.last_name, text)))
    if q.id_or_screen_name_starts_with:
        text = q.id_or_screen_name_starts_with
        conditions.append(or_(starts_with(User.user_id, text), starts_with(User.screen_name, text)))
    if q.tags_any:
        conditions.append(or_(*(contains(User.tags, tag) for tag in q.tags_any)))
    if q.tags_all:
        conditions.append(and_(*(contains(User.tags, tag) for tag in q.tags_all)))
    if q.is_admin is not None:
        conditions.append(User.is_admin.is_(q.is_admin))
    if q.login_enabled is not None:
        conditions.append(User.login_id.is_not(None) if q.login_enabled else User.login_id.is_(None))
    if q.role_id_equal is not None:
        conditions.append(_has_role(q.role_id_equal))
    if q.role_ids_any is not None:
        any_role = [_has_role(r) for r in q.role_ids_any]
        conditions.append(or_(*any_role) if any_role else User.pk.is_(None))
    if q.role_ids_equal is not None:
        conditions.append(User.role_ids == q.role_ids_equal)
    for moment, bound, lower in (
        (User.created_at, q.created_from, True),
        (User.created_at, q.created_to, False),
        (User.updated_at, q.updated_from, True),
        (User.updated_at, q.updated_to, False),
    ):
        if bound is not None:
            conditions.append(moment >= bound if lower else moment <= bound)
    return stmt.where(*conditions)


def search(db: Session, partner_id: int, query: UserQuery, limit: int, offset: int) -> tuple[list[User], int]:
    """One page of the partner's users and how many match in all."""
    stmt = _where(select(User).where(User.partner_id == partner_id), query)
    total = db.scalar(stmt.with_only_columns(func.count()).order_by(None)) or 0
    if offset >= total:
        return [], total
    order = (query.order or "").strip()
    column = _ORDERS.get(order.lstrip("+-"))
    if column is not None:
        stmt = stmt.order_by(column.desc() if order.startswith("-") else column.asc())
    stmt = stmt.order_by(User.pk.desc() if order.startswith("-") else User.pk.asc())
    return list(db.scalars(stmt.limit(limit).offset(offset))), total
