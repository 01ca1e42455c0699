"""The rules of Zoom integrations: linking an account to a partner (at most N per partner, never an
account another partner has active), settings, status, deletion and deauthorization. Flushes, never
commits."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from keyframe.categories import service as categories
from keyframe.categories.tree import SEPARATOR
from keyframe.config import Settings
from keyframe.crypto import TokenCipher
from keyframe.kapi import errors
from keyframe.partners.models import Partner, now
from keyframe.users import service as users
from keyframe.users.models import User
from keyframe.zoom import settings as zoom_settings
from keyframe.zoom.client import Tokens
from keyframe.zoom.models import AuthStatus, AuthType, IntegrationStatus, VendorIntegration, VendorType

ZOOM = VendorType.ZOOM_ACCOUNT
LIVE = (IntegrationStatus.ACTIVE, IntegrationStatus.DISABLED)
_GROUP_LISTS = {"optInGroupNames": 1, "optOutGroupNames": 2}  # the participation type each list is for


def accounts_limit(settings: Settings, partner: Partner) -> int:
    return (
        partner.zoom_accounts_limit
        if partner.zoom_accounts_limit is not None
        else settings.zoom_accounts_limit
    )


def accounts_used(db: Session, partner_id: int) -> int:
    return int(
        db.scalar(
            select(func.count()).where(
                VendorIntegration.partner_id == partner_id,
                VendorIntegration.vendor_type == ZOOM,
                VendorIntegration.status.in_(LIVE),
            )
        )
        or 0
    )


def listed(db: Session, partner_id: int, limit: int, offset: int) -> Sequence[VendorIntegration]:
    """Non-deleted integrations, most recently updated first (as the console shows them)."""
    return db.scalars(
        select(VendorIntegration)
        .where(
            VendorIntegration.partner_id == partner_id,
            VendorIntegration.vendor_type == ZOOM,
            VendorIntegration.status.in_(LIVE),
        )
        .order_by(VendorIntegration.updated_at.desc(), VendorIntegration.id.desc())
        .limit(limit)
        .offset(offset)
    ).all()


def lock_partner(db: Session, partner_id: int) -> None:
    """The first lock of every Zoom write: the partner's row (``FOR UPDATE``; SQLite's ``BEGIN IMMEDIATE``
    already runs writers one at a time). The order is partner, then integration row, then the Zoom
    account (``lock_account``); category tree writes (``zoomCategory``) take the same partner lock before
    any category row, so a settings save and a link of the same account wait for each other instead of
    deadlocking. Taking it again in the same transaction is harmless. Paths that lock integration rows
    without it (a token refresh, a deauthorization) must not ask for it afterwards."""
    db.scalar(select(Partner.id).where(Partner.id == partner_id).with_for_update())


def find(db: Session, partner_id: int, integration_id: int, *, for_update: bool = False) -> VendorIntegration:
    """``for_update``: lock the partner's row, then this one (see ``lock_partner``)."""
    stmt = select(VendorIntegration).where(
        VendorIntegration.id == integration_id,
        VendorIntegration.partner_id == partner_id,
        VendorIntegration.status.in_(LIVE),
    )
    if for_update:
        lock_partner(db, partner_id)
    row = db.scalar(stmt.with_for_update() if for_update else stmt)
    if row is None:
        raise errors.INVALID_OBJECT_ID(integration_id)
    return row


def find_account(
    db: Session, partner_id: int, account_id: str, *, deleted: bool = False, for_update: bool = False
) -> VendorIntegration | None:
    """``for_update``: lock the partner's row, then this one (see ``lock_partner``) — also when there is
    no row yet, so the partner's links are serialised."""
    stmt = select(VendorIntegration).where(
        VendorIntegration.vendor_type == ZOOM,
        VendorIntegration.account_id == account_id,
        VendorIntegration.partner_id == partner_id,
    )
    if not deleted:
        stmt = stmt.where(VendorIntegration.status.in_(LIVE))
    if for_update:
        lock_partner(db, partner_id)
    return db.scalar(stmt.with_for_update() if for_update else stmt)


def first_of(db: Session, partner_id: int) -> VendorIntegration | None:
    return db.scalar(
        select(VendorIntegration)
        .where(
            VendorIntegration.partner_id == partner_id,
            VendorIntegration.vendor_type == ZOOM,
            VendorIntegration.status.in_(LIVE),
        )
        .order_by(VendorIntegration.id)
        .limit(1)
    )


