"""Category rules: add, update (rename, move, entitlement fields), delete and the list query. Services flush;
the caller's transaction commits. The tree's derived data is kept by ``tree``; labels by ``contexts``."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, fields
from typing import Any, TypeVar

from sqlalchemy import (
    ColumnElement,
    Select,
    and_,
    delete,
    exists,
    func,
    literal,
    or_,
    select,
)
from sqlalchemy import update as sql_update
from sqlalchemy.orm import Session, aliased

from keyframe.categories import contexts, tree
from keyframe.categories.models import (
    AppearInListType,
    Category,
    CategoryAncestor,
    CategoryContext,
    CategoryEntry,
    CategoryStatus,
    CategoryUser,
    CategoryUserStatus,
    ContributionPolicy,
    InheritanceType,
    PermissionLevel,
    PrivacyType,
    UserJoinPolicy,
)
from keyframe.groups.models import GroupUser
from keyframe.kapi import errors
from keyframe.kapi.errors import KalturaAPIException
from keyframe.partners.models import now
from keyframe.sqlfilters import contains, starts_with, within
from keyframe.users.models import User
from keyframe.users.service import check_user_id
from keyframe.users.service import find as find_user

MAX_NAME_LENGTH = 128
# Upstream's limit: depths 0..7. It also bounds what one full name in an entry's ``categories`` can create.
MAX_CATEGORY_DEPTH = 8
_FORBIDDEN_IN_NAME = re.compile(r"[<>,]")
MAX_SHORT_LENGTH = 512
MAX_TEXT_LENGTH = 64 * 1024
_VISIBLE = (CategoryStatus.ACTIVE, CategoryStatus.UPDATING)
_Stmt = TypeVar("_Stmt", bound=Select[Any])


# --- lookup --------------------------------------------------------------------------------------


def find(db: Session, partner_id: int, category_id: int, *, for_update: bool = False) -> Category | None:
    """A category of the partner that is not deleted; ``for_update`` locks it for a change of the tree."""
    stmt = select(Category).where(
        Category.id == category_id, Category.partner_id == partner_id, Category.status.in_(_VISIBLE)
    )
    if for_update:
        tree.lock_tree(db, partner_id)
        stmt = stmt.with_for_update()
    return db.scalar(stmt)


def get(db: Session, partner_id: int, category_id: int, *, for_update: bool = False) -> Category:
    category = find(db, partner_id, category_id, for_update=for_update)
    if category is None:
        raise errors.CATEGORY_NOT_FOUND(category_id)
    return category


def by_full_name(db: Session, partner_id: int, full_name: str) -> Category | None:
    return db.scalar(
        select(Category).where(
            Category.partner_id == partner_id,
            Category.full_name == full_name,
            Category.status.in_(_VISIBLE),
        )
    )


def principals(db: Session, partner_id: int, user_id: str) -> list[str]:
    """The ids whose membership counts for a user: the user and the groups it belongs to."""
    if not user_id:
        return []
    groups = db.scalars(
        select(GroupUser.group_id).where(GroupUser.partner_id == partner_id, GroupUser.user_id == user_id)
    )
    return [user_id, *groups]


def membership(db: Session, category: Category, user_id: str) -> CategoryUser | None:
    """The user's strongest ACTIVE membership (direct or through a group) in the category whose members
    apply to ``category`` (itself, or its nearest MANUAL ancestor when it inherits)."""
    ids = principals(db, category.partner_id, user_id)
    if not ids:
        return None
    return db.scalar(
        select(CategoryUser)
        .where(
            CategoryUser.category_id == members_source(category),
            CategoryUser.user_id.in_(ids),
            CategoryUser.status == CategoryUserStatus.ACTIVE,
        )
        .order_by(CategoryUser.permission_level)
        .limit(1)
    )


def members_source(category: Category) -> int:
    return category.inherited_parent_id or category.id


# --- changes -------------------------------------------------------------------------------------


@dataclass
class Changes:
    """Fields a caller sets; None means "not given" (keep, or the default on add). ``parent_id`` 0 = top."""

    name: str | None = None
    parent_id: int | None = None
    privacy_context: str | None = None  # "" removes the labels
    privacy: int | None = None
    appear_in_list: int | None = None
    contribution_policy: int | None = None
    inheritance_type: int | None = None
    user_join_policy: int | None = None
    default_permission_level: int | None = None
    owner: str | None = None  # "" clears
    moderation: bool | None = None
    description: str | None = None
    tags: str | None = None
    reference_id: str | None = None
    partner_sort_value: int | None = None
    partner_data: str | None = None
    admin_tags: str | None = None
    default_order_by: str | None = None

    def given(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self) if getattr(self, f.name) is not None}


_PLAIN = (
    "description",
    "tags",
    "reference_id",
    "partner_sort_value",
    "partner_data",
    "admin_tags",
    "default_order_by",
    "moderation",
    "privacy",
    "appear_in_list",
    "contribution_policy",
)
_LIMITS = {
    "reference_id": MAX_SHORT_LENGTH,
    "default_order_by": 64,
    "description": MAX_TEXT_LENGTH,
    "tags": MAX_TEXT_LENGTH,
    "partner_data": MAX_TEXT_LENGTH,
    "admin_tags": MAX_TEXT_LENGTH,
}
_API_NAMES = {
    "reference_id": "referenceId",
    "default_order_by": "defaultOrderBy",
    "partner_data": "partnerData",
    "admin_tags": "adminTags",
}


@dataclass(frozen=True)
class Caller:
    """What the rules need to know about who calls."""

    user_id: str  # "" for a session without a user
    enforced: bool  # entitlement enforced for this session
    single_context_only: bool = False  # the partner has FEATURE_DISABLE_CATEGORY_LIMIT


@dataclass
class Outcome:
    """What a change did that the caller must follow up after commit."""

    category: Category
    propagate: list[int]  # categories whose subtree's labels must be propagated (a job)


def check_name(name: str) -> str:
    name = name.strip()
    if len(name) < 1:
        raise errors.PROPERTY_VALIDATION_MIN_LENGTH("name", 1)
    if len(name) > MAX_NAME_LENGTH:
        raise errors.PROPERTY_VALIDATION_MAX_LENGTH("name", MAX_NAME_LENGTH)
    if _FORBIDDEN_IN_NAME.search(name):
        raise errors.CATEGORY_NAME_CONTAINS_INVALID_CHARS()
    return name


def _check_lengths(changes: Changes) -> None:
    for name, limit in _LIMITS.items():
        value = getattr(changes, name)
        if isinstance(value, str) and len(value) > limit:
            raise errors.PROPERTY_VALIDATION_MAX_LENGTH(_API_NAMES.get(name, name), limit)


def _parent(db: Session, partner_id: int, parent_id: int | None) -> Category | None:
    if not parent_id:
        return None
    parent = find(db, partner_id, parent_id)
    if parent is None:
        raise errors.PARENT_CATEGORY_NOT_FOUND(parent_id)
    return parent


def _check_unique(db: Session, partner_id: int, full_name: str, itself: int | None = None) -> None:
    tree.lock_tree(db, partner_id)  # (taken already by a change of an existing category)
    clash = by_full_name(db, partner_id, full_name)
    if clash is not None and clash.id != itself:
        raise errors.DUPLICATE_CATEGORY(full_name)


def _check_no_context_defaults(changes: Changes) -> None:
    """Without any privacy context only the default (non-entitlement) values may be sent (§3.2)."""
    rules: tuple[tuple[Any, Any, errors.ErrorDef], ...] = (
        (
            changes.appear_in_list,
            AppearInListType.PARTNER_ONLY,
            errors.CANNOT_SET_APPEAR_IN_LIST_FIELD_WITH_NO_PRIVACY_CONTEXT,
        ),
        (
            changes.inheritance_type,
            InheritanceType.MANUAL,
            errors.CANNOT_SET_INHERITANCE_TYPE_FIELD_WITH_NO_PRIVACY_CONTEXT,
        ),
        (changes.privacy, PrivacyType.ALL, errors.CANNOT_SET_PRIVACY_FIELD_WITH_NO_PRIVACY_CONTEXT),
        (changes.owner or None, None, errors.CANNOT_SET_OWNER_FIELD_WITH_NO_PRIVACY_CONTEXT),
        (
            changes.user_join_policy,
            UserJoinPolicy.NOT_ALLOWED,
            errors.CANNOT_SET_USER_JOIN_POLICY_FIELD_WITH_NO_PRIVACY_CONTEXT,
        ),
        (
            changes.contribution_policy,
            ContributionPolicy.ALL,
            errors.CANNOT_SET_CONTIRUBUTION_POLICY_FIELD_WITH_NO_PRIVACY_CONTEXT,
        ),
        (
            changes.default_permission_level,
            PermissionLevel.MEMBER,
            errors.CANNOT_SET_DEFAULT_PERMISSION_LEVEL_FIELD_WITH_NO_PRIVACY_CONTEXT,
        ),
    )
    for value, default, error in rules:
        if value is not None and value != default:
            raise error()


def _check_inherit(changes: Changes, current: Category | None) -> None:
    """An INHERIT category takes owner, join policy and default level from its MANUAL ancestor."""
    inherits = changes.inheritance_type == InheritanceType.INHERIT or (
        changes.inheritance_type is None
        and current is not None
        and current.inheritance_type == InheritanceType.INHERIT
    )
    if not inherits:
        return
    checks: tuple[tuple[Any, Any, errors.ErrorDef], ...] = (
        (
            changes.owner or None,
            current.owner if current else None,
            errors.CANNOT_SET_OWNER_WHEN_CATEGORY_INHERIT_MEMBERS,
        ),
        (
            changes.user_join_policy,
            current.user_join_policy if current else None,
            errors.CANNOT_SET_USER_JOIN_POLICY_WHEN_CATEGORY_INHERIT_MEMBERS,
        ),
        (
            changes.default_permission_level,
            current.default_permission_level if current else None,
            errors.CANNOT_SET_DEFAULT_PERMISSION_LEVEL_WHEN_CATEGORY_INHERIT_MEMBERS,
        ),
    )
    for sent, existing, error in checks:
        if sent is not None and sent != existing:
            raise error()


def _check_labels(changes: Changes, caller: Caller) -> list[str] | None:
    if changes.privacy_context is None:
        return None
    if caller.enforced:
        raise errors.CANNOT_UPDATE_CATEGORY_PRIVACY_CONTEXT()
    labels = contexts.parse_labels(changes.privacy_context)
    if caller.single_context_only and len(labels) > 1:
        raise errors.CANNOT_SET_MULTI_PRIVACY_CONTEXT()
    return labels


def _ensure_owner(db: Session, partner_id: int, owner: str) -> None:
    """Upstream creates the owner's user when it does not exist (its id must be a valid user id)."""
    try:
        check_user_id(owner, "owner")
    except KalturaAPIException:
        raise errors.CANNOT_SET_OWNER_FIELD_WITH_USER_ID(owner[:64]) from None
    if find_user(db, partner_id, owner) is None:
        db.add(User(partner_id=partner_id, user_id=owner, screen_name=owner))
        db.flush()


