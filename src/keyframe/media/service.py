"""Media entry rules: ids, metadata, status, content and the list query. Services flush; the caller's
transaction commits.

An entry is created without content (NO_CONTENT), gets content once (READY, or IMPORT while a URL waits to
be fetched) and is deleted softly (DELETED: the row stays, its bytes go). Stored bytes are removed only
after the transaction that stopped pointing at them has committed, so a rollback never leaves an entry
pointing at deleted bytes (a crash in between leaves an orphan object, never a dangling entry).
"""

from __future__ import annotations

import logging
import re
import secrets
import time
from collections.abc import Sequence
from dataclasses import dataclass, fields
from functools import partial
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, Select, and_, func, not_, or_, select
from sqlalchemy.orm import Session

from keyframe.categories import entries as category_links
from keyframe.db import on_commit
from keyframe.entitlement.entries import ListRule
from keyframe.kapi import errors
from keyframe.media.facts import ContentFacts
from keyframe.media.models import MEDIA_CLIP, EntryStatus, MediaEntry, MediaType, ModerationStatus
from keyframe.sqlfilters import contains, within
from keyframe.storage import Storage

log = logging.getLogger(__name__)

_ID_ALPHABET = "0123456789abcdefghijklmnopqrstuvwxyz"
ENTRY_ID = re.compile(r"[0-9]_[0-9a-z]{8}")
_ID_ATTEMPTS = 10
MAX_NAME_LENGTH = 256
MAX_SHORT_LENGTH = 256
MAX_TEXT_LENGTH = 64 * 1024
MAX_CATEGORIES = 32
# Shown by list/count when the filter names no status / moderation status (upstream's defaults).
_HIDDEN_MODERATION = (ModerationStatus.PENDING_MODERATION, ModerationStatus.REJECTED)

_Stmt = TypeVar("_Stmt", bound=Select[Any])


def now() -> int:
    return int(time.time())


def new_entry_id(db: Session) -> str:
    """A fresh id in Kaltura's form: random, and retried on the (unlikely) collision."""
    for _ in range(_ID_ATTEMPTS):
        candidate = "0_" + "".join(secrets.choice(_ID_ALPHABET) for _ in range(8))
        if db.get(MediaEntry, candidate) is None:
            return candidate
    raise errors.INTERNAL_SERVERL_ERROR()


def content_key(partner_id: int, entry_id: str, version: int) -> str:
    """Where fetched content of an entry is stored (claimed uploads keep the upload's key)."""
    return f"p/{partner_id}/entries/{entry_id}/source-{version}"


# --- lookup --------------------------------------------------------------------------------------


def find(db: Session, partner_id: int, entry_id: str, *, for_update: bool = False) -> MediaEntry | None:
    """An entry of the partner that is not deleted."""
    if not ENTRY_ID.fullmatch(entry_id):
        return None
    stmt = select(MediaEntry).where(
        MediaEntry.id == entry_id,
        MediaEntry.partner_id == partner_id,
        MediaEntry.status != EntryStatus.DELETED,
    )
    if for_update:
        stmt = stmt.with_for_update()
    return db.scalar(stmt)


def get(db: Session, partner_id: int, entry_id: str, *, for_update: bool = False) -> MediaEntry:
    entry = find(db, partner_id, entry_id, for_update=for_update)
    if entry is None:
        raise errors.ENTRY_ID_NOT_FOUND(entry_id[:64])
    return entry


# --- metadata ------------------------------------------------------------------------------------


@dataclass
class Fields:
    """Stored metadata a caller sets; None means "not given" (keep, or the default on add)."""

    name: str | None = None
    description: str | None = None
    tags: str | None = None
    admin_tags: str | None = None
    user_id: str | None = None
    reference_id: str | None = None
    partner_data: str | None = None
    start_date: int | None = None
    end_date: int | None = None
    access_control_id: int | None = None
    conversion_profile_id: int | None = None
    partner_sort_value: int | None = None
    credit_user_name: str | None = None
    credit_url: str | None = None
    duration_ms: int | None = None
    # Insert-only
    media_type: int | None = None
    source_type: str | None = None
    creator_id: str | None = None

    def given(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self) if getattr(self, f.name) is not None}


