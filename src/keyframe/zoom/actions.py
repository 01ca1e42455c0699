"""``vendor_zoomvendor`` and ``vendor_vendorintegration`` (reference §1.4, kaltura-api-and-ks.md §3.8).

Everything needs ADMIN_PUBLISHER_MANAGE (upstream also lets BASE_USER_SESSION_PERMISSION and KMC_ACCESS
call ``submitRegistration``; Keyframe does not: it changes where a partner's recordings go). The browser
and webhook endpoints of ``vendor_zoomvendor`` (oauthValidation, preOauthValidation,
fetchRegistrationPage, localRegistrationPage, recordingComplete, deAuthorization) are pages, served by
``pages.py``. Every change is audited.
"""

from __future__ import annotations

from typing import Any

from keyframe.audit.service import record_for
from keyframe.auth.context import RequestContext
from keyframe.auth.roles import ADMIN_PUBLISHER_MANAGE
from keyframe.kapi import errors
from keyframe.kapi.registry import api_action
from keyframe.kapi.types import KalturaFilterPager
from keyframe.zoom import codes, service, tokens, views
from keyframe.zoom.models import AuthType, IntegrationStatus, VendorIntegration
from keyframe.zoom.objects import (
    KalturaIntegrationSetting,
    KalturaZoomIntegrationCode,
    KalturaZoomIntegrationSetting,
    KalturaZoomIntegrationSettingResponse,
)

MANAGE = (ADMIN_PUBLISHER_MANAGE,)
OBJECT = "KalturaZoomIntegrationSetting"


def _audit(ctx: RequestContext, action: str, row: VendorIntegration, **data: Any) -> None:
    record_for(
        ctx, action, object_type=OBJECT, object_id=str(row.id), data={"accountId": row.account_id, **data}
    )


def _user_id(ctx: RequestContext) -> str:
    return ctx.ks.user_id if ctx.ks else ""


@api_action("vendor_zoomvendor", "list", permissions=MANAGE)
def list_integrations(
    ctx: RequestContext, pager: KalturaFilterPager | None = None
) -> KalturaZoomIntegrationSettingResponse:
    partner = ctx.require_partner()
    limit, offset = (pager or KalturaFilterPager()).limit_offset()
    rows = service.listed(ctx.db, partner.id, limit, offset)
    used = service.accounts_used(ctx.db, partner.id)
    return KalturaZoomIntegrationSettingResponse(
        objects=[views.to_api(r) for r in rows],
        totalCount=used,
        accountsLimit=service.accounts_limit(ctx.services.settings, partner),
        accountsUsed=used,
    )


@api_action("vendor_zoomvendor", "get", permissions=MANAGE)
def get(ctx: RequestContext, partnerId: int) -> KalturaZoomIntegrationSetting:
    partner = ctx.require_partner()  # the runner already resolved partnerId (own partner, or a child)
    row = service.first_of(ctx.db, partner.id)
    if row is None:
        raise errors.INVALID_PARTNER_ID(partnerId)
    return views.to_api(row)


@api_action("vendor_zoomvendor", "submitRegistration", permissions=MANAGE)
def submit_registration(
    ctx: RequestContext,
    accountId: str,
    integrationSetting: KalturaZoomIntegrationSetting,
) -> bool:
    partner = ctx.require_partner()
    row = service.find_account(ctx.db, partner.id, accountId, for_update=True)
    if row is None:
        raise errors.NO_INTEGRATION_DATA()
    changed = service.update(
        ctx.db,
        ctx.services.settings,
        partner,
        row,
        views.given(integrationSetting),
        caller_user_id=_user_id(ctx),
    )
    _audit(ctx, "zoom.settings.update", row, changed=changed)
    return True


@api_action("vendor_zoomvendor", "generateIntegrationCode", permissions=MANAGE)
def generate_integration_code(ctx: RequestContext) -> KalturaZoomIntegrationCode:
    """Keyframe extension (upstream's console calls session.start with the admin secret)."""
    partner = ctx.require_partner()
    issued = codes.mint(partner, ctx.services.settings.zoom_integration_code_ttl)
    record_for(ctx, "zoom.integrationCode.generate", data={"expiresAt": issued.expires_at})
    return KalturaZoomIntegrationCode(
        code=issued.code, expiresAt=issued.expires_at, expiresIn=issued.expires_in
    )


