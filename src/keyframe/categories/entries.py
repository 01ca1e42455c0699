"""Entries in categories (``categoryEntry`` and ``entry.categoriesIds``): contribution policy, moderation
and the entry counters. A link is ACTIVE, or PENDING while a moderated category waits for approval."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from keyframe.categories import members, tree
from keyframe.categories.models import (
    Category,
    CategoryAncestor,
    CategoryEntry,
    CategoryEntryStatus,
    CategoryStatus,
    ContributionPolicy,
    PermissionLevel,
)
from keyframe.kapi import errors
from keyframe.media.models import MediaEntry
from keyframe.sqlfilters import starts_with

# Upstream's default limit of categories per entry, and the one with FEATURE_DISABLE_CATEGORY_LIMIT.
MAX_CATEGORIES_PER_ENTRY = 32
MAX_CATEGORIES_PER_ENTRY_UNLIMITED = 1000
LIVE_STATUSES = (CategoryStatus.UPDATING, CategoryStatus.ACTIVE)


@dataclass(frozen=True)
class Contributor:
    """Who links an entry: ``entitled`` when category rules apply to the session (entitlement enforced or
    a USER session); an unentitled admin session links anywhere, directly ACTIVE."""

    user_id: str
    entitled: bool
    category_limit: int = MAX_CATEGORIES_PER_ENTRY


def find(db: Session, category_id: int, entry_id: str) -> CategoryEntry | None:
    return db.get(CategoryEntry, (category_id, entry_id))


def _level(db: Session, category: Category, user_id: str) -> int | None:
    return members.level_of(db, category, user_id)


def add(db: Session, category: Category, entry_id: str, who: Contributor) -> CategoryEntry:
    # Locks: the entry first (a change of its state rewrites its links; a caller updating the entry holds
    # it already), then the tree (tree.lock_tree), under which the category cannot be deleted meanwhile.
    entry_state = db.execute(
        select(MediaEntry.status, MediaEntry.moderation_status)
        .where(MediaEntry.id == entry_id)
        .with_for_update()
    ).one()
    tree.lock_tree(db, category.partner_id)
    if db.scalar(select(Category.status).where(Category.id == category.id)) not in LIVE_STATUSES:
        raise errors.CATEGORY_NOT_FOUND(category.id)
    if find(db, category.id, entry_id) is not None:
        raise errors.CATEGORY_ENTRY_ALREADY_EXISTS()
    linked = db.scalar(
        select(func.count()).select_from(CategoryEntry).where(CategoryEntry.entry_id == entry_id)
    )
    if (linked or 0) >= who.category_limit:
        raise errors.PROPERTY_VALIDATION_MAX_LENGTH("categoriesIds", who.category_limit)
    status = CategoryEntryStatus.ACTIVE
    if who.entitled:
        level = _level(db, category, who.user_id)
        if category.contribution_policy == ContributionPolicy.MEMBERS_WITH_CONTRIBUTION_PERMISSION and (
            level is None or level > PermissionLevel.CONTRIBUTOR
        ):
            raise errors.CANNOT_ASSIGN_ENTRY_TO_CATEGORY()
        if category.moderation and (level is None or level > PermissionLevel.MODERATOR):
            status = CategoryEntryStatus.PENDING
    link = CategoryEntry(
        partner_id=category.partner_id,
        category_id=category.id,
        entry_id=entry_id,
        status=status,
        creator_user_id=who.user_id,
        entry_status=entry_state.status,
        entry_moderation_status=entry_state.moderation_status,
    )
    if status == CategoryEntryStatus.ACTIVE:
        tree.shift_entries_count(db, category.id, entry_id, +1)
    db.add(link)
    db.flush()
    if status == CategoryEntryStatus.PENDING:
        tree.recount_pending_entries(db, category.id)
    return link


def remove(db: Session, category: Category, link: CategoryEntry) -> None:
    tree.lock_tree(db, category.partner_id)
    was_active = link.status == CategoryEntryStatus.ACTIVE
    entry_id = link.entry_id
    db.delete(link)
    db.flush()
    if was_active:
        tree.shift_entries_count(db, category.id, entry_id, -1)
    else:
        tree.recount_pending_entries(db, category.id)


def may_remove(db: Session, category: Category, who: Contributor, *, owns_entry: bool) -> bool:
    """The entry's owner may remove it from any category; otherwise a contributor (or higher) may."""
    if not who.entitled or owns_entry:
        return True
    level = _level(db, category, who.user_id)
    return level is not None and level <= PermissionLevel.CONTRIBUTOR


def may_moderate(db: Session, category: Category, who: Contributor) -> bool:
    if not who.entitled:
        return True
    level = _level(db, category, who.user_id)
    return level is not None and level <= PermissionLevel.MODERATOR