API_NAMES = {
    "name": "name",
    "description": "description",
    "tags": "tags",
    "admin_tags": "adminTags",
    "user_id": "userId",
    "reference_id": "referenceId",
    "partner_data": "partnerData",
    "start_date": "startDate",
    "end_date": "endDate",
    "access_control_id": "accessControlId",
    "conversion_profile_id": "conversionProfileId",
    "partner_sort_value": "partnerSortValue",
    "credit_user_name": "creditUserName",
    "credit_url": "creditUrl",
    "duration_ms": "msDuration",
    "media_type": "mediaType",
    "source_type": "sourceType",
    "creator_id": "creatorId",
}
_LIMITS = {
    "name": MAX_NAME_LENGTH,
    "user_id": MAX_SHORT_LENGTH,
    "creator_id": MAX_SHORT_LENGTH,
    "reference_id": MAX_SHORT_LENGTH,
    "credit_user_name": MAX_SHORT_LENGTH,
    "credit_url": 1024,
    "source_type": 32,
    "description": MAX_TEXT_LENGTH,
    "tags": MAX_TEXT_LENGTH,
    "admin_tags": MAX_TEXT_LENGTH,
    "partner_data": MAX_TEXT_LENGTH,
}


def parse_category_ids(text: str) -> list[int]:
    """``"7, 8,7"`` → ``[7, 8]``: positive integer ids, each once, in order (``entry.categoriesIds``)."""
    ids: list[str] = []
    for part in text.split(","):
        item = part.strip()
        if not item:
            continue
        if not item.isdigit() or int(item) <= 0 or len(item) > 18:
            raise errors.INVALID_FIELD_VALUE("categoriesIds")
        canonical = str(int(item))
        if canonical not in ids:
            ids.append(canonical)
    return [int(i) for i in ids]


def _check(values: Fields) -> None:
    for name, limit in _LIMITS.items():
        value = getattr(values, name)
        if isinstance(value, str) and len(value) > limit:
            raise errors.PROPERTY_VALIDATION_MAX_LENGTH(API_NAMES[name], limit)
    if values.media_type is not None and values.media_type not in (
        MediaType.VIDEO,
        MediaType.IMAGE,
        MediaType.AUDIO,
    ):
        raise errors.ENTRY_MEDIA_TYPE_NOT_SUPPORTED(values.media_type)
    if values.duration_ms is not None and values.duration_ms < 0:
        raise errors.PROPERTY_VALIDATION_MIN_VALUE("msDuration", 0)


def add(db: Session, partner_id: int, values: Fields, *, owner: str, creator: str) -> MediaEntry:
    """A new entry without content (NO_CONTENT)."""
    _check(values)
    given = values.given()
    given.setdefault("user_id", owner)
    given.setdefault("creator_id", creator)
    entry = MediaEntry(
        id=new_entry_id(db),
        partner_id=partner_id,
        type=MEDIA_CLIP,
        status=EntryStatus.NO_CONTENT,
        moderation_status=ModerationStatus.AUTO_APPROVED,
        **given,
    )
    db.add(entry)
    db.flush()
    return entry


def update(db: Session, entry: MediaEntry, values: Fields) -> list[str]:
    """Apply the given fields; returns the API names of those that changed."""
    _check(values)
    changed: list[str] = []
    for name, value in values.given().items():
        if getattr(entry, name) != value:
            setattr(entry, name, value)
            changed.append(API_NAMES[name])
    if changed:
        entry.updated_at = now()
        db.flush()
    return changed


# --- content -------------------------------------------------------------------------------------


def delete_after_commit(db: Session, storage: Storage, key: str) -> None:
    """Remove ``key``'s bytes once this transaction has committed (never if it rolls back)."""
    on_commit(db, lambda: storage.delete(key))


def attach_content(
    db: Session, storage: Storage, entry: MediaEntry, key: str, facts: ContentFacts, *, file_name: str = ""
) -> None:
    """The entry's content is now ``key``: READY with its facts. Content it had before is removed after
    the commit."""
    old = entry.content_key
    entry.content_key = key
    entry.content_size = facts.size
    entry.content_type = facts.mime_type
    entry.file_name = file_name[:MAX_SHORT_LENGTH]
    if facts.duration_ms is not None:
        entry.duration_ms = facts.duration_ms
    entry.width, entry.height = facts.width, facts.height
    if entry.media_type is None and facts.media_type is not None:
        entry.media_type = facts.media_type
    entry.status = EntryStatus.READY
    entry.version += 1
    entry.updated_at = now()
    db.flush()
    if old and old != key:
        delete_after_commit(db, storage, old)


def start_import(db: Session, entry: MediaEntry, url: str) -> None:
    """A URL to fetch later (``import_entry_from_url``): the entry waits in IMPORT."""
    entry.source_url = url
    entry.status = EntryStatus.IMPORT
    entry.updated_at = now()
    db.flush()


def fail_import(db: Session, entry: MediaEntry) -> None:
    entry.status = EntryStatus.ERROR_IMPORTING
    entry.updated_at = now()
    db.flush()


def delete(db: Session, storage: Storage, entry: MediaEntry) -> None:
    """Soft delete: DELETED, without content; the bytes go after the commit."""
    old = entry.content_key
    entry.status = EntryStatus.DELETED
    entry.content_key = None
    entry.updated_at = now()
    db.flush()
    if old:
        delete_after_commit(db, storage, old)


