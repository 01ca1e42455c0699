"""Category members (``categoryUser``): levels, statuses, join policies and inheritance (§3.3).

An INHERIT category has no members of its own: those of its nearest MANUAL ancestor (``inherited_parent_id``)
apply, and members are added there. A user is a member when the user or one of its groups is.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import ColumnElement, func, or_, select
from sqlalchemy.orm import Session, aliased

from keyframe.categories import tree
from keyframe.categories.models import (
    Category,
    CategoryUser,
    CategoryUserStatus,
    InheritanceType,
    PermissionLevel,
    UpdateMethod,
    UserJoinPolicy,
)
from keyframe.categories.service import members_source, membership
from keyframe.kapi import errors
from keyframe.partners.models import now
from keyframe.sqlfilters import contains, starts_with

# Upstream's max_users_per_category default is a deployment setting; this is Keyframe's.
MAX_USERS_PER_CATEGORY = 10_000

_NAMES = {
    PermissionLevel.MANAGER: ("CATEGORY_EDIT", "CATEGORY_MODERATE", "CATEGORY_CONTRIBUTE", "CATEGORY_VIEW"),
    PermissionLevel.MODERATOR: ("CATEGORY_MODERATE", "CATEGORY_VIEW"),
    PermissionLevel.CONTRIBUTOR: ("CATEGORY_CONTRIBUTE", "CATEGORY_VIEW"),
    PermissionLevel.MEMBER: ("CATEGORY_VIEW",),
    PermissionLevel.NONE: (),
}
_LEVEL_NAMES = frozenset(n for names in _NAMES.values() for n in names)


def permission_names(level: int, current: str = "") -> str:
    """The names a level gives; names that are not level names (custom ones) are kept."""
    kept = [n for n in current.split(",") if n and n not in _LEVEL_NAMES]
    return ",".join([*_NAMES[PermissionLevel(level)], *kept])


def find(db: Session, category_id: int, user_id: str) -> CategoryUser | None:
    return db.scalar(
        select(CategoryUser).where(CategoryUser.category_id == category_id, CategoryUser.user_id == user_id)
    )


def get(db: Session, category: Category, user_id: str) -> CategoryUser:
    row = find(db, category.id, user_id)
    if row is None:
        raise errors.INVALID_CATEGORY_USER_ID(category.id, user_id[:64])
    return row


def is_manager(db: Session, category: Category, user_id: str) -> bool:
    found = membership(db, category, user_id)
    return found is not None and found.permission_level == PermissionLevel.MANAGER


def level_of(db: Session, category: Category, user_id: str) -> int | None:
    found = membership(db, category, user_id)
    return None if found is None else found.permission_level


@dataclass(frozen=True)
class Adder:
    """Who adds a member: an unentitled admin session adds as asked; others join by the category's rules."""

    user_id: str
    privileged: bool  # an ADMIN session with entitlement not enforced


def add(
    db: Session,
    category: Category,
    user_id: str,
    level: int | None,
    adder: Adder,
    *,
    update_method: int = UpdateMethod.MANUAL,
    names: str | None = None,
) -> CategoryUser:
    """The add algorithm of §3.3."""
    if category.inheritance_type == InheritanceType.INHERIT:
        raise errors.CATEGORY_INHERIT_MEMBERS(members_source(category))
    if find(db, category.id, user_id) is not None:
        raise errors.CATEGORY_USER_ALREADY_EXISTS()
    total = db.scalar(
        select(func.count()).select_from(CategoryUser).where(CategoryUser.category_id == category.id)
    )
    if (total or 0) >= MAX_USERS_PER_CATEGORY:
        raise errors.CATEGORY_MAX_USER_REACHED(MAX_USERS_PER_CATEGORY)
    default = category.default_permission_level
    requested = default if level is None else level
    if adder.privileged or is_manager(db, category, adder.user_id):
        status, granted = CategoryUserStatus.ACTIVE, requested
    elif user_id != adder.user_id:
        # Joining is for oneself: only a manager (or an unentitled admin) adds somebody else.
        raise errors.CATEGORY_USER_JOIN_NOT_ALLOWED(category.id)
    elif category.user_join_policy == UserJoinPolicy.AUTO_JOIN:
        status, granted = CategoryUserStatus.ACTIVE, default
    elif category.user_join_policy == UserJoinPolicy.REQUEST_TO_JOIN:
        status, granted = CategoryUserStatus.PENDING, default
    else:
        raise errors.CATEGORY_USER_JOIN_NOT_ALLOWED(category.id)
    row = CategoryUser(
        partner_id=category.partner_id,
        category_id=category.id,
        user_id=user_id,
        permission_level=granted,
        status=status,
        update_method=update_method,
        permission_names=permission_names(granted, names or ""),
    )
    db.add(row)
    db.flush()
    tree.recount_members(db, category.id)
    return row