def add(db: Session, partner_id: int, changes: Changes, caller: Caller) -> Outcome:
    name = check_name(changes.name or "")
    _check_lengths(changes)
    tree.lock_tree(db, partner_id)  # before reading the parent: its path may be changing
    parent = _parent(db, partner_id, changes.parent_id)
    if parent is not None and parent.depth + 1 >= MAX_CATEGORY_DEPTH:
        raise errors.MAX_CATEGORY_DEPTH_REACHED(MAX_CATEGORY_DEPTH)
    if parent is None and changes.inheritance_type == InheritanceType.INHERIT:
        raise errors.CANNOT_INHERIT_MEMBERS_WHEN_PARENT_CATEGORY_IS_NOT_SET()
    labels = _check_labels(changes, caller) or []
    inherited = contexts.effective_text(db, parent.id) if parent else ""
    if not labels and not inherited:
        _check_no_context_defaults(changes)
    _check_inherit(changes, None)
    full_name = f"{parent.full_name}{tree.SEPARATOR}{name}" if parent else name
    _check_unique(db, partner_id, full_name)
    owner = changes.owner or ""
    inherits = changes.inheritance_type == InheritanceType.INHERIT
    if (labels or inherited) and not owner and not inherits:
        owner = caller.user_id  # upstream: the creator owns a category of an entitled branch
    if owner:
        _ensure_owner(db, partner_id, owner)
    category = Category(
        partner_id=partner_id,
        parent_id=parent.id if parent else None,
        name=name,
        full_name=full_name,
        full_ids="",
        depth=parent.depth + 1 if parent else 0,
        status=CategoryStatus.ACTIVE,
        owner=owner,
        inheritance_type=changes.inheritance_type or InheritanceType.MANUAL,
        user_join_policy=changes.user_join_policy or UserJoinPolicy.NOT_ALLOWED,
        default_permission_level=(
            changes.default_permission_level
            if changes.default_permission_level is not None
            else PermissionLevel.MEMBER
        ),
        **{k: v for k, v in changes.given().items() if k in _PLAIN},
    )
    db.add(category)
    db.flush()
    category.full_ids = f"{parent.full_ids}{tree.SEPARATOR}{category.id}" if parent else str(category.id)
    tree.add_to_closure(db, category)
    contexts.set_own(db, category, labels)
    category.privacy_contexts = contexts.merge([inherited, ",".join(labels)])
    tree.refresh_inheritance(db, category.id)
    db.refresh(category)
    if owner and category.inheritance_type == InheritanceType.MANUAL:
        ensure_manager(db, category, owner)
    if parent is not None:
        tree.recount_sub_categories(db, [parent.id])
    db.refresh(category)
    return Outcome(category, [])