# --- list ----------------------------------------------------------------------------------------


@dataclass
class EntryQuery:
    """Which of a partner's entries to list; every criterion given must hold. Without ``statuses`` only
    READY entries are listed, and without ``moderation_statuses`` not those pending or rejected."""

    ids: Sequence[str] | None = None
    ids_not: Sequence[str] | None = None
    name_like: str | None = None
    names_any: Sequence[str] | None = None
    names_all: Sequence[str] | None = None
    name_equal: str | None = None
    user_ids: Sequence[str] | None = None
    user_ids_not: Sequence[str] | None = None
    creator_id: str | None = None
    tags_like: str | None = None
    tags_any: Sequence[str] | None = None
    tags_all: Sequence[str] | None = None
    admin_tags_like: str | None = None
    admin_tags_any: Sequence[str] | None = None
    admin_tags_all: Sequence[str] | None = None
    description_like: str | None = None
    reference_ids: Sequence[str] | None = None
    statuses: Sequence[int] | None = None
    statuses_not: Sequence[int] | None = None
    moderation_statuses: Sequence[int] | None = None
    moderation_statuses_not: Sequence[int] | None = None
    types: Sequence[str] | None = None
    media_types: Sequence[int] | None = None
    categories_any: Sequence[str] | None = None
    categories_all: Sequence[str] | None = None
    categories_none: Sequence[str] | None = None
    categories_empty: bool | None = None
    categories_under: Sequence[str] | None = None  # in one of these categories or their descendants
    created_from: int | None = None
    created_to: int | None = None
    updated_from: int | None = None
    updated_to: int | None = None
    duration_min_ms: int | None = None  # inclusive
    duration_max_ms: int | None = None  # inclusive
    free_text: str | None = None
    match_nothing: bool = False
    order: str | None = None
    # The entitlement list rule (keyframe.entitlement.hooks.entry_list_rule), when enforced.
    entitlement: ListRule | None = None


# The criteria about an entry's state: a query with no others can be counted from category links.
_STATE_CRITERIA = frozenset({"statuses", "statuses_not", "moderation_statuses", "moderation_statuses_not"})


def filters_state_only(q: EntryQuery) -> bool:
    """Whether ``q`` names no criterion but the entry's status and moderation status."""
    # Identity, not equality: 0 (``createdAtLessThanOrEqual=0``) and False (``categoriesIdsEmpty=0``) are
    # criteria.
    return q.match_nothing is False and all(
        getattr(q, f.name) is None
        for f in fields(q)
        if f.name not in _STATE_CRITERIA | {"order", "entitlement", "match_nothing"}
    )


def state_conditions(q: EntryQuery, status: Any, moderation: Any) -> list[ColumnElement[bool]]:
    """``q``'s conditions on an entry's state, on these columns (the entry's own, or a link's copies)."""
    c: list[ColumnElement[bool]] = []
    if q.statuses is not None:
        c.append(status.in_(list(q.statuses)))
    elif q.statuses_not is None:
        c.append(status == EntryStatus.READY)
    if q.statuses_not is not None:
        c.append(status.not_in(list(q.statuses_not)))
    # Deleted entries are listed only when asked for by name.
    if q.statuses is None or EntryStatus.DELETED not in q.statuses:
        c.append(status != EntryStatus.DELETED)
    if q.moderation_statuses is not None:
        c.append(moderation.in_(list(q.moderation_statuses)))
    elif q.moderation_statuses_not is None:
        c.append(moderation.not_in(list(_HIDDEN_MODERATION)))
    if q.moderation_statuses_not is not None:
        c.append(moderation.not_in(list(q.moderation_statuses_not)))
    return c


def _in_category(category_id: str) -> ColumnElement[bool]:
    return category_links.in_category(MediaEntry.id, int(category_id))


def _any(conditions: list[ColumnElement[bool]]) -> ColumnElement[bool]:
    return or_(*conditions) if conditions else MediaEntry.id.is_(None)


_ORDERS: dict[str, Any] = {
    "createdAt": MediaEntry.created_at,
    "updatedAt": MediaEntry.updated_at,
    "name": MediaEntry.name,
}


