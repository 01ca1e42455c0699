"""The ``categoryEntry`` service: entries into and out of categories, and moderation of pending ones.

A USER session may link only entries it may change (owner or ``edit:``); the category's contribution
policy and moderation apply to it and to any session under enforced entitlement (§3.2).
"""

from __future__ import annotations

from collections.abc import Mapping

from keyframe.auth.context import RequestContext
from keyframe.auth.roles import BASE_USER_SESSION_PERMISSION, KMC_READ_ONLY
from keyframe.categories import api, entries, members, service
from keyframe.categories.models import Category, CategoryEntry
from keyframe.categories.objects import (
    KalturaCategoryEntry,
    KalturaCategoryEntryFilter,
    KalturaCategoryEntryListResponse,
)
from keyframe.entitlement.categories import visible_links_clause
from keyframe.kapi import errors
from keyframe.kapi.registry import api_action
from keyframe.kapi.types import KalturaFilterPager
from keyframe.media import service as media
from keyframe.media.models import MediaEntry

ASSIGN = ("CONTENT_MANAGE_ASSIGN_CATEGORIES", BASE_USER_SESSION_PERMISSION)
READ = ("CONTENT_MANAGE_BASE", KMC_READ_ONLY, BASE_USER_SESSION_PERMISSION)
MODERATE = ("CONTENT_MODERATE_BASE", "CONTENT_MANAGE_ASSIGN_CATEGORIES", BASE_USER_SESSION_PERMISSION)


def contributor(ctx: RequestContext) -> entries.Contributor:
    ks = ctx.require_ks()
    single = api.caller(ctx).single_context_only
    return entries.Contributor(
        user_id="" if ks.is_anonymous else ks.user_id,
        entitled=not api.privileged(ctx),
        category_limit=(
            entries.MAX_CATEGORIES_PER_ENTRY_UNLIMITED if single else entries.MAX_CATEGORIES_PER_ENTRY
        ),
    )


def to_api(link: CategoryEntry, full_ids: str) -> KalturaCategoryEntry:
    return KalturaCategoryEntry(
        categoryId=link.category_id,
        entryId=link.entry_id,
        createdAt=link.created_at,
        categoryFullIds=full_ids,
        status=link.status,  # type: ignore[arg-type]
        creatorUserId=link.creator_user_id,
    )


def _view(ctx: RequestContext, link: CategoryEntry) -> KalturaCategoryEntry:
    return to_api(link, members.full_ids_of(ctx.db, [link.category_id]).get(link.category_id, ""))


def _entry(ctx: RequestContext, entry_id: str, *, change: bool) -> MediaEntry:
    from keyframe.media.actions import may_change, may_read

    entry = media.get(ctx.db, ctx.require_partner().id, entry_id)
    ks = ctx.require_ks()
    if not may_read(ks, entry):
        raise errors.ENTRY_ID_NOT_FOUND(entry_id[:64])
    if change and not may_change(ks, entry):
        raise errors.PERMISSION_DENIED_TO_UPDATE_ENTRY()
    return entry


def _link(ctx: RequestContext, entry_id: str, category_id: int) -> tuple[Category, CategoryEntry]:
    category = service.get(ctx.db, ctx.require_partner().id, category_id)
    link = entries.find(ctx.db, category.id, entry_id)
    if link is None:
        raise errors.ENTRY_IS_NOT_ASSIGNED_TO_CATEGORY()
    return category, link


@api_action("categoryEntry", "add", permissions=ASSIGN)
def add(ctx: RequestContext, categoryEntry: KalturaCategoryEntry) -> KalturaCategoryEntry:
    if not categoryEntry.entryId:
        raise errors.PROPERTY_VALIDATION_CANNOT_BE_NULL("entryId")
    if categoryEntry.categoryId is None:
        raise errors.PROPERTY_VALIDATION_CANNOT_BE_NULL("categoryId")
    entry = _entry(ctx, categoryEntry.entryId, change=True)
    category = service.get(ctx.db, entry.partner_id, categoryEntry.categoryId)
    return _view(ctx, entries.add(ctx.db, category, entry.id, contributor(ctx)))


@api_action("categoryEntry", "delete", permissions=ASSIGN)
def delete(ctx: RequestContext, entryId: str, categoryId: int) -> None:
    entry = _entry(ctx, entryId, change=False)
    category, link = _link(ctx, entry.id, categoryId)
    ks = ctx.require_ks()
    owns = not ks.is_anonymous and entry.user_id == ks.user_id
    if not entries.may_remove(ctx.db, category, contributor(ctx), owns_entry=owns):
        raise errors.CANNOT_REMOVE_ENTRY_FROM_CATEGORY()
    entries.remove(ctx.db, category, link)


