"""Helpers shared by the category services' actions: who calls, id lists, scheduling propagation."""

from __future__ import annotations

from keyframe.auth.context import RequestContext
from keyframe.categories.service import Caller
from keyframe.entitlement.enforcement import enforcement_enabled
from keyframe.jobs import service as jobs
from keyframe.roles.service import features

PROPAGATE_CONTEXTS = "categories.propagate_contexts"
EDIT_CATEGORIES = "CONTENT_MANAGE_EDIT_CATEGORIES"  # category.add/update/delete/move
CATEGORY_USERS = "CONTENT_MANAGE_CATEGORY_USERS"  # entitlement settings (a FEATURE_ENTITLEMENT permission)
FEATURE_DISABLE_CATEGORY_LIMIT = "FEATURE_DISABLE_CATEGORY_LIMIT"


def caller(ctx: RequestContext) -> Caller:
    ks = ctx.require_ks()
    partner = ctx.require_partner()
    return Caller(
        user_id="" if ks.is_anonymous else ks.user_id,
        enforced=enforcement_enabled(ctx),
        single_context_only=FEATURE_DISABLE_CATEGORY_LIMIT in features(ctx.db, partner.id),
    )


def privileged(ctx: RequestContext) -> bool:
    """An ADMIN session without enforced entitlement: category rules (membership, join policy,
    contribution, moderation) do not apply to it, as upstream's KMC sessions."""
    return ctx.require_ks().is_admin and not enforcement_enabled(ctx)


def csv(text: str | None) -> list[str] | None:
    if text is None:
        return None
    return [part.strip() for part in text.split(",") if part.strip()]


def ints(text: str | None) -> list[int] | None:
    items = csv(text)
    if items is None:
        return None
    return [int(i) for i in items if i.lstrip("-").isdigit() and len(i) < 12]


def schedule_propagation(ctx: RequestContext, category_ids: list[int]) -> None:
    """The labels of these categories' subtrees changed: refresh them in the background (after commit)."""
    partner = ctx.require_partner()
    for category_id in category_ids:
        jobs.schedule(ctx, PROPAGATE_CONTEXTS, str(category_id), partner_id=partner.id)
