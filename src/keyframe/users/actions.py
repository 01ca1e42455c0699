"""The ``user`` service (reference §3.2): add, get, getByLoginId, list, update, delete, enableLogin,
disableLogin, updateLoginData and loginByLoginId.

Password checks (loginByLoginId, updateLoginData) are throttled per login: the outcome of an attempt is
written in transactions of its own, committed before the call answers, because the call's own
transaction is rolled back when it fails. So those actions must not touch ``ctx.db`` before the check:
on SQLite the call's transaction would hold the write lock and the check's transactions would wait for it.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import TypeVar

from sqlalchemy.orm import Session

from keyframe.audit.service import record_for
from keyframe.auth import issue
from keyframe.auth.context import RequestContext
from keyframe.auth.roles import ADMIN_BASE, KMC_READ_ONLY
from keyframe.kapi import errors
from keyframe.kapi.errors import ErrorDef, KalturaAPIException
from keyframe.kapi.registry import KsPolicy, api_action
from keyframe.kapi.types import KalturaFilterPager
from keyframe.ks import KS, Privileges, SessionType
from keyframe.partners.models import Partner, PartnerStatus
from keyframe.roles import service as role_service
from keyframe.users import passwords, service
from keyframe.users.models import User, UserStatus
from keyframe.users.objects import (
    KalturaNullableBoolean,
    KalturaUser,
    KalturaUserFilter,
    KalturaUserListResponse,
    KalturaUserType,
)

# KMC's user-administration permissions (youtube-entitlement-roles.md §4.3).
ADMIN_USER_ADD = "ADMIN_USER_ADD"
ADMIN_USER_UPDATE = "ADMIN_USER_UPDATE"
ADMIN_USER_DELETE = "ADMIN_USER_DELETE"
_READ_USERS = (ADMIN_BASE, KMC_READ_ONLY)
# A login's partner must not be gone or fully blocked (upstream: INVALID_PARTNER_ID).
_NO_LOGIN = (PartnerStatus.DELETED, PartnerStatus.FULL_BLOCK)

_T = TypeVar("_T")


# --- API view ------------------------------------------------------------------------------------


class _RoleNames:
    """``roleNames`` for several users of one partner, each distinct ``roleIds`` looked up once."""

    def __init__(self, db: Session, partner_id: int) -> None:
        self.db = db
        self.partner_id = partner_id
        self.cache: dict[str, str] = {"": ""}

    def __call__(self, role_ids: str) -> str:
        if role_ids not in self.cache:
            self.cache[role_ids] = role_service.role_names(self.db, self.partner_id, role_ids)
        return self.cache[role_ids]


def to_api(partner: Partner, user: User, role_names: Callable[[str], str]) -> KalturaUser:
    """The API view of a user. The password hash never leaves the server."""
    obj = KalturaUser(
        id=user.user_id,
        partnerId=user.partner_id,
        screenName=user.screen_name,
        fullName=f"{user.first_name} {user.last_name}".strip(),
        email=user.email,
        description=user.description,
        tags=user.tags,
        status=UserStatus(user.status),
        createdAt=user.created_at,
        updatedAt=user.updated_at,
        partnerData=user.partner_data,
        lastLoginTime=user.last_login_at or None,
        type=KalturaUserType(user.type),
        isAdmin=user.is_admin,
        roleIds=user.role_ids,
        roleNames=role_names(user.role_ids),
        isAccountOwner=service.is_root(partner, user),
        firstName=user.first_name,
        lastName=user.last_name,
        loginEnabled=user.login_id is not None,
        ksPrivileges=user.ks_privileges,
        externalId=user.external_id,
    )
    obj.hidden = frozenset({"password"})
    return obj


def _view(ctx: RequestContext, user: User) -> KalturaUser:
    partner = ctx.require_partner()
    return to_api(partner, user, _RoleNames(ctx.db, partner.id))


# --- requests to profiles ------------------------------------------------------------------------

_TEXT_FIELDS = {
    "screenName": "screen_name",
    "email": "email",
    "firstName": "first_name",
    "lastName": "last_name",
    "description": "description",
    "tags": "tags",
    "partnerData": "partner_data",
    "externalId": "external_id",
    "roleIds": "role_ids",
    "ksPrivileges": "ks_privileges",
}


def _profile(obj: KalturaUser) -> service.Profile:
    """The stored fields the request sets (``<name>__null`` clears a text field)."""
    profile = service.Profile()
    given = obj.provided
    for api_name, name in _TEXT_FIELDS.items():
        if api_name in obj.nulled:
            setattr(profile, name, "")
        elif api_name in given:
            setattr(profile, name, getattr(obj, api_name))
    if "fullName" in given and obj.fullName is not None and not {"firstName", "lastName"} & given:
        first, _, last = obj.fullName.strip().partition(" ")
        profile.first_name, profile.last_name = first, last.strip()
    if "id" in given and obj.id is not None:
        profile.user_id = obj.id
    if "status" in given:
        profile.status = obj.status
    if "isAdmin" in obj.nulled:
        profile.is_admin = False
    elif "isAdmin" in given:
        profile.is_admin = obj.isAdmin
    if "type" in given and obj.type is not None:
        # Groups are users whose members are listed by groupUser; applicative groups are not supported.
        if obj.type not in (KalturaUserType.USER, KalturaUserType.GROUP):
            raise errors.INVALID_FIELD_VALUE("type")
        profile.type = int(obj.type)
    return profile


# --- who may grant what --------------------------------------------------------------------------


def _session_permissions(
    db: Session, partner_id: int, *, admin: bool, privileges: Privileges
) -> frozenset[str]:
    ks = KS(
        partner_id=partner_id,
        valid_until=0,
        type=SessionType.ADMIN if admin else SessionType.USER,
        user_id="",
        privileges=privileges,
    )
    return role_service.permissions_for(db, partner_id, ks)


def _role_permissions(db: Session, partner_id: int, role: str, *, admin: bool) -> frozenset[str]:
    """A session with ``setrole:<role>``'s permissions; a role that no longer exists grants nothing."""
    try:
        return _session_permissions(
            db, partner_id, admin=admin, privileges=Privileges.parse(f"setrole:{role}")
        )
    except KalturaAPIException:
        return frozenset()


