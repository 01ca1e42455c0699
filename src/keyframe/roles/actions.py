"""The ``userRole`` and ``permission`` services."""

from __future__ import annotations

from sqlalchemy import false, func, or_, select

from keyframe.audit.service import record_for
from keyframe.auth.context import RequestContext
from keyframe.auth.roles import ACCOUNT_BASE, ADMIN_BASE, ADMIN_PUBLISHER_MANAGE, KMC_READ_ONLY
from keyframe.kapi import errors
from keyframe.kapi.registry import api_action
from keyframe.kapi.types import KalturaFilterPager
from keyframe.roles import service
from keyframe.roles.catalogue import PERMISSIONS, valid_permissions
from keyframe.roles.models import RoleStatus, UserRole
from keyframe.roles.objects import (
    KalturaPermission,
    KalturaPermissionFilter,
    KalturaPermissionListResponse,
    KalturaUserRole,
    KalturaUserRoleFilter,
    KalturaUserRoleListResponse,
)
from keyframe.users.models import User, UserStatus

ADMIN_ROLE_ADD = "ADMIN_ROLE_ADD"
ADMIN_ROLE_UPDATE = "ADMIN_ROLE_UPDATE"
ADMIN_ROLE_DELETE = "ADMIN_ROLE_DELETE"
# Permissions no role other than the Publisher Administrator's may hold (not in KMC's role editor either).
_PUBLISHER_ONLY = frozenset({ADMIN_PUBLISHER_MANAGE, "CONTENT_MANAGE_DISTRIBUTION_PROFILE_MODIFY"})


def to_api(role: UserRole) -> KalturaUserRole:
    return KalturaUserRole(
        id=role.id,
        name=role.name,
        systemName=role.system_name,
        description=role.description,
        status=RoleStatus(role.status),
        partnerId=role.partner_id,
        permissionNames=role.permission_names,
        tags=role.tags,
        createdAt=role.created_at,
        updatedAt=role.updated_at,
    )


def _permission_names(ctx: RequestContext, text: str) -> str:
    """A role's new permission list. Nobody grants what they do not hold (a role editor could otherwise
    give their own role anything); Publisher Administrators hold everything assignable."""
    names = service.normalize_permission_names(text)
    full = ctx.has_permission(ADMIN_PUBLISHER_MANAGE)
    for name in filter(None, names.split(",")):
        if name in _PUBLISHER_ONLY or name == "*":
            raise errors.PERMISSION_NOT_ASSIGNABLE(name)
        if not full and name not in ctx.permissions:
            raise errors.PERMISSION_NOT_HELD(name)
    return names


_INT32_MIN, _INT32_MAX = -(2**31), 2**31 - 1
_TEXT_LIMITS = {"systemName": 256, "description": 4096, "tags": 1024}


def _check_lengths(role: KalturaUserRole) -> None:
    for name, limit in _TEXT_LIMITS.items():
        value = getattr(role, name)
        if value is not None and len(value) > limit:
            raise errors.PROPERTY_VALIDATION_MAX_LENGTH(name, limit)


def _check_name(ctx: RequestContext, name: str, except_id: int | None = None) -> str:
    name = name.strip()
    if not name:
        raise errors.PROPERTY_VALIDATION_CANNOT_BE_NULL("name")
    if len(name) > 256:
        raise errors.PROPERTY_VALIDATION_MAX_LENGTH("name", 256)
    clash = select(func.count()).where(
        UserRole.partner_id == ctx.require_partner().id,
        func.lower(UserRole.name) == name.lower(),
        UserRole.status != RoleStatus.DELETED,
    )
    if except_id is not None:
        clash = clash.where(UserRole.id != except_id)
    if ctx.db.scalar(clash):
        raise errors.ROLE_NAME_ALREADY_EXISTS()
    return name