def by_path(db: Session, partner_id: int, full_name: str, creator: Caller | None = None) -> Category:
    """The category a full name (``"Portal>Sports>Football"``) names. With a ``creator``, the missing ones
    along the path are made by ``add``'s rules (upstream does this for an entry's ``categories``); without
    one, a missing category is CATEGORY_NOT_FOUND."""
    parts = full_name.split(tree.SEPARATOR)
    if len(parts) > MAX_CATEGORY_DEPTH:
        raise errors.MAX_CATEGORY_DEPTH_REACHED(MAX_CATEGORY_DEPTH)
    names = [check_name(part) for part in parts]
    found: Category | None = None
    for depth in range(len(names)):
        parent = found
        found = by_full_name(db, partner_id, tree.SEPARATOR.join(names[: depth + 1]))
        if found is None:
            if creator is None:
                raise errors.CATEGORY_NOT_FOUND(full_name[:128])
            made = Changes(name=names[depth], parent_id=parent.id if parent else None)
            found = add(db, partner_id, made, creator).category
    assert found is not None  # split always gives at least one part
    return found


def ensure_manager(db: Session, category: Category, user_id: str) -> None:
    """The owner is an ACTIVE MANAGER member (upstream adds the row when the owner is set)."""
    from keyframe.categories import members

    members.make_manager(db, category, user_id)


