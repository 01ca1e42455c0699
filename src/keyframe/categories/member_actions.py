"""The ``categoryUser`` service (§3.3). Every action admits CONTENT_MANAGE_ASSIGN_CATEGORIES or a user
session; what a caller may then do is decided by the category: an ADMIN session without enforced
entitlement manages everyone, anyone else must be an active MANAGER of the category, except to join it
(by its join policy), or to leave it.

Reading (``get``, ``list``): an ADMIN session without enforced entitlement sees every membership; any other
session sees only its user's own (and those of its groups) and the memberships of the categories it
manages. Upstream limits the list only by which categories the session may see, which shows a portal's
users who else belongs to their channels; Keyframe keeps that to the managers."""

from __future__ import annotations

from keyframe.auth.context import RequestContext
from keyframe.auth.roles import BASE_USER_SESSION_PERMISSION
from keyframe.categories import api, members, service
from keyframe.categories.models import Category, CategoryUser, CategoryUserStatus, UpdateMethod
from keyframe.categories.objects import (
    KalturaCategoryUser,
    KalturaCategoryUserFilter,
    KalturaCategoryUserListResponse,
)
from keyframe.kapi import errors
from keyframe.kapi.registry import api_action
from keyframe.kapi.types import KalturaFilterPager

MEMBERS = ("CONTENT_MANAGE_ASSIGN_CATEGORIES", BASE_USER_SESSION_PERMISSION)
COPY = ("CONTENT_MANAGE_CATEGORY_USERS",)


def to_api(row: CategoryUser, full_ids: str) -> KalturaCategoryUser:
    return KalturaCategoryUser(
        categoryId=row.category_id,
        userId=row.user_id,
        partnerId=row.partner_id,
        permissionLevel=row.permission_level,  # type: ignore[arg-type]
        status=row.status,  # type: ignore[arg-type]
        createdAt=row.created_at,
        updatedAt=row.updated_at,
        updateMethod=row.update_method,  # type: ignore[arg-type]
        categoryFullIds=full_ids,
        permissionNames=row.permission_names,
    )


def _view(ctx: RequestContext, row: CategoryUser) -> KalturaCategoryUser:
    return to_api(row, members.full_ids_of(ctx.db, [row.category_id]).get(row.category_id, ""))


def _user(ctx: RequestContext) -> str:
    ks = ctx.require_ks()
    return "" if ks.is_anonymous else ks.user_id


def _may_manage(ctx: RequestContext, category: Category) -> bool:
    return api.privileged(ctx) or members.is_manager(ctx.db, category, _user(ctx))


def _category(ctx: RequestContext, category_id: int) -> Category:
    return service.get(ctx.db, ctx.require_partner().id, category_id)


def _row(ctx: RequestContext, category_id: int, user_id: str) -> tuple[Category, CategoryUser]:
    category = _category(ctx, category_id)
    return category, members.get(ctx.db, category, user_id)


@api_action("categoryUser", "add", permissions=MEMBERS)
def add(ctx: RequestContext, categoryUser: KalturaCategoryUser) -> KalturaCategoryUser:
    if categoryUser.categoryId is None:
        raise errors.PROPERTY_VALIDATION_CANNOT_BE_NULL("categoryId")
    if not categoryUser.userId:
        raise errors.PROPERTY_VALIDATION_CANNOT_BE_NULL("userId")
    category = _category(ctx, categoryUser.categoryId)
    adder = members.Adder(user_id=_user(ctx), privileged=api.privileged(ctx))
    level = None if categoryUser.permissionLevel is None else int(categoryUser.permissionLevel)
    method = UpdateMethod.MANUAL if categoryUser.updateMethod is None else int(categoryUser.updateMethod)
    row = members.add(
        ctx.db,
        category,
        categoryUser.userId.strip(),
        level,
        adder,
        update_method=method,
        names=categoryUser.permissionNames,
    )
    return _view(ctx, row)


def _viewer(ctx: RequestContext) -> list[str] | None:
    """Whose memberships limit what the caller reads: None for an unentitled ADMIN session (all), else its
    user and the user's groups (none for a session without a user)."""
    if api.privileged(ctx):
        return None
    return service.principals(ctx.db, ctx.require_partner().id, _user(ctx))


@api_action("categoryUser", "get", permissions=MEMBERS)
def get(ctx: RequestContext, categoryId: int, userId: str) -> KalturaCategoryUser:
    category, row = _row(ctx, categoryId, userId)
    viewer = _viewer(ctx)
    hidden = viewer is not None and row.user_id not in viewer
    if hidden and not members.is_manager(ctx.db, category, _user(ctx)):
        raise errors.INVALID_CATEGORY_USER_ID(categoryId, userId[:64])  # as if it did not exist
    return _view(ctx, row)


