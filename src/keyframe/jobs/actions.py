"""The ``jobs`` service (a Keyframe extension): a partner's background jobs, for its administrators."""

from __future__ import annotations

from keyframe.auth.context import RequestContext
from keyframe.auth.roles import ADMIN_PUBLISHER_MANAGE
from keyframe.jobs import service
from keyframe.jobs.models import Job, JobStatus
from keyframe.jobs.objects import KalturaKeyframeJob, KalturaKeyframeJobFilter, KalturaKeyframeJobListResponse
from keyframe.kapi import errors
from keyframe.kapi.errors import ErrorDef
from keyframe.kapi.registry import api_action
from keyframe.kapi.types import KalturaFilterPager

JOB_NOT_RETRYABLE = ErrorDef(
    "JOB_NOT_RETRYABLE",
    ("ID", "STATUS"),
    "Job [@ID@] is @STATUS@: only failed or waiting jobs can be retried",
)
# Jobs can reveal what a partner imports or publishes: only full administrators see them.
_ADMIN = (ADMIN_PUBLISHER_MANAGE,)


def _seconds(ms: int | None) -> int | None:
    return None if ms is None else ms // 1000


def to_api(job: Job) -> KalturaKeyframeJob:
    return KalturaKeyframeJob(
        id=job.id,
        kind=job.kind,
        subjectId=job.subject_id,
        partnerId=job.partner_id,
        status=job.status,
        attempts=job.attempts,
        maxAttempts=job.max_attempts,
        nextAttemptAt=_seconds(job.next_attempt_at_ms),
        lastError=job.last_error,
        progress=job.progress,
        progressNote=job.progress_note,
        createdAt=_seconds(job.created_at_ms),
        updatedAt=_seconds(job.updated_at_ms),
        startedAt=_seconds(job.started_at_ms),
        finishedAt=_seconds(job.finished_at_ms),
    )


def _own(ctx: RequestContext, job_id: int) -> Job:
    partner = ctx.require_partner()
    job = ctx.db.get(Job, job_id) if 0 < job_id < 2**31 else None
    if job is None or job.partner_id != partner.id:
        raise errors.INVALID_OBJECT_ID(job_id)
    return job


@api_action("jobs", "list", permissions=_ADMIN)
def list_(
    ctx: RequestContext,
    filter: KalturaKeyframeJobFilter | None = None,
    pager: KalturaFilterPager | None = None,
) -> KalturaKeyframeJobListResponse:
    """The calling partner's jobs, newest first, by ``kindEqual`` and ``statusEqual``."""
    partner = ctx.require_partner()
    f = filter or KalturaKeyframeJobFilter()
    if f.statusEqual is not None and f.statusEqual not in {s.value for s in JobStatus}:
        raise errors.INVALID_ENUM_VALUE(f.statusEqual[:64], "statusEqual", "KalturaKeyframeJobStatus")
    limit, offset = (pager or KalturaFilterPager()).limit_offset()
    query = service.JobQuery(kind=f.kindEqual, status=f.statusEqual, partner_id=partner.id)
    jobs, total = service.list_jobs(ctx.db, query, limit, offset)
    return KalturaKeyframeJobListResponse(objects=[to_api(j) for j in jobs], totalCount=total)


@api_action("jobs", "get", permissions=_ADMIN)
def get(ctx: RequestContext, id: int) -> KalturaKeyframeJob:
    return to_api(_own(ctx, id))


@api_action("jobs", "retry", permissions=_ADMIN)
def retry(ctx: RequestContext, id: int) -> KalturaKeyframeJob:
    """Run a failed (or waiting) job now with a fresh set of attempts."""
    job = _own(ctx, id)
    try:
        service.retry(ctx, job)
    except service.NotRetryable:
        raise JOB_NOT_RETRYABLE(job.id, job.status) from None
    return to_api(job)
