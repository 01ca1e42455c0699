"""The Vendor plugin's API types as the official client knows them (``KalturaClient/Plugins/Vendor.py``),
plus Keyframe's extensions (marked): the account limit on the list, the authorization status, the code."""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum

from keyframe.kapi.types import KalturaListResponse, KalturaObjectBase, ro
from keyframe.users.objects import KalturaNullableBoolean
from keyframe.zoom.models import IntegrationStatus


class KalturaHandleParticipantsMode(IntEnum):
    ADD_AS_CO_PUBLISHERS = 0
    ADD_AS_CO_VIEWERS = 1
    IGNORE = 2
    ADD_AS_CO_EDITORS = 3
    ADD_AS_CO_EDITORS_CO_PUBLISHERS = 4


class KalturaZoomUsersMatching(IntEnum):
    DO_NOT_MODIFY = 0
    ADD_POSTFIX = 1
    REMOVE_POSTFIX = 2
    CMS_MATCHING = 3


class KalturaZoomUsersSearchMethod(IntEnum):
    EMAIL = 0
    EXTERNAL = 1


class KalturaZoomGroupParticipationType(IntEnum):
    NO_CLASSIFICATION = 0
    OPT_IN = 1
    OPT_OUT = 2


@dataclass(kw_only=True)
class KalturaIntegrationSetting(KalturaObjectBase):
    id: int | None = ro()
    status: IntegrationStatus | None = ro()
    defaultUserId: str | None = None
    accountId: str | None = ro()
    createUserIfNotExist: KalturaNullableBoolean | None = None
    conversionProfileId: int | None = None
    handleParticipantsMode: KalturaHandleParticipantsMode | None = None
    deletionPolicy: KalturaNullableBoolean | None = None
    createdAt: str | None = ro()  # strings upstream (a quirk the client keeps)
    updatedAt: str | None = ro()
    partnerId: int | None = ro()
    enableMeetingUpload: KalturaNullableBoolean | None = None
    enableMeetingChat: KalturaNullableBoolean | None = None


@dataclass(kw_only=True)
class KalturaZoomIntegrationSetting(KalturaIntegrationSetting):
    zoomCategory: str | None = None
    enableRecordingUpload: KalturaNullableBoolean | None = None
    zoomUserMatchingMode: KalturaZoomUsersMatching | None = None
    zoomUserPostfix: str | None = None
    zoomWebinarCategory: str | None = None
    enableWebinarUploads: KalturaNullableBoolean | None = None
    enableZoomTranscription: KalturaNullableBoolean | None = None
    zoomAccountDescription: str | None = None
    optOutGroupNames: str | None = None
    optInGroupNames: str | None = None
    groupParticipationType: KalturaZoomGroupParticipationType | None = None
    handleCohostsMode: KalturaHandleParticipantsMode | None = None
    handleAlternativeHostsMode: KalturaHandleParticipantsMode | None = None
    userSearchMethod: KalturaZoomUsersSearchMethod | None = None
    # Keyframe extensions (clients that do not know them ignore them).
    authorizationStatus: str | None = ro()  # authorized | needsReauthorization | deauthorized
    lastError: str | None = ro()


@dataclass(kw_only=True)
class KalturaZoomIntegrationSettingResponse(KalturaListResponse):
    objects: list[KalturaZoomIntegrationSetting] | None = ro()
    accountsLimit: int | None = ro()  # Keyframe extension: how many accounts the partner may link
    accountsUsed: int | None = ro()  # Keyframe extension: non-deleted integrations


@dataclass(kw_only=True)
class KalturaZoomIntegrationCode(KalturaObjectBase):
    """Keyframe extension: the integration code (a secret) and when it stops working."""

    code: str | None = ro()
    expiresAt: int | None = ro()
    expiresIn: int | None = ro()
