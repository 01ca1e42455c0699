"""Server-side KS state: revoked KSs and the use counts of ``actionslimit`` KSs."""

from __future__ import annotations

from sqlalchemy import BigInteger, Boolean, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from keyframe.db import Base


class KsState(Base):
    """Keyed by the KS id (v2 hash / v1 signature) or by ``sha1(pid_sessionid)`` for a whole session group.

    Rows are kept until the KS they describe has expired; after that they can be purged.
    """

    __tablename__ = "ks_states"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    partner_id: Mapped[int] = mapped_column(Integer, index=True)
    revoked: Mapped[bool] = mapped_column(Boolean, default=False)
    actions_used: Mapped[int] = mapped_column(Integer, default=0)
    expires_at: Mapped[int] = mapped_column(BigInteger, index=True)
