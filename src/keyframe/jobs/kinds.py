"""Job kinds: a name, its handler and its retry policy, registered by the domain that owns the work.

A domain's ``tasks.py`` declares ``@job_kind("zoom.import", max_attempts=8)`` on ``def handler(run: JobRun)``
and the job modules listed in ``keyframe.jobs.runtime.JOB_MODULES`` are imported by every process that
runs jobs. Handlers raise ``RetryLater`` (a hint says when) or ``PermanentFailure`` (stop, with a reason);
any other exception is retried with exponential backoff and jitter until the kind's attempts run out.
"""

from __future__ import annotations

import email.utils
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from keyframe.jobs.runner import JobRun


class RetryLater(Exception):
    """Try again later. ``after`` (seconds) or ``at`` (a time) override the kind's backoff: a vendor's
    ``Retry-After`` or its quota reset knows better than our guess."""

    def __init__(self, reason: str = "", *, after: float | None = None, at: datetime | None = None) -> None:
        super().__init__(reason or "retry later")
        self.reason = reason or "retry later"
        self.after = after
        self.at = at

    @classmethod
    def from_retry_after(cls, value: str | None, reason: str = "") -> RetryLater:
        """From an HTTP ``Retry-After`` header: seconds, or an HTTP date. Unreadable: the usual backoff."""
        return cls(reason or "rate limited", after=parse_retry_after(value))

    def delay(self, now: float) -> float | None:
        if self.at is not None:
            return max(0.0, self.at.timestamp() - now)
        if self.after is not None:
            return max(0.0, self.after)
        return None


class PermanentFailure(Exception):
    """Stop retrying: the reason (bad credentials, a 4xx that will not change) is shown to operators."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class LeaseLost(Exception):
    """Another worker holds this job now (ours expired): this run's work must not be committed."""


def parse_retry_after(value: str | None, now: float | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` value (``"120"`` or ``"Wed, 21 Oct 2026 07:28:00 GMT"``)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - (time.time() if now is None else now))


Handler = Callable[["JobRun"], None]


@dataclass(frozen=True)
class JobKind:
    name: str
    handler: Handler
    max_attempts: int = 10
    # Backoff after the n-th failure: a random time between half and all of min(cap, base·2ⁿ⁻¹) seconds,
    # so many jobs failing together (a vendor outage) do not all come back at the same moment.
    backoff_base: float = 10.0
    backoff_cap: float = 3600.0
    # Recurring kinds run again this many seconds after each run (settings.jobs_schedule overrides it).
    every: float | None = None

    def backoff(self, attempt: int, rng: random.Random | None = None) -> float:
        ceiling = min(self.backoff_cap, self.backoff_base * 2 ** max(0, attempt - 1))
        return (rng or _RNG).uniform(ceiling / 2, ceiling)


_RNG = random.Random()  # noqa: S311 - jitter, not a secret


class KindRegistry:
    def __init__(self) -> None:
        self._kinds: dict[str, JobKind] = {}

    def add(self, kind: JobKind) -> None:
        if kind.name in self._kinds:
            raise ValueError(f"duplicate job kind {kind.name}")
        self._kinds[kind.name] = kind

    def get(self, name: str) -> JobKind | None:
        return self._kinds.get(name)

    def recurring(self) -> list[JobKind]:
        return [k for k in self._kinds.values() if k.every is not None]

    def names(self) -> list[str]:
        return sorted(self._kinds)


# The one module-level table, like the action registry: filled by decorators when job modules load.
KINDS = KindRegistry()


def job_kind(
    name: str,
    *,
    max_attempts: int = 10,
    backoff_base: float = 10.0,
    backoff_cap: float = 3600.0,
    every: float | None = None,
    registry: KindRegistry = KINDS,
) -> Callable[[Handler], Handler]:
    """Register ``handler`` as the job kind ``name`` (dotted, owned by a domain: ``"youtube.distribute"``)."""

    def register(handler: Handler) -> Handler:
        registry.add(JobKind(name, handler, max_attempts, backoff_base, backoff_cap, every))
        return handler

    return register
