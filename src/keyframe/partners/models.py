"""A partner is one account: its id, secrets, status and session settings."""

from __future__ import annotations

import time
from enum import IntEnum

from sqlalchemy import BigInteger, Boolean, ForeignKey, Identity, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from keyframe.db import Base


class PartnerStatus(IntEnum):
    DELETED = 0
    ACTIVE = 1
    BLOCKED = 2
    FULL_BLOCK = 3
    READ_ONLY = 4


# Partner ids below this are reserved (upstream: 0 global, -1 batch, -2 admin console, 99 templates).
FIRST_PARTNER_ID = 100


def now() -> int:
    return int(time.time())


class Partner(Base):
    __tablename__ = "partners"
    __table_args__ = {"sqlite_autoincrement": True}

    id: Mapped[int] = mapped_column(Integer, Identity(start=FIRST_PARTNER_ID), primary_key=True)
    name: Mapped[str] = mapped_column(String(256))
    status: Mapped[int] = mapped_column(Integer, default=PartnerStatus.ACTIVE)
    admin_secret: Mapped[str] = mapped_column(String(64))
    secret: Mapped[str] = mapped_column(String(64))
    admin_name: Mapped[str] = mapped_column(String(256), default="")
    admin_email: Mapped[str] = mapped_column(String(256), default="")
    admin_user_id: Mapped[str] = mapped_column(String(256), default="")
    description: Mapped[str] = mapped_column(Text, default="")
    website: Mapped[str] = mapped_column(String(1024), default="")
    # Upstream caps session.start's expiry at ksMaxExpiryInSeconds (0/unset counts as 86400).
    ks_max_expiry: Mapped[int] = mapped_column(Integer, default=86_400)
    ks_version: Mapped[int] = mapped_column(Integer, default=2)
    # After partner.rotateSecret the replaced secret keeps working until its grace period ends.
    previous_admin_secret: Mapped[str] = mapped_column(String(64), default="")
    previous_admin_secret_until: Mapped[int] = mapped_column(BigInteger, default=0)
    previous_secret: Mapped[str] = mapped_column(String(64), default="")
    previous_secret_until: Mapped[int] = mapped_column(BigInteger, default=0)
    # A parent may impersonate and operate on its children (upstream's partner groups, simplified).
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("partners.id"), nullable=True, index=True)
    # Whether sessions are entitled by default (upstream's defaultEntitlementEnforcement; set by the CLI).
    default_entitlement_enforcement: Mapped[bool] = mapped_column(Boolean, default=False)
    # How many Zoom accounts the partner may link; None: the installation's KEYFRAME_ZOOM_ACCOUNTS_LIMIT.
    zoom_accounts_limit: Mapped[int | None] = mapped_column(Integer, nullable=True, default=None)
    created_at: Mapped[int] = mapped_column(BigInteger, default=now)
    updated_at: Mapped[int] = mapped_column(BigInteger, default=now, onupdate=now)

    @property
    def sub_partner_id(self) -> int:
        return self.id * 100

    @property
    def admin_secrets(self) -> tuple[str, ...]:
        """Every admin secret that may verify a KS now: the current one first (it signs new KSs), then a
        replaced one still in its grace period."""
        if self.previous_admin_secret and self.previous_admin_secret_until > time.time():
            return (self.admin_secret, self.previous_admin_secret)
        return (self.admin_secret,)

    @property
    def user_secrets(self) -> tuple[str, ...]:
        """Every user secret that may start a USER session now."""
        if self.previous_secret and self.previous_secret_until > time.time():
            return (self.secret, self.previous_secret)
        return (self.secret,)
