"""An upload token and the chunks received for it.

Each chunk is stored as its own object (under ``p/<partner>/uploads/<token>/parts/…``) and recorded here
with its byte offset, so chunks may arrive in any order, be retried, or arrive in parallel. Once the final
chunk has arrived and the chunks cover ``[0, end)`` without a gap they are composed into one object,
``file_key``; when an entry claims the token that key becomes the entry's.
"""

from __future__ import annotations

from enum import IntEnum

from sqlalchemy import BigInteger, Boolean, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from keyframe.db import Base
from keyframe.partners.models import now


class UploadTokenStatus(IntEnum):
    PENDING = 0
    PARTIAL_UPLOAD = 1
    FULL_UPLOAD = 2
    CLOSED = 3
    TIMED_OUT = 4
    DELETED = 5


# Statuses in which chunks are accepted.
UPLOADABLE = (UploadTokenStatus.PENDING, UploadTokenStatus.PARTIAL_UPLOAD)


class UploadToken(Base):
    __tablename__ = "upload_tokens"
    __table_args__ = (
        Index("ix_upload_tokens_partner_status", "partner_id", "status"),
        Index("ix_upload_tokens_status_updated", "status", "updated_at"),
    )

    # "0_" + 32 lowercase hex characters, as upstream's token ids.
    id: Mapped[str] = mapped_column(String(34), primary_key=True)
    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id", ondelete="CASCADE"))
    # The KS user who created the token ("" for a session without a user).
    user_id: Mapped[str] = mapped_column(String(256), default="")
    status: Mapped[int] = mapped_column(Integer, default=UploadTokenStatus.PENDING)
    file_name: Mapped[str] = mapped_column(String(256), default="")
    # The size the client announced (None: not announced); checked against what arrives.
    file_size: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    auto_finalize: Mapped[bool] = mapped_column(Boolean, default=False)
    # Bytes received contiguously from offset 0 (what a client resumes from).
    uploaded_size: Mapped[int] = mapped_column(BigInteger, default=0)
    # The end of the file as the final chunk says (its offset + size); None until a final chunk arrives.
    final_end: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    # The complete file, set at FULL_UPLOAD. Once CLOSED it belongs to the attached object: never deleted
    # through the token.
    file_key: Mapped[str | None] = mapped_column(String(512), nullable=True)
    attached_object_type: Mapped[str] = mapped_column(String(128), default="")
    attached_object_id: Mapped[str] = mapped_column(String(256), default="")
    created_at: Mapped[int] = mapped_column(BigInteger, default=now)
    updated_at: Mapped[int] = mapped_column(BigInteger, default=now, onupdate=now)


class UploadPart(Base):
    """One received chunk: bytes ``[offset, offset + size)`` of the file, stored under ``key``."""

    __tablename__ = "upload_parts"
    __table_args__ = (UniqueConstraint("token_id", "offset"),)

    pk: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    token_id: Mapped[str] = mapped_column(ForeignKey("upload_tokens.id", ondelete="CASCADE"))
    offset: Mapped[int] = mapped_column(BigInteger)
    size: Mapped[int] = mapped_column(BigInteger)
    key: Mapped[str] = mapped_column(String(512))
