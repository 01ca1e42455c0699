"""The ``partner`` service: getInfo, get, getSecrets, register."""

from __future__ import annotations

from keyframe.auth.context import RequestContext
from keyframe.auth.roles import (
    ACCOUNT_BASE,
    ADMIN_BASE,
    ADMIN_PUBLISHER_MANAGE,
    INTEGRATION_BASE,
    KMC_READ_ONLY,
)
from keyframe.kapi import errors
from keyframe.kapi.registry import KsPolicy, api_action
from keyframe.partners import service
from keyframe.partners.models import Partner, PartnerStatus
from keyframe.partners.objects import KalturaPartner

_READ_PARTNER = (INTEGRATION_BASE, ADMIN_BASE, ACCOUNT_BASE, KMC_READ_ONLY)


def to_api(partner: Partner, *, secret: bool, admin_secret: bool) -> KalturaPartner:
    """The API view of a partner. Secrets the caller may not read are left out of the response."""
    hidden = set()
    if not secret:
        hidden.add("secret")
    if not admin_secret:
        hidden.add("adminSecret")
    obj = KalturaPartner(
        id=partner.id,
        name=partner.name,
        website=partner.website,
        createdAt=partner.created_at,
        adminName=partner.admin_name,
        adminEmail=partner.admin_email,
        description=partner.description,
        type=1,
        status=PartnerStatus(partner.status),
        secret=partner.secret if secret else None,
        adminSecret=partner.admin_secret if admin_secret else None,
        adminUserId=partner.admin_user_id,
        partnerParentId=partner.parent_id,
        partnerGroupType=1,
        defaultEntitlementEnforcement=False,
        ksMaxExpiryInSeconds=partner.ks_max_expiry,
        subPartnerId=partner.sub_partner_id,
    )
    obj.hidden = frozenset(hidden)
    return obj


def _for_caller(ctx: RequestContext, partner: Partner) -> KalturaPartner:
    # Read protection (stricter than upstream for the admin secret, which mints full-control sessions).
    return to_api(
        partner,
        secret=ctx.has_permission(INTEGRATION_BASE),
        admin_secret=ctx.has_permission(ADMIN_PUBLISHER_MANAGE),
    )


@api_action("partner", "getInfo", permissions=_READ_PARTNER)
def get_info(ctx: RequestContext) -> KalturaPartner:
    return _for_caller(ctx, ctx.require_partner())


@api_action("partner", "get", permissions=_READ_PARTNER)
def get(ctx: RequestContext, id: int | None = None) -> KalturaPartner:
    caller = ctx.require_partner()
    return _for_caller(ctx, caller if id is None else service.visible_to(caller, id, ctx.db))


@api_action("partner", "getSecrets", ks=KsPolicy.IGNORED)
def get_secrets(
    ctx: RequestContext, partnerId: int, adminEmail: str, cmsPassword: str, otp: str | None = None
) -> KalturaPartner:
    """The partner with both secrets, for an administrator who proves it with e-mail and password."""
    partner = service.check_admin_credentials(ctx.db, partnerId, adminEmail, cmsPassword)
    return to_api(partner, secret=True, admin_secret=True)


@api_action("partner", "register", ks=KsPolicy.OPTIONAL)
def register(
    ctx: RequestContext,
    partner: KalturaPartner,
    cmsPassword: str = "",
    templatePartnerId: int | None = None,
    silent: bool = False,
) -> KalturaPartner:
    """Open only when the operator allows public registration; ``keyframe partner create`` always may."""
    if not ctx.services.settings.allow_public_registration:
        raise errors.SERVICE_FORBIDDEN("partner->register")
    created, _admin = service.register(
        ctx.db,
        service.Registration(
            name=partner.name or "",
            admin_email=partner.adminEmail or "",
            admin_password=cmsPassword,
            admin_name=partner.adminName or "",
            description=partner.description or "",
            website=partner.website or "",
        ),
    )
    return to_api(created, secret=True, admin_secret=True)
