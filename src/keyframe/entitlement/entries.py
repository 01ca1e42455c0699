"""Which entries a viewer is entitled to, as SQL that runs inside the database (reference §3.6, §3.7).

An entry is entitled when ANY of these holds:

* ``disableentitlementforentry`` names it;
* the viewer's user owns it, or is one of its ``entitledUsersEdit/Publish/View``;
* it has no live (ACTIVE) category link — it is "public". For a **list** this only counts when the viewer has
  no privacy context: upstream indexes such an entry under ``DEFAULTPC`` alone, so an application's list
  (``privacycontext:X``) does not return it, while ``get`` does (step 8 of §3.6);
* one of its ACTIVE or PENDING links is to a category that is in the viewer's context (its ancestors-or-self
  carry the label; no context at all when the viewer has none) **and** whose privacy admits the viewer:
  ALL; AUTHENTICATED_USERS with a user; or the user or one of the user's groups is an active member (any
  level but NONE) of the category whose members apply (``inherited_parent_id``, self when MANUAL).

"Least restrictive category per context wins" (the KB) is the same thing: one admitting category suffices.

The list rule comes in two equivalent shapes, because no single SQL shape is fast for both a page and a
count (measured in docs/performance.md, "Entitlement"):

* **set** (``entitled_clause``): ``entry.id IN (<union of id sources>)``, the visible categories' links read
  from the covering index ``(category_id, status, entry_id)``. Its cost is proportional to the number of
  entries the viewer may see; it is the shape for a count and a page when that number is small.
* **per entry** (``per_entry_clause``): an OR of correlated sub-queries probing the entry's own links
  (index ``(entry_id, status, category_id)``) against the viewer's visible categories, computed once per
  statement (a CTE the probes read as a hashed sub-plan). It lets PostgreSQL and SQLite walk the newest-first
  index and stop after a page of hits, so it is the shape for a page when the viewer sees many entries.
  Each probe ends in ``OFFSET 0``: without it PostgreSQL turns the EXISTS back into a hashed "id IN (all
  visible links)" and materializes every visible id, which is the set shape again. Without ``OFFSET 0``
  (``walk=False``) that hashing is what a count over many entries wants: one pass over the visible links,
  one over the entries.

``list_count_clause`` picks a shape for a count from ``sees_many`` (a capped estimate), ``list_page_clause``
one for a page from the exact total the count has just returned.

A third shape serves the commonest count, a list filtered by entry state alone (a portal's "all media"):
``entitled_distinct_ids`` reads the visible categories' links, which carry their entry's status and moderation
status, without touching ``media_entries`` for them — one index-only pass over the links the viewer may see.
``ListRule`` bundles the three for the media service.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, exists, func, literal, or_, select, union, union_all
from sqlalchemy.orm import Session, aliased

from keyframe.categories.models import (
    Category,
    CategoryAncestor,
    CategoryContext,
    CategoryEntryStatus,
    CategoryStatus,
    CategoryUser,
    CategoryUserStatus,
    PermissionLevel,
    PrivacyType,
)
from keyframe.categories.models import CategoryEntry as Link
from keyframe.entitlement.models import EntryEntitledUser
from keyframe.entitlement.viewer import Viewer
from keyframe.media.models import MediaEntry

LIVE_CATEGORY = (CategoryStatus.UPDATING, CategoryStatus.ACTIVE)
CANDIDATE_LINK = (CategoryEntryStatus.PENDING, CategoryEntryStatus.ACTIVE)


def in_viewer_context(category_id: Any, viewer: Viewer) -> ColumnElement[bool]:
    """The category's effective contexts (own labels of its ancestors-or-self) hold the viewer's context;
    for a viewer without one, the category has no context at all (``DEFAULTPC``)."""
    labelled = (
        select(literal(1))
        .select_from(CategoryAncestor)
        .join(CategoryContext, CategoryContext.category_id == CategoryAncestor.ancestor_id)
        .where(CategoryAncestor.category_id == category_id)
    )
    if viewer.context is None:
        return ~exists(labelled)
    return exists(labelled.where(CategoryContext.context == viewer.context))


def member_categories(viewer: Viewer) -> Select[Any]:
    """Ids of the categories whose members include the viewer's user or one of the user's groups."""
    return select(CategoryUser.category_id).where(
        CategoryUser.partner_id == viewer.partner_id,
        CategoryUser.user_id.in_(sorted(viewer.principals)),
        CategoryUser.status == CategoryUserStatus.ACTIVE,
        CategoryUser.permission_level != PermissionLevel.NONE,
    )


def admits(category: type[Category] | Category, viewer: Viewer) -> ColumnElement[bool]:
    """The category's privacy lets the viewer see its content."""
    ways: list[Any] = [category.privacy == PrivacyType.ALL]
    if viewer.has_user:
        ways.append(category.privacy == PrivacyType.AUTHENTICATED_USERS)
        # Members of an INHERIT category are those of its nearest MANUAL ancestor.
        whose_members = func.coalesce(category.inherited_parent_id, category.id)
        ways.append(whose_members.in_(member_categories(viewer)))
    return or_(*ways)


