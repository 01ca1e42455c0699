"""Zoom's job kinds: the periodic token refresh and the processing of inbox events."""

from __future__ import annotations

import json
import logging

from keyframe.jobs.inbox import webhook_kind
from keyframe.jobs.kinds import job_kind
from keyframe.jobs.models import WebhookEvent
from keyframe.jobs.runner import JobRun
from keyframe.zoom import tokens
from keyframe.zoom.client import ZoomError

log = logging.getLogger(__name__)

REFRESH_EVERY = 300


@job_kind("zoom.refresh_tokens", every=REFRESH_EVERY, max_attempts=3)
def refresh_tokens(run: JobRun) -> None:
    """First write every token stored before tokens were bound to their row (``v1:``) again, bound —
    whatever the integration's status, so that after one run none is left (one that does not decrypt is
    erased; ``tokens.rebind``). Then refresh every OAuth token that would expire before the next run
    (each under its row lock, so a request refreshing the same one at the same moment is harmless). One
    failing account does not stop the others; a permanent failure is recorded on its integration by
    ``tokens.refresh``."""
    for integration_id in tokens.legacy(run.services):
        tokens.rebind(run.services, integration_id)
    for integration_id in tokens.due(run.services, REFRESH_EVERY):
        try:
            tokens.refresh(run.services, integration_id)
        except tokens.NeedsReauthorization:
            continue
        except ZoomError as error:
            log.warning("Zoom integration %s: refresh postponed (%s)", integration_id, error)


@webhook_kind("zoom")
def process_event(run: JobRun, event: WebhookEvent) -> None:
    """Recording events are imported by the recordings part (next issue); deauthorization is applied when
    it arrives (it must take effect at once), so here an event is only acknowledged."""
    kind = json.loads(event.payload).get("event", "")
    log.info("Zoom event %s stored (inbox id %s)", kind, event.id)
