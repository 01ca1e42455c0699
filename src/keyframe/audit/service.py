"""Record audit events. Callers pass ids and facts, never a secret, a password or a KS."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from sqlalchemy import Select, func, select
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
    ks_id: str | None = None,
) -> AuditEvent:
    """An event by the caller of this request: its partner, KS user, KS id and address.

    When the KS belongs to another partner than the event (a parent acting on a child) or was issued by
    impersonation, ``data`` also names that partner (``ksPartnerId``, ``masterPartnerId``)."""
    ks = ctx.ks
    partner = partner_id if partner_id is not None else (ctx.partner.id if ctx.partner else 0)
    if ks is not None and (ks.partner_id != partner or ks.master_partner_id is not None):
        data = dict(data or {})
        if ks.partner_id != partner:
            data["ksPartnerId"] = ks.partner_id
        if ks.master_partner_id is not None:
            data["masterPartnerId"] = ks.master_partner_id
    return record(
        ctx.db,
        partner_id=partner,
        action=action,
        object_type=object_type,
        object_id=object_id,
        user_id=user_id if user_id is not None else (ks.user_id if ks else ""),
        ks_id=ks_id if ks_id is not None else (ks.ks_id if ks else ""),
        client_ip=ctx.origin.client_ip,
        data=data,
    )


_Stmt = TypeVar("_Stmt", bound=Select[Any])
# Deeper pages than this are empty: it keeps OFFSET within a 64-bit integer whatever the pager says.
MAX_OFFSET = 2**62


@dataclass(frozen=True)
class AuditQuery:
    """Which of a partner's events to list; every criterion given must hold."""

    action: str | None = None
    actions: Sequence[str] | None = None
    object_type: str | None = None
    object_id: str | None = None
    user_id: str | None = None
    created_from: int | None = None
    created_to: int | None = None
    newest_first: bool = True


def list_events(
    db: Session, partner_id: int, query: AuditQuery, limit: int, offset: int
) -> tuple[list[AuditEvent], int]:
    """One page of the partner's events and how many match in all."""
    stmt = _where(select(AuditEvent).where(AuditEvent.partner_id == partner_id), query)
    total = db.scalar(stmt.with_only_columns(func.count()).order_by(None)) or 0
    if offset >= min(total, MAX_OFFSET):
        return [], total
    if query.newest_first:
        stmt = stmt.order_by(AuditEvent.created_at.desc(), AuditEvent.id.desc())
    else:
        stmt = stmt.order_by(AuditEvent.created_at, AuditEvent.id)
    return list(db.scalars(stmt.limit(limit).offset(offset))), total


def _where(stmt: _Stmt, query: AuditQuery) -> _Stmt:
    if query.action is not None:
        stmt = stmt.where(AuditEvent.action == query.action)
    if query.actions is not None:
        stmt = stmt.where(AuditEvent.action.in_(list(query.actions)))
    if query.object_type is not None:
        stmt = stmt.where(AuditEvent.object_type == query.object_type)
    if query.object_id is not None:
        stmt = stmt.where(AuditEvent.object_id == query.object_id)
    if query.user_id is not None:
        stmt = stmt.where(AuditEvent.user_id == query.user_id)
    if query.created_from is not None:
        stmt = stmt.where(AuditEvent.created_at >= query.created_from)
    if query.created_to is not None:
        stmt = stmt.where(AuditEvent.created_at <= query.created_to)
    return stmt
