"""``vendor_integrations``: a row per linked vendor account and partner (upstream ``vendor_integration``)."""

from __future__ import annotations

from enum import IntEnum, StrEnum

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from keyframe.db import Base
from keyframe.partners.models import now


class VendorType(IntEnum):
    ZOOM_ACCOUNT = 1
    WEBEX_API_ACCOUNT = 2


class IntegrationStatus(IntEnum):
    DISABLED = 1
    ACTIVE = 2
    DELETED = 3


class AuthType(IntEnum):
    OAUTH = 0  # a Marketplace app installed by the account's admin: rotating refresh tokens
    SERVER_TO_SERVER = 1  # on-premises: account_credentials, no refresh token


class AuthStatus(StrEnum):
    AUTHORIZED = "authorized"
    NEEDS_REAUTHORIZATION = "needsReauthorization"  # a refresh failed for good: install the app again
    DEAUTHORIZED = "deauthorized"  # the app was removed in Zoom; its tokens are gone


class VendorIntegration(Base):
    __tablename__ = "vendor_integrations"
    __table_args__ = (
        # Upstream finds a Zoom account "including deleted" and moves it between partners; Keyframe keeps a
        # row per (account, partner) so a partner's history and audit stay its own.
        UniqueConstraint("vendor_type", "account_id", "partner_id", name="uq_vendor_integrations_account"),
        Index("ix_vendor_integrations_partner", "partner_id", "vendor_type", "status"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id", ondelete="CASCADE"))
    vendor_type: Mapped[int] = mapped_column(Integer, default=VendorType.ZOOM_ACCOUNT)
    account_id: Mapped[str] = mapped_column(String(64))
    status: Mapped[int] = mapped_column(Integer, default=IntegrationStatus.DISABLED)
    # The settings of reference §1.3 as JSON (``settings.ZoomSettings``): upstream's custom_data.
    settings: Mapped[str] = mapped_column(Text, default="{}")
    auth_type: Mapped[int] = mapped_column(Integer, default=AuthType.OAUTH)
    auth_status: Mapped[str] = mapped_column(String(32), default=AuthStatus.AUTHORIZED)
    # Encrypted with ``crypto.TokenCipher``; never stored or logged in clear. "" = none.
    access_token: Mapped[str] = mapped_column(Text, default="")
    refresh_token: Mapped[str] = mapped_column(Text, default="")
    access_expires_at: Mapped[int] = mapped_column(BigInteger, default=0)  # epoch seconds
    tokens_refreshed_at: Mapped[int] = mapped_column(BigInteger, default=0)
    zoom_user_id: Mapped[str] = mapped_column(String(64), default="")  # who installed the app
    last_error: Mapped[str] = mapped_column(Text, default="")
    last_error_at: Mapped[int] = mapped_column(BigInteger, default=0)
    created_at: Mapped[int] = mapped_column(BigInteger, default=now)
    updated_at: Mapped[int] = mapped_column(BigInteger, default=now)

    @property
    def token_binding(self) -> str:
        """The record the tokens are bound to (``TokenCipher``'s ``bound_to``): the row's natural key, known
        before the row is inserted and never changed (a row is never moved to another partner or account)."""
        return f"{self.__tablename__}:{int(self.vendor_type)}:{self.partner_id}:{self.account_id}"