def lock_account(db: Session, account_id: str) -> None:
    """Hold the Zoom account itself until the transaction ends, whichever partner asks: "is it active
    elsewhere?" and making it active must not interleave between two partners (each only holds its own
    partner's and its own row's locks). PostgreSQL: a transaction-scoped advisory lock keyed by the account
    (no row to lock exists before the first link); SQLite: ``BEGIN IMMEDIATE`` already runs writers one
    at a time. It is the last of the three locks (partner row, integration row, account; see
    ``lock_partner``): a caller holds at most its own partner's and row's locks when it waits here, and
    the holder waits for none of them, so waiting here cannot close a cycle — as long as every path keeps
    that order."""
    if db.get_bind().dialect.name == "postgresql":
        digest = hashlib.sha256(f"vendor_integrations:{int(ZOOM)}:{account_id}".encode()).digest()
        db.execute(select(func.pg_advisory_xact_lock(int.from_bytes(digest[:8], "big", signed=True))))


def _refuse_if_active_elsewhere(db: Session, partner_id: int, account_id: str) -> None:
    lock_account(db, account_id)
    other = db.scalar(
        select(VendorIntegration.partner_id).where(
            VendorIntegration.vendor_type == ZOOM,
            VendorIntegration.account_id == account_id,
            VendorIntegration.partner_id != partner_id,
            VendorIntegration.status == IntegrationStatus.ACTIVE,
        )
    )
    if other is not None:
        raise errors.INTEGRATION_ALREADY_EXIST(other)


def link(
    db: Session,
    settings: Settings,
    partner: Partner,
    account_id: str,
    *,
    auth_type: AuthType,
    tokens: Tokens | None = None,
    zoom_user_id: str = "",
) -> tuple[VendorIntegration, bool]:
    """Bind ``account_id`` to ``partner`` (a new row, a deleted one revived, or a re-authorization of a
    linked one) and store its tokens. Returns the row and whether it counts as a new account."""
    # Partner, then row, then account (``lock_partner``). The partner's lock also serialises links of one
    # partner, so two installs at once cannot both take the last free place.
    row = find_account(db, partner.id, account_id, deleted=True, for_update=True)
    _refuse_if_active_elsewhere(db, partner.id, account_id)  # the account's lock, last
    is_new = row is None or row.status == IntegrationStatus.DELETED
    if is_new:
        limit = accounts_limit(settings, partner)
        if accounts_used(db, partner.id) >= limit:
            raise errors.EXCEEDED_MAX_ZOOM_ACCOUNTS(limit)
    if row is None:
        row = VendorIntegration(partner_id=partner.id, vendor_type=ZOOM, account_id=account_id)
        zoom_settings.save(row, zoom_settings.DEFAULTS)
        db.add(row)
    if is_new:
        row.status = IntegrationStatus.DISABLED  # enabled when its registration is submitted
        row.created_at = now()
    row.auth_type = auth_type
    row.zoom_user_id = zoom_user_id
    store_tokens(row, TokenCipher(settings), tokens)
    row.updated_at = now()
    db.flush()
    return row, is_new


ACCESS, REFRESH = "zoom:access", "zoom:refresh"  # what each token column holds (TokenCipher's context)


def store_tokens(row: VendorIntegration, cipher: TokenCipher, tokens: Tokens | None) -> None:
    if tokens is None:
        clear_tokens(row)
    else:
        row.access_token = cipher.encrypt(tokens.access_token, ACCESS, bound_to=row.token_binding)
        row.refresh_token = cipher.encrypt(tokens.refresh_token, REFRESH, bound_to=row.token_binding)
        row.access_expires_at = tokens.expires_at
        row.tokens_refreshed_at = now()
    row.auth_status = AuthStatus.AUTHORIZED
    row.last_error, row.last_error_at = "", 0


def read_token(row: VendorIntegration, cipher: TokenCipher, context: str) -> str:
    """The access (``ACCESS``) or refresh (``REFRESH``) token in clear; DecryptionError if it does not
    decrypt for this row (another row's value copied here, a changed key)."""
    stored = row.access_token if context == ACCESS else row.refresh_token
    return cipher.decrypt(stored, context, bound_to=row.token_binding)


def rebind_legacy_tokens(row: VendorIntegration, cipher: TokenCipher) -> bool:
    """Write tokens stored before they were bound to their row again, bound (the caller holds the row's
    lock). Returns whether anything was rewritten; DecryptionError if a legacy value does not decrypt."""
    if not (TokenCipher.is_legacy(row.access_token) or TokenCipher.is_legacy(row.refresh_token)):
        return False
    access, refresh = read_token(row, cipher, ACCESS), read_token(row, cipher, REFRESH)
    row.access_token = cipher.encrypt(access, ACCESS, bound_to=row.token_binding)
    row.refresh_token = cipher.encrypt(refresh, REFRESH, bound_to=row.token_binding)
    return True


def clear_tokens(row: VendorIntegration) -> None:
    row.access_token = row.refresh_token = ""
    row.access_expires_at = 0


# -- settings --------------------------------------------------------------------------------------------