def visible_categories(viewer: Viewer) -> Select[Any]:
    """Ids of the partner's live categories whose entries the viewer is entitled to."""
    return select(Category.id).where(
        Category.partner_id == viewer.partner_id,
        Category.status.in_(LIVE_CATEGORY),
        in_viewer_context(Category.id, viewer),
        admits(Category, viewer),
    )


def has_live_link(entry_id: Any) -> ColumnElement[bool]:
    """The entry has an ACTIVE link to a category that is not deleted."""
    link, category = aliased(Link), aliased(Category)
    return exists(
        select(literal(1))
        .select_from(link)
        .join(category, category.id == link.category_id)
        .where(
            link.entry_id == entry_id,
            link.status == CategoryEntryStatus.ACTIVE,
            category.status.in_(LIVE_CATEGORY),
        )
    )


def entitled_entry_ids(viewer: Viewer, *, listing: bool) -> Select[Any]:
    """Every id the viewer is entitled to (possibly repeated): the union of the rule's sources."""
    pid = viewer.partner_id
    visible = visible_categories(viewer)
    # No partner condition on the links: the visible categories are the partner's, and leaving it out
    # lets PostgreSQL read (category_id, status, entry_id) from the index alone.
    sources: list[Select[Any]] = [
        select(Link.entry_id).where(Link.category_id.in_(visible), Link.status == CategoryEntryStatus.ACTIVE),
        # A PENDING link is a candidate only for an entry that also has a live ACTIVE one; without
        # that the entry is "public", which a list shows only to a viewer without a context.
        select(Link.entry_id).where(
            Link.category_id.in_(visible),
            Link.status == CategoryEntryStatus.PENDING,
            has_live_link(Link.entry_id),
        ),
    ]
    if viewer.has_user:
        sources.append(
            select(MediaEntry.id).where(MediaEntry.partner_id == pid, MediaEntry.user_id == viewer.user_id)
        )
        sources.append(
            select(EntryEntitledUser.entry_id).where(
                EntryEntitledUser.partner_id == pid, EntryEntitledUser.user_id == viewer.user_id
            )
        )
    if viewer.open_entries:
        sources.append(
            select(MediaEntry.id).where(
                MediaEntry.partner_id == pid, MediaEntry.id.in_(sorted(viewer.open_entries))
            )
        )
    if not listing or viewer.context is None:
        public = aliased(MediaEntry)
        sources.append(select(public.id).where(public.partner_id == pid, ~has_live_link(public.id)))
    return union_all(*sources)  # type: ignore[return-value]


def entitled_clause(viewer: Viewer, *, listing: bool = True) -> ColumnElement[bool]:
    """A condition on ``media_entries`` rows, in the **set** shape: the viewer is entitled to the entry."""
    if viewer.all_entries_open:
        return MediaEntry.id.is_not(None)
    return MediaEntry.id.in_(entitled_entry_ids(viewer, listing=listing))


