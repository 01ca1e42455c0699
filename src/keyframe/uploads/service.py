"""Upload tokens: create, receive chunks, finalize, hand the file to an entry, delete and expire.

Storage writes cannot join the database transaction, so they are ordered around it: a chunk is stored
under a fresh key *before* its row is written (a rollback deletes that key again), and keys that a change
makes unused are deleted only *after* the commit. A crash in between can leave an unreferenced object
under ``p/<partner>/uploads/<token>/``; expiring the token removes the whole prefix.

Chunks of one token are serialized by a row lock on the token (``SELECT … FOR UPDATE`` on PostgreSQL;
SQLite serializes writers anyway with ``BEGIN IMMEDIATE``), so parallel chunks all count.
"""

from __future__ import annotations

import logging
import secrets
import time
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from keyframe.db import on_commit, on_rollback
from keyframe.kapi import errors
from keyframe.services import Services
from keyframe.storage import Storage, StorageError
from keyframe.storage.base import InPlaceFile, Slice, StagedFile
from keyframe.uploads.models import UPLOADABLE, UploadPart, UploadToken, UploadTokenStatus

log = logging.getLogger(__name__)

EXPIRE_BATCH = 500


def new_token_id() -> str:
    """Upstream's token form: ``0_`` and 32 lowercase hex characters (128 random bits)."""
    return "0_" + secrets.token_hex(16)


def storage_prefix(partner_id: int, token_id: str) -> str:
    return f"p/{partner_id}/uploads/{token_id}"


def assembly_key(partner_id: int, token_id: str) -> str:
    """The object chunks are written into at their offsets, where the storage can (local files)."""
    return f"{storage_prefix(partner_id, token_id)}/assembly"


def assembly_free_from(db: Session, token: UploadToken, offset: int) -> bool:
    """No recorded chunk lives in the token's assembly at or after ``offset``: a write in place there cannot
    overwrite bytes that already count (a retry, or a chunk that is then refused or never finishes)."""
    overlapping = select(UploadPart.pk).where(
        UploadPart.token_id == token.id,
        UploadPart.key == assembly_key(token.partner_id, token.id),
        UploadPart.offset + UploadPart.size > offset,
    )
    return db.scalars(overlapping.limit(1)).first() is None


def in_place_offset(chunk: Chunk) -> int | None:
    """Where a chunk goes, if that is known before the token's lock (not for ``resumeAt`` -1, an append)."""
    if not chunk.resume:
        return 0
    return chunk.resume_at if chunk.resume_at >= 0 else None


# --- transaction hooks -------------------------------------------------------------------------------


@contextmanager
def _storage_errors() -> Iterator[None]:
    """A storage failure is the caller's UPLOAD_ERROR (the details go to the log, not to the caller)."""
    try:
        yield
    except StorageError:
        log.exception("upload storage failed")
        raise errors.UPLOAD_ERROR() from None


# --- lookups -----------------------------------------------------------------------------------------


def find(
    db: Session, partner_id: int, token_id: str, user_id: str | None = None, *, lock: bool = False
) -> UploadToken:
    """The partner's token (and, when ``user_id`` is not None, that user's); UPLOAD_TOKEN_NOT_FOUND else.

    ``lock`` takes the token's row lock and reloads it, for changes that must not interleave.
    """
    stmt = select(UploadToken).where(UploadToken.id == token_id, UploadToken.partner_id == partner_id)
    if user_id is not None:
        stmt = stmt.where(UploadToken.user_id == user_id)
    if lock:
        stmt = stmt.with_for_update().execution_options(populate_existing=True)
    token = db.scalars(stmt).first()
    if token is None:
        raise errors.UPLOAD_TOKEN_NOT_FOUND()
    return token


@dataclass
class TokenQuery:
    """Which of a partner's tokens to list; every criterion given must hold."""

    user_id: str | None = None
    ids: Sequence[str] | None = None
    statuses: Sequence[int] | None = None
    file_name: str | None = None
    file_size: int | None = None


