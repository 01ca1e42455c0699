"""``KalturaCategory``, ``KalturaCategoryUser``, ``KalturaCategoryEntry``, their filters and enums, as the
official client knows them (reference §3.4)."""

from __future__ import annotations

from dataclasses import dataclass

from keyframe.categories.models import (
    AppearInListType,
    CategoryEntryStatus,
    CategoryStatus,
    CategoryUserStatus,
    ContributionPolicy,
    InheritanceType,
    PermissionLevel,
    PrivacyType,
    UpdateMethod,
    UserJoinPolicy,
)
from keyframe.kapi.types import KalturaListResponse, KalturaObjectBase, io, ro
from keyframe.users.objects import KalturaNullableBoolean, KalturaRelatedFilter

KalturaCategoryStatus = CategoryStatus
KalturaPrivacyType = PrivacyType
KalturaAppearInListType = AppearInListType
KalturaContributionPolicyType = ContributionPolicy
KalturaInheritanceType = InheritanceType
KalturaUserJoinPolicyType = UserJoinPolicy
KalturaCategoryUserPermissionLevel = PermissionLevel
KalturaCategoryUserStatus = CategoryUserStatus
KalturaUpdateMethodType = UpdateMethod
KalturaCategoryEntryStatus = CategoryEntryStatus


@dataclass(kw_only=True)
class KalturaCategory(KalturaObjectBase):
    id: int | None = ro()
    parentId: int | None = None
    depth: int | None = ro()
    partnerId: int | None = ro()
    name: str | None = None
    fullName: str | None = ro()
    fullIds: str | None = ro()
    entriesCount: int | None = ro()
    createdAt: int | None = ro()
    updatedAt: int | None = ro()
    description: str | None = None
    tags: str | None = None
    appearInList: AppearInListType | None = None
    privacy: PrivacyType | None = None
    inheritanceType: InheritanceType | None = None
    # Read-only over the API (a product decision upstream); set by the service's own callers.
    userJoinPolicy: UserJoinPolicy | None = ro()
    defaultPermissionLevel: PermissionLevel | None = None
    owner: str | None = None
    directEntriesCount: int | None = ro()
    referenceId: str | None = None
    contributionPolicy: ContributionPolicy | None = None
    membersCount: int | None = ro()
    pendingMembersCount: int | None = ro()
    privacyContext: str | None = None
    privacyContexts: str | None = ro()
    status: CategoryStatus | None = ro()
    inheritedParentId: int | None = ro()
    partnerSortValue: int | None = None
    partnerData: str | None = None
    defaultOrderBy: str | None = None
    directSubCategoriesCount: int | None = ro()
    moderation: KalturaNullableBoolean | None = None
    pendingEntriesCount: int | None = ro()
    isAggregationCategory: KalturaNullableBoolean | None = None
    aggregationCategories: str | None = None
    adminTags: str | None = None


@dataclass(kw_only=True)
class KalturaCategoryBaseFilter(KalturaRelatedFilter):
    idEqual: int | None = None
    idIn: str | None = None
    idNotIn: str | None = None
    parentIdEqual: int | None = None
    parentIdIn: str | None = None
    depthEqual: int | None = None
    fullNameEqual: str | None = None
    fullNameStartsWith: str | None = None
    fullNameIn: str | None = None
    fullIdsEqual: str | None = None
    fullIdsStartsWith: str | None = None
    fullIdsMatchOr: str | None = None
    createdAtGreaterThanOrEqual: int | None = None
    createdAtLessThanOrEqual: int | None = None
    updatedAtGreaterThanOrEqual: int | None = None
    updatedAtLessThanOrEqual: int | None = None
    tagsLike: str | None = None
    tagsMultiLikeOr: str | None = None
    tagsMultiLikeAnd: str | None = None
    appearInListEqual: AppearInListType | None = None
    privacyEqual: PrivacyType | None = None
    privacyIn: str | None = None
    inheritanceTypeEqual: InheritanceType | None = None
    inheritanceTypeIn: str | None = None
    referenceIdEqual: str | None = None
    referenceIdEmpty: KalturaNullableBoolean | None = None
    contributionPolicyEqual: ContributionPolicy | None = None
    membersCountGreaterThanOrEqual: int | None = None
    membersCountLessThanOrEqual: int | None = None
    pendingMembersCountGreaterThanOrEqual: int | None = None
    pendingMembersCountLessThanOrEqual: int | None = None
    privacyContextEqual: str | None = None
    statusEqual: CategoryStatus | None = None
    statusIn: str | None = None
    inheritedParentIdEqual: int | None = None
    inheritedParentIdIn: str | None = None
    partnerSortValueEqual: int | None = None
    partnerSortValueIn: str | None = None
    partnerSortValueGreaterThanOrEqual: int | None = None
    partnerSortValueLessThanOrEqual: int | None = None
    aggregationCategoriesMultiLikeOr: str | None = None
    aggregationCategoriesMultiLikeAnd: str | None = None


