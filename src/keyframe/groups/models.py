"""Group membership: a group is a ``users`` row with type GROUP; members are users of the same partner."""

from __future__ import annotations

from sqlalchemy import BigInteger, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from keyframe.db import Base
from keyframe.partners.models import now


class GroupUser(Base):
    __tablename__ = "group_users"
    __table_args__ = (Index("ix_group_users_partner_user", "partner_id", "user_id"),)

    # Both are partner user ids (the API's ids), as category_users.user_id. User ids are unique per
    # partner only, so the partner is part of the key (two partners may both have a group "staff").
    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id", ondelete="CASCADE"), primary_key=True)
    group_id: Mapped[str] = mapped_column(String(256), primary_key=True)
    user_id: Mapped[str] = mapped_column(String(256), primary_key=True)
    created_at: Mapped[int] = mapped_column(BigInteger, default=now)
