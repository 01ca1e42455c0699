"""The request context an action receives: who calls, on which partner, with which permissions."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from sqlalchemy.orm import Session

from keyframe.auth import roles
from keyframe.auth.ks_validation import RequestOrigin
from keyframe.db import on_commit
from keyframe.kapi import errors
from keyframe.ks import KS

if TYPE_CHECKING:
    from keyframe.partners.models import Partner
    from keyframe.services import Services


@dataclass
class RequestContext:
    db: Session
    services: Services
    origin: RequestOrigin
    ks: KS | None = None
    ks_text: str | None = None
    partner: Partner | None = None
    permissions: frozenset[str] = frozenset({roles.ALWAYS_ALLOWED_ACTIONS})
    # Writes that must happen even if the call fails (its own transaction is rolled back then).
    failure_writes: list[Callable[[Session], object]] = field(default_factory=list)

    def after_failure(self, write: Callable[[Session], object]) -> None:
        """Run ``write`` in a transaction of its own if this call fails (e.g. count a wrong password)."""
        self.failure_writes.append(write)

    def after_commit(self, fn: Callable[[], object]) -> None:
        """Run ``fn`` after this call's transaction commits; never if it rolls back. Jobs are enqueued so:
        a worker must not look for a row that is not committed yet, or that never will be."""
        on_commit(self.db, fn)

    def require_partner(self) -> Partner:
        if self.partner is None:
            raise errors.MISSING_KS()
        return self.partner

    def require_ks(self) -> KS:
        if self.ks is None:
            raise errors.MISSING_KS()
        return self.ks

    def has_permission(self, name: str) -> bool:
        return roles.allows(self.permissions, (name,))
