"""Record audit events. Callers pass ids and facts, never a secret, a password or a KS."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from sqlalchemy.orm import Session

from keyframe.audit.models import AuditEvent

if TYPE_CHECKING:
    from keyframe.auth.context import RequestContext


def record(
    db: Session,
    *,
    partner_id: int,
    action: str,
    object_type: str = "",
    object_id: str = "",
    user_id: str = "",
    ks_id: str = "",
    client_ip: str | None = "",
    data: dict[str, Any] | None = None,
) -> AuditEvent:
    event = AuditEvent(
        partner_id=partner_id,
        action=action,
        object_type=object_type,
        object_id=object_id,
        user_id=user_id,
        ks_id=ks_id,
        client_ip=client_ip or "",
        data=json.dumps(data, sort_keys=True) if data else "",
    )
    db.add(event)
    db.flush()
    return event


def record_for(
    ctx: RequestContext,
    action: str,
    *,
    object_type: str = "",
    object_id: str = "",
    data: dict[str, Any] | None = None,
    partner_id: int | None = None,
    user_id: str | None = None,
) -> AuditEvent:
    """An event by the caller of this request: its partner, KS user, KS id and address."""
    ks = ctx.ks
    partner = partner_id if partner_id is not None else (ctx.partner.id if ctx.partner else 0)
    return record(
        ctx.db,
        partner_id=partner,
        action=action,
        object_type=object_type,
        object_id=object_id,
        user_id=user_id if user_id is not None else (ks.user_id if ks else ""),
        ks_id=ks.ks_id if ks else "",
        client_ip=ctx.origin.client_ip,
        data=data,
    )
