"""Minting KSs for a partner, with upstream's rules for privileges, expiry and the signing secret."""

from __future__ import annotations

import re
import time

from sqlalchemy.orm import Session

from keyframe.auth.ks_state import ISSUED_AT
from keyframe.kapi import errors
from keyframe.ks import Privileges, encode_v1, encode_v2
from keyframe.partners.models import Partner
from keyframe.roles import service as role_service

DEFAULT_MAX_EXPIRY = 86_400
MAX_USER_ID_LENGTH = 256  # user ids are stored (users, audit events) in 256 characters
_POSITIVE = re.compile(r"[0-9]{1,18}")


def validate_privileges(db: Session, partner: Partner, text: str | None) -> Privileges:
    """Reject what upstream rejects at session start: an unknown ``setrole``, a bad ``actionslimit``."""
    privileges = Privileges.parse(text)
    for role in privileges.values("setrole"):
        role_service.validate_set_role(db, partner.id, role)
    for limit in privileges.values("actionslimit"):
        if positive_int(limit) is None:
            raise errors.INVALID_ACTIONS_LIMIT()
    return privileges


def positive_int(text: str | None) -> int | None:
    """A privilege value such as ``actionslimit:N`` as a positive number (ASCII digits only), or None."""
    if text is None or not _POSITIVE.fullmatch(text) or int(text) == 0:
        return None
    return int(text)


def capped_expiry(partner: Partner, expiry: int) -> int:
    """Upstream: 0 means the default; anything is silently capped at the partner's maximum."""
    maximum = partner.ks_max_expiry or DEFAULT_MAX_EXPIRY
    if expiry == 0:
        expiry = DEFAULT_MAX_EXPIRY
    return min(expiry, maximum)


def issue(
    partner: Partner,
    *,
    type: int,
    user_id: str,
    privileges: Privileges,
    expiry: int,
    master_partner_id: int | None = None,
    signing_secret: str | None = None,
    now: int | None = None,
) -> str:
    """A KS for ``partner`` valid for ``expiry`` seconds, in the partner's KS version."""
    if partner.ks_version == 1 and (";" in user_id or "|" in user_id or ";" in str(privileges)):
        # v1 has no escaping: these characters would corrupt the token.
        raise errors.PROPERTY_VALIDATION_WRONG_FORMAT("userId", "text without ';' or '|'")
    if len(user_id) > MAX_USER_ID_LENGTH:
        raise errors.PROPERTY_VALIDATION_MAX_LENGTH("userId", MAX_USER_ID_LENGTH)
    issued = int(time.time()) if now is None else now
    valid_until = issued + expiry
    encode = encode_v1 if partner.ks_version == 1 else encode_v2
    return encode(
        signing_secret or partner.admin_secrets[0],
        partner_id=partner.id,
        valid_until=valid_until,
        type=type,
        user_id=user_id,
        privileges=privileges,
        master_partner_id=master_partner_id,
        additional_data=f"{ISSUED_AT}{time.time_ns() // 1_000_000}",
    )