def search(
    db: Session, partner_id: int, query: TokenQuery, limit: int, offset: int
) -> tuple[list[UploadToken], int]:
    """One page of the partner's tokens (newest first) and how many match in all."""
    stmt = select(UploadToken).where(UploadToken.partner_id == partner_id)
    if query.user_id is not None:
        stmt = stmt.where(UploadToken.user_id == query.user_id)
    if query.ids is not None:
        stmt = stmt.where(UploadToken.id.in_(query.ids))
    if query.statuses is not None:
        stmt = stmt.where(UploadToken.status.in_(query.statuses))
    if query.file_name is not None:
        stmt = stmt.where(UploadToken.file_name == query.file_name)
    if query.file_size is not None:
        stmt = stmt.where(UploadToken.file_size == query.file_size)
    total = db.scalar(stmt.with_only_columns(func.count()).order_by(None)) or 0
    if offset >= total:
        return [], total
    stmt = stmt.order_by(UploadToken.created_at.desc(), UploadToken.id.desc()).limit(limit).offset(offset)
    return list(db.scalars(stmt)), total


# --- life cycle --------------------------------------------------------------------------------------


def add(
    db: Session,
    partner_id: int,
    user_id: str,
    *,
    max_bytes: int,
    file_name: str = "",
    file_size: int | None = None,
    auto_finalize: bool = False,
) -> UploadToken:
    """A new PENDING token. ``max_bytes`` is the largest file a token may hold (``max_file_bytes``): a
    ``file_size`` beyond it could never be uploaded, so it is refused now (FILE_SIZE_EXCEEDED)."""
    if auto_finalize and file_size is None:
        raise errors.UPLOAD_TOKEN_MISSING_FILE_SIZE()
    if file_size is not None and file_size < 0:
        raise errors.PROPERTY_VALIDATION_MIN_VALUE("fileSize", 0)
    if file_size is not None and file_size > max_bytes:
        raise errors.FILE_SIZE_EXCEEDED(max_bytes)
    token = UploadToken(
        id=new_token_id(),
        partner_id=partner_id,
        user_id=user_id,
        status=UploadTokenStatus.PENDING,
        file_name=file_name,
        file_size=file_size,
        auto_finalize=auto_finalize,
        uploaded_size=0,
    )
    db.add(token)
    db.flush()
    return token


@dataclass(frozen=True)
class Chunk:
    """Where an uploaded chunk goes: ``resume`` False starts the file over at 0; ``resume_at`` -1 appends
    after the bytes received contiguously so far; ``final`` says the file ends where this chunk ends."""

    resume: bool = False
    final: bool = True
    resume_at: int = -1