def _user_permissions(
    db: Session, partner_id: int, user: User, *, with_ks_privileges: bool = True
) -> frozenset[str]:
    """What a session from this user's login would hold (at most: ``restrictingrole`` is not deducted)."""
    own = Privileges.parse(user.ks_privileges) if with_ks_privileges else Privileges()
    roles = own.values("setrole") or [str(r) for r in role_service.parse_role_ids(user.role_ids)]
    if not roles:
        return _session_permissions(db, partner_id, admin=user.is_admin, privileges=Privileges())
    granted: set[str] = set()
    for role in roles:
        granted |= _role_permissions(db, partner_id, role, admin=user.is_admin)
    return frozenset(granted)


def _check_grant(ctx: RequestContext, user: User) -> None:
    """A caller may not make (or log in as) a user holding permissions the caller does not hold itself,
    beyond what any user session holds."""
    partner_id = ctx.require_partner().id
    baseline = _session_permissions(ctx.db, partner_id, admin=False, privileges=Privileges())
    beyond = _user_permissions(ctx.db, partner_id, user) - baseline - ctx.permissions
    if beyond:
        raise errors.NOT_ALLOWED_TO_CHANGE_ROLE()


def _check_ks_privileges(ctx: RequestContext, obj: KalturaUser) -> None:
    """A user's ``ksPrivileges`` replace the requested ones at login: check them as a login would."""
    if "ksPrivileges" in obj.provided and obj.ksPrivileges:
        issue.validate_privileges(ctx.db, ctx.require_partner(), obj.ksPrivileges)


def _is_caller(ctx: RequestContext, user_id: str) -> bool:
    ks = ctx.ks
    partner = ctx.require_partner()
    return ks is not None and ks.partner_id == partner.id and not ks.is_anonymous and ks.user_id == user_id


def _can_read_users(ctx: RequestContext) -> bool:
    return any(ctx.has_permission(name) for name in _READ_USERS)


# --- CRUD ----------------------------------------------------------------------------------------


