"""Category tables: the tree (with its closure), own privacy contexts, members and entry links.

The entitlement SQL (``keyframe.entitlement``) reads these tables directly, so names are part of a contract:
- ``category_ancestors`` is the closure **including self** (a category is its own ancestor, depth 0);
- ``category_contexts`` holds each category's *own* labels; its effective labels are the own labels of its
  ancestors-or-self, which is correct at every moment, even while the propagation job is still updating the
  display column ``categories.privacy_contexts``;
- ``categories.inherited_parent_id`` names the category whose members apply (self when MANUAL);
- ``category_entries.entry_status`` / ``entry_moderation_status`` copy the entry's own, kept in step by
  ``copy_entry_state_to_links`` (below), so that counting the entries of given categories reads links alone.
"""

from __future__ import annotations

from enum import IntEnum
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Connection,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    event,
    inspect,
    update,
)
from sqlalchemy.orm import Mapped, mapped_column

from keyframe.db import Base
from keyframe.media.models import MediaEntry
from keyframe.partners.models import now


class CategoryStatus(IntEnum):
    UPDATING = 1
    ACTIVE = 2
    DELETED = 3
    PURGED = 4


class PrivacyType(IntEnum):
    ALL = 1
    AUTHENTICATED_USERS = 2
    MEMBERS_ONLY = 3


class AppearInListType(IntEnum):
    PARTNER_ONLY = 1
    CATEGORY_MEMBERS_ONLY = 3


class ContributionPolicy(IntEnum):
    ALL = 1
    MEMBERS_WITH_CONTRIBUTION_PERMISSION = 2


class InheritanceType(IntEnum):
    INHERIT = 1
    MANUAL = 2


class UserJoinPolicy(IntEnum):
    AUTO_JOIN = 1
    REQUEST_TO_JOIN = 2
    NOT_ALLOWED = 3


class PermissionLevel(IntEnum):
    MANAGER = 0
    MODERATOR = 1
    CONTRIBUTOR = 2
    MEMBER = 3
    NONE = 4


class CategoryUserStatus(IntEnum):
    ACTIVE = 1
    PENDING = 2
    NOT_ACTIVE = 3
    DELETED = 4


class UpdateMethod(IntEnum):
    MANUAL = 0
    AUTOMATIC = 1


class CategoryEntryStatus(IntEnum):
    PENDING = 1
    ACTIVE = 2
    DELETED = 3


class Category(Base):
    __tablename__ = "categories"
    __table_args__ = (
        Index("ix_categories_partner_parent", "partner_id", "parent_id"),
        Index("ix_categories_partner_full_name", "partner_id", "full_name"),
        Index("ix_categories_partner_reference", "partner_id", "reference_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id", ondelete="CASCADE"))
    # NULL = top level (the API's parentId 0).
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("categories.id"), nullable=True)
    name: Mapped[str] = mapped_column(String(255))
    full_name: Mapped[str] = mapped_column(String(2048))  # names joined by ">"
    full_ids: Mapped[str] = mapped_column(String(1024))  # ids joined by ">"
    depth: Mapped[int] = mapped_column(Integer, default=0)
    status: Mapped[int] = mapped_column(Integer, default=CategoryStatus.ACTIVE)
    # Own labels (comma list, '' when none) and, for display, the effective ones (kept by the job).
    privacy_context: Mapped[str] = mapped_column(String(1024), default="")
    privacy_contexts: Mapped[str] = mapped_column(Text, default="")
    privacy: Mapped[int] = mapped_column(Integer, default=PrivacyType.ALL)
    appear_in_list: Mapped[int] = mapped_column(Integer, default=AppearInListType.PARTNER_ONLY)
    contribution_policy: Mapped[int] = mapped_column(Integer, default=ContributionPolicy.ALL)
    inheritance_type: Mapped[int] = mapped_column(Integer, default=InheritanceType.MANUAL)
    # Whose members apply: self when MANUAL, the nearest MANUAL ancestor when INHERIT.
    inherited_parent_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    user_join_policy: Mapped[int] = mapped_column(Integer, default=UserJoinPolicy.NOT_ALLOWED)
    default_permission_level: Mapped[int] = mapped_column(Integer, default=PermissionLevel.MEMBER)
    owner: Mapped[str] = mapped_column(String(256), default="")
    moderation: Mapped[bool] = mapped_column(Boolean, default=False)
    members_count: Mapped[int] = mapped_column(Integer, default=0)
    pending_members_count: Mapped[int] = mapped_column(Integer, default=0)
    entries_count: Mapped[int] = mapped_column(Integer, default=0)
    direct_entries_count: Mapped[int] = mapped_column(Integer, default=0)
    direct_sub_categories_count: Mapped[int] = mapped_column(Integer, default=0)
    pending_entries_count: Mapped[int] = mapped_column(Integer, default=0)
    tags: Mapped[str] = mapped_column(Text, default="")
    reference_id: Mapped[str] = mapped_column(String(512), default="")
    partner_sort_value: Mapped[int] = mapped_column(Integer, default=0)
    partner_data: Mapped[str] = mapped_column(Text, default="")
    description: Mapped[str] = mapped_column(Text, default="")
    admin_tags: Mapped[str] = mapped_column(Text, default="")
    default_order_by: Mapped[str] = mapped_column(String(64), default="")
    created_at: Mapped[int] = mapped_column(BigInteger, default=now)
    updated_at: Mapped[int] = mapped_column(BigInteger, default=now, onupdate=now)


