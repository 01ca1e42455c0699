"""Linking a Zoom account (reference §1.5.1, upstream's ``preOauthValidation`` with a code): the
integration code names the partner, the OAuth code proves the Zoom admin. Synchronous; the pages call it
from a worker thread.

Order matters: the integration code is checked first (nothing is spent if it is wrong, and the OAuth code
can be tried with a corrected one), then the OAuth code is exchanged (single use at Zoom), the installing
user must hold Recording:Read and Recording:Edit, and then, in one transaction, the code is claimed and the
account linked, so a refusal (the limit, another partner) leaves the code usable.
"""

from __future__ import annotations

from dataclasses import dataclass

from keyframe.audit.service import record_for
from keyframe.auth.context import RequestContext
from keyframe.auth.ks_validation import RequestOrigin
from keyframe.crypto import TokenCipher
from keyframe.kapi import errors
from keyframe.services import Services
from keyframe.zoom import codes, service
from keyframe.zoom.client import AppCredentials, ZoomClient, ZoomError
from keyframe.zoom.models import AuthType
from keyframe.zoom.tokens import app_credentials

REQUIRED_PERMISSIONS = ("Recording:Read", "Recording:Edit")
CALLBACK_PATH = "/api_v3/service/vendor_zoomvendor/action/oauthValidation"


@dataclass(frozen=True)
class Linked:
    integration_id: int
    partner_id: int
    account_id: str
    registration_ks: str  # the registration page's own session (never logged)
    is_new: bool


class LinkRefused(Exception):
    """A readable reason for the page. ``retry_code``: the OAuth code is unspent, so a corrected
    integration code may be tried with it."""

    def __init__(self, message: str, *, retry_code: bool = False) -> None:
        super().__init__(message)
        self.message = message
        self.retry_code = retry_code


def redirect_uri(services: Services) -> str:
    return services.settings.public_url.rstrip("/") + CALLBACK_PATH


def link_with_oauth(
    services: Services, origin: RequestOrigin, integration_code: str, oauth_code: str
) -> Linked:
    settings = services.settings
    with services.db.rolled_back() as db:  # checked now, claimed below in the linking transaction
        try:
            codes.verify(db, services, integration_code, origin)
        except codes.CodeRefused as refused:
            raise LinkRefused(refused.problem.value, retry_code=True) from None
    app = AppCredentials(settings.zoom_client_id, settings.zoom_client_secret.get_secret_value())
    client = ZoomClient(settings)
    try:
        tokens = client.exchange_code(app, oauth_code, redirect_uri(services))
    except ZoomError as error:
        raise LinkRefused(
            "Invalid authorization code: Zoom did not accept it (it is single use and lasts five "
            f"minutes). Install the app again from the Zoom Marketplace. ({error})"
        ) from None
    try:
        me = client.me(tokens.access_token)
        permissions = client.permissions(tokens.access_token)
    except ZoomError as error:
        raise LinkRefused(f"Zoom did not tell who installed the app ({error}). Please try again.") from None
    if not all(p in permissions for p in REQUIRED_PERMISSIONS):
        raise LinkRefused(errors.ZOOM_ADMIN_REQUIRED().message)
    account_id, user_id = me.get("account_id"), me.get("id")
    if not isinstance(account_id, str) or not account_id or len(account_id) > 64:
        raise LinkRefused("Zoom did not tell which account installed the app. Please try again.")
    with services.db.transaction() as db:
        try:
            ks, partner = codes.verify(db, services, integration_code, origin)
            codes.claim(db, ks)
            row, is_new = service.link(
                db,
                settings,
                partner,
                account_id,
                auth_type=AuthType.OAUTH,
                tokens=tokens,
                zoom_user_id=str(user_id or "")[:64],
            )
        except codes.CodeRefused as refused:
            raise LinkRefused(refused.problem.value) from None
        except errors.KalturaAPIException as error:
            raise LinkRefused(error.message) from None
        ctx = RequestContext(db=db, services=services, origin=origin, ks=ks, partner=partner)
        record_for(
            ctx,
            "zoom.link",
            object_type="KalturaZoomIntegrationSetting",
            object_id=str(row.id),
            data={"accountId": account_id, "new": is_new},
        )
        return Linked(row.id, partner.id, account_id, codes.mint_registration(partner, account_id), is_new)


def link_server_to_server(services: Services, origin: RequestOrigin, ks_text: str, account_id: str) -> Linked:
    """``localRegistrationPage`` (on-premises): an administrator's KS links ``account_id`` with the
    Server-to-Server app configured for it; its first token is fetched now, proving the credentials."""
    account_id = account_id.strip()
    if not account_id or len(account_id) > 64:
        raise LinkRefused("Give the Zoom account ID (zoomAccountId) of the Server-to-Server app.")
    with services.db.transaction() as db:
        try:
            ks, partner = codes.verify(db, services, ks_text, origin, any_admin=True)
            row, is_new = service.link(
                db, services.settings, partner, account_id, auth_type=AuthType.SERVER_TO_SERVER
            )
            app = app_credentials(services.settings, row)
            tokens = ZoomClient(services.settings).account_credentials(app, account_id)
        except codes.CodeRefused:
            raise LinkRefused(
                "A valid KS of an administrator (ADMIN_PUBLISHER_MANAGE) of the partner is needed."
            ) from None
        except errors.KalturaAPIException as error:
            raise LinkRefused(error.message) from None
        except ZoomError as error:
            raise LinkRefused(
                f"Zoom refused the Server-to-Server credentials for this account ({error})."
            ) from None
        service.store_tokens(row, TokenCipher(services.settings), tokens)
        ctx = RequestContext(db=db, services=services, origin=origin, ks=ks, partner=partner)
        record_for(
            ctx,
            "zoom.link",
            object_type="KalturaZoomIntegrationSetting",
            object_id=str(row.id),
            data={"accountId": account_id, "new": is_new, "serverToServer": True},
        )
        return Linked(row.id, partner.id, account_id, codes.mint_registration(partner, account_id), is_new)
