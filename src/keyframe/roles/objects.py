"""``KalturaUserRole``, ``KalturaPermission`` and their filters and list responses."""

from __future__ import annotations

from dataclasses import dataclass

from keyframe.kapi.types import KalturaFilter, KalturaListResponse, KalturaObjectBase, ro
from keyframe.roles.catalogue import PermissionType
from keyframe.roles.models import RoleStatus

KalturaUserRoleStatus = RoleStatus
KalturaPermissionType = PermissionType


@dataclass(kw_only=True)
class KalturaUserRole(KalturaObjectBase):
    id: int | None = ro()
    name: str | None = None
    systemName: str | None = None
    description: str | None = None
    status: RoleStatus | None = None
    partnerId: int | None = ro()
    permissionNames: str | None = None
    tags: str | None = None
    createdAt: int | None = ro()
    updatedAt: int | None = ro()


@dataclass(kw_only=True)
class KalturaUserRoleFilter(KalturaFilter):
    idEqual: int | None = None
    idIn: str | None = None
    nameEqual: str | None = None
    systemNameEqual: str | None = None
    statusEqual: RoleStatus | None = None
    statusIn: str | None = None
    tagsMultiLikeOr: str | None = None


@dataclass(kw_only=True)
class KalturaUserRoleListResponse(KalturaListResponse):
    objects: list[KalturaUserRole] | None = ro()


@dataclass(kw_only=True)
class KalturaPermission(KalturaObjectBase):
    id: int | None = ro()
    type: PermissionType | None = ro()
    name: str | None = None
    friendlyName: str | None = None
    description: str | None = None
    status: int | None = None
    partnerId: int | None = ro()
    dependsOnPermissionNames: str | None = None
    tags: str | None = None
    permissionItemsIds: str | None = None
    partnerGroup: str | None = None
    createdAt: int | None = ro()
    updatedAt: int | None = ro()


@dataclass(kw_only=True)
class KalturaPermissionFilter(KalturaFilter):
    idEqual: int | None = None
    nameEqual: str | None = None
    nameIn: str | None = None
    typeEqual: PermissionType | None = None
    typeIn: str | None = None
    statusEqual: int | None = None


@dataclass(kw_only=True)
class KalturaPermissionListResponse(KalturaListResponse):
    objects: list[KalturaPermission] | None = ro()