def make_manager(db: Session, category: Category, user_id: str) -> None:
    """The owner's membership: ACTIVE MANAGER, created or raised."""
    row = find(db, category.id, user_id)
    if row is None:
        row = CategoryUser(
            partner_id=category.partner_id,
            category_id=category.id,
            user_id=user_id,
            update_method=UpdateMethod.MANUAL,
        )
        db.add(row)
    row.permission_level = PermissionLevel.MANAGER
    row.permission_names = permission_names(PermissionLevel.MANAGER, row.permission_names or "")
    row.status = CategoryUserStatus.ACTIVE
    row.updated_at = now()
    db.flush()
    tree.recount_members(db, category.id)


def update(
    db: Session,
    category: Category,
    row: CategoryUser,
    *,
    level: int | None,
    names: str | None,
    update_method: int | None,
    override: bool,
) -> None:
    if row.update_method == UpdateMethod.MANUAL and update_method == UpdateMethod.AUTOMATIC and not override:
        raise errors.CANNOT_OVERRIDE_MANUAL_CHANGES()
    if level is not None and level != row.permission_level:
        if category.owner and row.user_id == category.owner:
            raise errors.CANNOT_UPDATE_CATEGORY_USER_OWNER()
        row.permission_level = level
        row.permission_names = permission_names(level, row.permission_names)
    if names is not None:
        row.permission_names = names
    if update_method is not None:
        row.update_method = update_method
    row.updated_at = now()
    db.flush()


def set_status(db: Session, category: Category, row: CategoryUser, status: int) -> None:
    if status != CategoryUserStatus.ACTIVE and category.owner and row.user_id == category.owner:
        raise errors.CANNOT_UPDATE_CATEGORY_USER_OWNER()
    row.status = status
    row.updated_at = now()
    db.flush()
    tree.recount_members(db, category.id)


def remove(db: Session, category: Category, row: CategoryUser) -> None:
    if category.owner and row.user_id == category.owner:
        raise errors.CANNOT_UPDATE_CATEGORY_USER_OWNER()
    db.delete(row)
    db.flush()
    tree.recount_members(db, category.id)


def copy_from_parent(db: Session, category: Category) -> int:
    """Copy the members that apply to the parent into this category (those not there yet)."""
    if category.parent_id is None:
        raise errors.CATEGORY_DOES_NOT_HAVE_PARENT_CATEGORY()
    parent = db.get(Category, category.parent_id)
    if parent is None:
        raise errors.CATEGORY_DOES_NOT_HAVE_PARENT_CATEGORY()
    existing = set(db.scalars(select(CategoryUser.user_id).where(CategoryUser.category_id == category.id)))
    copied = 0
    for source in db.scalars(
        select(CategoryUser)
        .where(CategoryUser.category_id == members_source(parent))
        .order_by(CategoryUser.id)
    ):
        if source.user_id in existing:
            continue
        db.add(
            CategoryUser(
                partner_id=category.partner_id,
                category_id=category.id,
                user_id=source.user_id,
                permission_level=source.permission_level,
                status=source.status,
                update_method=source.update_method,
                permission_names=source.permission_names,
            )
        )
        copied += 1
    db.flush()
    tree.recount_members(db, category.id)
    return copied


