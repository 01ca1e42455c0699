"""``system.ping`` and ``system.getTime``: open to every caller, with or without a KS."""

from __future__ import annotations

import time

from keyframe.auth.context import RequestContext
from keyframe.kapi.registry import KsPolicy, api_action


@api_action("system", "ping", ks=KsPolicy.OPTIONAL)
def ping(ctx: RequestContext) -> bool:
    return True


@api_action("system", "getTime", ks=KsPolicy.OPTIONAL)
def get_time(ctx: RequestContext) -> int:
    return int(time.time())