@api_action("user", "add", permissions=(ADMIN_USER_ADD,))
def add(ctx: RequestContext, user: KalturaUser) -> KalturaUser:
    """A new user; with ``password`` (or ``loginEnabled``) it may log in with its ``email``."""
    partner = ctx.require_partner()
    if user.isAccountOwner:
        raise errors.PROPERTY_VALIDATION_NO_INSERT_PERMISSION("isAccountOwner")
    _check_ks_privileges(ctx, user)
    created = service.add(
        ctx.db, partner, _profile(user), password=user.password, login_enabled=bool(user.loginEnabled)
    )
    _check_grant(ctx, created)
    record_for(
        ctx,
        "user.added",
        object_type="user",
        object_id=created.user_id,
        data={
            "isAdmin": created.is_admin,
            "loginEnabled": created.login_id is not None,
            "roleIds": created.role_ids,
        },
    )
    return _view(ctx, created)


@api_action("user", "get")
def get(ctx: RequestContext, userId: str | None = None) -> KalturaUser:
    """A user; without ``userId`` the session's own. Reading another user needs ADMIN_BASE or
    KMC_READ_ONLY; any session may read its own user."""
    partner = ctx.require_partner()
    target = userId if userId else ctx.require_ks().user_id
    if not _is_caller(ctx, target) and not _can_read_users(ctx):
        raise errors.CANNOT_RETRIEVE_ANOTHER_USER_USING_NON_ADMIN_SESSION(target)
    return _view(ctx, service.get(ctx.db, partner.id, target))


@api_action("user", "getByLoginId", permissions=_READ_USERS)
def get_by_login_id(ctx: RequestContext, loginId: str) -> KalturaUser:
    partner = ctx.require_partner()
    found = service.find_by_login(ctx.db, loginId)
    if found is None:
        raise errors.LOGIN_DATA_NOT_FOUND()
    if found.partner_id != partner.id:
        raise errors.USER_NOT_FOUND()
    return _view(ctx, found)


def _csv(text: str | None) -> list[str] | None:
    if text is None:
        return None
    return [part.strip() for part in text.split(",") if part.strip()]


def _both(first: list[str] | None, second: list[str] | None) -> list[str] | None:
    if first is None or second is None:
        return first if second is None else second
    return [item for item in first if item in second]


def _nullable(value: KalturaNullableBoolean | None) -> bool | None:
    if value is None or value == KalturaNullableBoolean.NULL_VALUE:
        return None
    return value == KalturaNullableBoolean.TRUE_VALUE


def _query(ctx: RequestContext, f: KalturaUserFilter | None) -> service.UserQuery:
    q = service.UserQuery()
    if f is None:
        return q
    q.ids = _both([f.idEqual] if f.idEqual is not None else None, _csv(f.idIn))
    status_in = _csv(f.statusIn)
    statuses = [s for s in status_in if s.lstrip("-").isdigit()] if status_in is not None else None
    q.statuses = (
        [
            int(s)
            for s in _both([str(int(f.statusEqual))] if f.statusEqual is not None else None, statuses) or []
        ]
        if f.statusEqual is not None or statuses is not None
        else None
    )
    types = _both([str(int(f.typeEqual))] if f.typeEqual is not None else None, _csv(f.typeIn))
    if f.partnerIdEqual is not None and f.partnerIdEqual != ctx.require_partner().id:
        q.match_nothing = True
    if types is not None and str(int(KalturaUserType.USER)) not in types:
        q.match_nothing = True  # group users do not exist here
    q.screen_name_like = f.screenNameLike
    q.screen_name_starts_with = f.screenNameStartsWith
    q.email_like = f.emailLike
    q.email_starts_with = f.emailStartsWith
    q.tags_any = _csv(f.tagsMultiLikeOr)
    q.tags_all = _csv(f.tagsMultiLikeAnd)
    q.is_admin = _nullable(f.isAdminEqual)
    q.login_enabled = _nullable(f.loginEnabledEqual)
    q.first_name_starts_with = f.firstNameStartsWith
    q.last_name_starts_with = f.lastNameStartsWith
    q.first_or_last_name_starts_with = f.firstNameOrLastNameStartsWith
    q.id_or_screen_name_starts_with = f.idOrScreenNameStartsWith
    q.role_id_equal = f.roleIdEqual.strip() if f.roleIdEqual else None
    q.role_ids_any = _csv(f.roleIdsIn)
    q.role_ids_equal = ",".join(_csv(f.roleIdsEqual) or []) if f.roleIdsEqual is not None else None
    q.created_from, q.created_to = f.createdAtGreaterThanOrEqual, f.createdAtLessThanOrEqual
    q.updated_from, q.updated_to = f.updatedAtGreaterThanOrEqual, f.updatedAtLessThanOrEqual
    q.order = f.orderBy
    return q


