"""``KalturaBaseEntry`` → ``KalturaPlayableEntry`` → ``KalturaMediaEntry``, their filters, resources and
enums, as the official client knows them (reference §3.5).

Properties the client declares but Keyframe has no column for are declared (so requests carrying them
decode) and read back empty; filters declare only the conditions Keyframe applies, so a condition it cannot
apply is never silently dropped while looking applied.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum, IntEnum

from keyframe.kapi.types import KalturaListResponse, KalturaObjectBase, io, ro
from keyframe.media.models import MediaType, ModerationStatus
from keyframe.users.objects import KalturaNullableBoolean, KalturaRelatedFilter

KalturaMediaType = MediaType
KalturaEntryModerationStatus = ModerationStatus


class KalturaEntryStatus(Enum):
    ERROR_IMPORTING = "-2"
    ERROR_CONVERTING = "-1"
    IMPORT = "0"
    PRECONVERT = "1"
    READY = "2"
    DELETED = "3"
    PENDING = "4"
    MODERATE = "5"
    BLOCKED = "6"
    NO_CONTENT = "7"


class KalturaEntryType(Enum):
    AUTOMATIC = "-1"
    MEDIA_CLIP = "1"
    MIX = "2"
    PLAYLIST = "5"
    DATA = "6"
    LIVE_STREAM = "7"
    LIVE_CHANNEL = "8"
    DOCUMENT = "10"


class KalturaEntryDisplayInSearchType(IntEnum):
    SYSTEM = -1
    NONE = 0
    PARTNER_ONLY = 1
    KALTURA_NETWORK = 2


# --- entries -------------------------------------------------------------------------------------


@dataclass(kw_only=True)
class KalturaOperationAttributes(KalturaObjectBase):
    pass


@dataclass(kw_only=True)
class KalturaMultiLingualString(KalturaObjectBase):
    language: str | None = None
    value: str | None = None
    isDefault: int | None = ro()


@dataclass(kw_only=True)
class KalturaBaseEntry(KalturaObjectBase):
    id: str | None = ro()
    name: str | None = None
    description: str | None = None
    partnerId: int | None = ro()
    userId: str | None = None
    creatorId: str | None = io()
    tags: str | None = None
    adminTags: str | None = None
    categories: str | None = None
    categoriesIds: str | None = None
    status: KalturaEntryStatus | None = ro()
    moderationStatus: ModerationStatus | None = ro()
    moderationCount: int | None = ro()
    type: KalturaEntryType | None = None
    createdAt: int | None = ro()
    updatedAt: int | None = ro()
    rank: float | None = ro()
    totalRank: int | None = ro()
    votes: int | None = ro()
    groupId: int | None = None
    partnerData: str | None = None
    downloadUrl: str | None = ro()
    searchText: str | None = ro()
    licenseType: int | None = None
    version: int | None = ro()
    thumbnailUrl: str | None = ro()
    accessControlId: int | None = None
    startDate: int | None = None
    endDate: int | None = None
    referenceId: str | None = None
    replacingEntryId: str | None = ro()
    replacedEntryId: str | None = ro()
    replacementStatus: str | None = ro()
    partnerSortValue: int | None = None
    conversionProfileId: int | None = None
    redirectEntryId: str | None = None
    rootEntryId: str | None = ro()
    parentEntryId: str | None = None
    operationAttributes: list[KalturaOperationAttributes] | None = None
    entitledUsersEdit: str | None = None
    entitledUsersPublish: str | None = None
    entitledUsersView: str | None = None
    capabilities: str | None = ro()
    templateEntryId: str | None = io()
    displayInSearch: KalturaEntryDisplayInSearchType | None = None
    application: str | None = io()
    applicationVersion: str | None = io()
    blockAutoTranscript: bool | None = None
    defaultLanguage: str | None = ro()
    responseLanguage: str | None = ro()
    multiLingual_name: list[KalturaMultiLingualString] | None = None
    multiLingual_description: list[KalturaMultiLingualString] | None = None
    multiLingual_tags: list[KalturaMultiLingualString] | None = None


@dataclass(kw_only=True)
class KalturaPlayableEntry(KalturaBaseEntry):
    plays: int | None = ro()
    views: int | None = ro()
    lastPlayedAt: int | None = ro()
    width: int | None = ro()
    height: int | None = ro()
    duration: int | None = ro()
    msDuration: int | None = None
    durationType: str | None = ro()


@dataclass(kw_only=True)
class KalturaMediaEntry(KalturaPlayableEntry):
    mediaType: MediaType | None = io()
    conversionQuality: str | None = io()
    sourceType: str | None = io()
    sourceVersion: str | None = io()
    searchProviderType: int | None = io()
    searchProviderId: str | None = io()
    creditUserName: str | None = None
    creditUrl: str | None = None
    mediaDate: int | None = ro()
    dataUrl: str | None = ro()
    flavorParamsIds: str | None = ro()
    isTrimDisabled: KalturaNullableBoolean | None = ro()


# Client properties without a column: accepted on add/update and read back empty.
NOT_STORED = frozenset(
    {
        "categories",
        "groupId",
        "licenseType",
        "redirectEntryId",
        "parentEntryId",
        "operationAttributes",
        "templateEntryId",
        "displayInSearch",
        "application",
        "applicationVersion",
        "blockAutoTranscript",
        "multiLingual_name",
        "multiLingual_description",
        "multiLingual_tags",
        "conversionQuality",
        "sourceVersion",
        "searchProviderType",
        "searchProviderId",
    }
)


# --- resources (media.addContent) ----------------------------------------------------------------


@dataclass(kw_only=True)
class KalturaResource(KalturaObjectBase, abstract=True):
    pass


@dataclass(kw_only=True)
class KalturaContentResource(KalturaResource, abstract=True):
    pass


@dataclass(kw_only=True)
class KalturaDataCenterContentResource(KalturaContentResource, abstract=True):
    pass


@dataclass(kw_only=True)
class KalturaUploadedFileTokenResource(KalturaDataCenterContentResource):
    token: str | None = None


@dataclass(kw_only=True)
class KalturaUrlResource(KalturaContentResource):
    url: str | None = None
    forceAsyncDownload: bool | None = None


# --- filters -------------------------------------------------------------------------------------


@dataclass(kw_only=True)
class KalturaBaseEntryBaseFilter(KalturaRelatedFilter):
    idEqual: str | None = None
    idIn: str | None = None
    idNotIn: str | None = None
    nameLike: str | None = None
    nameMultiLikeOr: str | None = None
    nameMultiLikeAnd: str | None = None
    nameEqual: str | None = None
    partnerIdEqual: int | None = None
    userIdEqual: str | None = None
    userIdIn: str | None = None
    userIdNotIn: str | None = None
    creatorIdEqual: str | None = None
    tagsLike: str | None = None
    tagsMultiLikeOr: str | None = None
    tagsMultiLikeAnd: str | None = None
    adminTagsLike: str | None = None
    adminTagsMultiLikeOr: str | None = None
    adminTagsMultiLikeAnd: str | None = None
    categoriesIdsMatchAnd: str | None = None
    categoriesIdsMatchOr: str | None = None
    categoriesIdsNotContains: str | None = None
    categoriesIdsEmpty: KalturaNullableBoolean | None = None
    statusEqual: KalturaEntryStatus | None = None
    statusNotEqual: KalturaEntryStatus | None = None
    statusIn: str | None = None
    statusNotIn: str | None = None
    moderationStatusEqual: ModerationStatus | None = None
    moderationStatusNotEqual: ModerationStatus | None = None
    moderationStatusIn: str | None = None
    moderationStatusNotIn: str | None = None
    typeEqual: KalturaEntryType | None = None
    typeIn: str | None = None
    createdAtGreaterThanOrEqual: int | None = None
    createdAtLessThanOrEqual: int | None = None
    updatedAtGreaterThanOrEqual: int | None = None
    updatedAtLessThanOrEqual: int | None = None
    referenceIdEqual: str | None = None
    referenceIdIn: str | None = None


@dataclass(kw_only=True)
class KalturaBaseEntryFilter(KalturaBaseEntryBaseFilter):
    freeText: str | None = None
    descriptionLike: str | None = None
    categoryAncestorIdIn: str | None = None


@dataclass(kw_only=True)
class KalturaPlayableEntryBaseFilter(KalturaBaseEntryFilter):
    durationLessThan: int | None = None
    durationGreaterThan: int | None = None
    durationLessThanOrEqual: int | None = None
    durationGreaterThanOrEqual: int | None = None


@dataclass(kw_only=True)
class KalturaPlayableEntryFilter(KalturaPlayableEntryBaseFilter):
    pass


@dataclass(kw_only=True)
class KalturaMediaEntryBaseFilter(KalturaPlayableEntryFilter):
    mediaTypeEqual: MediaType | None = None
    mediaTypeIn: str | None = None


@dataclass(kw_only=True)
class KalturaMediaEntryFilter(KalturaMediaEntryBaseFilter):
    pass


@dataclass(kw_only=True)
class KalturaBaseEntryListResponse(KalturaListResponse):
    objects: list[KalturaBaseEntry] | None = ro()


@dataclass(kw_only=True)
class KalturaMediaListResponse(KalturaListResponse):
    objects: list[KalturaMediaEntry] | None = ro()
