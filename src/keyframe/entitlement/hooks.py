"""What the media and category services call: one small function per place that reads entries or
categories. Each returns "no restriction" when entitlement is not enforced for the request (§3.5)."""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import TypeVar

from sqlalchemy.orm import Session

from keyframe.auth.context import RequestContext
from keyframe.entitlement import entries
from keyframe.entitlement.enforcement import enforcement_enabled
from keyframe.entitlement.viewer import Viewer, viewer_for
from keyframe.media.models import MediaEntry

_Entry = TypeVar("_Entry", bound=MediaEntry)


def enforced_viewer(ctx: RequestContext) -> Viewer | None:
    """The viewer whose entitlement limits this request, or None when it is not enforced."""
    if ctx.ks is None or ctx.partner is None or not enforcement_enabled(ctx):
        return None
    return viewer_for(ctx.db, ctx.partner.id, ctx.ks)


def _list_viewer(ctx: RequestContext) -> Viewer | None:
    """The viewer the list rule (§3.7) limits, or None when nothing is filtered.

    A USER session without ``list:*`` already lists only the entries it owns, and an owner is always
    entitled, so the rule applies to admin sessions and to ``list:*`` ones."""
    ks = ctx.ks
    if ks is None or not (ks.is_admin or ks.privileges.allows("list", "*")):
        return None
    return enforced_viewer(ctx)


def entry_list_rule(ctx: RequestContext) -> entries.ListRule | None:
    """The list rule for media.list / baseEntry.list / count, or None when nothing is filtered."""
    viewer = _list_viewer(ctx)
    if viewer is None:
        return None
    return entries.ListRule(viewer, _sees_many(ctx.db, viewer))


# Which count shape suits a viewer changes slowly (with the categories they may see), and a stale answer
# only costs time, so it is remembered for a while instead of estimated on every list call.
_SHAPE_TTL = 60.0
_SHAPE_CACHE_SIZE = 4096
_shape_cache: dict[Viewer, tuple[float, bool]] = {}


def _sees_many(db: Session, viewer: Viewer) -> bool:
    now = time.monotonic()
    known = _shape_cache.get(viewer)
    if known is not None and now - known[0] < _SHAPE_TTL:
        return known[1]
    many = entries.sees_many(db, viewer)
    if len(_shape_cache) >= _SHAPE_CACHE_SIZE:
        _shape_cache.clear()
    _shape_cache[viewer] = (now, many)
    return many


def may_get(ctx: RequestContext, entry: MediaEntry) -> bool:
    """The single-entry rule (§3.6) for get, update, delete and download."""
    return bool(entitled(ctx, [entry]))


def entitled(ctx: RequestContext, found: Sequence[_Entry]) -> list[_Entry]:
    """Those of ``found`` the caller is entitled to, in order (getByIds)."""
    viewer = enforced_viewer(ctx)
    if viewer is None or not found:
        return list(found)
    allowed = entries.entitled_ids(ctx.db, viewer, [e.id for e in found])
    return [e for e in found if e.id in allowed]
