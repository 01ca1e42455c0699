"""A linked account's tokens: read, and refreshed ahead of expiry under the row's lock.

Zoom rotates refresh tokens and the old one stops working at once, so two refreshes that both read the
same refresh token would leave one of them with a dead token. ``refresh`` therefore locks the row
(``SELECT … FOR UPDATE``; SQLite's ``BEGIN IMMEDIATE`` serialises writers the same way), re-reads it, and
only calls Zoom if nobody refreshed meanwhile; the new tokens are committed before the lock is released.
A refusal that will not change (a revoked or spent refresh token, a refused client) marks the integration
"needs re-authorization" instead of failing silently.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

from sqlalchemy import ColumnElement, or_, select

from keyframe.config import Settings, ZoomAppCredentials
from keyframe.crypto import LEGACY_PREFIX, DecryptionError, TokenCipher
from keyframe.partners.models import now
from keyframe.services import Services
from keyframe.zoom.client import AppCredentials, Tokens, ZoomClient, ZoomError
from keyframe.zoom.models import AuthStatus, AuthType, IntegrationStatus, VendorIntegration
from keyframe.zoom.service import (
    ACCESS,
    REFRESH,
    clear_tokens,
    read_token,
    rebind_legacy_tokens,
    store_tokens,
)

log = logging.getLogger(__name__)

LIVE = (IntegrationStatus.ACTIVE, IntegrationStatus.DISABLED)


class NeedsReauthorization(Exception):
    """The integration has no usable tokens: its admin must install the app again (a new code)."""


@dataclass(frozen=True)
class Refreshed:
    access_token: str
    expires_at: int
    refreshed: bool  # False when the stored token was still good (another refresh got there first)


def app_credentials(settings: Settings, row: VendorIntegration) -> AppCredentials:
    """The OAuth app, or for a Server-to-Server account its own app (``account:partner``, then
    ``account``), falling back to the OAuth app's credentials as upstream does."""
    if row.auth_type == AuthType.SERVER_TO_SERVER:
        own = s2s_app(settings, row.account_id, row.partner_id)
        if own is not None:
            return AppCredentials(own.client_id, own.client_secret.get_secret_value())
    return AppCredentials(settings.zoom_client_id, settings.zoom_client_secret.get_secret_value())


def s2s_app(settings: Settings, account_id: str, partner_id: int) -> ZoomAppCredentials | None:
    """The Server-to-Server app the operator configured for ``account_id`` (``account:partner``, then
    ``account``), if any."""
    return settings.zoom_s2s_apps.get(f"{account_id}:{partner_id}") or settings.zoom_s2s_apps.get(account_id)


def access_token(services: Services, integration_id: int) -> str:
    """A token good for at least the refresh grace, refreshing first when needed."""
    settings = services.settings
    with services.db.transaction() as db:
        row = db.get(VendorIntegration, integration_id)
        if row is None or row.status not in LIVE:
            raise NeedsReauthorization("the integration does not exist")
        if row.access_token and row.access_expires_at > time.time() + settings.zoom_token_refresh_grace:
            try:
                # A legacy (unbound) value is read as it is here; refresh and the job rebind it under
                # the row's lock, as writing it from this unlocked read could undo a concurrent refresh.
                return read_token(row, TokenCipher(settings), ACCESS)
            except DecryptionError:
                pass  # refresh below records why
    return refresh(services, integration_id).access_token