# --- list ----------------------------------------------------------------------------------------


@dataclass
class MemberQuery:
    category_ids: Sequence[int] | None = None
    user_ids: Sequence[str] | None = None
    levels: Sequence[int] | None = None
    statuses: Sequence[int] | None = None
    update_method: int | None = None
    full_ids_starts: str | None = None
    full_ids_equal: str | None = None
    names_all: Sequence[str] | None = None
    names_any: Sequence[str] | None = None
    free_text: str | None = None
    order: str | None = None
    viewer: Sequence[str] | None = None  # limit to these principals' rows and the categories they manage


def _visible_to(principals: Sequence[str]) -> ColumnElement[bool]:
    """Rows of these principals (a user and its groups), and every row of a category one of them manages."""
    manager = aliased(CategoryUser)
    managed = select(manager.category_id).where(
        manager.user_id.in_(list(principals)),
        manager.status == CategoryUserStatus.ACTIVE,
        manager.permission_level == PermissionLevel.MANAGER,
    )
    return or_(CategoryUser.user_id.in_(list(principals)), CategoryUser.category_id.in_(managed))


def _where(q: MemberQuery, partner_id: int) -> list[ColumnElement[bool]]:
    c: list[ColumnElement[bool]] = [CategoryUser.partner_id == partner_id]
    if q.category_ids is not None:
        c.append(CategoryUser.category_id.in_(list(q.category_ids)))
    if q.user_ids is not None:
        c.append(CategoryUser.user_id.in_(list(q.user_ids)))
    if q.levels is not None:
        c.append(CategoryUser.permission_level.in_(list(q.levels)))
    if q.statuses is not None:
        c.append(CategoryUser.status.in_(list(q.statuses)))
    if q.update_method is not None:
        c.append(CategoryUser.update_method == q.update_method)
    if q.full_ids_starts or q.full_ids_equal is not None:
        paths = select(Category.id).where(Category.partner_id == partner_id)
        if q.full_ids_starts:
            paths = paths.where(starts_with(Category.full_ids, q.full_ids_starts, ignore_case=False))
        if q.full_ids_equal is not None:
            paths = paths.where(Category.full_ids == q.full_ids_equal)
        c.append(CategoryUser.category_id.in_(paths))
    for name in q.names_all or ():
        c.append(CategoryUser.permission_names.like(f"%{name}%"))
    if q.names_any:
        c.append(or_(*(CategoryUser.permission_names.like(f"%{n}%") for n in q.names_any)))
    if q.free_text:
        c.append(contains(CategoryUser.user_id, q.free_text))
    if q.viewer is not None:
        c.append(_visible_to(q.viewer))
    return c


def search(
    db: Session, partner_id: int, q: MemberQuery, limit: int, offset: int
) -> tuple[list[CategoryUser], int]:
    where = _where(q, partner_id)
    total = db.scalar(select(func.count()).select_from(CategoryUser).where(*where)) or 0
    if offset >= total:
        return [], total
    order = (q.order or "+createdAt").strip()
    column = {"createdAt": CategoryUser.created_at, "updatedAt": CategoryUser.updated_at}.get(
        order.lstrip("+-"), CategoryUser.created_at
    )
    descending = order.startswith("-")
    stmt = (
        select(CategoryUser)
        .where(*where)
        .order_by(column.desc() if descending else column.asc(), CategoryUser.id)
        .limit(limit)
        .offset(offset)
    )
    return list(db.scalars(stmt)), total


def full_ids_of(db: Session, category_ids: Sequence[int]) -> dict[int, str]:
    if not category_ids:
        return {}
    rows = db.execute(select(Category.id, Category.full_ids).where(Category.id.in_(list(category_ids))))
    return {category_id: full_ids for category_id, full_ids in rows}
