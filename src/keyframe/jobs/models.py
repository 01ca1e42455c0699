"""Job rows (the source of truth for background work) and the webhook inbox.

Times are milliseconds since the epoch: retries and leases are measured in seconds or less.
"""

from __future__ import annotations

import time
from enum import StrEnum

from sqlalchemy import BigInteger, Boolean, Float, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from keyframe.db import Base


def now_ms() -> int:
    return int(time.time() * 1000)


class JobStatus(StrEnum):
    PENDING = "pending"  # waiting for next_attempt_at_ms (or for a worker)
    RUNNING = "running"  # leased by lease_owner until lease_expires_at_ms
    SUCCEEDED = "succeeded"
    FAILED = "failed"  # permanently: last_error says why


class Job(Base):
    """One piece of background work, keyed by its kind and the domain row it works on."""

    __tablename__ = "jobs"
    __table_args__ = (
        UniqueConstraint("kind", "subject_id", name="uq_jobs_kind_subject_id"),
        # The sweeper's question: which rows are due?
        Index("ix_jobs_status_next_attempt", "status", "next_attempt_at_ms"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(64))
    subject_id: Mapped[str] = mapped_column(String(128), default="")
    # Whose work it is (the admin API shows a partner only its own); None for the system's own jobs.
    partner_id: Mapped[int | None] = mapped_column(Integer, index=True)
    status: Mapped[str] = mapped_column(String(16), default=JobStatus.PENDING)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    max_attempts: Mapped[int] = mapped_column(Integer)
    next_attempt_at_ms: Mapped[int] = mapped_column(BigInteger)
    # When a message for this row was last put on the queue; the sweeper re-sends only long after that.
    enqueued_at_ms: Mapped[int | None] = mapped_column(BigInteger)
    lease_owner: Mapped[str | None] = mapped_column(String(64))
    lease_expires_at_ms: Mapped[int | None] = mapped_column(BigInteger)
    heartbeat_at_ms: Mapped[int | None] = mapped_column(BigInteger)
    last_error: Mapped[str] = mapped_column(Text, default="")
    progress: Mapped[float] = mapped_column(Float, default=0.0)  # 0.0 … 1.0
    progress_note: Mapped[str] = mapped_column(String(256), default="")
    payload: Mapped[str] = mapped_column(Text, default="{}")  # JSON object given when scheduled
    steps: Mapped[str] = mapped_column(Text, default="{}")  # JSON: completed step name → its result
    # Scheduled again while it ran: run once more after this run, with the newest payload.
    rerun: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at_ms: Mapped[int] = mapped_column(BigInteger, default=now_ms)
    updated_at_ms: Mapped[int] = mapped_column(BigInteger, default=now_ms, onupdate=now_ms)
    started_at_ms: Mapped[int | None] = mapped_column(BigInteger)
    finished_at_ms: Mapped[int | None] = mapped_column(BigInteger)


class WebhookEvent(Base):
    """A vendor's webhook delivery, stored raw before it is answered; processed later by a job."""

    __tablename__ = "webhook_inbox"
    __table_args__ = (UniqueConstraint("source", "event_id", name="uq_webhook_inbox_source_event_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    source: Mapped[str] = mapped_column(String(32))  # "zoom", "webex", …
    event_id: Mapped[str] = mapped_column(String(255))  # the sender's id for the event
    partner_id: Mapped[int | None] = mapped_column(Integer, index=True)
    received_at_ms: Mapped[int] = mapped_column(BigInteger, default=now_ms)
    payload: Mapped[str] = mapped_column(Text)  # the body as received
    processed_at_ms: Mapped[int | None] = mapped_column(BigInteger)
