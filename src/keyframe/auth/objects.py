"""Session objects: ``KalturaSessionInfo`` and the session type enum."""

from __future__ import annotations

from dataclasses import dataclass

from keyframe.kapi.types import KalturaObjectBase, ro
from keyframe.ks import SessionType

KalturaSessionType = SessionType


@dataclass(kw_only=True)
class KalturaSessionInfo(KalturaObjectBase):
    ks: str | None = ro()
    sessionType: SessionType | None = ro()
    partnerId: int | None = ro()
    userId: str | None = ro()
    expiry: int | None = ro()
    privileges: str | None = ro()


@dataclass(kw_only=True)
class KalturaStartWidgetSessionResponse(KalturaObjectBase):
    partnerId: int | None = ro()
    ks: str | None = ro()
    userId: str | None = ro()
