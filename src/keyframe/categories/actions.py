"""The ``category`` service (reference §3.4): the tree and its entitlement fields.

Permissions are upstream's: changing the tree needs CONTENT_MANAGE_EDIT_CATEGORIES, setting
``privacyContext`` or ``privacy`` needs CONTENT_MANAGE_CATEGORY_USERS (a FEATURE_ENTITLEMENT permission),
reading is open to every session (listing is limited under enforcement, §3.8). When entitlement is enforced
for the session only a MANAGER of the category may update or delete it (NOT_ENTITLED_TO_UPDATE_CATEGORY).
Changing ``owner`` takes a manager of the category or CONTENT_MANAGE_CATEGORY_USERS (Keyframe's rule).
"""

from __future__ import annotations

from keyframe.audit.service import record_for
from keyframe.auth.context import RequestContext
from keyframe.auth.roles import BASE_USER_SESSION_PERMISSION, KMC_READ_ONLY, WIDGET_SESSION_PERMISSION
from keyframe.categories import api, members, service
from keyframe.categories.models import Category
from keyframe.categories.objects import (
    KalturaCategory,
    KalturaCategoryFilter,
    KalturaCategoryListResponse,
)
from keyframe.entitlement.categories import visible_categories_clause
from keyframe.entitlement.enforcement import enforcement_enabled
from keyframe.kapi import errors
from keyframe.kapi.registry import api_action
from keyframe.kapi.types import KalturaFilterPager
from keyframe.users.objects import KalturaNullableBoolean

EDIT = (api.EDIT_CATEGORIES,)
READ = ("CONTENT_MANAGE_BASE", KMC_READ_ONLY, BASE_USER_SESSION_PERMISSION, WIDGET_SESSION_PERMISSION)
CATEGORY_USERS = api.CATEGORY_USERS
INTEGRATION_SETTINGS = "INTEGRATION_UPDATE_SETTINGS"


def to_api(category: Category, counts: Category | None = None) -> KalturaCategory:
    """``counts``: whose member counts to show (an INHERIT category shows its MANUAL ancestor's)."""
    source = counts or category
    return KalturaCategory(
        id=category.id,
        parentId=category.parent_id or 0,
        depth=category.depth,
        partnerId=category.partner_id,
        name=category.name,
        fullName=category.full_name,
        fullIds=category.full_ids,
        entriesCount=category.entries_count,
        createdAt=category.created_at,
        updatedAt=category.updated_at,
        description=category.description,
        tags=category.tags,
        appearInList=category.appear_in_list,  # type: ignore[arg-type]
        privacy=category.privacy,  # type: ignore[arg-type]
        inheritanceType=category.inheritance_type,  # type: ignore[arg-type]
        userJoinPolicy=category.user_join_policy,  # type: ignore[arg-type]
        defaultPermissionLevel=category.default_permission_level,  # type: ignore[arg-type]
        owner=category.owner,
        directEntriesCount=category.direct_entries_count,
        referenceId=category.reference_id,
        contributionPolicy=category.contribution_policy,  # type: ignore[arg-type]
        membersCount=source.members_count,
        pendingMembersCount=source.pending_members_count,
        privacyContext=category.privacy_context,
        privacyContexts=category.privacy_contexts,
        status=category.status,  # type: ignore[arg-type]
        inheritedParentId=category.inherited_parent_id,
        partnerSortValue=category.partner_sort_value,
        partnerData=category.partner_data,
        defaultOrderBy=category.default_order_by,
        directSubCategoriesCount=category.direct_sub_categories_count,
        moderation=KalturaNullableBoolean.TRUE_VALUE
        if category.moderation
        else KalturaNullableBoolean.FALSE_VALUE,
        pendingEntriesCount=category.pending_entries_count,
        isAggregationCategory=KalturaNullableBoolean.FALSE_VALUE,
        aggregationCategories="",
        adminTags=category.admin_tags,
    )


def _view(ctx: RequestContext, category: Category) -> KalturaCategory:
    return to_api(category, service.counts_source(ctx.db, category))


_TEXT = {
    "description": "description",
    "tags": "tags",
    "referenceId": "reference_id",
    "partnerData": "partner_data",
    "adminTags": "admin_tags",
    "defaultOrderBy": "default_order_by",
}
_ENUMS = {
    "privacy": "privacy",
    "appearInList": "appear_in_list",
    "contributionPolicy": "contribution_policy",
    "inheritanceType": "inheritance_type",
    "defaultPermissionLevel": "default_permission_level",
}