def activate(db: Session, category: Category, link: CategoryEntry) -> None:
    if link.status != CategoryEntryStatus.PENDING:
        raise errors.CANNOT_ACTIVATE_CATEGORY_ENTRY_SINCE_IT_IS_NOT_PENDING()
    tree.lock_tree(db, category.partner_id)
    tree.shift_entries_count(db, category.id, link.entry_id, +1)
    link.status = CategoryEntryStatus.ACTIVE
    db.flush()
    tree.recount_pending_entries(db, category.id)


def reject(db: Session, category: Category, link: CategoryEntry) -> None:
    if link.status != CategoryEntryStatus.PENDING:
        raise errors.CANNOT_REJECT_CATEGORY_ENTRY_SINCE_IT_IS_NOT_PENDING()
    remove(db, category, link)


def active_categories(db: Session, entry_ids: Sequence[str]) -> dict[str, list[tuple[int, str]]]:
    """Each entry's ACTIVE categories as (id, full name), in link order: for ``categoriesIds``."""
    result: dict[str, list[tuple[int, str]]] = {i: [] for i in entry_ids}
    if not entry_ids:
        return result
    rows = db.execute(
        select(CategoryEntry.entry_id, Category.id, Category.full_name)
        .join(Category, Category.id == CategoryEntry.category_id)
        .where(
            CategoryEntry.entry_id.in_(list(entry_ids)), CategoryEntry.status == CategoryEntryStatus.ACTIVE
        )
        .order_by(CategoryEntry.created_at, Category.id)
    )
    for entry_id, category_id, full_name in rows:
        result[entry_id].append((category_id, full_name))
    return result


def linked_ids(db: Session, entry_id: str) -> list[int]:
    """Every category the entry is linked to (ACTIVE or PENDING)."""
    return list(db.scalars(select(CategoryEntry.category_id).where(CategoryEntry.entry_id == entry_id)))


# --- conditions for the entry list ---------------------------------------------------------------


def in_category(entry_id: Any, category_id: int) -> ColumnElement[bool]:
    """The entry has an ACTIVE link to the category."""
    return (
        select(CategoryEntry.entry_id)
        .where(
            CategoryEntry.entry_id == entry_id,
            CategoryEntry.category_id == category_id,
            CategoryEntry.status == CategoryEntryStatus.ACTIVE,
        )
        .exists()
    )


def in_any_category(entry_id: Any) -> ColumnElement[bool]:
    return (
        select(CategoryEntry.entry_id)
        .where(CategoryEntry.entry_id == entry_id, CategoryEntry.status == CategoryEntryStatus.ACTIVE)
        .exists()
    )


def under_any(entry_id: Any, ancestor_ids: Sequence[int]) -> ColumnElement[bool]:
    """The entry has an ACTIVE link to one of these categories or their descendants (via the closure)."""
    return (
        select(CategoryEntry.entry_id)
        .join(CategoryAncestor, CategoryAncestor.category_id == CategoryEntry.category_id)
        .where(
            CategoryEntry.entry_id == entry_id,
            CategoryEntry.status == CategoryEntryStatus.ACTIVE,
            CategoryAncestor.ancestor_id.in_(list(ancestor_ids)),
        )
        .exists()
    )


# --- list ----------------------------------------------------------------------------------------


@dataclass
class LinkQuery:
    entry_ids: Sequence[str] | None = None
    category_ids: Sequence[int] | None = None
    statuses: Sequence[int] | None = None
    full_ids_starts: str | None = None
    creator_user_id: str | None = None
    order: str | None = None
    visible: ColumnElement[bool] | None = None  # entitlement's condition on the links, when enforced


def search(
    db: Session, partner_id: int, q: LinkQuery, limit: int, offset: int
) -> tuple[list[CategoryEntry], int]:
    c: list[ColumnElement[bool]] = [CategoryEntry.partner_id == partner_id]
    if q.entry_ids is not None:
        c.append(CategoryEntry.entry_id.in_(list(q.entry_ids)))
    if q.category_ids is not None:
        c.append(CategoryEntry.category_id.in_(list(q.category_ids)))
    if q.statuses is not None:
        c.append(CategoryEntry.status.in_(list(q.statuses)))
    if q.creator_user_id is not None:
        c.append(CategoryEntry.creator_user_id == q.creator_user_id)
    if q.full_ids_starts:
        c.append(
            CategoryEntry.category_id.in_(
                select(Category.id).where(
                    Category.partner_id == partner_id,
                    starts_with(Category.full_ids, q.full_ids_starts, ignore_case=False),
                )
            )
        )
    if q.visible is not None:
        c.append(q.visible)
    total = db.scalar(select(func.count()).select_from(CategoryEntry).where(*c)) or 0
    if offset >= total:
        return [], total
    descending = (q.order or "").startswith("-")
    column = CategoryEntry.created_at
    stmt = (
        select(CategoryEntry)
        .where(*c)
        .order_by(
            column.desc() if descending else column.asc(), CategoryEntry.category_id, CategoryEntry.entry_id
        )
        .limit(limit)
        .offset(offset)
    )
    return list(db.scalars(stmt)), total