@api_action("userRole", "add", permissions=(ADMIN_ROLE_ADD,))
def add(ctx: RequestContext, userRole: KalturaUserRole) -> KalturaUserRole:
    partner = ctx.require_partner()
    _check_lengths(userRole)
    role = UserRole(
        partner_id=partner.id,
        name=_check_name(ctx, userRole.name or ""),
        system_name=userRole.systemName or "",
        description=userRole.description or "",
        status=userRole.status or RoleStatus.ACTIVE,
        permission_names=_permission_names(ctx, userRole.permissionNames or ""),
        tags=userRole.tags or "",
    )
    ctx.db.add(role)
    ctx.db.flush()
    record_for(ctx, "role.added", object_type="userRole", object_id=str(role.id), data={"name": role.name})
    return to_api(role)


@api_action("userRole", "get", permissions=(ADMIN_BASE, KMC_READ_ONLY))
def get(ctx: RequestContext, userRoleId: int) -> KalturaUserRole:
    return to_api(service.get_role(ctx.db, ctx.require_partner().id, userRoleId))


@api_action("userRole", "update", permissions=(ADMIN_ROLE_UPDATE,))
def update(ctx: RequestContext, userRoleId: int, userRole: KalturaUserRole) -> KalturaUserRole:
    role = service.get_role(ctx.db, ctx.require_partner().id, userRoleId)
    _check_lengths(userRole)
    changes = userRole.provided - {"systemName"}
    if role.protected and changes - {"name", "description", "tags"}:
        raise errors.CANNOT_CHANGE_ADMIN_ROLE()
    if "name" in changes:
        role.name = _check_name(ctx, userRole.name or "", except_id=role.id)
    if "description" in changes:
        role.description = userRole.description or ""
    if "tags" in changes:
        role.tags = userRole.tags or ""
    if "status" in changes and userRole.status is not None:
        if userRole.status == RoleStatus.DELETED:
            raise errors.PROPERTY_VALIDATION_NOT_UPDATABLE("status")
        role.status = userRole.status
    if "permissionNames" in changes:
        role.permission_names = _permission_names(ctx, userRole.permissionNames or "")
    ctx.db.flush()
    record_for(
        ctx, "role.updated", object_type="userRole", object_id=str(role.id), data={"fields": sorted(changes)}
    )
    return to_api(role)


@api_action("userRole", "delete", permissions=(ADMIN_ROLE_DELETE,))
def delete(ctx: RequestContext, userRoleId: int) -> KalturaUserRole:
    partner = ctx.require_partner()
    role = service.get_role(ctx.db, partner.id, userRoleId, lock=True)
    if role.protected:
        raise errors.CANNOT_CHANGE_ADMIN_ROLE()
    holders = ctx.db.scalars(
        select(User.role_ids).where(User.partner_id == partner.id, User.status != UserStatus.DELETED)
    )
    if any(role.id in service.parse_role_ids(ids) for ids in holders):
        raise errors.ROLE_IS_BEING_USED(role.id)
    role.status = RoleStatus.DELETED
    ctx.db.flush()
    record_for(ctx, "role.deleted", object_type="userRole", object_id=str(role.id), data={"name": role.name})
    return to_api(role)


@api_action("userRole", "clone", permissions=(ADMIN_ROLE_ADD,))
def clone(ctx: RequestContext, userRoleId: int) -> KalturaUserRole:
    partner = ctx.require_partner()
    source = service.get_role(ctx.db, partner.id, userRoleId)
    name, copy = f"Copy of {source.name}", 1
    while True:
        try:
            name = _check_name(ctx, name)
            break
        except errors.KalturaAPIException:
            copy += 1
            name = f"Copy of {source.name} ({copy})"
    permissions = _permission_names(ctx, source.permission_names) if not source.protected else ""
    role = UserRole(
        partner_id=partner.id,
        name=name,
        description=source.description,
        permission_names=permissions,
        tags=source.tags,
    )
    ctx.db.add(role)
    ctx.db.flush()
    record_for(ctx, "role.cloned", object_type="userRole", object_id=str(role.id), data={"from": source.id})
    return to_api(role)


