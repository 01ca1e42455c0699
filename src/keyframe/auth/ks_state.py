"""Durable KS state in the database: revocation (``session.end``) and ``actionslimit`` counters."""

from __future__ import annotations

import hashlib

from sqlalchemy import bindparam, delete, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from keyframe.auth.models import KsState
from keyframe.ks import KS

# ``expires_at`` is a 64-bit column; a KS may claim any expiry at all.
_MAX_TIME = 2**62


def _expiry(ks: KS) -> int:
    return max(-_MAX_TIME, min(ks.valid_until, _MAX_TIME))


# Keyframe writes its KSs' issue time into the additional-data field (v2 ``_d``, v1 field 8), which the
# protocol leaves free-form: per-user session revocation compares it with the user's cut-off.
ISSUED_AT = "iat="


def issued_at_ms(ks: KS) -> int | None:
    """When Keyframe issued the KS (milliseconds); None for KSs made elsewhere (by a client holding the
    admin secret, which may mint any KS anyway)."""
    data = ks.additional_data or ""
    if data.startswith(ISSUED_AT) and data[len(ISSUED_AT) :].isdigit():
        return int(data[len(ISSUED_AT) :])
    return None


def revocation_key(ks: KS) -> str:
    """``session.end`` revokes a whole ``sessionid`` group when the KS has one, else the KS itself."""
    session_id = ks.privileges.first("sessionid")
    if session_id:
        return hashlib.sha1(f"{ks.partner_id}_{session_id}".encode()).hexdigest()  # noqa: S324 - an id, not a MAC
    return ks.ks_id


# Built once: this runs on every authenticated call, and building a select costs more than running it.
_REVOKED = (
    select(KsState.key)
    .where(KsState.key.in_(bindparam("keys", expanding=True)), KsState.revoked.is_(True))
    .limit(1)
)


def is_revoked(db: Session, ks: KS) -> bool:
    keys = list({ks.ks_id, revocation_key(ks)})
    return db.connection().execute(_REVOKED, {"keys": keys}).first() is not None


def revoke(db: Session, ks: KS) -> None:
    key = revocation_key(ks)
    insert = _insert(db).values(key=key, partner_id=ks.partner_id, revoked=True, expires_at=_expiry(ks))
    db.execute(insert.on_conflict_do_update(index_elements=["key"], set_={"revoked": True}))


def count_action(db: Session, ks: KS) -> int:
    """Count one use of the KS and return the total so far (atomic on SQLite and PostgreSQL)."""
    insert = _insert(db).values(
        key=ks.ks_id, partner_id=ks.partner_id, revoked=False, actions_used=1, expires_at=_expiry(ks)
    )
    upsert = insert.on_conflict_do_update(
        index_elements=["key"], set_={"actions_used": KsState.actions_used + 1}
    ).returning(KsState.actions_used)
    return int(db.execute(upsert).scalar_one())


def _insert(db: Session) -> sqlite.Insert | postgresql.Insert:
    if db.get_bind().dialect.name == "postgresql":
        return postgresql.insert(KsState)
    return sqlite.insert(KsState)


def purge_expired(db: Session, now: int, limit: int = 5000) -> int:
    """Delete up to ``limit`` rows whose KS has expired (an expired KS is refused before its state is read,
    so the row says nothing any more). Returns how many went."""
    keys = list(db.scalars(select(KsState.key).where(KsState.expires_at < now).limit(limit)))
    if keys:
        db.execute(delete(KsState).where(KsState.key.in_(keys)))
    return len(keys)
