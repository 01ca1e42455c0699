"""The ``session`` service: start, end, get, impersonate, impersonateByKs (reference §1.5)."""

from __future__ import annotations

import hmac
import time

from keyframe.audit.service import record_for
from keyframe.auth import issue, ks_state
from keyframe.auth.context import RequestContext
from keyframe.auth.ks_validation import peek_partner
from keyframe.auth.objects import KalturaSessionInfo
from keyframe.auth.roles import ADMIN_PUBLISHER_MANAGE
from keyframe.kapi import errors
from keyframe.kapi.registry import KsPolicy, api_action
from keyframe.ks import KS, SessionType
from keyframe.partners import service as partner_service
from keyframe.partners.models import Partner, PartnerStatus

_CAN_START = (PartnerStatus.ACTIVE, PartnerStatus.READ_ONLY)
_MAX_AUDITED_PRIVILEGES = 512


def _matching_admin_secret(partner: Partner, secret: str) -> str | None:
    """The admin secret equal to ``secret`` (compared in constant time), if any."""
    found = None
    for candidate in partner.admin_secrets:
        if hmac.compare_digest(candidate.encode(), secret.encode()):
            found = candidate
    return found


def _startable(ctx: RequestContext, partner_id: int | None) -> Partner:
    partner = partner_service.find(ctx.db, partner_id)
    if partner is None or partner.status not in _CAN_START:
        raise errors.START_SESSION_ERROR("" if partner_id is None else partner_id)
    return partner


@api_action("session", "start", ks=KsPolicy.IGNORED)
def start(
    ctx: RequestContext,
    secret: str,
    userId: str = "",
    type: SessionType = SessionType.USER,
    partnerId: int | None = None,
    expiry: int = 86_400,
    privileges: str | None = None,
) -> str:
    """The admin secret starts any session; the user secret only USER sessions."""
    partner = _startable(ctx, partnerId)
    admin_secret = _matching_admin_secret(partner, secret)
    user_secret_ok = any(hmac.compare_digest(s.encode(), secret.encode()) for s in partner.user_secrets)
    if admin_secret is None and not (type == SessionType.USER and user_secret_ok):
        raise errors.START_SESSION_ERROR(partner.id)
    granted = issue.validate_privileges(ctx.db, partner, privileges)
    if admin_secret is None and granted.has("setrole"):
        # The user secret starts USER sessions only; a role would let it grant itself anything.
        raise errors.INVALID_SET_ROLE()
    ks_text = issue.issue(
        partner,
        type=type,
        user_id=userId,
        privileges=granted,
        expiry=issue.capped_expiry(partner, expiry),
        signing_secret=admin_secret if type == SessionType.ADMIN else None,
    )
    if admin_secret is not None:
        _audit_admin_secret_use(ctx, "session.start.admin_secret", partner, partner, admin_secret, ks_text)
    return ks_text


def _audit_admin_secret_use(
    ctx: RequestContext, action: str, owner: Partner, target: Partner, secret: str, ks_text: str
) -> None:
    """Record that ``owner``'s admin secret minted ``ks_text`` (a KS of ``target``): by KS id, never by
    its text, with whether the secret was one replaced by a rotation and still in its grace period."""
    # Read back through the validator: it gives the KS id, and the client's next call finds it cached.
    ks = ctx.services.ks_validator.verify(ks_text, target.admin_secrets)
    data: dict[str, object] = {
        "sessionType": ks.type,
        "validUntil": ks.valid_until,
        "previousSecret": secret != owner.admin_secret,
    }
    if str(ks.privileges):
        data["privileges"] = str(ks.privileges)[:_MAX_AUDITED_PRIVILEGES]
    if target.id != owner.id:
        data["impersonatedPartnerId"] = target.id
    record_for(
        ctx,
        action,
        object_type="KalturaPartner",
        object_id=str(target.id),
        partner_id=owner.id,
        user_id=ks.user_id,
        ks_id=ks.ks_id,
        data=data,
    )