@api_action("userRole", "list", permissions=(ADMIN_BASE, ACCOUNT_BASE))
def list_roles(
    ctx: RequestContext, filter: KalturaUserRoleFilter | None = None, pager: KalturaFilterPager | None = None
) -> KalturaUserRoleListResponse:
    query = select(UserRole).where(UserRole.partner_id == ctx.require_partner().id)
    f = filter or KalturaUserRoleFilter()
    if f.idEqual is not None:
        query = query.where(UserRole.id == f.idEqual if _INT32_MIN <= f.idEqual <= _INT32_MAX else false())
    if f.idIn:
        query = query.where(UserRole.id.in_(service.parse_role_ids(f.idIn)))
    if f.nameEqual is not None:
        query = query.where(UserRole.name == f.nameEqual)
    if f.systemNameEqual is not None:
        query = query.where(UserRole.system_name == f.systemNameEqual)
    statuses = _int_list(f.statusIn, "statusIn") if f.statusIn else [f.statusEqual] if f.statusEqual else []
    statuses = [s for s in statuses if _INT32_MIN <= s <= _INT32_MAX] or ([-1] if statuses else [])
    if statuses:
        query = query.where(UserRole.status.in_(statuses))
    else:
        query = query.where(UserRole.status != RoleStatus.DELETED)
    if f.tagsMultiLikeOr:
        tags = [t.strip() for t in f.tagsMultiLikeOr.split(",") if t.strip()]
        if tags:
            query = query.where(or_(*(UserRole.tags.contains(t) for t in tags)))
    total = ctx.db.scalar(select(func.count()).select_from(query.subquery())) or 0
    order = UserRole.id.desc() if (f.orderBy or "").startswith("-") else UserRole.id
    limit, offset = (pager or KalturaFilterPager()).limit_offset()
    roles = ctx.db.scalars(query.order_by(order).limit(limit).offset(offset))
    return KalturaUserRoleListResponse(objects=[to_api(r) for r in roles], totalCount=total)


@api_action("permission", "list", permissions=(KMC_READ_ONLY, ADMIN_BASE))
def list_permissions(
    ctx: RequestContext,
    filter: KalturaPermissionFilter | None = None,
    pager: KalturaFilterPager | None = None,
) -> KalturaPermissionListResponse:
    """The permissions valid for the partner: every normal one, and the features it has enabled."""
    partner = ctx.require_partner()
    valid = valid_permissions(service.features(ctx.db, partner.id))
    f = filter or KalturaPermissionFilter()
    names = set(_names(f.nameIn)) if f.nameIn else None
    types = set(_int_list(f.typeIn, "typeIn")) if f.typeIn else ({int(f.typeEqual)} if f.typeEqual else None)
    found = [
        KalturaPermission(
            id=number,
            type=p.type,
            name=p.name,
            friendlyName=p.friendly_name,
            description=p.friendly_name,
            status=1,
            partnerId=0 if p.type is p.type.NORMAL else partner.id,
            dependsOnPermissionNames=",".join(p.depends_on),
        )
        for number, p in enumerate(PERMISSIONS.values(), start=1)
        if p.name in valid
        and (f.nameEqual is None or p.name == f.nameEqual)
        and (names is None or p.name in names)
        and (types is None or int(p.type) in types)
        and (f.idEqual is None or number == f.idEqual)
        and (f.statusEqual is None or f.statusEqual == 1)
    ]
    limit, offset = (pager or KalturaFilterPager()).limit_offset()
    return KalturaPermissionListResponse(objects=found[offset : offset + limit], totalCount=len(found))


def _names(text: str) -> list[str]:
    return [n.strip() for n in text.split(",") if n.strip()]


def _int_list(text: str, name: str) -> list[int]:
    try:
        return [int(n) for n in _names(text)]
    except ValueError:
        raise errors.PROPERTY_VALIDATION_NUMERIC_VALUE(name) from None