def _changes(ctx: RequestContext, obj: KalturaCategory, *, insert: bool) -> service.Changes:
    changes = service.Changes()
    given = obj.provided - obj.nulled
    if "name" in given:
        changes.name = obj.name or ""
    if "parentId" in given and obj.parentId is not None:
        changes.parent_id = obj.parentId
    elif "parentId" in obj.nulled:
        changes.parent_id = 0
    for api_name, name in _TEXT.items():
        if api_name in obj.nulled:
            setattr(changes, name, "")
        elif api_name in given and getattr(obj, api_name) is not None:
            setattr(changes, name, getattr(obj, api_name))
    for api_name, name in _ENUMS.items():
        value = getattr(obj, api_name)
        if api_name in given and value is not None:
            setattr(changes, name, int(value))
    if "partnerSortValue" in given and obj.partnerSortValue is not None:
        changes.partner_sort_value = obj.partnerSortValue
    if "moderation" in given and obj.moderation not in (None, KalturaNullableBoolean.NULL_VALUE):
        changes.moderation = obj.moderation == KalturaNullableBoolean.TRUE_VALUE
    if "owner" in obj.nulled:
        changes.owner = ""
    elif "owner" in given and obj.owner is not None:
        changes.owner = obj.owner.strip()
    if "privacyContext" in obj.nulled:
        changes.privacy_context = ""
    elif "privacyContext" in given and obj.privacyContext is not None:
        changes.privacy_context = obj.privacyContext
    # Entitlement settings need the category-users permission (a FEATURE_ENTITLEMENT one); labels are the
    # Integration tab's Entitlement section, so they also need INTEGRATION_UPDATE_SETTINGS (issue 6, part 7).
    for api_name, value, needed in (
        ("privacyContext", changes.privacy_context, (CATEGORY_USERS, INTEGRATION_SETTINGS)),
        ("privacy", changes.privacy, (CATEGORY_USERS,)),
    ):
        if value is not None and not all(ctx.has_permission(name) for name in needed):
            denied = (
                errors.PROPERTY_VALIDATION_NO_INSERT_PERMISSION
                if insert
                else errors.PROPERTY_VALIDATION_NO_UPDATE_PERMISSION
            )
            raise denied(api_name)
    return changes


def _check_manager(ctx: RequestContext, category: Category) -> None:
    """Under enforced entitlement, only the category's managers change it (upstream)."""
    if enforcement_enabled(ctx):
        ks = ctx.require_ks()
        if ks.is_anonymous or not members.is_manager(ctx.db, category, ks.user_id):
            raise errors.NOT_ENTITLED_TO_UPDATE_CATEGORY()


def _check_owner_change(ctx: RequestContext, category: Category, changes: service.Changes) -> None:
    """A new owner becomes an ACTIVE MANAGER of the category, so changing the owner grants a manager's
    rights: it takes a manager of the category or the entitlement-settings permission (KMC's "Change
    Owner" is on the Entitlements tab), not just the right to edit categories, with which an editor could
    make itself the owner of any category. Upstream checks nothing here; this is Keyframe's rule."""
    if changes.owner is None or changes.owner == category.owner or ctx.has_permission(CATEGORY_USERS):
        return
    ks = ctx.require_ks()
    if ks.is_anonymous or not members.is_manager(ctx.db, category, ks.user_id):
        raise errors.PROPERTY_VALIDATION_NO_UPDATE_PERMISSION("owner")


@api_action("category", "add", permissions=EDIT)
def add(ctx: RequestContext, category: KalturaCategory) -> KalturaCategory:
    partner = ctx.require_partner()
    outcome = service.add(ctx.db, partner.id, _changes(ctx, category, insert=True), api.caller(ctx))
    if outcome.category.privacy_context:
        record_for(
            ctx,
            "category.privacy_context.set",
            object_type="category",
            object_id=str(outcome.category.id),
            data={"privacyContext": outcome.category.privacy_context},
        )
    return _view(ctx, outcome.category)


def _visible(ctx: RequestContext, category_id: int, *, for_update: bool = False) -> Category:
    category = service.get(ctx.db, ctx.require_partner().id, category_id, for_update=for_update)
    clause = visible_categories_clause(ctx)
    if (
        clause is not None
        and not service.search(
            ctx.db, category.partner_id, service.CategoryQuery(ids=[category.id], visible=clause), 1, 0
        )[1]
    ):
        raise errors.CATEGORY_NOT_FOUND(category_id)
    return category


@api_action("category", "get", permissions=READ)
def get(ctx: RequestContext, id: int) -> KalturaCategory:
    return _view(ctx, _visible(ctx, id))