def update(db: Session, category: Category, changes: Changes, caller: Caller) -> Outcome:
    _check_lengths(changes)
    propagate: list[int] = []
    if changes.name is not None:
        changes.name = check_name(changes.name)
    moving = changes.parent_id is not None and (changes.parent_id or None) != category.parent_id
    new_parent = (
        _parent(db, category.partner_id, changes.parent_id)
        if moving
        else (find(db, category.partner_id, category.parent_id) if category.parent_id else None)
    )
    if changes.inheritance_type == InheritanceType.INHERIT and new_parent is None:
        raise errors.CANNOT_INHERIT_MEMBERS_WHEN_PARENT_CATEGORY_IS_NOT_SET()
    labels = _check_labels(changes, caller)
    own = labels if labels is not None else contexts.parse_labels(category.privacy_context)
    inherited = contexts.effective_text(db, new_parent.id) if new_parent else ""
    if not own and not inherited:
        _check_no_context_defaults(changes)
    _check_inherit(changes, category)
    if changes.owner:
        _ensure_owner(db, category.partner_id, changes.owner)
    if moving:
        move(db, category, new_parent)
        propagate.append(category.id)
    if changes.name is not None and changes.name != category.name:
        parent_path = category.full_name[: len(category.full_name) - len(category.name)]
        _check_unique(db, category.partner_id, parent_path + changes.name, category.id)
        tree.rename(db, category, changes.name)
        db.refresh(category)
    for name, value in changes.given().items():
        if name in _PLAIN or name in ("user_join_policy", "default_permission_level"):
            setattr(category, name, value)
    if changes.owner is not None:
        category.owner = changes.owner
    inheritance_changed = (
        changes.inheritance_type is not None and changes.inheritance_type != category.inheritance_type
    )
    if inheritance_changed:
        category.inheritance_type = changes.inheritance_type  # type: ignore[assignment]
        db.flush()
        tree.refresh_inheritance(db, category.id)
        db.refresh(category)
    if labels is not None and ",".join(labels) != category.privacy_context:
        contexts.set_own(db, category, labels)
        propagate.append(category.id)
    category.privacy_contexts = contexts.effective_text(db, category.id)
    if not category.privacy_contexts:
        reset_to_defaults(db, [category.id])
        db.refresh(category)
    category.updated_at = now()
    db.flush()
    if changes.owner and category.inheritance_type == InheritanceType.MANUAL:
        ensure_manager(db, category, changes.owner)
    db.refresh(category)
    return Outcome(category, sorted(set(propagate)))