def refresh(services: Services, integration_id: int, *, force: bool = False) -> Refreshed:
    """Refresh the tokens unless (``force`` aside) they are still good past the grace. Raises ZoomError
    for a passing failure (rate limit, 5xx, network) and NeedsReauthorization for a permanent one."""
    settings = services.settings
    cipher = TokenCipher(settings)
    failure: str | None = None
    with services.db.transaction() as db:
        row = db.scalar(
            select(VendorIntegration).where(VendorIntegration.id == integration_id).with_for_update()
        )
        if row is None or row.status not in LIVE:
            raise NeedsReauthorization("the integration does not exist")
        if row.auth_status != AuthStatus.AUTHORIZED:
            raise NeedsReauthorization(row.last_error or "the integration needs re-authorization")
        try:
            rebind_legacy_tokens(row, cipher)
            if (
                not force
                and row.access_token
                and row.access_expires_at > time.time() + settings.zoom_token_refresh_grace
            ):
                return Refreshed(read_token(row, cipher, ACCESS), row.access_expires_at, False)
            tokens = _fetch(services, row, cipher)
        except DecryptionError:
            # A changed key, or a value that is not this row's (copied from another integration): never
            # used, and the console asks for the app to be installed again.
            failure = (
                "The stored Zoom tokens cannot be decrypted for this integration (KEYFRAME_SECRET_KEY "
                "changed, or they were altered): install the app again"
            )
        except ZoomError as error:
            if not error.permanent:
                raise
            failure = f"Refreshing the Zoom tokens failed: {error}"
        if failure is not None:
            # Committed: the console shows it, and the refresh job stops trying this integration.
            row.auth_status = AuthStatus.NEEDS_REAUTHORIZATION
            row.last_error, row.last_error_at = failure, now()
            log.warning("Zoom integration %s needs re-authorization: %s", row.id, failure)
        else:
            store_tokens(row, cipher, tokens)
            row.updated_at = now()
            return Refreshed(tokens.access_token, tokens.expires_at, True)
    raise NeedsReauthorization(failure)


def _fetch(services: Services, row: VendorIntegration, cipher: TokenCipher) -> Tokens:
    client = ZoomClient(services.settings)
    app = app_credentials(services.settings, row)
    if row.auth_type == AuthType.SERVER_TO_SERVER:
        return client.account_credentials(app, row.account_id)
    refresh_token = read_token(row, cipher, REFRESH)
    if not refresh_token:
        raise ZoomError("no refresh token is stored", permanent=True)
    return client.refresh(app, refresh_token)


def due(services: Services, within: float) -> list[int]:
    """Live, authorized OAuth integrations whose access token expires within ``within`` seconds (past the
    grace)."""
    limit = int(time.time() + services.settings.zoom_token_refresh_grace + within)
    with services.db.transaction() as db:
        return list(
            db.scalars(
                select(VendorIntegration.id).where(
                    VendorIntegration.status.in_(LIVE),
                    VendorIntegration.auth_status == AuthStatus.AUTHORIZED,
                    VendorIntegration.auth_type == AuthType.OAUTH,
                    VendorIntegration.refresh_token != "",
                    VendorIntegration.access_expires_at <= limit,
                )
            )
        )


def _holds_legacy() -> ColumnElement[bool]:
    return or_(
        VendorIntegration.access_token.startswith(LEGACY_PREFIX, autoescape=True),
        VendorIntegration.refresh_token.startswith(LEGACY_PREFIX, autoescape=True),
    )


def legacy(services: Services) -> list[int]:
    """Every integration still holding a token stored before tokens were bound to their row (``v1:``),
    whatever its status: ``rebind`` each."""
    with services.db.transaction() as db:
        return list(
            db.scalars(select(VendorIntegration.id).where(_holds_legacy()).order_by(VendorIntegration.id))
        )


UNREADABLE_LEGACY = (
    "The stored Zoom tokens cannot be decrypted (KEYFRAME_SECRET_KEY changed, or they were altered) and "
    "were erased: install the app again"
)


def rebind(services: Services, integration_id: int) -> bool | None:
    """Write an integration's legacy (``v1:``) tokens again, bound to its row, under the row's lock and
    without calling Zoom. Tokens that do not decrypt cannot be rebound and are erased, so that no unbound
    value is left behind (a changed key, or a value altered or copied in); an authorized integration then
    needs re-authorization. Returns True when rebound, False when erased, None when there was nothing
    legacy (any more)."""
    cipher = TokenCipher(services.settings)
    with services.db.transaction() as db:
        row = db.scalar(
            select(VendorIntegration).where(VendorIntegration.id == integration_id).with_for_update()
        )
        if row is None:
            return None
        try:
            return rebind_legacy_tokens(row, cipher) or None
        except DecryptionError:
            clear_tokens(row)
            if row.auth_status == AuthStatus.AUTHORIZED:
                row.auth_status = AuthStatus.NEEDS_REAUTHORIZATION
                row.last_error, row.last_error_at = UNREADABLE_LEGACY, now()
            row.updated_at = now()
            log.warning("Zoom integration %s: legacy tokens do not decrypt; erased", row.id)
            return False