def per_entry_clause(viewer: Viewer, *, listing: bool = True, walk: bool = True) -> ColumnElement[bool]:
    """The same condition in the **per entry** shape: each candidate entry probes its own links.

    ``walk``: for a page, each probe is kept correlated (``OFFSET 0``, see the module's note) so that the
    newest-first walk stops after a page of hits. Without it (a count over many entries) PostgreSQL may
    hash the visible links once and test every entry against the hash instead."""
    if viewer.all_entries_open:
        return MediaEntry.id.is_not(None)

    def probe(*conditions: ColumnElement[bool]) -> ColumnElement[bool]:
        found = select(literal(1)).where(*conditions)
        return exists(found.offset(0) if walk else found)

    e = MediaEntry
    visible = visible_categories(viewer).cte("entitled_categories")
    in_visible = Link.category_id.in_(select(visible.c.id))
    ways: list[ColumnElement[bool]] = [
        probe(
            Link.entry_id == e.id,
            Link.status.in_(CANDIDATE_LINK),
            # Two ORed tests, so that neither is pulled up into a join: each stays a hashed sub-plan
            # over the CTE, built once per statement.
            or_(
                and_(Link.status == CategoryEntryStatus.ACTIVE, in_visible),
                and_(Link.status == CategoryEntryStatus.PENDING, in_visible, has_live_link(Link.entry_id)),
            ),
        )
    ]
    if viewer.has_user:
        ways.append(e.user_id == viewer.user_id)
        if walk:
            ways.append(
                probe(EntryEntitledUser.entry_id == e.id, EntryEntitledUser.user_id == viewer.user_id)
            )
        else:
            # The user's entitled entries, read once into a hash rather than probed for every entry.
            ways.append(
                e.id.in_(
                    select(EntryEntitledUser.entry_id).where(
                        EntryEntitledUser.partner_id == viewer.partner_id,
                        EntryEntitledUser.user_id == viewer.user_id,
                    )
                )
            )
    if viewer.open_entries:
        ways.append(e.id.in_(sorted(viewer.open_entries)))
    if not listing or viewer.context is None:
        ways.append(~has_live_link(e.id))
    return or_(*ways)


# A viewer "sees many" entries when the visible categories hold at least MANY active links.
MANY = 10_000
# A page walks the newest-first index in the per-entry shape only when the viewer sees enough entries
# for a page of hits to come early: at least MANY, and (offset + limit) × WALK_SPREAD of them.
WALK_SPREAD = 50


def sees_many(db: Session, viewer: Viewer) -> bool:
    """Whether the viewer's visible categories hold at least ``MANY`` active links: a cheap estimate
    (it reads at most ``MANY`` index entries) of which count shape is faster. It only picks a shape;
    both shapes return the same rows, so a stale answer costs time, never correctness."""
    if viewer.all_entries_open:
        return True
    links = (
        select(literal(1))
        .select_from(Link)
        .where(Link.category_id.in_(visible_categories(viewer)), Link.status == CategoryEntryStatus.ACTIVE)
        .limit(MANY)
        .subquery()
    )
    return (db.scalar(select(func.count()).select_from(links)) or 0) >= MANY


def list_count_clause(viewer: Viewer, many: bool) -> ColumnElement[bool]:
    """The list rule for a count: the set shape reads the few entitled entries; for many, every entry of
    the list is tested against a hash of the visible links (one pass over each, instead of a lookup per
    visible entry)."""
    return per_entry_clause(viewer, walk=False) if many else entitled_clause(viewer)


def list_page_clause(viewer: Viewer, total: int, offset: int, limit: int) -> ColumnElement[bool]:
    """The list rule for one page, given the exact number of entries the same list counts (``total``).

    With few entitled entries the set shape reads them all (cheap); with many, the per-entry shape finds
    a page's worth among the newest entries and stops. Both shapes select the same rows."""
    return per_entry_clause(viewer) if walks(total, offset, limit) else entitled_clause(viewer)


def walks(total: int, offset: int, limit: int) -> bool:
    """Whether ``list_page_clause`` uses the per-entry shape for this page."""
    return total >= MANY and (offset + limit) * WALK_SPREAD <= total


# (status column, moderation status column) → the list's conditions on an entry's state.
StateFilter = Callable[[Any, Any], list[ColumnElement[bool]]]