def reset_to_defaults(db: Session, category_ids: Sequence[int]) -> None:
    """Categories left without any label revert to the non-entitlement defaults; the members of those that
    kept their own members (MANUAL) are removed, as upstream's batch does."""
    if not category_ids:
        return
    ids = list(category_ids)
    manual = list(
        db.scalars(
            select(Category.id).where(
                Category.id.in_(ids), Category.inheritance_type == InheritanceType.MANUAL
            )
        )
    )
    if manual:
        db.execute(delete(CategoryUser).where(CategoryUser.category_id.in_(manual)))
    db.execute(
        sql_update(Category)
        .where(Category.id.in_(ids))
        .values(
            privacy=PrivacyType.ALL,
            appear_in_list=AppearInListType.PARTNER_ONLY,
            contribution_policy=ContributionPolicy.ALL,
            inheritance_type=InheritanceType.MANUAL,
            inherited_parent_id=Category.id,
            user_join_policy=UserJoinPolicy.NOT_ALLOWED,
            default_permission_level=PermissionLevel.MEMBER,
            owner="",
            moderation=False,
            members_count=0,
            pending_members_count=0,
            updated_at=now(),
        ),
        execution_options={"synchronize_session": False},
    )
    db.expire_all()


def move(db: Session, category: Category, new_parent: Category | None) -> None:
    """Re-hang a category (and its subtree) under ``new_parent`` (None: the top level)."""
    if new_parent is not None:
        is_descendant = db.scalar(
            select(CategoryAncestor.category_id).where(
                CategoryAncestor.category_id == new_parent.id, CategoryAncestor.ancestor_id == category.id
            )
        )
        if is_descendant is not None:
            raise errors.PARENT_CATEGORY_IS_CHILD(new_parent.id, category.id)
    deepest = db.scalar(
        select(func.max(Category.depth)).where(
            Category.id.in_(tree.subtree_ids(category.id)), Category.status.in_(_VISIBLE)
        )
    )
    height = (deepest if deepest is not None else category.depth) - category.depth
    if (new_parent.depth + 1 if new_parent else 0) + height >= MAX_CATEGORY_DEPTH:
        raise errors.MAX_CATEGORY_DEPTH_REACHED(MAX_CATEGORY_DEPTH)
    full_name = f"{new_parent.full_name}{tree.SEPARATOR}{category.name}" if new_parent else category.name
    _check_unique(db, category.partner_id, full_name, category.id)
    old_ancestors = tree.ancestor_ids(db, category.id)[:-1]
    old_parent = category.parent_id
    tree.move_subtree(db, category, new_parent)
    db.refresh(category)
    new_ancestors = tree.ancestor_ids(db, category.id)[:-1]
    tree.recount_entries(db, [*old_ancestors, *new_ancestors])
    tree.recount_sub_categories(db, [old_parent, new_parent.id if new_parent else None])
    db.refresh(category)


def delete_category(db: Session, category: Category, *, move_entries_to_parent: bool) -> None:
    """Delete a category and its subtree (status DELETED). Their entries move to the category's parent, or
    leave the tree; their members are removed."""
    subtree: list[int] = list(db.scalars(tree.subtree_ids(category.id)))
    parent_id = category.parent_id
    # First, so that the subtree's rows are locked: a link being added into it (categories.entries.add
    # holds its category FOR SHARE) either commits before the statements below read the links, or finds
    # its category deleted.
    db.execute(
        sql_update(Category)
        .where(Category.id.in_(subtree))
        .values(status=CategoryStatus.DELETED, privacy_context="", updated_at=now()),
        execution_options={"synchronize_session": False},
    )
    if move_entries_to_parent and parent_id is not None:
        _move_links(db, subtree, parent_id)
    db.execute(delete(CategoryEntry).where(CategoryEntry.category_id.in_(subtree)))
    db.execute(delete(CategoryUser).where(CategoryUser.category_id.in_(subtree)))
    db.execute(delete(CategoryContext).where(CategoryContext.category_id.in_(subtree)))
    db.expire_all()
    if parent_id is not None:
        tree.recount_entries(db, tree.ancestor_ids(db, parent_id))
        tree.recount_sub_categories(db, [parent_id])