@api_action("session", "end", ks=KsPolicy.OPTIONAL)
def end(ctx: RequestContext) -> None:
    """Revoke the calling KS at once (or its whole ``sessionid`` group)."""
    if ctx.ks is not None:
        ks_state.revoke(ctx.db, ctx.ks)
        if ctx.ks_text:
            ctx.services.ks_validator.forget(ctx.ks_text)


@api_action("session", "get")
def get(ctx: RequestContext, session: str | None = None) -> KalturaSessionInfo:
    """Describe a KS of the caller's partner (or of one of its children); expiry is absolute."""
    ks = _readable_ks(ctx, session) if session else ctx.require_ks()
    return KalturaSessionInfo(
        sessionType=_session_type(ks),
        partnerId=ks.partner_id,
        userId=ks.user_id,
        expiry=ks.valid_until,
        privileges=str(ks.privileges),
    )


@api_action("session", "impersonate", ks=KsPolicy.IGNORED)
def impersonate(
    ctx: RequestContext,
    secret: str,
    impersonatedPartnerId: int,
    userId: str = "",
    type: SessionType = SessionType.USER,
    partnerId: int | None = None,
    expiry: int = 86_400,
    privileges: str | None = None,
) -> str:
    """A KS for a child partner, authenticated with the parent's admin secret; ``_m`` names the parent."""
    parent = _startable(ctx, partnerId)
    parent_secret = _matching_admin_secret(parent, secret)
    if parent_secret is None:
        raise errors.START_SESSION_ERROR(parent.id)
    child = _startable(ctx, impersonatedPartnerId)
    if child.parent_id != parent.id:
        raise errors.PARTNER_ACCESS_FORBIDDEN(parent.id, child.id)
    ks_text = issue.issue(
        child,
        type=type,
        user_id=userId,
        privileges=issue.validate_privileges(ctx.db, child, privileges),
        expiry=issue.capped_expiry(child, expiry),
        master_partner_id=parent.id,
    )
    _audit_admin_secret_use(ctx, "session.impersonate.admin_secret", parent, child, parent_secret, ks_text)
    return ks_text


@api_action("session", "impersonateByKs", permissions=(ADMIN_PUBLISHER_MANAGE,))
def impersonate_by_ks(
    ctx: RequestContext,
    session: str,
    type: SessionType | None = None,
    expiry: int | None = None,
    privileges: str | None = None,
) -> KalturaSessionInfo:
    """Re-issue a KS of the caller's partner or a child, with the caller's partner as master partner.
    Unset fields are copied from that KS; its remaining lifetime is the default expiry."""
    caller = ctx.require_partner()
    source = _readable_ks(ctx, session)
    target = _startable(ctx, source.partner_id)
    now = int(time.time())
    remaining = source.valid_until - now
    if remaining <= 0:
        raise errors.invalid_ks("EXPIRED")
    new_type = source.type if type is None else int(type)
    new_privileges = (
        source.privileges if privileges is None else issue.validate_privileges(ctx.db, target, privileges)
    )
    lifetime = issue.capped_expiry(target, expiry) if expiry is not None else remaining
    ks_text = issue.issue(
        target,
        type=new_type,
        user_id=source.user_id,
        privileges=new_privileges,
        expiry=lifetime,
        master_partner_id=caller.id,
        now=now,
    )
    return KalturaSessionInfo(
        ks=ks_text,
        sessionType=_session_type_of(new_type),
        partnerId=target.id,
        userId=source.user_id,
        expiry=lifetime,
        privileges=str(new_privileges),
    )


def _readable_ks(ctx: RequestContext, text: str) -> KS:
    """Verify another KS's signature; the caller may read KSs of its own partner and of its children."""
    caller = ctx.require_partner()
    owner = partner_service.find(ctx.db, peek_partner(text))
    if owner is None:
        raise errors.invalid_ks_unparsable(text)
    if caller.id not in (owner.id, owner.parent_id):
        raise errors.PARTNER_ACCESS_FORBIDDEN(caller.id, owner.id)
    return ctx.services.ks_validator.verify(text, owner.admin_secrets)


def _session_type(ks: KS) -> SessionType:
    return _session_type_of(ks.type)


def _session_type_of(value: int) -> SessionType:
    return SessionType.ADMIN if value >= 1 else SessionType.USER
