"""Jobs as API objects (a Keyframe extension: upstream's batch jobs have other shapes).

A partner sees its own jobs' kind, subject, status, attempts, times, progress and last error; never the
payload (it may hold data meant only for the worker) nor which machine holds the lease.
"""

from __future__ import annotations

from dataclasses import dataclass

from keyframe.kapi.types import KalturaFilter, KalturaListResponse, KalturaObjectBase, ro


@dataclass(kw_only=True)
class KalturaKeyframeJob(KalturaObjectBase):
    """Times are Unix seconds. ``status`` is pending, running, succeeded or failed."""

    id: int | None = ro()
    kind: str | None = ro()
    subjectId: str | None = ro()
    partnerId: int | None = ro()
    status: str | None = ro()
    attempts: int | None = ro()
    maxAttempts: int | None = ro()
    nextAttemptAt: int | None = ro()
    lastError: str | None = ro()
    progress: float | None = ro()
    progressNote: str | None = ro()
    createdAt: int | None = ro()
    updatedAt: int | None = ro()
    startedAt: int | None = ro()
    finishedAt: int | None = ro()


@dataclass(kw_only=True)
class KalturaKeyframeJobFilter(KalturaFilter):
    kindEqual: str | None = None
    statusEqual: str | None = None


@dataclass(kw_only=True)
class KalturaKeyframeJobListResponse(KalturaListResponse):
    objects: list[KalturaKeyframeJob] | None = ro()
