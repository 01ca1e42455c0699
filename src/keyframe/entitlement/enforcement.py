"""Is entitlement enforced for this request? (youtube-entitlement-roles.md §3.5)

1. The partner lacks the ``FEATURE_ENTITLEMENT`` feature → not enforced.
2. Start from the partner's ``defaultEntitlementEnforcement`` (False when never set).
3. The KS has ``disableentitlement`` → off; then ``enableentitlement`` → on (enable wins).
"""

from __future__ import annotations

from keyframe.auth.context import RequestContext
from keyframe.roles.service import features

FEATURE_ENTITLEMENT = "FEATURE_ENTITLEMENT"


def enforcement_enabled(ctx: RequestContext) -> bool:
    partner = ctx.partner
    # The partner operated on, not the KS's (a parent may act on a child partner).
    if partner is None or FEATURE_ENTITLEMENT not in features(ctx.db, partner.id):
        return False
    enforced = bool(partner.default_entitlement_enforcement)
    ks = ctx.ks
    if ks is not None:
        if ks.privileges.has("disableentitlement"):
            enforced = False
        if ks.privileges.has("enableentitlement"):
            enforced = True
    return enforced
