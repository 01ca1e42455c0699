"""One audit event. It names the KS by id only: never a secret, a password or a KS itself."""

from __future__ import annotations

from sqlalchemy import BigInteger, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from keyframe.db import Base
from keyframe.partners.models import now


class AuditEvent(Base):
    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    partner_id: Mapped[int] = mapped_column(Integer, index=True)
    created_at: Mapped[int] = mapped_column(BigInteger, default=now, index=True)
    # e.g. "user.login.failed", "partner.secret.rotated", "session.start.admin"
    action: Mapped[str] = mapped_column(String(128), index=True)
    object_type: Mapped[str] = mapped_column(String(64), default="")
    object_id: Mapped[str] = mapped_column(String(256), default="", index=True)
    user_id: Mapped[str] = mapped_column(String(256), default="", index=True)
    ks_id: Mapped[str] = mapped_column(String(64), default="")
    client_ip: Mapped[str] = mapped_column(String(64), default="")
    # Free-form JSON with details (never secrets).
    data: Mapped[str] = mapped_column(Text, default="")