@api_action("user", "list", permissions=_READ_USERS)
def list_users(
    ctx: RequestContext, filter: KalturaUserFilter | None = None, pager: KalturaFilterPager | None = None
) -> KalturaUserListResponse:
    """The partner's users, oldest first unless ``orderBy`` says otherwise. Deleted users are listed only
    when ``statusEqual``/``statusIn`` asks for them."""
    partner = ctx.require_partner()
    limit, offset = (pager or KalturaFilterPager()).limit_offset()
    users, total = service.search(ctx.db, partner.id, _query(ctx, filter), limit, offset)
    names = _RoleNames(ctx.db, partner.id)
    return KalturaUserListResponse(objects=[to_api(partner, u, names) for u in users], totalCount=total)


# Insert-only properties: an update may repeat their current value (as a client that read the user
# does), not change it.
def _check_insert_only(user: User, obj: KalturaUser) -> None:
    if "password" in obj.provided and obj.password:
        raise errors.PROPERTY_VALIDATION_NOT_UPDATABLE("password")
    current = {
        "loginEnabled": user.login_id is not None,
        "externalId": user.external_id,
    }
    for name, value in current.items():
        if name in obj.provided and getattr(obj, name) is not None and getattr(obj, name) != value:
            raise errors.PROPERTY_VALIDATION_NOT_UPDATABLE(name)
    owner = obj.isAccountOwner
    if "isAccountOwner" in obj.provided and owner is not None and owner != user.is_account_owner:
        raise errors.PROPERTY_VALIDATION_NOT_UPDATABLE("isAccountOwner")


@api_action("user", "update", permissions=(ADMIN_USER_UPDATE,))
def update(ctx: RequestContext, userId: str, user: KalturaUser) -> KalturaUser:
    """Change a user. Blocking or deleting the account owner, demoting it or taking its administrator role
    away is refused, and so is changing one's own roles.

    The id cannot change (stricter than upstream): KSs name their user by id, so a renamed user's
    sessions would fall to whoever holds the id next."""
    partner = ctx.require_partner()
    target = service.get(ctx.db, partner.id, userId)
    if "id" in user.provided and user.id is not None and user.id != target.user_id:
        raise errors.PROPERTY_VALIDATION_NOT_UPDATABLE("id")
    _check_insert_only(target, user)
    _check_ks_privileges(ctx, user)
    user.provided = user.provided - {"externalId"}
    profile = _profile(user)
    if profile.status == UserStatus.DELETED and not ctx.has_permission(ADMIN_USER_DELETE):
        raise errors.SERVICE_FORBIDDEN("user->delete")
    own = profile.role_ids is not None and _is_caller(ctx, target.user_id)
    if own and role_service.check_role_ids(ctx.db, partner.id, profile.role_ids or "") != target.role_ids:
        raise errors.CANNOT_CHANGE_OWN_ROLE()
    changed = service.update(ctx.db, partner, target, profile)
    if {"isAdmin", "roleIds", "ksPrivileges"} & set(changed):
        _check_grant(ctx, target)
    if changed:
        record_for(
            ctx, "user.updated", object_type="user", object_id=target.user_id, data={"changed": changed}
        )
    return _view(ctx, target)


@api_action("user", "delete", permissions=(ADMIN_USER_DELETE,))
def delete(ctx: RequestContext, userId: str) -> KalturaUser:
    """Soft delete: the user is marked DELETED and loses its login; the account owner cannot be deleted."""
    partner = ctx.require_partner()
    target = service.get(ctx.db, partner.id, userId)
    service.set_status(ctx.db, partner, target, UserStatus.DELETED)
    record_for(ctx, "user.deleted", object_type="user", object_id=target.user_id)
    return _view(ctx, target)


