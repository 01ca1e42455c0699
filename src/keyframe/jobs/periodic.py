"""Recurring upkeep, run as jobs with a schedule (``settings.jobs_schedule`` overrides each interval).

Later domains add their own recurring kinds the same way in their ``tasks.py`` (token refresh ahead of
expiry, vendor reconciliation polls): ``@job_kind("zoom.refresh_tokens", every=300)``.
"""

from __future__ import annotations

import logging
import time

from keyframe.auth import ks_state
from keyframe.jobs.kinds import job_kind
from keyframe.jobs.runner import JobRun

log = logging.getLogger(__name__)

PURGE_BATCH = 5000


@job_kind("auth.purge_ks_states", every=3600, max_attempts=3)
def purge_ks_states(run: JobRun) -> None:
    """Revocations and action counters of expired KSs are dead weight: an expired KS is refused anyway.
    One batch per transaction, so the purge never holds the database for long."""
    total = 0
    while True:
        removed = run.step(
            f"batch-{total}", lambda db: ks_state.purge_expired(db, int(time.time()), PURGE_BATCH)
        )
        total += removed
        if removed < PURGE_BATCH:
            break
    if total:
        log.info("purged %s expired KS state rows", total)


@job_kind("uploads.expire_stale_tokens", every=600, max_attempts=3)
def expire_stale_upload_tokens(run: JobRun) -> None:
    """Upload tokens idle past their time-to-live time out and their partial bytes are deleted."""
    from keyframe.uploads.service import expire_stale_tokens  # the uploads domain owns the rule

    expired = expire_stale_tokens(run.services)
    if expired:
        log.info("expired %s stale upload tokens", expired)
