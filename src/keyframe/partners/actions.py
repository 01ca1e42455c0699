"""The ``partner`` service: getInfo, get, getSecrets, register, and Keyframe's rotateSecret."""

from __future__ import annotations

import dataclasses

from sqlalchemy.orm import Session

from keyframe.audit.service import record_for
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
from keyframe.ks import KS, Privileges
from keyframe.partners import service
from keyframe.partners.models import Partner, PartnerStatus
from keyframe.partners.objects import KalturaPartner
from keyframe.roles import service as role_service
from keyframe.users.actions import authenticate_login
from keyframe.users.models import User

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
        defaultEntitlementEnforcement=partner.default_entitlement_enforcement,
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
    """The partner's secrets for an administrator who proves it with e-mail and password, throttled and
    audited like a login. The secrets shown follow the user's roles, as ``partner.getInfo`` does: the admin
    secret only to Publisher Administrators."""

    def reveal(db: Session, user: User) -> KalturaPartner:
        partner = service.find(db, partnerId)
        if (
            partner is None
            or user.partner_id != partner.id
            or not user.is_admin
            or partner.status not in (PartnerStatus.ACTIVE, PartnerStatus.READ_ONLY)
        ):
            raise errors.USER_DATA_ERROR()
        as_user = KS(
            partner_id=partner.id, valid_until=2**62, type=2, user_id=user.user_id, privileges=Privileges()
        )
        granted = role_service.permissions_for(db, partner.id, as_user)
        obj = to_api(
            partner, secret=INTEGRATION_BASE in granted, admin_secret=ADMIN_PUBLISHER_MANAGE in granted
        )
        if obj.hidden != {"secret", "adminSecret"}:
            record_for(
                dataclasses.replace(ctx, db=db),
                "partner.secrets.read",
                object_type="KalturaPartner",
                object_id=str(partner.id),
                partner_id=partner.id,
                user_id=user.user_id,
                data={"secrets": _returned_secrets(obj), "via": "partner.getSecrets"},
            )
        return obj

    return authenticate_login(
        ctx,
        adminEmail,
        cmsPassword,
        unknown=errors.USER_DATA_ERROR,
        wrong=errors.USER_DATA_ERROR,
        via="partner.getSecrets",
        on_success=reveal,
    )


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