@api_action("category", "update", permissions=EDIT)
def update(ctx: RequestContext, id: int, category: KalturaCategory) -> KalturaCategory:
    current = service.get(ctx.db, ctx.require_partner().id, id, for_update=True)
    _check_manager(ctx, current)
    changes = _changes(ctx, category, insert=False)
    _check_owner_change(ctx, current, changes)
    before = current.privacy_context
    outcome = service.update(ctx.db, current, changes, api.caller(ctx))
    if outcome.category.privacy_context != before:
        record_for(
            ctx,
            "category.privacy_context.changed",
            object_type="category",
            object_id=str(id),
            data={"before": before, "after": outcome.category.privacy_context},
        )
    api.schedule_propagation(ctx, outcome.propagate)
    return _view(ctx, outcome.category)


@api_action("category", "delete", permissions=EDIT)
def delete(
    ctx: RequestContext, id: int, moveEntriesToParentCategory: KalturaNullableBoolean | None = None
) -> None:
    category = service.get(ctx.db, ctx.require_partner().id, id, for_update=True)
    _check_manager(ctx, category)
    move = moveEntriesToParentCategory != KalturaNullableBoolean.FALSE_VALUE
    service.delete_category(ctx.db, category, move_entries_to_parent=move)


@api_action("category", "move", permissions=EDIT)
def move(ctx: RequestContext, categoryIds: str, targetCategoryParentId: int) -> bool:
    """Move categories that share a parent under another one (0: the top level); not under enforcement."""
    if enforcement_enabled(ctx):
        raise errors.CANNOT_MOVE_CATEGORIES_FROM_DIFFERENT_PARENT_CATEGORY()
    partner = ctx.require_partner()
    moving: list[Category] = []
    for category_id in api.ints(categoryIds) or []:
        category = service.get(ctx.db, partner.id, category_id, for_update=True)
        if moving and category.parent_id != moving[0].parent_id:
            raise errors.CANNOT_MOVE_CATEGORIES_FROM_DIFFERENT_PARENT_CATEGORY()
        moving.append(category)
    target = service.get(ctx.db, partner.id, targetCategoryParentId) if targetCategoryParentId else None
    for category in moving:
        service.move(ctx.db, category, target)
    api.schedule_propagation(ctx, [c.id for c in moving])
    return True


def _query(ctx: RequestContext, f: KalturaCategoryFilter | None) -> service.CategoryQuery:
    q = service.CategoryQuery(visible=visible_categories_clause(ctx))
    if f is None:
        return q
    ids = api.ints(f.idIn)
    if f.idEqual is not None:
        ids = [i for i in (ids or [f.idEqual]) if i == f.idEqual]
    q.ids = ids
    parents = api.ints(f.parentIdIn)
    if f.parentIdEqual is not None:
        parents = [p for p in (parents or [f.parentIdEqual]) if p == f.parentIdEqual]
    q.parent_ids = parents
    q.depth = f.depthEqual
    q.full_name_equal = f.fullNameEqual
    q.full_name_starts = f.fullNameStartsWith
    q.full_ids_starts = f.fullIdsStartsWith
    q.full_ids_equal = f.fullIdsEqual
    q.ancestor_ids = api.ints(f.ancestorIdIn)
    q.name_or_reference_starts = f.nameOrReferenceIdStartsWith
    if f.referenceIdEqual is not None:
        q.reference_ids = [f.referenceIdEqual]
    q.privacy_context = f.privacyContextEqual or None
    q.privacy_contexts_contains = f.privacyContextsContains or None
    statuses = api.ints(f.statusIn)
    if f.statusEqual is not None:
        statuses = [int(f.statusEqual)]
    q.statuses = statuses
    q.member = f.memberEqual or None
    q.manager = f.managerEqual or None
    q.free_text = f.freeText or None
    if f.privacyEqual is not None:
        q.privacy = [int(f.privacyEqual)]
    elif f.privacyIn is not None:
        q.privacy = api.ints(f.privacyIn)
    if f.appearInListEqual is not None:
        q.appear_in_list = [int(f.appearInListEqual)]
    if f.inheritanceTypeEqual is not None:
        q.inheritance_type = int(f.inheritanceTypeEqual)
    q.created_from, q.created_to = f.createdAtGreaterThanOrEqual, f.createdAtLessThanOrEqual
    q.updated_from, q.updated_to = f.updatedAtGreaterThanOrEqual, f.updatedAtLessThanOrEqual
    q.order = f.orderBy
    return q


@api_action("category", "list", permissions=READ)
def list_categories(
    ctx: RequestContext, filter: KalturaCategoryFilter | None = None, pager: KalturaFilterPager | None = None
) -> KalturaCategoryListResponse:
    partner = ctx.require_partner()
    limit, offset = (pager or KalturaFilterPager()).limit_offset()
    found, total = service.search(ctx.db, partner.id, _query(ctx, filter), limit, offset)
    return KalturaCategoryListResponse(objects=[_view(ctx, c) for c in found], totalCount=total)
