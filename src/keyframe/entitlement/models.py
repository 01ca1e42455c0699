"""Entitled users of an entry, one row per (entry, kind, user), so that the list rule finds a user's entries
through an index. The entry's ``entitled_users_*`` columns keep the API's comma lists for display."""

from __future__ import annotations

from sqlalchemy import ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from keyframe.categories.models import CategoryEntry
from keyframe.db import Base

ENTITLED_KINDS = ("edit", "publish", "view")


class EntryEntitledUser(Base):
    __tablename__ = "entry_entitled_users"
    __table_args__ = (Index("ix_entry_entitled_users_partner_user", "partner_id", "user_id", "entry_id"),)

    entry_id: Mapped[str] = mapped_column(
        ForeignKey("media_entries.id", ondelete="CASCADE"), primary_key=True
    )
    kind: Mapped[str] = mapped_column(String(16), primary_key=True)
    user_id: Mapped[str] = mapped_column(String(256), primary_key=True)
    partner_id: Mapped[int] = mapped_column(Integer)


# Indexes on the categories engineer's table that only the list rule needs (migrations 0008, 0010): from the
# categories a viewer may see to their entries (with the entries' state, so that a count reads the index
# alone), and from an entry to its live links.
Index(
    "ix_category_entries_category_status_entry_state",
    CategoryEntry.category_id,
    CategoryEntry.status,
    CategoryEntry.entry_id,
    CategoryEntry.entry_status,
    CategoryEntry.entry_moderation_status,
)
Index(
    "ix_category_entries_entry_status_category",
    CategoryEntry.entry_id,
    CategoryEntry.status,
    CategoryEntry.category_id,
)