def _move_links(db: Session, subtree: list[int], parent_id: int) -> None:
    """Each entry linked in the subtree and not yet to the parent keeps one of its links, re-pointed to the
    parent (ACTIVE if any of its links was). Re-pointed, not copied: a concurrent change of the entry's
    state updates this same row (one waits for the other), so the state the link carries stays right."""
    other = aliased(CategoryEntry)
    in_subtree = and_(other.entry_id == CategoryEntry.entry_id, other.category_id.in_(subtree))
    kept = select(func.min(other.category_id)).where(in_subtree).scalar_subquery()
    best = select(func.max(other.status)).where(in_subtree).scalar_subquery()
    already = select(other.entry_id).where(other.category_id == parent_id)
    db.execute(
        sql_update(CategoryEntry)
        .where(
            CategoryEntry.category_id.in_(subtree),
            CategoryEntry.category_id == kept,
            CategoryEntry.entry_id.not_in(already),
        )
        .values(category_id=parent_id, status=best, created_at=now()),
        execution_options={"synchronize_session": False},
    )


# --- list ----------------------------------------------------------------------------------------


@dataclass
class CategoryQuery:
    ids: Sequence[int] | None = None
    parent_ids: Sequence[int] | None = None  # 0 = top level
    depth: int | None = None
    full_name_equal: str | None = None
    full_name_starts: str | None = None
    full_ids_starts: str | None = None
    full_ids_equal: str | None = None
    ancestor_ids: Sequence[int] | None = None
    name_or_reference_starts: str | None = None
    reference_ids: Sequence[str] | None = None
    privacy_context: str | None = None  # "*" = has its own labels
    privacy_contexts_contains: str | None = None
    statuses: Sequence[int] | None = None
    member: str | None = None
    manager: str | None = None
    free_text: str | None = None
    privacy: Sequence[int] | None = None
    appear_in_list: Sequence[int] | None = None
    inheritance_type: int | None = None
    created_from: int | None = None
    created_to: int | None = None
    updated_from: int | None = None
    updated_to: int | None = None
    order: str | None = None
    visible: ColumnElement[bool] | None = None  # the entitlement rule, when enforced (§3.8)


def _members_where(partner_id: int, user_id: str, *, managers: bool) -> ColumnElement[bool]:
    groups = select(GroupUser.group_id).where(
        GroupUser.partner_id == partner_id, GroupUser.user_id == user_id
    )
    conditions = [
        CategoryUser.category_id == func.coalesce(Category.inherited_parent_id, Category.id),
        CategoryUser.status == CategoryUserStatus.ACTIVE,
        or_(CategoryUser.user_id == user_id, CategoryUser.user_id.in_(groups)),
    ]
    if managers:
        conditions.append(CategoryUser.permission_level == PermissionLevel.MANAGER)
    else:
        conditions.append(CategoryUser.permission_level != PermissionLevel.NONE)
    return exists().where(*conditions)


_ORDERS: dict[str, Any] = {
    "name": Category.name,
    "fullName": Category.full_name,
    "createdAt": Category.created_at,
    "updatedAt": Category.updated_at,
    "depth": Category.depth,
    "partnerSortValue": Category.partner_sort_value,
    "entriesCount": Category.entries_count,
    "membersCount": Category.members_count,
    "directEntriesCount": Category.direct_entries_count,
    "directSubCategoriesCount": Category.direct_sub_categories_count,
}


