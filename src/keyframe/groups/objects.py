"""``KalturaGroupUser`` and its filter, as the official client knows them."""

from __future__ import annotations

from dataclasses import dataclass

from keyframe.kapi.types import KalturaListResponse, KalturaObjectBase, io, ro
from keyframe.users.objects import KalturaRelatedFilter


@dataclass(kw_only=True)
class KalturaGroupUser(KalturaObjectBase):
    id: str | None = ro()
    userId: str | None = io()
    groupId: str | None = io()
    status: int | None = ro()
    partnerId: int | None = ro()
    createdAt: int | None = ro()
    updatedAt: int | None = ro()
    creationMode: int | None = None
    userRole: int | None = None


@dataclass(kw_only=True)
class KalturaGroupUserBaseFilter(KalturaRelatedFilter):
    userIdEqual: str | None = None
    userIdIn: str | None = None
    groupIdEqual: str | None = None
    groupIdIn: str | None = None


@dataclass(kw_only=True)
class KalturaGroupUserFilter(KalturaGroupUserBaseFilter):
    pass


@dataclass(kw_only=True)
class KalturaGroupUserListResponse(KalturaListResponse):
    objects: list[KalturaGroupUser] | None = ro()
