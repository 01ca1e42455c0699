"""A user of a partner: the partner's own user id, optional login data, admin flag and status."""

from __future__ import annotations

from enum import IntEnum

from sqlalchemy import BigInteger, Boolean, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from keyframe.db import Base
from keyframe.partners.models import now


class UserStatus(IntEnum):
    BLOCKED = 0
    ACTIVE = 1
    DELETED = 2


class UserType(IntEnum):
    """Upstream's KalturaUserType: a GROUP is a user row whose members are in ``group_users``."""

    USER = 0
    GROUP = 1


class User(Base):
    __tablename__ = "users"
    __table_args__ = (UniqueConstraint("partner_id", "user_id"),)

    pk: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id", ondelete="CASCADE"))
    # The id the partner gives the user (Kaltura's "puser id"), e.g. an e-mail or an LMS id.
    user_id: Mapped[str] = mapped_column(String(256))
    type: Mapped[int] = mapped_column(Integer, default=UserType.USER)
    # Login ids are e-mails, stored lower-cased, unique across the whole install (as upstream).
    login_id: Mapped[str | None] = mapped_column(String(256), unique=True, nullable=True)
    password_hash: Mapped[str | None] = mapped_column(String(256), nullable=True)
    is_admin: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[int] = mapped_column(Integer, default=UserStatus.ACTIVE)
    email: Mapped[str] = mapped_column(String(256), default="")
    first_name: Mapped[str] = mapped_column(String(256), default="")
    last_name: Mapped[str] = mapped_column(String(256), default="")
    screen_name: Mapped[str] = mapped_column(String(256), default="")
    description: Mapped[str] = mapped_column(Text, default="")
    tags: Mapped[str] = mapped_column(Text, default="")
    partner_data: Mapped[str] = mapped_column(Text, default="")
    external_id: Mapped[str] = mapped_column(String(256), default="")
    is_account_owner: Mapped[bool] = mapped_column(Boolean, default=False)
    # Comma-separated UserRole ids; empty means the session kind's default role.
    role_ids: Mapped[str] = mapped_column(String(1024), default="")
    # Privileges that replace the requested ones on login (upstream's ksPrivileges).
    ks_privileges: Mapped[str] = mapped_column(Text, default="")
    # Login throttling: consecutive wrong passwords, and the time before which logins are refused.
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[int] = mapped_column(BigInteger, default=0)
    last_login_at: Mapped[int] = mapped_column(BigInteger, default=0)
    # KSs issued before this moment (milliseconds) are invalid: set on a password or login change, a block,
    # a delete, and when a (possibly reused) user id is created.
    sessions_valid_after_ms: Mapped[int] = mapped_column(BigInteger, default=0)
    created_at: Mapped[int] = mapped_column(BigInteger, default=now)
    updated_at: Mapped[int] = mapped_column(BigInteger, default=now, onupdate=now)
