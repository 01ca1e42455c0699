"""The tree's derived data, kept in the same transaction as the change: the closure table, ``full_name``,
``full_ids``, ``depth``, ``inherited_parent_id`` and the counters. Subtree rewrites are set-based SQL (one
statement per kind of change), never a Python loop over the rows."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import Select, and_, delete, distinct, func, insert, literal, select, update
from sqlalchemy.orm import Session, aliased

from keyframe.categories.models import (
    Category,
    CategoryAncestor,
    CategoryEntry,
    CategoryEntryStatus,
    CategoryStatus,
    CategoryUser,
    CategoryUserStatus,
    InheritanceType,
)
from keyframe.partners.models import Partner, now

SEPARATOR = ">"


def subtree_ids(category_id: int) -> Select[Any]:
    """The ids of a category and all its descendants (a subquery)."""
    return select(CategoryAncestor.category_id).where(CategoryAncestor.ancestor_id == category_id)


def lock_tree(db: Session, partner_id: int) -> None:
    """Every change of a partner's tree or of its links (add, rename, move, delete, label propagation, an
    entry linked, unlinked or approved) takes the partner's row lock before any category's: one order, so
    two changes cannot deadlock on PostgreSQL (SQLite's writers already take turns), and two adds of one
    name cannot both pass the name check. A link also locks its entry, before this (as an entry's own
    update does)."""
    db.scalar(select(Partner.id).where(Partner.id == partner_id).with_for_update())


def ancestor_ids(db: Session, category_id: int) -> list[int]:
    """Ancestors-or-self of a category, root first."""
    rows = db.execute(
        select(Category.id)
        .join(CategoryAncestor, CategoryAncestor.ancestor_id == Category.id)
        .where(CategoryAncestor.category_id == category_id)
        .order_by(Category.depth)
    )
    return [row[0] for row in rows]


def add_to_closure(db: Session, category: Category) -> None:
    """A new category: its parent's ancestors-or-self, plus itself."""
    if category.parent_id is not None:
        db.execute(
            insert(CategoryAncestor).from_select(
                ["category_id", "ancestor_id", "partner_id"],
                select(
                    literal(category.id), CategoryAncestor.ancestor_id, literal(category.partner_id)
                ).where(CategoryAncestor.category_id == category.parent_id),
            )
        )
    db.add(CategoryAncestor(category_id=category.id, ancestor_id=category.id, partner_id=category.partner_id))
    db.flush()


def move_subtree(db: Session, category: Category, new_parent: Category | None) -> None:
    """Re-hang ``category`` (and its subtree) under ``new_parent``: closure, paths and depths."""
    old_full_ids, old_full_name, old_depth = category.full_ids, category.full_name, category.depth
    subtree = subtree_ids(category.id).scalar_subquery()
    # 1. Forget the links from the subtree to the category's old strict ancestors.
    old_ancestors = select(CategoryAncestor.ancestor_id).where(
        CategoryAncestor.category_id == category.id, CategoryAncestor.ancestor_id != category.id
    )
    db.execute(
        delete(CategoryAncestor).where(
            CategoryAncestor.category_id.in_(subtree),
            CategoryAncestor.ancestor_id.in_(old_ancestors.scalar_subquery()),
        ),
        execution_options={"synchronize_session": False},
    )
    # 2. Link every node of the subtree to every ancestor-or-self of the new parent.
    if new_parent is not None:
        below = aliased(CategoryAncestor)
        above = aliased(CategoryAncestor)
        db.execute(
            insert(CategoryAncestor).from_select(
                ["category_id", "ancestor_id", "partner_id"],
                select(below.category_id, above.ancestor_id, literal(category.partner_id))
                .select_from(below)
                .join(above, above.category_id == new_parent.id)
                .where(below.ancestor_id == category.id),
            )
        )
    # 3. Paths and depths: replace the old prefix with the new one in the whole subtree.
    new_full_ids = _join(new_parent.full_ids if new_parent else None, str(category.id))
    new_full_name = _join(new_parent.full_name if new_parent else None, category.name)
    new_depth = new_parent.depth + 1 if new_parent else 0
    category.parent_id = new_parent.id if new_parent else None
    db.flush()
    _rewrite_prefixes(db, category.id, old_full_ids, new_full_ids, old_full_name, new_full_name)
    db.execute(
        update(Category)
        .where(Category.id.in_(subtree_ids(category.id).scalar_subquery()))
        .values(depth=Category.depth + (new_depth - old_depth), updated_at=now()),
        execution_options={"synchronize_session": False},
    )
    refresh_inheritance(db, category.id)
    db.expire_all()


def rename(db: Session, category: Category, new_name: str) -> None:
    """A new name: the ``full_name`` of the category and all its descendants changes."""
    old_full_name = category.full_name
    parent_path = old_full_name[: len(old_full_name) - len(category.name)]
    category.name = new_name
    db.flush()
    _rewrite_prefixes(
        db, category.id, category.full_ids, category.full_ids, old_full_name, parent_path + new_name
    )
    db.expire_all()


def _join(prefix: str | None, item: str) -> str:
    return f"{prefix}{SEPARATOR}{item}" if prefix else item


def _rewrite_prefixes(
    db: Session, root_id: int, old_ids: str, new_ids: str, old_name: str, new_name: str
) -> None:
    # substr is 1-based on both SQLite and PostgreSQL; each row keeps what follows the old prefix.
    db.execute(
        update(Category)
        .where(Category.id.in_(subtree_ids(root_id).scalar_subquery()))
        .values(
            full_ids=literal(new_ids) + func.substr(Category.full_ids, len(old_ids) + 1),
            full_name=literal(new_name) + func.substr(Category.full_name, len(old_name) + 1),
        ),
        execution_options={"synchronize_session": False},
    )


def refresh_inheritance(db: Session, root_id: int) -> None:
    """``inherited_parent_id`` for the subtree of ``root_id``: self when MANUAL, else the nearest MANUAL
    ancestor (the deepest one)."""
    in_subtree = Category.id.in_(subtree_ids(root_id).scalar_subquery())
    db.execute(
        update(Category)
        .where(in_subtree, Category.inheritance_type == InheritanceType.MANUAL)
        .values(inherited_parent_id=Category.id),
        execution_options={"synchronize_session": False},
    )
    link = aliased(CategoryAncestor)
    source = aliased(Category)
    nearest_manual = (
        select(source.id)
        .join(link, link.ancestor_id == source.id)
        .where(link.category_id == Category.id, source.inheritance_type == InheritanceType.MANUAL)
        .order_by(source.depth.desc())
        .limit(1)
        .scalar_subquery()
    )
    db.execute(
        update(Category)
        .where(in_subtree, Category.inheritance_type == InheritanceType.INHERIT)
        .values(inherited_parent_id=nearest_manual),
        execution_options={"synchronize_session": False},
    )


# --- counters ------------------------------------------------------------------------------------


def recount_entries(db: Session, category_ids: Iterable[int]) -> None:
    """Recompute the entry counters of these categories from ``category_entries`` (after a move or a
    delete, where increments would be error-prone). ``entries_count``: distinct ACTIVE entries of the
    subtree."""
    ids = sorted(set(category_ids))
    if not ids:
        return
    link = aliased(CategoryAncestor)
    in_subtree = (
        select(func.count(distinct(CategoryEntry.entry_id)))
        .join(link, link.category_id == CategoryEntry.category_id)
        .where(link.ancestor_id == Category.id, CategoryEntry.status == CategoryEntryStatus.ACTIVE)
        .scalar_subquery()
    )
    direct = _direct_count(CategoryEntryStatus.ACTIVE)
    pending = _direct_count(CategoryEntryStatus.PENDING)
    db.execute(
        update(Category)
        .where(Category.id.in_(ids))
        .values(entries_count=in_subtree, direct_entries_count=direct, pending_entries_count=pending),
        execution_options={"synchronize_session": False},
    )
    db.expire_all()


def _direct_count(status: int) -> object:
    return (
        select(func.count())
        .select_from(CategoryEntry)
        .where(CategoryEntry.category_id == Category.id, CategoryEntry.status == status)
        .scalar_subquery()
    )


def shift_entries_count(db: Session, category_id: int, entry_id: str, delta: int) -> None:
    """An ACTIVE link of ``entry_id`` to ``category_id`` appears (+1) or goes (-1): ancestors-or-self whose
    subtree holds no other ACTIVE link of the entry change their ``entries_count``; the category itself its
    ``direct_entries_count``. Called while the link is not (or no longer) ACTIVE in the table."""
    other = aliased(CategoryEntry)
    link = aliased(CategoryAncestor)
    already_counted = (
        select(other.entry_id)
        .join(link, link.category_id == other.category_id)
        .where(
            link.ancestor_id == Category.id,
            other.entry_id == entry_id,
            other.status == CategoryEntryStatus.ACTIVE,
            other.category_id != category_id,
        )
        .exists()
    )
    ancestors = select(CategoryAncestor.ancestor_id).where(CategoryAncestor.category_id == category_id)
    db.execute(
        update(Category)
        .where(Category.id.in_(ancestors.scalar_subquery()), ~already_counted)
        .values(entries_count=Category.entries_count + delta),
        execution_options={"synchronize_session": False},
    )
    db.execute(
        update(Category)
        .where(Category.id == category_id)
        .values(direct_entries_count=Category.direct_entries_count + delta),
        execution_options={"synchronize_session": False},
    )
    db.expire_all()


def recount_pending_entries(db: Session, category_id: int) -> None:
    db.execute(
        update(Category)
        .where(Category.id == category_id)
        .values(pending_entries_count=_direct_count(CategoryEntryStatus.PENDING)),
        execution_options={"synchronize_session": False},
    )
    db.expire_all()


def recount_sub_categories(db: Session, category_ids: Iterable[int | None]) -> None:
    ids = sorted({i for i in category_ids if i is not None})
    if not ids:
        return
    child = aliased(Category)
    db.execute(
        update(Category)
        .where(Category.id.in_(ids))
        .values(
            direct_sub_categories_count=select(func.count())
            .select_from(child)
            .where(child.parent_id == Category.id, child.status == CategoryStatus.ACTIVE)
            .scalar_subquery()
        ),
        execution_options={"synchronize_session": False},
    )
    db.expire_all()


def recount_members(db: Session, category_id: int) -> None:
    def count(status: int) -> object:
        return (
            select(func.count())
            .select_from(CategoryUser)
            .where(and_(CategoryUser.category_id == Category.id, CategoryUser.status == status))
            .scalar_subquery()
        )

    db.execute(
        update(Category)
        .where(Category.id == category_id)
        .values(
            members_count=count(CategoryUserStatus.ACTIVE),
            pending_members_count=count(CategoryUserStatus.PENDING),
        ),
        execution_options={"synchronize_session": False},
    )
    db.expire_all()
