"""The ``uploadToken`` service (reference §2.5, §3.6): add, get, list, delete and upload.

Any session may upload (upstream grants the service to basic user sessions); a USER session sees and
uses only the tokens it created, an ADMIN session all of its partner's.
"""

from __future__ import annotations

import math

from keyframe.auth.context import RequestContext
from keyframe.auth.roles import BASE_USER_SESSION_PERMISSION
from keyframe.kapi import errors
from keyframe.kapi.registry import InPlaceTarget, UploadedFile, api_action
from keyframe.kapi.types import KalturaFilterPager
from keyframe.uploads import service
from keyframe.uploads.models import UPLOADABLE, UploadToken, UploadTokenStatus
from keyframe.uploads.objects import (
    KalturaUploadToken,
    KalturaUploadTokenFilter,
    KalturaUploadTokenListResponse,
)
from keyframe.users.objects import KalturaNullableBoolean

CONTENT_INGEST_UPLOAD = "CONTENT_INGEST_UPLOAD"
_UPLOADERS = (BASE_USER_SESSION_PERMISSION, CONTENT_INGEST_UPLOAD)


def to_api(token: UploadToken) -> KalturaUploadToken:
    return KalturaUploadToken(
        id=token.id,
        partnerId=token.partner_id,
        userId=token.user_id,
        status=UploadTokenStatus(token.status),
        fileName=token.file_name,
        fileSize=float(token.file_size) if token.file_size is not None else None,
        uploadedFileSize=float(token.uploaded_size),
        createdAt=token.created_at,
        updatedAt=token.updated_at,
        autoFinalize=KalturaNullableBoolean.TRUE_VALUE
        if token.auto_finalize
        else KalturaNullableBoolean.FALSE_VALUE,
        attachedObjectType=token.attached_object_type or None,
        attachedObjectId=token.attached_object_id or None,
    )


def _owner(ctx: RequestContext) -> str | None:
    """The user whose tokens this session may touch, or None (an ADMIN session: any of the partner's)."""
    ks = ctx.require_ks()
    return None if ks.is_admin else ks.user_id


# Offsets and sizes beyond this are refused: they fit a float exactly and a BIGINT column with room.
MAX_BYTES = 2**53


def _whole(value: float) -> bool:
    return math.isfinite(value) and value == int(value) and abs(value) <= MAX_BYTES


def _whole_bytes(value: float | None, name: str) -> int | None:
    if value is None:
        return None
    if not _whole(value) or value < 0:
        raise errors.PROPERTY_VALIDATION_WRONG_FORMAT(name, "a whole number of bytes")
    return int(value)


@api_action("uploadToken", "add", permissions=_UPLOADERS)
def add(ctx: RequestContext, uploadToken: KalturaUploadToken | None = None) -> KalturaUploadToken:
    partner = ctx.require_partner()
    given = uploadToken or KalturaUploadToken()
    token = service.add(
        ctx.db,
        partner.id,
        ctx.require_ks().user_id,
        max_bytes=ctx.services.settings.max_file_bytes,
        file_name=(given.fileName or "")[:256],
        file_size=_whole_bytes(given.fileSize, "fileSize"),
        auto_finalize=given.autoFinalize == KalturaNullableBoolean.TRUE_VALUE,
    )
    return to_api(token)


@api_action("uploadToken", "get", permissions=_UPLOADERS)
def get(ctx: RequestContext, uploadTokenId: str) -> KalturaUploadToken:
    partner = ctx.require_partner()
    return to_api(service.find(ctx.db, partner.id, uploadTokenId, _owner(ctx)))


@api_action("uploadToken", "delete", permissions=_UPLOADERS)
def delete(ctx: RequestContext, uploadTokenId: str) -> None:
    partner = ctx.require_partner()
    service.remove(ctx.db, ctx.services.storage, partner.id, uploadTokenId, _owner(ctx))


def _csv(text: str | None) -> list[str] | None:
    if text is None:
        return None
    return [part.strip() for part in text.split(",") if part.strip()]


