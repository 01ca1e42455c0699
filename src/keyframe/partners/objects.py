"""``KalturaPartner`` and its enums, as the official client knows them."""

from __future__ import annotations

from dataclasses import dataclass

from keyframe.kapi.types import KalturaFilter, KalturaKeyValue, KalturaListResponse, KalturaObjectBase, io, ro
from keyframe.partners.models import PartnerStatus

KalturaPartnerStatus = PartnerStatus


@dataclass(kw_only=True)
class KalturaPartner(KalturaObjectBase):
    id: int | None = ro()
    name: str | None = None
    website: str | None = None
    notificationUrl: str | None = None
    appearInSearch: int | None = None
    createdAt: int | None = ro()
    adminName: str | None = None
    adminEmail: str | None = None
    description: str | None = None
    commercialUse: int | None = None
    landingPage: str | None = None
    userLandingPage: str | None = None
    contentCategories: str | None = None
    type: int | None = None
    phone: str | None = None
    describeYourself: str | None = None
    adultContent: bool | None = None
    defConversionProfileType: str | None = None
    notify: int | None = None
    status: PartnerStatus | None = ro()
    allowQuickEdit: int | None = None
    mergeEntryLists: int | None = None
    notificationsConfig: str | None = None
    maxUploadSize: int | None = None
    partnerPackage: int | None = ro()
    secret: str | None = ro()
    adminSecret: str | None = ro()
    cmsPassword: str | None = ro()
    allowMultiNotification: int | None = None
    adminLoginUsersQuota: int | None = ro()
    adminUserId: str | None = None
    firstName: str | None = None
    lastName: str | None = None
    country: str | None = None
    state: str | None = None
    additionalParams: list[KalturaKeyValue] | None = io()
    publishersQuota: int | None = ro()
    partnerGroupType: int | None = ro()
    defaultEntitlementEnforcement: bool | None = ro()
    defaultDeliveryType: str | None = ro()
    defaultEmbedCodeType: str | None = ro()
    partnerParentId: int | None = ro()
    crmId: str | None = ro()
    referenceId: str | None = None
    timeAlignedRenditions: bool | None = ro()
    eSearchLanguages: list[KalturaKeyValue] | None = ro()
    publisherEnvironmentType: int | None = ro()
    ovpEnvironmentUrl: str | None = ro()
    ottEnvironmentUrl: str | None = ro()
    authenticationType: int | None = ro()
    extendedFreeTrailExpiryReason: str | None = ro()
    extendedFreeTrailExpiryDate: int | None = ro()
    extendedFreeTrail: int | None = ro()
    extendedFreeTrailEndsWarning: bool | None = ro()
    eightyPercentWarning: int | None = ro()
    usageLimitWarning: int | None = ro()
    lastFreeTrialNotificationDay: int | None = ro()
    monitorUsage: int | None = ro()
    passwordStructureValidations: str | None = ro()
    passwordStructureValidationsDescription: str | None = ro()
    passReplaceFreq: int | None = ro()
    maxLoginAttempts: int | None = ro()
    loginBlockPeriod: int | None = ro()
    numPrevPassToKeep: int | None = ro()
    twoFactorAuthenticationMode: int | None = ro()
    isSelfServe: bool | None = ro()
    allowedDomains: str | None = ro()
    excludedAdminRoleName: str | None = ro()
    host: str | None = ro()
    cdnHost: str | None = ro()
    isFirstLogin: bool | None = ro()
    logoutUrl: str | None = ro()
    ksMaxExpiryInSeconds: int | None = ro()
    useSso: bool | None = None
    blockDirectLogin: bool | None = None
    useTwoFactorAuthentication: bool | None = ro()
    templatePartnerId: int | None = ro()
    subPartnerId: int | None = ro()  # Keyframe: the deprecated sub partner id (id followed by "00")


@dataclass(kw_only=True)
class KalturaPartnerFilter(KalturaFilter):
    idEqual: int | None = None
    idIn: str | None = None
    nameLike: str | None = None
    statusEqual: PartnerStatus | None = None


@dataclass(kw_only=True)
class KalturaPartnerListResponse(KalturaListResponse):
    objects: list[KalturaPartner] | None = ro()
