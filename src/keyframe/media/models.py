"""A media entry: a partner's clip with its metadata and (once attached) its stored content."""

from __future__ import annotations

from enum import IntEnum

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from keyframe.db import Base
from keyframe.partners.models import now


class EntryStatus(IntEnum):
    """Upstream's KalturaEntryStatus values (a string enum on the wire, stored as an integer)."""

    ERROR_IMPORTING = -2
    ERROR_CONVERTING = -1
    IMPORT = 0
    PRECONVERT = 1
    READY = 2
    DELETED = 3
    PENDING = 4
    MODERATE = 5
    BLOCKED = 6
    NO_CONTENT = 7


class ModerationStatus(IntEnum):
    PENDING_MODERATION = 1
    APPROVED = 2
    REJECTED = 3
    DELETED = 4
    FLAGGED_FOR_REVIEW = 5
    AUTO_APPROVED = 6


class MediaType(IntEnum):
    VIDEO = 1
    IMAGE = 2
    AUDIO = 5
    LIVE_STREAM_FLASH = 201
    LIVE_STREAM_WINDOWS_MEDIA = 202
    LIVE_STREAM_REAL_MEDIA = 203
    LIVE_STREAM_QUICKTIME = 204


MEDIA_CLIP = "1"  # KalturaEntryType.MEDIA_CLIP, the only entry type stored so far


class MediaEntry(Base):
    __tablename__ = "media_entries"
    __table_args__ = (
        # The list filters always name the partner and (by default) READY; these serve the usual orders.
        Index("ix_media_entries_partner_status_created", "partner_id", "status", "created_at"),
        Index("ix_media_entries_partner_status_updated", "partner_id", "status", "updated_at"),
        Index("ix_media_entries_partner_status_name", "partner_id", "status", "name"),
        # With the status, the owner's entries are found by this index alone when a list also filters on
        # state (SQLite otherwise prefers an index by status and reads every READY entry).
        Index("ix_media_entries_partner_user_status", "partner_id", "user_id", "status"),
        Index("ix_media_entries_partner_reference", "partner_id", "reference_id"),
    )

    # Kaltura's form: "0_" + 8 lowercase alphanumerics, unique across the install (as upstream).
    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id", ondelete="CASCADE"))
    type: Mapped[str] = mapped_column(String(64), default=MEDIA_CLIP)
    media_type: Mapped[int | None] = mapped_column(Integer, nullable=True)
    status: Mapped[int] = mapped_column(Integer, default=EntryStatus.NO_CONTENT)
    moderation_status: Mapped[int] = mapped_column(Integer, default=ModerationStatus.AUTO_APPROVED)
    name: Mapped[str] = mapped_column(String(256), default="")
    description: Mapped[str] = mapped_column(Text, default="")
    tags: Mapped[str] = mapped_column(Text, default="")
    admin_tags: Mapped[str] = mapped_column(Text, default="")
    # The owner (a partner user id) and who created the entry; both may be empty (an anonymous session).
    user_id: Mapped[str] = mapped_column(String(256), default="")
    creator_id: Mapped[str] = mapped_column(String(256), default="")
    reference_id: Mapped[str] = mapped_column(String(256), default="")
    partner_data: Mapped[str] = mapped_column(Text, default="")
    start_date: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    end_date: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    access_control_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    conversion_profile_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    partner_sort_value: Mapped[int] = mapped_column(Integer, default=0)
    credit_user_name: Mapped[str] = mapped_column(String(256), default="")
    credit_url: Mapped[str] = mapped_column(String(1024), default="")
    source_type: Mapped[str] = mapped_column(String(32), default="")
    # Content: where its bytes are stored and what is known about them. ``version`` counts content changes
    # (upstream's entry version; also the download ETag).
    content_key: Mapped[str | None] = mapped_column(String(512), nullable=True)
    content_size: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    content_type: Mapped[str] = mapped_column(String(128), default="")
    file_name: Mapped[str] = mapped_column(String(256), default="")
    duration_ms: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    width: Mapped[int | None] = mapped_column(Integer, nullable=True)
    height: Mapped[int | None] = mapped_column(Integer, nullable=True)
    # A KalturaUrlResource waiting to be fetched (status IMPORT), kept for the record afterwards.
    source_url: Mapped[str] = mapped_column(Text, default="")
    version: Mapped[int] = mapped_column(Integer, default=0)
    # entitledUsersEdit/Publish/View as ",u1,u2," (keyframe.entitlement keeps them and their index rows).
    entitled_users_edit: Mapped[str] = mapped_column(Text, default="")
    entitled_users_publish: Mapped[str] = mapped_column(Text, default="")
    entitled_users_view: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[int] = mapped_column(BigInteger, default=now)
    updated_at: Mapped[int] = mapped_column(BigInteger, default=now, onupdate=now)
