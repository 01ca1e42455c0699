"""A partner's user roles and the features (special permissions) enabled for it."""

from __future__ import annotations

from enum import IntEnum

from sqlalchemy import BigInteger, Boolean, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from keyframe.db import Base
from keyframe.partners.models import now


class RoleStatus(IntEnum):
    ACTIVE = 1
    BLOCKED = 2
    DELETED = 3


class UserRole(Base):
    __tablename__ = "user_roles"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(256))
    system_name: Mapped[str] = mapped_column(String(256), default="")
    description: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[int] = mapped_column(Integer, default=RoleStatus.ACTIVE)
    # Comma-separated permission names; "*" is every permission valid for the partner.
    permission_names: Mapped[str] = mapped_column(Text, default="")
    tags: Mapped[str] = mapped_column(String(1024), default="")
    # The partner's Publisher Administrator role: it cannot be deleted or lose its permissions.
    protected: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[int] = mapped_column(BigInteger, default=now)
    updated_at: Mapped[int] = mapped_column(BigInteger, default=now, onupdate=now)


class PartnerFeature(Base):
    """A feature permission (type SPECIAL_FEATURE or PLUGIN) that the operator enabled for a partner."""

    __tablename__ = "partner_features"

    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id", ondelete="CASCADE"), primary_key=True)
    name: Mapped[str] = mapped_column(String(128), primary_key=True)
    created_at: Mapped[int] = mapped_column(BigInteger, default=now)