# -- vendor_vendorintegration --------------------------------------------------------------------------


@api_action("vendor_vendorintegration", "add", permissions=MANAGE)
def add(
    ctx: RequestContext,
    integration: KalturaIntegrationSetting,
    remoteId: str,
) -> KalturaZoomIntegrationSetting:
    """Upstream's generic add: a row for ``remoteId`` (ACTIVE). Keyframe links it without tokens (an
    on-premises Server-to-Server account gets its token on first use), within the account limit, and only
    an account with a Server-to-Server app configured for it (``KEYFRAME_ZOOM_S2S_APPS``)."""
    partner = ctx.require_partner()
    remote = remoteId.strip()
    if not remote or len(remote) > 64:
        raise (
            errors.PROPERTY_VALIDATION_MAX_LENGTH("remoteId", 64)
            if remote
            else errors.MISSING_MANDATORY_PARAMETER("remoteId")
        )
    if tokens.s2s_app(ctx.services.settings, remote, partner.id) is None:
        # Nothing proves the caller's tie to an arbitrary account id: without an app the operator
        # configured for it, an ACTIVE row would squat another organisation's account (its own OAuth link
        # refused with INTEGRATION_ALREADY_EXIST, naming this partner).
        raise errors.INVALID_FIELD_VALUE("remoteId")
    row, is_new = service.link(
        ctx.db, ctx.services.settings, partner, remote, auth_type=AuthType.SERVER_TO_SERVER
    )
    if not is_new:
        raise errors.INTEGRATION_ALREADY_EXIST(partner.id)
    given = views.given(_as_zoom(integration))
    given.setdefault("enableRecordingUpload", True)
    service.update(ctx.db, ctx.services.settings, partner, row, given, caller_user_id=_user_id(ctx))
    _audit(ctx, "zoom.add", row)
    return views.to_api(row)


@api_action("vendor_vendorintegration", "get", permissions=MANAGE)
def get_integration(ctx: RequestContext, integrationId: int) -> KalturaZoomIntegrationSetting:
    return views.to_api(service.find(ctx.db, ctx.require_partner().id, integrationId))


@api_action("vendor_vendorintegration", "update", permissions=MANAGE)
def update(
    ctx: RequestContext,
    id: int,
    integrationSetting: KalturaIntegrationSetting,
) -> KalturaZoomIntegrationSetting:
    partner = ctx.require_partner()
    row = service.find(ctx.db, partner.id, id, for_update=True)
    given = views.given(_as_zoom(integrationSetting))
    changed = service.update(ctx.db, ctx.services.settings, partner, row, given, caller_user_id=_user_id(ctx))
    _audit(ctx, "zoom.settings.update", row, changed=changed)
    return views.to_api(row)


@api_action("vendor_vendorintegration", "updateStatus", permissions=MANAGE)
def update_status(
    ctx: RequestContext,
    id: int,
    status: IntegrationStatus,
) -> KalturaZoomIntegrationSetting:
    partner = ctx.require_partner()
    row = service.find(ctx.db, partner.id, id, for_update=True)
    if status == IntegrationStatus.DELETED:
        service.delete(ctx.db, row)
        _audit(ctx, "zoom.delete", row)
    elif service.set_status(ctx.db, row, status):
        _audit(ctx, "zoom.status", row, status=int(status))
    return views.to_api(row)


@api_action("vendor_vendorintegration", "delete", permissions=MANAGE)
def delete(ctx: RequestContext, integrationId: int) -> KalturaZoomIntegrationSetting:
    row = service.find(ctx.db, ctx.require_partner().id, integrationId, for_update=True)
    service.delete(ctx.db, row)
    _audit(ctx, "zoom.delete", row)
    return views.to_api(row)


def _as_zoom(base: KalturaIntegrationSetting) -> KalturaZoomIntegrationSetting:
    """A base-class object's settable fields on a Zoom object (the rest stay unset)."""
    if isinstance(base, KalturaZoomIntegrationSetting):
        return base
    zoom = KalturaZoomIntegrationSetting(
        **{
            name: getattr(base, name)
            for name in base.provided
            if name in KalturaZoomIntegrationSetting.__dataclass_fields__
        }
    )
    zoom.provided, zoom.nulled = base.provided, base.nulled
    return zoom