def _query(ctx: RequestContext, f: KalturaUploadTokenFilter | None) -> service.TokenQuery | None:
    """The filter as a query, or None when it can match nothing."""
    owner = _owner(ctx)
    q = service.TokenQuery(user_id=owner)
    if f is None:
        return q
    if f.userIdEqual is not None:
        if owner is not None and f.userIdEqual != owner:
            return None
        q.user_id = f.userIdEqual
    ids = _csv(f.idIn)
    if f.idEqual is not None:
        ids = [f.idEqual] if ids is None or f.idEqual in ids else []
    q.ids = ids
    statuses = None
    if f.statusIn is not None:
        statuses = [int(s) for s in _csv(f.statusIn) or [] if s.lstrip("-").isdigit() and len(s) < 10]
    if f.statusEqual is not None:
        statuses = [int(f.statusEqual)] if statuses is None or int(f.statusEqual) in statuses else []
    q.statuses = statuses
    q.file_name = f.fileNameEqual
    if f.fileSizeEqual is not None:
        size = f.fileSizeEqual
        if not _whole(size) or size < 0:
            return None
        q.file_size = int(size)
    return q


@api_action("uploadToken", "list", permissions=_UPLOADERS)
def list_tokens(
    ctx: RequestContext,
    filter: KalturaUploadTokenFilter | None = None,
    pager: KalturaFilterPager | None = None,
) -> KalturaUploadTokenListResponse:
    """The partner's tokens (a USER session: its own), newest first."""
    partner = ctx.require_partner()
    limit, offset = (pager or KalturaFilterPager()).limit_offset()
    query = _query(ctx, filter)
    if query is None:
        return KalturaUploadTokenListResponse(objects=[], totalCount=0)
    tokens, total = service.search(ctx.db, partner.id, query, limit, offset)
    return KalturaUploadTokenListResponse(objects=[to_api(t) for t in tokens], totalCount=total)


def _upload_in_place(
    ctx: RequestContext,
    uploadTokenId: str,
    resume: bool = False,
    finalChunk: bool = True,
    resumeAt: float = -1,
) -> InPlaceTarget | None:
    """A chunk whose offset is known up front goes straight into the token's assembly (when the storage
    can write in place), so its bytes are written once and the finished file needs no copy. The multipart
    reader stops such a chunk at ``max_file_bytes - offset`` bytes (FILE_SIZE_EXCEEDED), so the assembly
    never grows past the cap."""
    partner = ctx.require_partner()
    if not _whole(resumeAt):
        return None
    offset = service.in_place_offset(service.Chunk(resume=resume, final=finalChunk, resume_at=int(resumeAt)))
    token = service.find(ctx.db, partner.id, uploadTokenId, _owner(ctx))
    if offset is None or token.status not in UPLOADABLE or offset > ctx.services.settings.max_file_bytes:
        return None  # (starting past the size cap: staged, and refused by ``upload``)
    if not service.assembly_free_from(ctx.db, token, offset):
        return None  # a retry or an overlap: staged, so recorded bytes never change under a chunk
    return InPlaceTarget(service.assembly_key(partner.id, token.id), offset)


@api_action("uploadToken", "upload", permissions=_UPLOADERS, in_place=_upload_in_place)
def upload(
    ctx: RequestContext,
    uploadTokenId: str,
    fileData: UploadedFile,
    resume: bool = False,
    finalChunk: bool = True,
    resumeAt: float = -1,
) -> KalturaUploadToken:
    """One chunk (or the whole file). ``resume`` false starts at byte 0; ``resumeAt`` is the chunk's byte
    offset, -1 meaning right after the bytes received so far; ``finalChunk`` marks where the file ends.
    A chunk that would end past ``max_file_bytes`` is refused (FILE_SIZE_EXCEEDED)."""
    partner = ctx.require_partner()
    if not _whole(resumeAt):
        raise errors.PROPERTY_VALIDATION_WRONG_FORMAT("resumeAt", "a whole number of bytes")
    chunk = service.Chunk(resume=resume, final=finalChunk, resume_at=max(int(resumeAt), -1))
    token = service.upload(
        ctx.db,
        ctx.services.storage,
        partner.id,
        uploadTokenId,
        _owner(ctx),
        fileData.staged,
        chunk,
        max_bytes=ctx.services.settings.max_file_bytes,
        file_name=fileData.filename[:256],
    )
    return to_api(token)
