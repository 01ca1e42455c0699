"""The ``audittrail`` service (a Keyframe extension): a partner's own audit events."""

from __future__ import annotations

from keyframe.audit import service
from keyframe.audit.models import AuditEvent
from keyframe.audit.objects import (
    KalturaAuditTrail,
    KalturaAuditTrailFilter,
    KalturaAuditTrailListResponse,
)
from keyframe.auth.context import RequestContext
from keyframe.auth.roles import ADMIN_PUBLISHER_MANAGE, AUDIT_TRAIL_BASE
from keyframe.kapi import errors
from keyframe.kapi.registry import api_action
from keyframe.kapi.types import KalturaFilterPager

_ORDER = {"-createdAt": True, "+createdAt": False}


def to_api(event: AuditEvent) -> KalturaAuditTrail:
    return KalturaAuditTrail(
        id=event.id,
        createdAt=event.created_at,
        partnerId=event.partner_id,
        action=event.action,
        auditObjectType=event.object_type,
        objectId=event.object_id,
        userId=event.user_id,
        ksId=event.ks_id,
        clientIp=event.client_ip,
        data=event.data,
    )


def _query(f: KalturaAuditTrailFilter) -> service.AuditQuery:
    order = f.orderBy or "-createdAt"
    if order not in _ORDER:
        raise errors.INVALID_ENUM_VALUE(order[:64], "orderBy", "KalturaAuditTrailOrderBy")
    actions = None
    if f.actionIn is not None:
        actions = [a.strip() for a in f.actionIn.split(",") if a.strip()] or None
    return service.AuditQuery(
        action=f.actionEqual,
        actions=actions,
        object_type=f.auditObjectTypeEqual,
        object_id=f.objectIdEqual,
        user_id=f.userIdEqual,
        created_from=f.createdAtGreaterThanOrEqual,
        created_to=f.createdAtLessThanOrEqual,
        newest_first=_ORDER[order],
    )


@api_action("audittrail", "list", permissions=(AUDIT_TRAIL_BASE, ADMIN_PUBLISHER_MANAGE))
def list_(
    ctx: RequestContext,
    filter: KalturaAuditTrailFilter | None = None,
    pager: KalturaFilterPager | None = None,
) -> KalturaAuditTrailListResponse:
    """The calling partner's audit events, newest first unless ``orderBy`` is ``+createdAt``."""
    partner = ctx.require_partner()
    query = _query(filter or KalturaAuditTrailFilter())
    limit, offset = (pager or KalturaFilterPager()).limit_offset()
    events, total = service.list_events(ctx.db, partner.id, query, limit, offset)
    return KalturaAuditTrailListResponse(objects=[to_api(e) for e in events], totalCount=total)
