"""The webhook inbox: a delivery is verified by its intake, stored raw under (source, event id), answered,
and processed later by a job. A duplicate delivery (vendors retry, replays happen) is acknowledged and
ignored: the unique key makes storing it a no-op and no second job is scheduled.

A source's intake calls ``accept(ctx, "zoom", event_id, body)``; its processing is declared with
``@webhook_kind("zoom")`` on ``def process(run: JobRun, event: WebhookEvent)``.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from keyframe.jobs import service
from keyframe.jobs.kinds import KINDS, JobKind, KindRegistry, PermanentFailure
from keyframe.jobs.models import WebhookEvent, now_ms
from keyframe.jobs.runner import JobRun

EventHandler = Callable[[JobRun, WebhookEvent], None]


def kind_name(source: str) -> str:
    return f"webhook.{source}"


def accept(
    uow: service.UnitOfWork,
    source: str,
    event_id: str,
    payload: str | bytes,
    *,
    partner_id: int | None = None,
) -> bool:
    """Store the event and schedule its processing after commit; False when it was delivered before."""
    db = uow.db
    body = payload.decode("utf-8", "replace") if isinstance(payload, bytes) else payload
    insert = postgresql.insert(WebhookEvent) if _is_postgresql(db) else sqlite.insert(WebhookEvent)
    inserted = db.scalar(
        insert.values(
            source=source, event_id=event_id, partner_id=partner_id, received_at_ms=now_ms(), payload=body
        )
        .on_conflict_do_nothing(index_elements=["source", "event_id"])
        .returning(WebhookEvent.id)
    )
    if inserted is None:
        return False
    service.schedule(uow, kind_name(source), str(inserted), partner_id=partner_id)
    return True


def webhook_kind(
    source: str, *, max_attempts: int = 10, registry: KindRegistry = KINDS
) -> Callable[[EventHandler], EventHandler]:
    """Register the processing of ``source``'s inbox events as the job kind ``webhook.<source>``."""

    def register(handler: EventHandler) -> EventHandler:
        def process(run: JobRun) -> None:
            with run.services.db.transaction() as db:
                event = db.get(WebhookEvent, int(run.subject_id))
            if event is None:
                raise PermanentFailure(f"inbox event {run.subject_id} is gone")
            if event.processed_at_ms is None:
                handler(run, event)
                stored = run.db.get(WebhookEvent, event.id)
                if stored is not None:
                    stored.processed_at_ms = now_ms()

        registry.add(JobKind(kind_name(source), process, max_attempts=max_attempts))
        return handler

    return register


def _is_postgresql(db: Session) -> bool:
    return db.get_bind().dialect.name == "postgresql"
