"""A call PostgreSQL aborts to break a deadlock runs again (``ActionRunner``), instead of answering
INTERNAL_SERVERL_ERROR; one whose rollback undid an outside effect does not. A real deadlock: the action locks
two rows in one order while another transaction locks them in the other."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from keyframe.auth.context import RequestContext
from keyframe.auth.ks_validation import RequestOrigin
from keyframe.auth.runner import ActionRunner
from keyframe.db import on_rollback
from keyframe.kapi.registry import KsPolicy, Registry, api_action
from keyframe.partners.models import Partner
from keyframe.services import Services
from tests.conftest import make_partner

# PostgreSQL only: SQLite runs one writer at a time, so these locks never cross there.
pytestmark = pytest.mark.parametrize("database", ["postgresql"], indirect=True)


def lock(db: Any, partner_id: int) -> None:
    db.scalar(select(Partner.id).where(Partner.id == partner_id).with_for_update())


def deadlocking_action(
    services: Services, *, undo_outside: bool
) -> tuple[Any, list[int], list[threading.Thread]]:
    """An action that locks partner A, then B, while another transaction (started on its first attempt)
    locks B and waits for A: PostgreSQL aborts the action's attempt (its deadlock_timeout is the shorter)."""
    a, b = make_partner(services, "A").id, make_partner(services, "B").id
    attempts: list[int] = []
    others: list[threading.Thread] = []
    registry = Registry()

    def other_transaction(holding_b: threading.Event) -> None:
        with services.db.transaction() as db:
            db.execute(text("SET LOCAL deadlock_timeout = '10s'"))  # the action's side detects it
            lock(db, b)
            holding_b.set()
            lock(db, a)

    @api_action("probe", "lockBoth", ks=KsPolicy.IGNORED, registry=registry)
    def lock_both(ctx: RequestContext) -> int:
        attempts.append(1)
        lock(ctx.db, a)
        if len(attempts) == 1:
            holding_b = threading.Event()
            others.append(threading.Thread(target=other_transaction, args=(holding_b,), daemon=True))
            others[0].start()
            assert holding_b.wait(10)
            if undo_outside:
                on_rollback(ctx.db, lambda: None)
        lock(ctx.db, b)
        return len(attempts)

    return registry.find("probe", "lockBoth"), attempts, others


def runner(services: Services) -> ActionRunner:
    return ActionRunner(services, RequestOrigin("127.0.0.1", "/api_v3/service/probe/action/lockBoth"))


def test_a_call_aborted_by_a_deadlock_runs_again(services: Services) -> None:
    spec, attempts, others = deadlocking_action(services, undo_outside=False)
    assert runner(services)(spec, {}) == 2
    assert len(attempts) == 2
    others[0].join(10)


def test_a_call_whose_rollback_undid_an_outside_effect_is_not_run_again(services: Services) -> None:
    spec, attempts, others = deadlocking_action(services, undo_outside=True)
    with pytest.raises(DBAPIError):
        runner(services)(spec, {})
    assert len(attempts) == 1
    others[0].join(10)
