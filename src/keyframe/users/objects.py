"""``KalturaUser``, its filter and enums, as the official client knows them (reference §3.2).

Keyframe stores the fields a partner's users need for identity, login and roles. The client's other
profile fields (address, language, gender, title, ...) are declared so requests that carry them decode,
but no column holds them yet: they are accepted and not stored, and always read back empty (see
``NOT_STORED``).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum

from keyframe.kapi.types import KalturaFilter, KalturaListResponse, KalturaObjectBase, io, ro
from keyframe.users.models import UserStatus

KalturaUserStatus = UserStatus


class KalturaUserType(IntEnum):
    USER = 0
    GROUP = 1
    APPLICATIVE_GROUP = 2


class KalturaUserMode(IntEnum):
    NONE = 0
    PROTECTED_USER = 1


class KalturaGender(IntEnum):
    UNKNOWN = 0
    MALE = 1
    FEMALE = 2


class KalturaNullableBoolean(IntEnum):
    NULL_VALUE = -1
    FALSE_VALUE = 0
    TRUE_VALUE = 1


@dataclass(kw_only=True)
class KalturaUserCapability(KalturaObjectBase):
    capability: str | None = None


@dataclass(kw_only=True)
class KalturaBaseUser(KalturaObjectBase):
    id: str | None = None
    partnerId: int | None = ro()
    screenName: str | None = None
    fullName: str | None = None
    email: str | None = None
    country: str | None = None
    state: str | None = None
    city: str | None = None
    zip: str | None = None
    thumbnailUrl: str | None = None
    description: str | None = None
    tags: str | None = None
    adminTags: str | None = None
    status: UserStatus | None = None
    createdAt: int | None = ro()
    updatedAt: int | None = ro()
    partnerData: str | None = None
    indexedPartnerDataInt: int | None = None
    indexedPartnerDataString: str | None = None
    storageSize: int | None = ro()
    language: str | None = None
    lastLoginTime: int | None = ro()
    statusUpdatedAt: int | None = ro()
    deletedAt: int | None = ro()
    allowedPartnerIds: str | None = None
    allowedPartnerPackages: str | None = None
    userMode: KalturaUserMode | None = None
    capabilities: list[KalturaUserCapability] | None = None


@dataclass(kw_only=True)
class KalturaUser(KalturaBaseUser):
    type: KalturaUserType | None = None
    dateOfBirth: int | None = None
    gender: KalturaGender | None = None
    isAdmin: bool | None = None
    isGuest: bool | None = io()
    roleIds: str | None = None
    roleNames: str | None = ro()
    isAccountOwner: bool | None = io()
    password: str | None = io()
    firstName: str | None = None
    lastName: str | None = None
    loginEnabled: bool | None = io()
    registrationInfo: str | None = None
    attendanceInfo: str | None = None
    title: str | None = None
    company: str | None = None
    ksPrivileges: str | None = None
    encryptedSeed: str | None = ro()
    isSsoExcluded: bool | None = None
    externalId: str | None = io()


# Client fields without a column: decoded (so their types are checked) but not stored.
NOT_STORED = frozenset(
    {
        "country",
        "state",
        "city",
        "zip",
        "thumbnailUrl",
        "adminTags",
        "indexedPartnerDataInt",
        "indexedPartnerDataString",
        "language",
        "allowedPartnerIds",
        "allowedPartnerPackages",
        "userMode",
        "capabilities",
        "dateOfBirth",
        "gender",
        "isGuest",
        "registrationInfo",
        "attendanceInfo",
        "title",
        "company",
        "isSsoExcluded",
    }
)


@dataclass(kw_only=True)
class KalturaRelatedFilter(KalturaFilter):
    pass


@dataclass(kw_only=True)
class KalturaBaseUserBaseFilter(KalturaRelatedFilter):
    partnerIdEqual: int | None = None
    screenNameLike: str | None = None
    screenNameStartsWith: str | None = None
    emailLike: str | None = None
    emailStartsWith: str | None = None
    tagsMultiLikeOr: str | None = None
    tagsMultiLikeAnd: str | None = None
    statusEqual: UserStatus | None = None
    statusIn: str | None = None
    createdAtGreaterThanOrEqual: int | None = None
    createdAtLessThanOrEqual: int | None = None
    updatedAtGreaterThanOrEqual: int | None = None
    updatedAtLessThanOrEqual: int | None = None


@dataclass(kw_only=True)
class KalturaBaseUserFilter(KalturaBaseUserBaseFilter):
    pass


@dataclass(kw_only=True)
class KalturaUserBaseFilter(KalturaBaseUserFilter):
    idEqual: str | None = None
    idIn: str | None = None
    typeEqual: KalturaUserType | None = None
    typeIn: str | None = None
    isAdminEqual: KalturaNullableBoolean | None = None
    firstNameStartsWith: str | None = None
    lastNameStartsWith: str | None = None


@dataclass(kw_only=True)
class KalturaUserFilter(KalturaUserBaseFilter):
    idOrScreenNameStartsWith: str | None = None
    loginEnabledEqual: KalturaNullableBoolean | None = None
    roleIdEqual: str | None = None
    roleIdsEqual: str | None = None
    roleIdsIn: str | None = None
    firstNameOrLastNameStartsWith: str | None = None
    permissionNamesMultiLikeOr: str | None = None
    permissionNamesMultiLikeAnd: str | None = None


@dataclass(kw_only=True)
class KalturaUserListResponse(KalturaListResponse):
    objects: list[KalturaUser] | None = ro()