@api_action("categoryEntry", "activate", permissions=MODERATE)
def activate(ctx: RequestContext, entryId: str, categoryId: int) -> None:
    category, link = _link(ctx, entryId, categoryId)
    if not entries.may_moderate(ctx.db, category, contributor(ctx)):
        raise errors.CANNOT_ACTIVATE_CATEGORY_ENTRY()
    entries.activate(ctx.db, category, link)


@api_action("categoryEntry", "reject", permissions=MODERATE)
def reject(ctx: RequestContext, entryId: str, categoryId: int) -> None:
    category, link = _link(ctx, entryId, categoryId)
    if not entries.may_moderate(ctx.db, category, contributor(ctx)):
        raise errors.CANNOT_REJECT_CATEGORY_ENTRY()
    entries.reject(ctx.db, category, link)


@api_action("categoryEntry", "list", permissions=READ)
def list_links(
    ctx: RequestContext,
    filter: KalturaCategoryEntryFilter | None = None,
    pager: KalturaFilterPager | None = None,
) -> KalturaCategoryEntryListResponse:
    partner = ctx.require_partner()
    f = filter or KalturaCategoryEntryFilter()
    q = entries.LinkQuery()
    q.entry_ids = [f.entryIdEqual] if f.entryIdEqual else api.csv(f.entryIdIn)
    q.category_ids = [f.categoryIdEqual] if f.categoryIdEqual is not None else api.ints(f.categoryIdIn)
    if q.entry_ids is None and q.category_ids is None and not f.categoryFullIdsStartsWith:
        raise errors.MUST_FILTER_ON_ENTRY_OR_CATEGORY()
    q.statuses = [int(f.statusEqual)] if f.statusEqual is not None else api.ints(f.statusIn)
    q.full_ids_starts = f.categoryFullIdsStartsWith
    q.creator_user_id = f.creatorUserIdEqual
    q.order = f.orderBy
    q.visible = visible_links_clause(ctx)
    limit, offset = (pager or KalturaFilterPager()).limit_offset()
    links, total = entries.search(ctx.db, partner.id, q, limit, offset)
    paths = members.full_ids_of(ctx.db, sorted({link.category_id for link in links}))
    return KalturaCategoryEntryListResponse(
        objects=[to_api(link, paths.get(link.category_id, "")) for link in links], totalCount=total
    )


# --- entry.categoriesIds / entry.categories on media add/update ---------------------------------


def apply_entry_categories(
    ctx: RequestContext, entry: MediaEntry, obj_given: Mapping[str, str | None]
) -> None:
    """Make the entry's categories those named by ``categoriesIds`` (ids) or ``categories`` (full names),
    through the same rules as categoryEntry.add/delete. Absent keys: no change; empty: no categories.

    Missing categories named in ``categories`` are created along their path, by category.add's rules, for a
    session that may call category.add. Upstream creates them for any session; Keyframe does not let the
    entry fields open a way around category.add's permission, so others get CATEGORY_NOT_FOUND."""
    partner_id = entry.partner_id
    who = contributor(ctx)
    wanted: list[int] | None = None
    if "categoriesIds" in obj_given:
        wanted = media.parse_category_ids(obj_given["categoriesIds"] or "")
    elif "categories" in obj_given:
        names = api.csv(obj_given["categories"]) or []
        if len(names) > who.category_limit:  # before creating anything
            raise errors.PROPERTY_VALIDATION_MAX_LENGTH("categories", who.category_limit)
        creator = api.caller(ctx) if ctx.has_permission(api.EDIT_CATEGORIES) else None
        wanted = []
        for name in names:
            found = service.by_path(ctx.db, partner_id, name, creator)
            if found.id not in wanted:  # two spellings of one path ("A>B", "A > B") link once
                wanted.append(found.id)
    if wanted is None:
        return
    current = entries.linked_ids(ctx.db, entry.id)
    ks = ctx.require_ks()
    owns = not ks.is_anonymous and entry.user_id == ks.user_id
    for category_id in current:
        if category_id not in wanted:
            category = service.get(ctx.db, partner_id, category_id)
            link = entries.find(ctx.db, category_id, entry.id)
            if link is None:
                continue
            if not entries.may_remove(ctx.db, category, who, owns_entry=owns):
                raise errors.CANNOT_REMOVE_ENTRY_FROM_CATEGORY()
            entries.remove(ctx.db, category, link)
    for category_id in wanted:
        if category_id not in current:
            entries.add(ctx.db, service.get(ctx.db, partner_id, category_id), entry.id, who)