@api_action("categoryUser", "update", permissions=MEMBERS)
def update(
    ctx: RequestContext,
    categoryId: int,
    userId: str,
    categoryUser: KalturaCategoryUser,
    override: bool = False,
) -> KalturaCategoryUser:
    category, row = _row(ctx, categoryId, userId)
    if not _may_manage(ctx, category):
        raise errors.CANNOT_UPDATE_CATEGORY_USER()
    given = categoryUser.provided
    members.update(
        ctx.db,
        category,
        row,
        level=int(categoryUser.permissionLevel) if categoryUser.permissionLevel is not None else None,
        names=categoryUser.permissionNames if "permissionNames" in given else None,
        update_method=int(categoryUser.updateMethod) if categoryUser.updateMethod is not None else None,
        override=override,
    )
    return _view(ctx, row)


@api_action("categoryUser", "delete", permissions=MEMBERS)
def delete(ctx: RequestContext, categoryId: int, userId: str) -> None:
    category, row = _row(ctx, categoryId, userId)
    if userId != _user(ctx) and not _may_manage(ctx, category):  # anyone may leave
        raise errors.CANNOT_UPDATE_CATEGORY_USER()
    members.remove(ctx.db, category, row)


def _set_status(ctx: RequestContext, categoryId: int, userId: str, status: int) -> KalturaCategoryUser:
    category, row = _row(ctx, categoryId, userId)
    if not _may_manage(ctx, category):
        raise errors.CANNOT_UPDATE_CATEGORY_USER()
    members.set_status(ctx.db, category, row, status)
    return _view(ctx, row)


@api_action("categoryUser", "activate", permissions=MEMBERS)
def activate(ctx: RequestContext, categoryId: int, userId: str) -> KalturaCategoryUser:
    return _set_status(ctx, categoryId, userId, CategoryUserStatus.ACTIVE)


@api_action("categoryUser", "deactivate", permissions=MEMBERS)
def deactivate(ctx: RequestContext, categoryId: int, userId: str) -> KalturaCategoryUser:
    return _set_status(ctx, categoryId, userId, CategoryUserStatus.NOT_ACTIVE)


@api_action("categoryUser", "copyFromCategory", permissions=COPY)
def copy_from_category(ctx: RequestContext, categoryId: int) -> None:
    category = _category(ctx, categoryId)
    if not _may_manage(ctx, category):
        raise errors.CANNOT_UPDATE_CATEGORY_USER()
    members.copy_from_parent(ctx.db, category)


def _query(ctx: RequestContext, f: KalturaCategoryUserFilter | None) -> members.MemberQuery:
    if f is None:
        raise errors.MUST_FILTER_USERS_OR_CATEGORY()
    q = members.MemberQuery()
    categories = api.ints(f.categoryIdIn)
    if f.categoryIdEqual is not None:
        categories = [f.categoryIdEqual]
    users = api.csv(f.userIdIn)
    if f.userIdEqual is not None:
        users = [f.userIdEqual]
    if (
        categories is None
        and users is None
        and not f.categoryFullIdsStartsWith
        and f.categoryFullIdsEqual is None
    ):
        raise errors.MUST_FILTER_USERS_OR_CATEGORY()
    if categories is not None and len(categories) == 1 and not f.categoryDirectMembers:
        # An INHERIT category's members are those of the category it inherits from.
        category = service.find(ctx.db, ctx.require_partner().id, categories[0])
        if category is not None:
            categories = [service.members_source(category)]
    q.category_ids, q.user_ids = categories, users
    levels = api.ints(f.permissionLevelIn)
    q.levels = [int(f.permissionLevelEqual)] if f.permissionLevelEqual is not None else levels
    statuses = api.ints(f.statusIn)
    q.statuses = [int(f.statusEqual)] if f.statusEqual is not None else statuses
    q.update_method = int(f.updateMethodEqual) if f.updateMethodEqual is not None else None
    q.full_ids_starts = f.categoryFullIdsStartsWith
    q.full_ids_equal = f.categoryFullIdsEqual
    q.names_all = api.csv(f.permissionNamesMatchAnd)
    q.names_any = api.csv(f.permissionNamesMatchOr)
    q.free_text = f.freeText or None
    q.order = f.orderBy
    q.viewer = _viewer(ctx)
    return q


@api_action("categoryUser", "list", permissions=MEMBERS)
def list_members(
    ctx: RequestContext,
    filter: KalturaCategoryUserFilter | None = None,
    pager: KalturaFilterPager | None = None,
) -> KalturaCategoryUserListResponse:
    partner = ctx.require_partner()
    limit, offset = (pager or KalturaFilterPager()).limit_offset()
    rows, total = members.search(ctx.db, partner.id, _query(ctx, filter), limit, offset)
    paths = members.full_ids_of(ctx.db, sorted({r.category_id for r in rows}))
    return KalturaCategoryUserListResponse(
        objects=[to_api(r, paths.get(r.category_id, "")) for r in rows], totalCount=total
    )
