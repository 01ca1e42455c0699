"""Category listing under enforcement (reference §3.8): ``category.list`` (and the console's pickers) show a
category only if it is in the viewer's privacy context (no context at all when the viewer has none) **and**
it appears in lists for everyone (``appearInList`` PARTNER_ONLY) or the viewer's user or one of the user's
groups is an active member. Deleted categories are hidden by the caller in every case."""

from __future__ import annotations

from sqlalchemy import ColumnElement, exists, func, or_, select

from keyframe.auth.context import RequestContext
from keyframe.categories.models import AppearInListType, Category, CategoryEntry
from keyframe.entitlement.entries import in_viewer_context, member_categories, single_entry_clause
from keyframe.entitlement.hooks import enforced_viewer
from keyframe.entitlement.viewer import Viewer
from keyframe.media.models import MediaEntry


def listable_clause(viewer: Viewer) -> ColumnElement[bool]:
    ways: list[ColumnElement[bool]] = [Category.appear_in_list == AppearInListType.PARTNER_ONLY]
    if viewer.has_user:
        whose_members = func.coalesce(Category.inherited_parent_id, Category.id)
        ways.append(whose_members.in_(member_categories(viewer)))
    return in_viewer_context(Category.id, viewer) & or_(*ways)


def visible_categories_clause(ctx: RequestContext) -> ColumnElement[bool] | None:
    """A condition on ``categories`` rows for ``category.list``/``get``, or None when not enforced."""
    viewer = enforced_viewer(ctx)
    return None if viewer is None else listable_clause(viewer)


def visible_links_clause(ctx: RequestContext) -> ColumnElement[bool] | None:
    """A condition on ``category_entries`` rows for ``categoryEntry.list``, or None when not enforced: a
    link shows only when the viewer may get its entry (§3.6) and list its category (§3.8) — a link would
    otherwise reveal an entry the viewer is not entitled to."""
    viewer = enforced_viewer(ctx)
    if viewer is None:
        return None
    entry_visible = exists(
        select(MediaEntry.id).where(MediaEntry.id == CategoryEntry.entry_id, single_entry_clause(viewer))
    )
    category_visible = CategoryEntry.category_id.in_(
        select(Category.id).where(Category.partner_id == viewer.partner_id, listable_clause(viewer))
    )
    return entry_visible & category_visible
