"""An entry's ``entitledUsersEdit``, ``entitledUsersPublish`` and ``entitledUsersView``: users who reach the
entry whatever its categories say (§3.6 step 7). Kept twice, in one place each: the entry's column (the API's
comma list, as ",u1,u2,") and one ``entry_entitled_users`` row per user (what the list rule's index reads)."""

from __future__ import annotations

from sqlalchemy import delete
from sqlalchemy.orm import Session

from keyframe.entitlement.models import ENTITLED_KINDS, EntryEntitledUser
from keyframe.kapi import errors
from keyframe.media.models import MediaEntry

API_NAMES = {"edit": "entitledUsersEdit", "publish": "entitledUsersPublish", "view": "entitledUsersView"}
MAX_USERS = 100
MAX_USER_ID = 256


def parse(api_name: str, text: str) -> list[str]:
    users = list(dict.fromkeys(part.strip() for part in text.split(",") if part.strip()))
    if len(users) > MAX_USERS:
        raise errors.PROPERTY_VALIDATION_MAX_LENGTH(api_name, MAX_USERS)
    if any(len(user) > MAX_USER_ID for user in users):
        raise errors.PROPERTY_VALIDATION_MAX_LENGTH(api_name, MAX_USER_ID)
    return users


def column(kind: str) -> str:
    return f"entitled_users_{kind}"


def api_text(entry: MediaEntry, kind: str) -> str:
    return str(getattr(entry, column(kind))).strip(",")


def set_users(db: Session, entry: MediaEntry, kind: str, users: list[str]) -> None:
    setattr(entry, column(kind), f",{','.join(users)}," if users else "")
    db.execute(
        delete(EntryEntitledUser).where(
            EntryEntitledUser.entry_id == entry.id, EntryEntitledUser.kind == kind
        )
    )
    db.add_all(
        EntryEntitledUser(entry_id=entry.id, kind=kind, user_id=user, partner_id=entry.partner_id)
        for user in users
    )
    db.flush()


def apply(db: Session, entry: MediaEntry, given: dict[str, str | None]) -> None:
    """Set the lists named in ``given`` (API name → comma list; None or "" empties it)."""
    for kind in ENTITLED_KINDS:
        api_name = API_NAMES[kind]
        if api_name in given:
            set_users(db, entry, kind, parse(api_name, given[api_name] or ""))
