"""``KalturaUploadToken``, its filter and list response, as the official client knows them (§3.6)."""

from __future__ import annotations

from dataclasses import dataclass

from keyframe.kapi.types import KalturaFilter, KalturaListResponse, KalturaObjectBase, io, ro
from keyframe.uploads.models import UploadTokenStatus
from keyframe.users.objects import KalturaNullableBoolean

KalturaUploadTokenStatus = UploadTokenStatus


@dataclass(kw_only=True)
class KalturaUploadToken(KalturaObjectBase):
    id: str | None = ro()
    partnerId: int | None = ro()
    userId: str | None = ro()
    status: UploadTokenStatus | None = ro()
    fileName: str | None = io()
    fileSize: float | None = io()
    uploadedFileSize: float | None = ro()
    createdAt: int | None = ro()
    updatedAt: int | None = ro()
    uploadUrl: str | None = ro()
    autoFinalize: KalturaNullableBoolean | None = io()
    attachedObjectType: str | None = ro()
    attachedObjectId: str | None = ro()


@dataclass(kw_only=True)
class KalturaUploadTokenBaseFilter(KalturaFilter):
    idEqual: str | None = None
    idIn: str | None = None
    userIdEqual: str | None = None
    statusEqual: UploadTokenStatus | None = None
    statusIn: str | None = None
    fileNameEqual: str | None = None
    fileSizeEqual: float | None = None


@dataclass(kw_only=True)
class KalturaUploadTokenFilter(KalturaUploadTokenBaseFilter):
    pass


@dataclass(kw_only=True)
class KalturaUploadTokenListResponse(KalturaListResponse):
    objects: list[KalturaUploadToken] | None = ro()
