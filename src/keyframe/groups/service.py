"""Group membership rules: a group is a user of type GROUP; its members are users of the same partner."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from keyframe.groups.models import GroupUser
from keyframe.kapi import errors
from keyframe.users import service as users
from keyframe.users.models import UserType


def add(db: Session, partner_id: int, user_id: str, group_id: str) -> GroupUser:
    group = users.find(db, partner_id, group_id)
    if group is None or group.type != UserType.GROUP:
        raise errors.GROUP_NOT_FOUND()
    member = users.find(db, partner_id, user_id)
    if member is None:
        raise errors.INVALID_USER_ID()
    if member.type == UserType.GROUP:
        raise errors.INVALID_FIELD_VALUE("userId")  # groups do not nest
    if db.get(GroupUser, (partner_id, group_id, user_id)) is not None:
        raise errors.GROUP_USER_ALREADY_EXISTS()
    row = GroupUser(partner_id=partner_id, group_id=group_id, user_id=user_id)
    db.add(row)
    db.flush()
    return row


def remove(db: Session, partner_id: int, user_id: str, group_id: str) -> None:
    row = db.get(GroupUser, (partner_id, group_id, user_id))
    if row is None:
        raise errors.GROUP_USER_DOES_NOT_EXIST(user_id[:64], group_id[:64])
    db.delete(row)
    db.flush()


@dataclass
class GroupUserQuery:
    user_ids: Sequence[str] | None = None
    group_ids: Sequence[str] | None = None


def search(
    db: Session, partner_id: int, q: GroupUserQuery, limit: int, offset: int
) -> tuple[list[GroupUser], int]:
    c: list[ColumnElement[bool]] = [GroupUser.partner_id == partner_id]
    if q.user_ids is not None:
        c.append(GroupUser.user_id.in_(list(q.user_ids)))
    if q.group_ids is not None:
        c.append(GroupUser.group_id.in_(list(q.group_ids)))
    total = db.scalar(select(func.count()).select_from(GroupUser).where(*c)) or 0
    stmt = (
        select(GroupUser)
        .where(*c)
        .order_by(GroupUser.created_at, GroupUser.group_id, GroupUser.user_id)
        .limit(limit)
        .offset(offset)
    )
    return list(db.scalars(stmt)), total
