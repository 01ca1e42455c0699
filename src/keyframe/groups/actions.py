"""The ``groupUser`` service: put users into groups (a user is entitled through its groups' category
memberships). Changing groups needs the user-management permissions; reading them the user-list ones."""

from __future__ import annotations

from keyframe.auth.context import RequestContext
from keyframe.auth.roles import ADMIN_BASE, KMC_READ_ONLY
from keyframe.groups import service
from keyframe.groups.models import GroupUser
from keyframe.groups.objects import KalturaGroupUser, KalturaGroupUserFilter, KalturaGroupUserListResponse
from keyframe.kapi import errors
from keyframe.kapi.registry import api_action
from keyframe.kapi.types import KalturaFilterPager

CHANGE = ("ADMIN_USER_ADD", "ADMIN_USER_UPDATE")
READ = (ADMIN_BASE, KMC_READ_ONLY)
_ACTIVE = 1  # KalturaGroupUserStatus.ACTIVE


def to_api(row: GroupUser) -> KalturaGroupUser:
    return KalturaGroupUser(
        id=f"{row.group_id}:{row.user_id}",
        userId=row.user_id,
        groupId=row.group_id,
        status=_ACTIVE,
        partnerId=row.partner_id,
        createdAt=row.created_at,
        updatedAt=row.created_at,
    )


@api_action("groupUser", "add", permissions=CHANGE)
def add(ctx: RequestContext, groupUser: KalturaGroupUser) -> KalturaGroupUser:
    if not groupUser.userId:
        raise errors.PROPERTY_VALIDATION_CANNOT_BE_NULL("userId")
    if not groupUser.groupId:
        raise errors.PROPERTY_VALIDATION_CANNOT_BE_NULL("groupId")
    partner = ctx.require_partner()
    return to_api(service.add(ctx.db, partner.id, groupUser.userId, groupUser.groupId))


@api_action("groupUser", "delete", permissions=CHANGE)
def delete(ctx: RequestContext, userId: str, groupId: str) -> None:
    service.remove(ctx.db, ctx.require_partner().id, userId, groupId)


def _csv(text: str | None) -> list[str] | None:
    return None if text is None else [p.strip() for p in text.split(",") if p.strip()]


@api_action("groupUser", "list", permissions=READ)
def list_group_users(
    ctx: RequestContext, filter: KalturaGroupUserFilter | None = None, pager: KalturaFilterPager | None = None
) -> KalturaGroupUserListResponse:
    f = filter or KalturaGroupUserFilter()
    q = service.GroupUserQuery(
        user_ids=[f.userIdEqual] if f.userIdEqual else _csv(f.userIdIn),
        group_ids=[f.groupIdEqual] if f.groupIdEqual else _csv(f.groupIdIn),
    )
    limit, offset = (pager or KalturaFilterPager()).limit_offset()
    rows, total = service.search(ctx.db, ctx.require_partner().id, q, limit, offset)
    return KalturaGroupUserListResponse(objects=[to_api(r) for r in rows], totalCount=total)