def upload(
    db: Session,
    storage: Storage,
    partner_id: int,
    token_id: str,
    user_id: str | None,
    staged: StagedFile,
    chunk: Chunk,
    *,
    max_bytes: int,
    file_name: str = "",
) -> UploadToken:
    """Take one chunk (already on disk in ``staged``) into the token; finalize when the file is complete.

    A chunk at an offset that already has one replaces it (a retry), so chunks may come in any order and
    more than once. The token becomes FULL_UPLOAD once a final chunk has arrived (or, with autoFinalize,
    ``fileSize`` is reached) and the chunks cover the file from 0 to its end without a gap.

    No file passes ``max_bytes`` (``max_file_bytes``): a chunk whose end (offset + size) would is refused
    with FILE_SIZE_EXCEEDED and nothing of it is kept — before it is stored when its offset is known up
    front, under the token's lock for an append.
    """
    token = find(db, partner_id, token_id, user_id)  # fail before storing anything
    if token.status not in UPLOADABLE:
        raise errors.UPLOAD_TOKEN_INVALID_STATUS_FOR_UPLOAD()
    size = staged.size
    assembly = assembly_key(partner_id, token_id)
    in_place = isinstance(staged, InPlaceFile)
    known_offset = in_place_offset(chunk)
    if not in_place and known_offset is not None and known_offset + size > max_bytes:
        raise errors.FILE_SIZE_EXCEEDED(max_bytes)  # (an in-place chunk is refused below, under the lock)
    if isinstance(staged, InPlaceFile):
        # Already where it belongs (written as it arrived): make it durable and let a seal go ahead.
        if staged.key != assembly or staged.offset != known_offset:
            raise errors.UPLOAD_ERROR()
        with _storage_errors(), _os_errors():
            staged.finish()
        part_key = assembly
    else:
        part_key = f"{storage_prefix(partner_id, token_id)}/parts/{uuid.uuid4().hex}"
        # Stored before the row lock is taken: a slow store must not hold up the token's other chunks.
        with _storage_errors():
            storage.adopt(staged, part_key)
        on_rollback(db, lambda: storage.delete(part_key))

    token = find(db, partner_id, token_id, user_id, lock=True)
    if token.status not in UPLOADABLE:  # finalized, deleted or expired while this chunk was stored
        if in_place:
            storage.delete(assembly)  # no part refers to it any more: it was written after the end
        raise errors.UPLOAD_TOKEN_INVALID_STATUS_FOR_UPLOAD()
    parts = list(db.scalars(select(UploadPart).where(UploadPart.token_id == token.id)))
    offset = known_offset if known_offset is not None else token.uploaded_size
    end = offset + size
    limit = token.final_end if token.final_end is not None and not chunk.final else token.file_size
    refusal: errors.KalturaAPIException | None = None
    if end > max_bytes:
        refusal = errors.FILE_SIZE_EXCEEDED(max_bytes)
    elif (limit is not None and end > limit) or (
        chunk.final and token.file_size is not None and end != token.file_size
    ):
        refusal = errors.UPLOAD_TOKEN_CANNOT_MATCH_EXPECTED_SIZE()
    if refusal is not None:  # nothing changes: the rollback deletes a stored part, the token stays as it was
        if in_place and not any(part.key == assembly for part in parts):
            storage.discard_in_place(assembly)  # it holds only refused bytes (unless a writer is busy)
        raise refusal

    unused: list[str] = []
    if not chunk.resume and chunk.final:
        # A whole file in one request starts over: earlier chunks no longer count.
        for part in parts:
            unused.append(part.key)
            db.delete(part)
        parts = []
    same = next((p for p in parts if p.offset == offset), None)
    if size == 0:
        unused.append(part_key)  # an empty (final) chunk only marks the end
    elif same is not None:
        unused.append(same.key)
        same.key, same.size = part_key, size
    else:
        same = UploadPart(token_id=token.id, offset=offset, size=size, key=part_key)
        db.add(same)
        parts.append(same)
    if chunk.final:
        token.final_end = end
    if file_name and not token.file_name:
        token.file_name = file_name

    parts.sort(key=lambda p: p.offset)
    token.uploaded_size = _contiguous_end(parts, token.final_end)
    token.status = UploadTokenStatus.PARTIAL_UPLOAD
    file_end = token.final_end
    if file_end is None and token.auto_finalize:
        file_end = token.file_size
    if file_end is not None and token.uploaded_size >= file_end:
        # The assembly holds other chunks' bytes too: it goes only once sealed or copied (or with the token).
        unused = [key for key in unused if key != assembly]
        unused.extend(_finalize(db, storage, token, parts, file_end))
    else:
        unused = [key for key in unused if key != assembly]
    db.flush()
    on_commit(db, lambda: [storage.delete(key) for key in unused])
    return token


@contextmanager
def _os_errors() -> Iterator[None]:
    try:
        yield
    except OSError:
        log.exception("upload storage failed")
        raise errors.UPLOAD_ERROR() from None


def _contiguous_end(parts: Sequence[UploadPart], file_end: int | None) -> int:
    """How far the parts (sorted by offset) cover the file from 0 without a gap."""
    covered = 0
    for part in parts:
        if part.offset > covered:
            break
        covered = max(covered, part.offset + part.size)
    return covered if file_end is None else min(covered, file_end)


def _finalize(
    db: Session, storage: Storage, token: UploadToken, parts: Sequence[UploadPart], file_end: int
) -> list[str]:
    """Compose the parts into the token's file; return the part keys no longer needed."""
    assembly = assembly_key(token.partner_id, token.id)
    slices: list[Slice] = []
    covered = 0
    for part in parts:
        if covered >= file_end:
            break
        if part.offset + part.size <= covered:
            continue  # wholly overlapped by earlier parts
        take_to = min(part.size, file_end - part.offset)
        if part.key == assembly:  # in place: the bytes sit at their own offsets in the assembly
            slices.append(Slice(assembly, covered, part.offset + take_to))
        else:
            slices.append(Slice(part.key, covered - part.offset, take_to))
        covered = part.offset + take_to
    single = parts[0] if len(parts) == 1 and parts[0].size == file_end else None
    if single is not None and single.key != assembly:
        file_key = single.key  # one chunk held the whole file: nothing to copy
    else:
        file_key = f"{storage_prefix(token.partner_id, token.id)}/file"
        release = None
        if all(part.key == assembly for part in parts):
            # Every byte was written in place: the assembly becomes the file, if no writer is active.
            with _storage_errors():
                release = storage.seal_in_place(assembly, file_end, file_key)
        if release is not None:
            on_commit(db, partial(release, True))
            on_rollback(db, partial(release, False))
        else:
            with _storage_errors():
                storage.compose(file_key, slices)
            on_rollback(db, lambda: storage.delete(file_key))
    unused = sorted({p.key for p in parts if p.key != file_key} | {assembly})
    db.execute(delete(UploadPart).where(UploadPart.token_id == token.id))
    token.file_key = file_key
    token.uploaded_size = file_end
    token.status = UploadTokenStatus.FULL_UPLOAD
    return unused