class CategoryAncestor(Base):
    """The closure of the tree, self included: one row per (category, ancestor-or-self)."""

    __tablename__ = "category_ancestors"
    __table_args__ = (Index("ix_category_ancestors_ancestor_id", "ancestor_id"),)

    category_id: Mapped[int] = mapped_column(
        ForeignKey("categories.id", ondelete="CASCADE"), primary_key=True
    )
    ancestor_id: Mapped[int] = mapped_column(
        ForeignKey("categories.id", ondelete="CASCADE"), primary_key=True
    )
    partner_id: Mapped[int] = mapped_column(Integer)


class CategoryContext(Base):
    """One of a category's own privacy-context labels."""

    __tablename__ = "category_contexts"
    __table_args__ = (Index("ix_category_contexts_partner_context", "partner_id", "context"),)

    category_id: Mapped[int] = mapped_column(
        ForeignKey("categories.id", ondelete="CASCADE"), primary_key=True
    )
    context: Mapped[str] = mapped_column(String(255), primary_key=True)
    partner_id: Mapped[int] = mapped_column(Integer)


class CategoryUser(Base):
    __tablename__ = "category_users"
    __table_args__ = (
        UniqueConstraint("category_id", "user_id", name="uq_category_users_category_user"),
        Index("ix_category_users_partner_user_status", "partner_id", "user_id", "status"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id", ondelete="CASCADE"))
    category_id: Mapped[int] = mapped_column(ForeignKey("categories.id", ondelete="CASCADE"))
    user_id: Mapped[str] = mapped_column(String(256))
    permission_level: Mapped[int] = mapped_column(Integer, default=PermissionLevel.MEMBER)
    status: Mapped[int] = mapped_column(Integer, default=CategoryUserStatus.ACTIVE)
    update_method: Mapped[int] = mapped_column(Integer, default=UpdateMethod.MANUAL)
    permission_names: Mapped[str] = mapped_column(String(1024), default="")
    created_at: Mapped[int] = mapped_column(BigInteger, default=now)
    updated_at: Mapped[int] = mapped_column(BigInteger, default=now, onupdate=now)


class CategoryEntry(Base):
    __tablename__ = "category_entries"
    __table_args__ = (Index("ix_category_entries_entry_id", "entry_id"),)

    category_id: Mapped[int] = mapped_column(
        ForeignKey("categories.id", ondelete="CASCADE"), primary_key=True
    )
    entry_id: Mapped[str] = mapped_column(
        ForeignKey("media_entries.id", ondelete="CASCADE"), primary_key=True
    )
    partner_id: Mapped[int] = mapped_column(Integer)
    status: Mapped[int] = mapped_column(Integer, default=CategoryEntryStatus.ACTIVE)
    creator_user_id: Mapped[str] = mapped_column(String(256), default="")
    created_at: Mapped[int] = mapped_column(BigInteger, default=now)
    # The entry's status and moderation status (no default: whoever links an entry copies them).
    entry_status: Mapped[int] = mapped_column(Integer)
    entry_moderation_status: Mapped[int] = mapped_column(Integer)


@event.listens_for(MediaEntry, "after_update")
def copy_entry_state_to_links(_mapper: Any, connection: Connection, entry: MediaEntry) -> None:
    """Whatever code changes an entry's status or moderation status, its links change with it, in the same
    flush (so in the same transaction, under the entry's row lock)."""
    attrs = inspect(entry).attrs
    # Only what changed: a column this flush did not write may have been changed meanwhile by another
    # transaction (READ COMMITTED), and its copy already follows that change.
    changed = {
        copy: getattr(entry, name)
        for name, copy in (("status", "entry_status"), ("moderation_status", "entry_moderation_status"))
        if attrs[name].history.has_changes()
    }
    if changed:
        connection.execute(update(CategoryEntry).where(CategoryEntry.entry_id == entry.id).values(**changed))