def _where(stmt: _Stmt, q: EntryQuery, entitled: ColumnElement[bool] | None) -> _Stmt:
    e = MediaEntry
    c: list[ColumnElement[bool]] = []
    if q.match_nothing:
        c.append(e.id.is_(None))
    c.extend(state_conditions(q, e.status, e.moderation_status))
    for column, values in ((e.id, q.ids), (e.user_id, q.user_ids), (e.reference_id, q.reference_ids)):
        if values is not None:
            c.append(column.in_(list(values)))
    for column, values in ((e.id, q.ids_not), (e.user_id, q.user_ids_not)):
        if values:
            c.append(column.not_in(list(values)))
    if q.types is not None:
        c.append(e.type.in_(list(q.types)))
    if q.media_types is not None:
        c.append(e.media_type.in_(list(q.media_types)))
    if q.name_equal is not None:
        c.append(e.name == q.name_equal)
    if q.creator_id is not None:
        c.append(e.creator_id == q.creator_id)
    for column, text in (
        (e.name, q.name_like),
        (e.tags, q.tags_like),
        (e.admin_tags, q.admin_tags_like),
        (e.description, q.description_like),
    ):
        if text:
            c.append(contains(column, text))
    for column, words, combine in (
        (e.name, q.names_any, or_),
        (e.name, q.names_all, and_),
        (e.tags, q.tags_any, or_),
        (e.tags, q.tags_all, and_),
        (e.admin_tags, q.admin_tags_any, or_),
        (e.admin_tags, q.admin_tags_all, and_),
    ):
        if words:
            c.append(combine(*(contains(column, w) for w in words)))
    if q.categories_any is not None:
        c.append(_any([_in_category(i) for i in q.categories_any]))
    if q.categories_all:
        c.append(and_(*(_in_category(i) for i in q.categories_all)))
    if q.categories_none:
        c.append(not_(or_(*(_in_category(i) for i in q.categories_none))))
    if q.categories_empty is not None:
        has_any = category_links.in_any_category(e.id)
        c.append(~has_any if q.categories_empty else has_any)
    if q.categories_under is not None:
        c.append(category_links.under_any(e.id, [int(i) for i in q.categories_under]))
    c.extend(
        within(
            [
                (e.created_at, q.created_from, q.created_to),
                (e.updated_at, q.updated_from, q.updated_to),
                (e.duration_ms, q.duration_min_ms, q.duration_max_ms),
            ]
        )
    )
    if q.free_text:
        # Upstream matches each word in any of the searchable fields.
        for word in q.free_text.split()[:10]:
            c.append(
                or_(
                    contains(e.name, word),
                    contains(e.description, word),
                    contains(e.tags, word),
                    e.reference_id == word,
                    e.id == word,
                )
            )
    if entitled is not None:
        c.append(entitled)
    return stmt.where(*c)


def count_statement(partner_id: int, query: EntryQuery) -> Select[Any]:
    """The statement that counts the partner's entries ``query`` lists."""
    rule = query.entitlement
    if rule is not None and filters_state_only(query):
        ids = rule.distinct_ids(partial(state_conditions, query))
        if ids is not None:
            return select(func.count()).select_from(ids.subquery())
    entitled = rule.count_clause() if rule is not None else None
    stmt = select(func.count()).select_from(MediaEntry).where(MediaEntry.partner_id == partner_id)
    return _where(stmt, query, entitled)


def page_statement(
    partner_id: int, query: EntryQuery, total: int, limit: int, offset: int
) -> Select[MediaEntry]:
    """The statement that reads one page of what ``query`` lists, given the ``total`` count."""
    rule = query.entitlement
    entitled = rule.page_clause(total, offset, limit) if rule is not None else None
    stmt = _where(select(MediaEntry).where(MediaEntry.partner_id == partner_id), query, entitled)
    order = (query.order or "-createdAt").strip()
    column = _ORDERS.get(order.lstrip("+-")) or MediaEntry.created_at
    descending = order.startswith("-")
    stmt = stmt.order_by(column.desc() if descending else column.asc())
    stmt = stmt.order_by(MediaEntry.id.desc() if descending else MediaEntry.id.asc())
    return stmt.limit(limit).offset(offset)


def count(db: Session, partner_id: int, query: EntryQuery) -> int:
    return db.scalar(count_statement(partner_id, query)) or 0


def search(
    db: Session, partner_id: int, query: EntryQuery, limit: int, offset: int
) -> tuple[list[MediaEntry], int]:
    """One page of the partner's entries (newest first unless ``order`` says otherwise) and the total."""
    total = count(db, partner_id, query)
    if offset >= total:
        return [], total
    return list(db.scalars(page_statement(partner_id, query, total, limit, offset))), total


def by_ids(db: Session, partner_id: int, ids: Sequence[str]) -> list[MediaEntry]:
    """The partner's entries (not deleted) with these ids, in the order asked."""
    valid = [i for i in ids if ENTRY_ID.fullmatch(i)]
    if not valid:
        return []
    found = {
        e.id: e
        for e in db.scalars(
            select(MediaEntry).where(
                MediaEntry.partner_id == partner_id,
                MediaEntry.id.in_(valid),
                MediaEntry.status != EntryStatus.DELETED,
            )
        )
    }
    return [found[i] for i in dict.fromkeys(valid) if i in found]