def update(
    db: Session,
    settings: Settings,
    partner: Partner,
    row: VendorIntegration,
    given: dict[str, Any],
    *,
    caller_user_id: str,
) -> list[str]:
    """Apply the API fields in ``given`` (name → plain value; booleans as bool, enums as int). Returns the
    names that changed. ``enableRecordingUpload`` sets the status. The caller holds the partner's lock,
    then the row's (``find``/``find_account`` with ``for_update``, or ``link``): categories it creates
    lock the partner's row again, which must not come after the row's."""
    values = zoom_settings.load(row)
    before = dict(values)
    for name in (
        "zoomAccountDescription",
        "zoomUserPostfix",
        "optInGroupNames",
        "optOutGroupNames",
        "defaultUserId",
    ):
        text = given.get(name)
        if isinstance(text, str) and len(text) > zoom_settings.MAX_TEXT:
            raise errors.PROPERTY_VALIDATION_MAX_LENGTH(name, zoom_settings.MAX_TEXT)
    kind = given.get("groupParticipationType")
    if kind is not None and kind != values["groupParticipationType"]:
        # Upstream: changing the type clears both lists; a list is kept only for its own type.
        values["groupParticipationType"] = kind
        values["optInGroupNames"] = values["optOutGroupNames"] = ""
    for name, value in given.items():
        if name not in zoom_settings.DEFAULTS or name in ("zoomCategory", "zoomWebinarCategory"):
            continue
        if name in _GROUP_LISTS and values["groupParticipationType"] != _GROUP_LISTS[name]:
            continue
        values[name] = value
    for name in ("zoomCategory", "zoomWebinarCategory"):
        if name in given:
            values[name] = ensure_categories(db, partner.id, given[name] or "", caller_user_id)
    user_id = values.get("defaultUserId")
    if "defaultUserId" in given and user_id:
        ensure_user(db, partner.id, str(user_id))
    changed = [name for name in values if values[name] != before[name]]
    zoom_settings.save(row, values)
    enable = given.get("enableRecordingUpload")
    if enable is not None:
        status = IntegrationStatus.ACTIVE if enable else IntegrationStatus.DISABLED
        if set_status(db, row, status):
            changed.append("status")
    row.updated_at = now()
    db.flush()
    return changed


def set_status(db: Session, row: VendorIntegration, status: IntegrationStatus) -> bool:
    if row.status == status:
        return False
    if status == IntegrationStatus.ACTIVE:
        _refuse_if_active_elsewhere(db, row.partner_id, row.account_id)
    row.status = status
    row.updated_at = now()
    db.flush()
    return True


def delete(db: Session, row: VendorIntegration) -> None:
    """Status DELETED (the place under the limit is free again); tokens go, imported media stays."""
    row.status = IntegrationStatus.DELETED
    clear_tokens(row)
    row.updated_at = now()
    db.flush()


def ensure_categories(db: Session, partner_id: int, text: str, caller_user_id: str) -> str | None:
    """Upstream's rule: comma-separated full names, each found or created (``>`` nests); returns the
    names kept, re-joined, or None for an empty input. Keyframe also creates missing parents."""
    names = [part.strip() for part in text.split(",") if part.strip()]
    kept = []
    for full_name in names:
        parts = [p.strip() for p in full_name.split(SEPARATOR)]
        if any(not p for p in parts):
            raise errors.PROPERTY_VALIDATION_WRONG_FORMAT("zoomCategory", "category full names joined by ','")
        parent_id = 0
        for depth in range(len(parts)):
            path = SEPARATOR.join(parts[: depth + 1])
            found = categories.by_full_name(db, partner_id, path)
            if found is None:
                outcome = categories.add(
                    db,
                    partner_id,
                    categories.Changes(name=parts[depth], parent_id=parent_id),
                    categories.Caller(user_id=caller_user_id, enforced=False),
                )
                found = outcome.category
            parent_id = found.id
        kept.append(SEPARATOR.join(parts))
    return ",".join(kept) or None


def ensure_user(db: Session, partner_id: int, user_id: str) -> None:
    """Upstream creates the default user when it does not exist."""
    users.check_user_id(user_id, "defaultUserId")
    if users.find(db, partner_id, user_id) is None:
        db.add(User(partner_id=partner_id, user_id=user_id, screen_name=user_id))
        db.flush()


# -- deauthorization -------------------------------------------------------------------------------------


def deauthorize(db: Session, account_id: str) -> list[VendorIntegration]:
    """Zoom says the app was removed from ``account_id``: every partner's link to it is disabled and loses
    its tokens (they no longer work anyway); settings and imported media stay, so installing again and
    enabling resumes where it was."""
    rows = db.scalars(
        select(VendorIntegration)
        .where(
            VendorIntegration.vendor_type == ZOOM,
            VendorIntegration.account_id == account_id,
            VendorIntegration.status.in_(LIVE),
        )
        .with_for_update()
    ).all()
    for row in rows:
        row.status = IntegrationStatus.DISABLED
        clear_tokens(row)
        row.auth_status = AuthStatus.DEAUTHORIZED
        row.last_error, row.last_error_at = "The Kaltura app was removed from the Zoom account", now()
        row.updated_at = now()
    db.flush()
    return list(rows)