# --- login data ----------------------------------------------------------------------------------


@api_action("user", "enableLogin", permissions=(ADMIN_USER_UPDATE,))
def enable_login(ctx: RequestContext, userId: str, loginId: str, password: str | None = None) -> KalturaUser:
    """Let a user log in with ``loginId`` (an e-mail) and ``password``. Keyframe sends no e-mails, so the
    password is required."""
    partner = ctx.require_partner()
    target = service.find(ctx.db, partner.id, userId)
    if target is None:
        raise errors.USER_NOT_FOUND()
    if not password:
        raise errors.PROPERTY_VALIDATION_CANNOT_BE_NULL("password")
    _check_grant(ctx, target)
    service.enable_login(ctx.db, target, loginId, password)
    record_for(
        ctx,
        "user.login.enabled",
        object_type="user",
        object_id=target.user_id,
        data={"loginId": target.login_id},
    )
    return _view(ctx, target)


@api_action("user", "disableLogin", permissions=(ADMIN_USER_UPDATE,))
def disable_login(ctx: RequestContext, userId: str | None = None, loginId: str | None = None) -> KalturaUser:
    """Remove a user's login (by user id or login id). The account owner keeps its login."""
    partner = ctx.require_partner()
    if not userId and not loginId:
        raise errors.PROPERTY_VALIDATION_CANNOT_BE_NULL("userId")
    if loginId:
        target = service.find_by_login(ctx.db, loginId)
        if target is not None and target.partner_id != partner.id:
            target = None
    else:
        target = service.find(ctx.db, partner.id, userId or "")
    if target is None:
        raise errors.USER_NOT_FOUND()
    login = target.login_id
    service.disable_login(ctx.db, partner, target)
    record_for(
        ctx, "user.login.disabled", object_type="user", object_id=target.user_id, data={"loginId": login}
    )
    return _view(ctx, target)


@dataclasses.dataclass(frozen=True)
class _Seen:
    """What the first read of a login saw, checked again when the outcome is written."""

    pk: int
    login_id: str
    password_hash: str | None


def authenticate_login(
    ctx: RequestContext,
    login_id: str,
    password: str,
    *,
    unknown: ErrorDef,
    wrong: ErrorDef,
    via: str,
    on_success: Callable[[Session, User], _T],
    success_event: str | None = None,
) -> _T:
    """Check a login's password with throttling and return ``on_success(db, user)``.

    Each wrong password is counted and audited in a transaction that commits before the error is raised;
    ``on_success`` runs in that transaction too, before the success is recorded (if it raises, nothing is
    recorded). An unknown login costs one password verification like a known one; a locked login costs
    none and writes nothing.
    """
    at = service.now()
    database = ctx.services.db
    with database.transaction() as db:
        found = service.find_by_login(db, login_id)
        seen = _Seen(found.pk, found.login_id or "", found.password_hash) if found is not None else None
        locked = found is not None and service.is_locked(found, at)
    if seen is None:
        passwords.verify_password(None, password)
        raise unknown()
    if locked:
        raise errors.LOGIN_RETRIES_EXCEEDED()
    password_ok = passwords.verify_password(seen.password_hash, password)

    failure: KalturaAPIException | None = None
    result: _T | None = None
    with database.transaction() as db:
        audit_ctx = dataclasses.replace(ctx, db=db)
        user = db.get(User, seen.pk, with_for_update=True, populate_existing=True)
        if user is None or user.login_id != seen.login_id or user.password_hash != seen.password_hash:
            failure = unknown()  # the login changed meanwhile
        elif service.is_locked(user, at):
            failure = errors.LOGIN_RETRIES_EXCEEDED()
        else:

            def audit(action: str, **data: object) -> None:
                assert user is not None
                record_for(
                    audit_ctx,
                    action,
                    object_type="user",
                    object_id=user.user_id,
                    partner_id=user.partner_id,
                    user_id=user.user_id,
                    data={"via": via, **data},
                )

            if not password_ok:
                locked_until = service.record_failed_login(db, user, at)
                audit("user.login.failed", reason="wrong password", failedLogins=user.failed_logins)
                if locked_until:
                    audit("user.login.locked", lockedUntil=locked_until, failedLogins=user.failed_logins)
                failure = errors.LOGIN_RETRIES_EXCEEDED() if locked_until else wrong()
            elif user.status == UserStatus.BLOCKED:
                audit("user.login.failed", reason="user blocked")
                failure = errors.USER_IS_BLOCKED()
            else:
                result = on_success(db, user)
                if success_event:
                    audit(success_event)
    if failure is not None:
        raise failure
    return result  # type: ignore[return-value]