@dataclass(kw_only=True)
class KalturaCategoryFilter(KalturaCategoryBaseFilter):
    freeText: str | None = None
    membersIn: str | None = None
    nameOrReferenceIdStartsWith: str | None = None
    managerEqual: str | None = None
    memberEqual: str | None = None
    fullNameStartsWithIn: str | None = None
    ancestorIdIn: str | None = None
    idOrInheritedParentIdIn: str | None = None
    # A Keyframe extension: categories whose effective labels include this one.
    privacyContextsContains: str | None = None


@dataclass(kw_only=True)
class KalturaCategoryListResponse(KalturaListResponse):
    objects: list[KalturaCategory] | None = ro()


@dataclass(kw_only=True)
class KalturaCategoryUser(KalturaObjectBase):
    categoryId: int | None = io()
    userId: str | None = io()
    partnerId: int | None = ro()
    permissionLevel: PermissionLevel | None = None
    status: CategoryUserStatus | None = ro()
    createdAt: int | None = ro()
    updatedAt: int | None = ro()
    updateMethod: UpdateMethod | None = None
    categoryFullIds: str | None = ro()
    permissionNames: str | None = None


@dataclass(kw_only=True)
class KalturaCategoryUserBaseFilter(KalturaRelatedFilter):
    categoryIdEqual: int | None = None
    categoryIdIn: str | None = None
    userIdEqual: str | None = None
    userIdIn: str | None = None
    permissionLevelEqual: PermissionLevel | None = None
    permissionLevelIn: str | None = None
    statusEqual: CategoryUserStatus | None = None
    statusIn: str | None = None
    createdAtGreaterThanOrEqual: int | None = None
    createdAtLessThanOrEqual: int | None = None
    updatedAtGreaterThanOrEqual: int | None = None
    updatedAtLessThanOrEqual: int | None = None
    updateMethodEqual: UpdateMethod | None = None
    updateMethodIn: str | None = None
    categoryFullIdsStartsWith: str | None = None
    categoryFullIdsEqual: str | None = None
    permissionNamesMatchAnd: str | None = None
    permissionNamesMatchOr: str | None = None
    permissionNamesNotContains: str | None = None


@dataclass(kw_only=True)
class KalturaCategoryUserFilter(KalturaCategoryUserBaseFilter):
    categoryDirectMembers: bool | None = None
    freeText: str | None = None
    relatedGroupsByUserId: str | None = None


@dataclass(kw_only=True)
class KalturaCategoryUserListResponse(KalturaListResponse):
    objects: list[KalturaCategoryUser] | None = ro()


@dataclass(kw_only=True)
class KalturaCategoryEntry(KalturaObjectBase):
    categoryId: int | None = None
    entryId: str | None = None
    createdAt: int | None = ro()
    categoryFullIds: str | None = ro()
    status: CategoryEntryStatus | None = ro()
    creatorUserId: str | None = ro()


@dataclass(kw_only=True)
class KalturaCategoryEntryBaseFilter(KalturaRelatedFilter):
    categoryIdEqual: int | None = None
    categoryIdIn: str | None = None
    entryIdEqual: str | None = None
    entryIdIn: str | None = None
    createdAtGreaterThanOrEqual: int | None = None
    createdAtLessThanOrEqual: int | None = None
    categoryFullIdsStartsWith: str | None = None
    statusEqual: CategoryEntryStatus | None = None
    statusIn: str | None = None
    creatorUserIdEqual: str | None = None
    creatorUserIdIn: str | None = None


@dataclass(kw_only=True)
class KalturaCategoryEntryFilter(KalturaCategoryEntryBaseFilter):
    pass


@dataclass(kw_only=True)
class KalturaCategoryEntryListResponse(KalturaListResponse):
    objects: list[KalturaCategoryEntry] | None = ro()
