"""The audit trail as API objects (a Keyframe extension: upstream's audit plugin has other shapes)."""

from __future__ import annotations

from dataclasses import dataclass

from keyframe.kapi.types import KalturaFilter, KalturaListResponse, KalturaObjectBase, ro


@dataclass(kw_only=True)
class KalturaAuditTrail(KalturaObjectBase):
    """One recorded event. ``auditObjectType`` is the type of the object acted on (``objectType`` is the
    wire name of this object itself). ``data`` is a JSON object text; it never holds a secret or a KS."""

    id: int | None = ro()
    createdAt: int | None = ro()
    partnerId: int | None = ro()
    action: str | None = ro()
    auditObjectType: str | None = ro()
    objectId: str | None = ro()
    userId: str | None = ro()
    ksId: str | None = ro()
    clientIp: str | None = ro()
    data: str | None = ro()


@dataclass(kw_only=True)
class KalturaAuditTrailFilter(KalturaFilter):
    """``actionIn`` is a comma-separated list; ``orderBy`` is ``+createdAt`` or ``-createdAt`` (default)."""

    actionEqual: str | None = None
    actionIn: str | None = None
    auditObjectTypeEqual: str | None = None
    objectIdEqual: str | None = None
    userIdEqual: str | None = None
    createdAtGreaterThanOrEqual: int | None = None
    createdAtLessThanOrEqual: int | None = None


@dataclass(kw_only=True)
class KalturaAuditTrailListResponse(KalturaListResponse):
    objects: list[KalturaAuditTrail] | None = ro()