def _where(stmt: _Stmt, partner_id: int, q: CategoryQuery) -> _Stmt:
    c: list[ColumnElement[bool]] = [Category.partner_id == partner_id]
    statuses = [s for s in (q.statuses or _VISIBLE) if s in _VISIBLE or q.statuses is not None]
    c.append(Category.status.in_(statuses))
    if q.ids is not None:
        c.append(Category.id.in_(list(q.ids)))
    if q.parent_ids is not None:
        tops = 0 in q.parent_ids
        others = [i for i in q.parent_ids if i]
        c.append(
            or_(Category.parent_id.in_(others), Category.parent_id.is_(None) if tops else literal(False))
        )
    if q.depth is not None:
        c.append(Category.depth == q.depth)
    if q.full_name_equal is not None:
        c.append(Category.full_name == q.full_name_equal)
    if q.full_name_starts:
        c.append(starts_with(Category.full_name, q.full_name_starts, ignore_case=False))
    if q.full_ids_starts:
        c.append(starts_with(Category.full_ids, q.full_ids_starts, ignore_case=False))
    if q.full_ids_equal is not None:
        c.append(Category.full_ids == q.full_ids_equal)
    if q.ancestor_ids is not None:
        strict = aliased(CategoryAncestor)
        c.append(
            Category.id.in_(
                select(strict.category_id).where(
                    strict.ancestor_id.in_(list(q.ancestor_ids)), strict.category_id != strict.ancestor_id
                )
            )
        )
    if q.name_or_reference_starts:
        c.append(
            or_(
                starts_with(Category.name, q.name_or_reference_starts, ignore_case=False),
                starts_with(Category.reference_id, q.name_or_reference_starts, ignore_case=False),
            )
        )
    if q.reference_ids is not None:
        c.append(Category.reference_id.in_(list(q.reference_ids)))
    if q.privacy_context is not None:
        if q.privacy_context == "*":
            c.append(Category.privacy_context != "")
        else:
            c.append(
                exists().where(
                    CategoryContext.category_id == Category.id, CategoryContext.context == q.privacy_context
                )
            )
    if q.privacy_contexts_contains:
        link = aliased(CategoryAncestor)
        c.append(
            exists().where(
                link.category_id == Category.id,
                CategoryContext.category_id == link.ancestor_id,
                CategoryContext.context == q.privacy_contexts_contains,
            )
        )
    if q.member is not None:
        c.append(_members_where(partner_id, q.member, managers=False))
    if q.manager is not None:
        c.append(_members_where(partner_id, q.manager, managers=True))
    if q.privacy is not None:
        c.append(Category.privacy.in_(list(q.privacy)))
    if q.appear_in_list is not None:
        c.append(Category.appear_in_list.in_(list(q.appear_in_list)))
    if q.inheritance_type is not None:
        c.append(Category.inheritance_type == q.inheritance_type)
    c.extend(
        within(
            [
                (Category.created_at, q.created_from, q.created_to),
                (Category.updated_at, q.updated_from, q.updated_to),
            ]
        )
    )
    if q.free_text:
        for word in q.free_text.split()[:10]:
            c.append(
                or_(
                    contains(Category.name, word),
                    contains(Category.description, word),
                    contains(Category.tags, word),
                    Category.reference_id == word,
                )
            )
    if q.visible is not None:
        c.append(q.visible)
    return stmt.where(and_(*c))


def search(
    db: Session, partner_id: int, query: CategoryQuery, limit: int, offset: int
) -> tuple[list[Category], int]:
    total = db.scalar(_where(select(func.count()).select_from(Category), partner_id, query)) or 0
    if offset >= total:
        return [], total
    stmt = _where(select(Category), partner_id, query)
    order = (query.order or "+fullName").strip()
    column = _ORDERS.get(order.lstrip("+-"), Category.full_name)
    descending = order.startswith("-")
    stmt = stmt.order_by(column.desc() if descending else column.asc(), Category.id)
    return list(db.scalars(stmt.limit(limit).offset(offset))), total


def counts_source(db: Session, category: Category) -> Category:
    """Whose member counts a category shows: its own, or (INHERIT) its MANUAL ancestor's."""
    source_id = members_source(category)
    if source_id == category.id:
        return category
    return db.get(Category, source_id) or category


def by_ids(db: Session, partner_id: int, ids: Sequence[int]) -> list[Category]:
    if not ids:
        return []
    return list(
        db.scalars(
            select(Category).where(
                Category.partner_id == partner_id, Category.id.in_(list(ids)), Category.status.in_(_VISIBLE)
            )
        )
    )