@api_action("user", "loginByLoginId", ks=KsPolicy.IGNORED)
def login_by_login_id(
    ctx: RequestContext,
    loginId: str,
    password: str,
    partnerId: int | None = None,
    expiry: int = 86_400,
    privileges: str = "*",
    otp: str | None = None,
) -> str:
    """A KS for the user with this login: ADMIN for administrators, USER otherwise, for the user's id.
    The user's own ``ksPrivileges`` replace the requested privileges; a requested ``setrole`` may not
    name a role holding more than the user's own roles. ``otp`` is accepted and ignored (no 2FA)."""

    def issue_ks(db: Session, user: User) -> str:
        partner = db.get(Partner, user.partner_id)
        if partnerId is not None and partnerId != user.partner_id:
            raise errors.INVALID_PARTNER_ID(partnerId)
        if partner is None or partner.status in _NO_LOGIN:
            raise errors.INVALID_PARTNER_ID(user.partner_id)
        granted = issue.validate_privileges(db, partner, user.ks_privileges or privileges)
        if not user.ks_privileges and granted.has("setrole"):
            own = _user_permissions(db, partner.id, user, with_ks_privileges=False)
            for role in granted.values("setrole"):
                if not _role_permissions(db, partner.id, role, admin=user.is_admin) <= own:
                    raise errors.INVALID_SET_ROLE()
        service.record_login(db, user, service.now())
        return issue.issue(
            partner,
            type=SessionType.ADMIN if user.is_admin else SessionType.USER,
            user_id=user.user_id,
            privileges=granted,
            expiry=issue.capped_expiry(partner, expiry),
        )

    return authenticate_login(
        ctx,
        loginId,
        password,
        unknown=errors.USER_NOT_FOUND,
        wrong=errors.USER_WRONG_PASSWORD,
        via="loginByLoginId",
        on_success=issue_ks,
        success_event="user.login.succeeded",
    )


@api_action("user", "updateLoginData", ks=KsPolicy.IGNORED)
def update_login_data(
    ctx: RequestContext,
    oldLoginId: str,
    password: str,
    newLoginId: str = "",
    newPassword: str = "",
    newFirstName: str | None = None,
    newLastName: str | None = None,
    otp: str | None = None,
) -> None:
    """Change one's own login id, password or name, proving it with the current password (throttled like
    a login). ``otp`` is accepted and ignored (no 2FA)."""
    if newLoginId and not service.valid_email(service.normalize_login(newLoginId)):
        raise errors.INVALID_FIELD_VALUE("newLoginId")
    if newPassword:
        service.check_password(newPassword)

    def change(db: Session, user: User) -> list[str]:
        partner = db.get(Partner, user.partner_id)
        assert partner is not None
        changed = service.change_login_data(
            db,
            partner,
            user,
            password=password,
            new_login_id=newLoginId,
            new_password=newPassword,
            new_first_name=newFirstName,
            new_last_name=newLastName,
        )
        service.reset_failed_logins(db, user)
        record_for(
            dataclasses.replace(ctx, db=db),
            "user.login_data.updated",
            object_type="user",
            object_id=user.user_id,
            partner_id=user.partner_id,
            user_id=user.user_id,
            data={"changed": changed},
        )
        return changed

    authenticate_login(
        ctx,
        oldLoginId,
        password,
        unknown=errors.LOGIN_DATA_NOT_FOUND,
        wrong=errors.USER_WRONG_PASSWORD if password == newPassword else errors.WRONG_OLD_PASSWORD,
        via="updateLoginData",
        on_success=change,
    )
