"""The ``partner`` service: getInfo, get, getSecrets, register, and Keyframe's rotateSecret."""

from __future__ import annotations

from keyframe.audit.service import record, record_for
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


def _returned_secrets(obj: KalturaPartner) -> list[str]:
    return [name for name in ("adminSecret", "secret") if name not in obj.hidden]


def _audit_secrets_read(ctx: RequestContext, partner: Partner, obj: KalturaPartner, via: str) -> None:
    """A ``partner.secrets.read`` event on the partner whose secrets the response carries, if any."""
    returned = _returned_secrets(obj)
    if returned:
        record_for(
            ctx,
            "partner.secrets.read",
            object_type="KalturaPartner",
            object_id=str(partner.id),
            partner_id=partner.id,
            data={"secrets": returned, "via": via},
        )


@api_action("partner", "getInfo", permissions=_READ_PARTNER)
def get_info(ctx: RequestContext) -> KalturaPartner:
    partner = ctx.require_partner()
    obj = _for_caller(ctx, partner)
    _audit_secrets_read(ctx, partner, obj, "partner.getInfo")
    return obj


@api_action("partner", "get", permissions=_READ_PARTNER)
def get(ctx: RequestContext, id: int | None = None) -> KalturaPartner:
    caller = ctx.require_partner()
    partner = caller if id is None else service.visible_to(caller, id, ctx.db)
    obj = _for_caller(ctx, partner)
    _audit_secrets_read(ctx, partner, obj, "partner.get")
    return obj


@api_action("partner", "getSecrets", ks=KsPolicy.IGNORED)
def get_secrets(
    ctx: RequestContext, partnerId: int, adminEmail: str, cmsPassword: str, otp: str | None = None
) -> KalturaPartner:
    """The partner with both secrets, for an administrator who proves it with e-mail and password.
    Successes and failures are both audited (a failure in a transaction of its own)."""
    if service.find(ctx.db, partnerId) is not None:
        ctx.after_failure(
            lambda db: record(
                db,
                partner_id=partnerId,
                action="partner.secrets.read_failed",
                object_type="KalturaPartner",
                object_id=str(partnerId),
                client_ip=ctx.origin.client_ip,
                data={"via": "partner.getSecrets"},
            )
        )
    partner, admin = service.check_admin_login(ctx.db, partnerId, adminEmail, cmsPassword)
    obj = to_api(partner, secret=True, admin_secret=True)
    record_for(
        ctx,
        "partner.secrets.read",
        object_type="KalturaPartner",
        object_id=str(partner.id),
        partner_id=partner.id,
        user_id=admin.user_id,
        data={"secrets": _returned_secrets(obj), "via": "partner.getSecrets"},
    )
    return obj


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


_SECRET_TYPES: dict[str, service.SecretKind] = {"admin": "admin", "user": "user"}


@api_action("partner", "rotateSecret", permissions=(ADMIN_PUBLISHER_MANAGE,))
def rotate_secret(
    ctx: RequestContext, secretType: str, gracePeriod: int = service.DEFAULT_GRACE_SECONDS
) -> KalturaPartner:
    """Keyframe extension: replace the admin or user secret; the old one works ``gracePeriod`` more
    seconds (0 to 30 days). The answer is the partner with its new secrets, as ``get`` shows them."""
    kind = _SECRET_TYPES.get(secretType.strip().lower())
    if kind is None:
        raise errors.INVALID_ENUM_VALUE(secretType, "secretType", "KeyframeSecretType")
    partner = ctx.require_partner()
    service.rotate_secret(ctx.db, partner, kind, gracePeriod)
    record_for(
        ctx,
        "partner.secret.rotated",
        object_type="KalturaPartner",
        object_id=str(partner.id),
        data={"kind": kind, "graceSeconds": gracePeriod},
    )
    return _for_caller(ctx, partner)