def entitled_distinct_ids(viewer: Viewer, states: StateFilter) -> Select[Any] | None:
    """The ids of the entries the viewer may list and whose state passes ``states``, each once: for a count
    of a list filtered by state alone. None when the rule cannot be read from links and the viewer's own
    entries: every entry is open, or a viewer without a context also lists "public" entries, which have no
    link to read."""
    if viewer.all_entries_open or viewer.context is None:
        return None
    pid, e = viewer.partner_id, MediaEntry
    visible = visible_categories(viewer).cte("entitled_categories")
    in_visible = Link.category_id.in_(select(visible.c.id))
    link_states = states(Link.entry_status, Link.entry_moderation_status)
    entry_states = states(e.status, e.moderation_status)
    sources: list[Select[Any]] = [
        select(Link.entry_id).where(in_visible, Link.status == CategoryEntryStatus.ACTIVE, *link_states),
        select(Link.entry_id).where(
            in_visible,
            Link.status == CategoryEntryStatus.PENDING,
            has_live_link(Link.entry_id),
            *link_states,
        ),
    ]
    if viewer.has_user:
        sources.append(select(e.id).where(e.partner_id == pid, e.user_id == viewer.user_id, *entry_states))
        sources.append(
            select(e.id)
            .join(EntryEntitledUser, EntryEntitledUser.entry_id == e.id)
            .where(
                EntryEntitledUser.partner_id == pid,
                EntryEntitledUser.user_id == viewer.user_id,
                *entry_states,
            )
        )
    if viewer.open_entries:
        sources.append(
            select(e.id).where(e.partner_id == pid, e.id.in_(sorted(viewer.open_entries)), *entry_states)
        )
    return union(*sources)  # type: ignore[return-value]


@dataclass(frozen=True)
class ListRule:
    """The list rule (§3.7) for one viewer, in the SQL shape each query of a list wants. Every shape selects
    the same entries; ``many`` (``sees_many``) only picks the faster one."""

    viewer: Viewer
    many: bool

    def count_clause(self) -> ColumnElement[bool]:
        return list_count_clause(self.viewer, self.many)

    def page_clause(self, total: int, offset: int, limit: int) -> ColumnElement[bool]:
        return list_page_clause(self.viewer, total, offset, limit)

    def distinct_ids(self, states: StateFilter) -> Select[Any] | None:
        return entitled_distinct_ids(self.viewer, states)


def single_entry_clause(viewer: Viewer) -> ColumnElement[bool]:
    """The same rule for a few named entries (get, getByIds, download): evaluated per entry from its own
    links, so it never computes the partner-wide sets a list needs."""
    if viewer.all_entries_open:
        return MediaEntry.id.is_not(None)
    e = MediaEntry
    category = aliased(Category)
    ways: list[ColumnElement[bool]] = [
        ~has_live_link(e.id),
        exists(
            select(literal(1))
            .select_from(Link)
            .join(category, category.id == Link.category_id)
            .where(
                Link.entry_id == e.id,
                Link.status.in_(CANDIDATE_LINK),
                category.status.in_(LIVE_CATEGORY),
                in_viewer_context(category.id, viewer),
                admits(category, viewer),
            )
        ),
    ]
    if viewer.has_user:
        ways.append(e.user_id == viewer.user_id)
        ways.append(
            exists(
                select(literal(1)).where(
                    EntryEntitledUser.entry_id == e.id, EntryEntitledUser.user_id == viewer.user_id
                )
            )
        )
    if viewer.open_entries:
        ways.append(e.id.in_(sorted(viewer.open_entries)))
    return or_(*ways)


def entitled_ids(db: Session, viewer: Viewer, entry_ids: Sequence[str]) -> set[str]:
    """Which of these entries the viewer may get (the single-entry rule, §3.6)."""
    if not entry_ids:
        return set()
    stmt = select(MediaEntry.id).where(
        MediaEntry.partner_id == viewer.partner_id,
        MediaEntry.id.in_(sorted(set(entry_ids))),
        single_entry_clause(viewer),
    )
    return set(db.scalars(stmt))