def remove(db: Session, storage: Storage, partner_id: int, token_id: str, user_id: str | None) -> None:
    """Delete the token; its bytes go too, unless it is CLOSED (its file then belongs to an entry)."""
    token = find(db, partner_id, token_id, user_id, lock=True)
    closed = token.status == UploadTokenStatus.CLOSED
    db.execute(delete(UploadPart).where(UploadPart.token_id == token.id))
    db.delete(token)
    db.flush()
    if not closed:
        prefix = storage_prefix(partner_id, token_id)
        on_commit(db, lambda: storage.delete_prefix(prefix))


# --- the interface entries use -----------------------------------------------------------------------


@dataclass(frozen=True)
class ClaimedUpload:
    key: str  # storage key holding the complete file; from now on it belongs to the entry
    size: int
    file_name: str


def claim(
    db: Session,
    partner_id: int,
    token_id: str,
    *,
    user_id: str | None,
    attached_object_type: str,
    attached_object_id: str,
) -> ClaimedUpload:
    """Hand a fully uploaded token's file to an object (an entry): the token becomes CLOSED.

    No bytes move, so this is atomic with the caller's transaction. Afterwards neither deleting the token
    nor expiring tokens touches the key. ``user_id`` (not None) limits the claim to that user's tokens.
    """
    token = find(db, partner_id, token_id, user_id, lock=True)
    if token.status != UploadTokenStatus.FULL_UPLOAD or token.file_key is None:
        raise errors.UPLOAD_TOKEN_INVALID_STATUS_FOR_ADD_ENTRY()
    token.status = UploadTokenStatus.CLOSED
    token.attached_object_type = attached_object_type
    token.attached_object_id = attached_object_id
    db.flush()
    return ClaimedUpload(key=token.file_key, size=token.uploaded_size, file_name=token.file_name)


# --- expiry ------------------------------------------------------------------------------------------


def expire_stale_tokens(services: Services, now: float | None = None) -> int:
    """Mark tokens idle for longer than ``upload_token_ttl_seconds`` TIMED_OUT and delete their bytes.

    Idle means no change (no chunk) since: a long upload that keeps sending stays alive. CLOSED tokens are
    never touched (their file belongs to an entry). Returns how many tokens timed out.
    """
    cutoff = int(time.time() if now is None else now) - services.settings.upload_token_ttl_seconds
    stale = (UploadTokenStatus.PENDING, UploadTokenStatus.PARTIAL_UPLOAD, UploadTokenStatus.FULL_UPLOAD)
    expired = 0
    while True:
        with services.db.transaction() as db:
            tokens = list(
                db.scalars(
                    select(UploadToken)
                    .where(UploadToken.status.in_(stale), UploadToken.updated_at < cutoff)
                    .order_by(UploadToken.updated_at)
                    .limit(EXPIRE_BATCH)
                    .with_for_update(skip_locked=True)
                )
            )
            prefixes = [storage_prefix(t.partner_id, t.id) for t in tokens]
            for token in tokens:
                db.execute(delete(UploadPart).where(UploadPart.token_id == token.id))
                token.status = UploadTokenStatus.TIMED_OUT
                token.file_key = None
                token.final_end = None
        for prefix in prefixes:  # committed: no chunk can be added to these tokens any more
            try:
                services.storage.delete_prefix(prefix)
            except Exception:  # the rows are right; the bytes are logged for an operator to sweep
                log.exception("could not delete an expired upload's bytes")
        expired += len(tokens)
        if len(tokens) < EXPIRE_BATCH:
            return expired
