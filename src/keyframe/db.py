"""Database engine and transactions. Services flush; the boundary (a request, a job) commits."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import MetaData, create_engine, event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker

log = logging.getLogger(__name__)

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(
            url, connect_args={"check_same_thread": False, "timeout": 30}, hide_parameters=True
        )
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    # hide_parameters: an error logged with its statement must not show the values (ids, names, data).
    return create_engine(url, pool_size=10, max_overflow=20, pool_pre_ping=True, hide_parameters=True)


def _sqlite_pragmas(connection: Any, _record: Any) -> None:
    # Let SQLAlchemy's "begin" event issue BEGIN itself (the driver's implicit BEGIN is deferred).
    connection.isolation_level = None
    cursor = connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


class Database:
    def __init__(self, url: str) -> None:
        self.url = url
        self.engine = make_engine(url)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)

    @property
    def is_sqlite(self) -> bool:
        return self.engine.dialect.name == "sqlite"

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """One unit of work: committed when the block ends normally, rolled back otherwise."""
        with self._sessions() as session, session.begin():
            yield session

    @contextmanager
    def rolled_back(self) -> Iterator[Session]:
        """A transaction that is always rolled back: for checks that must leave no trace."""
        with self._sessions() as session:
            session.begin()
            try:
                yield session
            finally:
                session.rollback()

    def dispose(self) -> None:
        self.engine.dispose()


def on_commit(db: Session, work: Callable[[], object]) -> None:
    """Run ``work`` once the session's transaction has committed (never if it rolls back): for effects
    outside the database — waking a job worker, deleting stored bytes nothing refers to any more. Every
    unit of work's ``after_commit`` (a request, a job, a step) comes here. A failure is logged: the
    database is already right, and what is left over is swept later (the sweeper re-sends job messages)."""
    event.listen(db, "after_commit", lambda _session: _quietly(work), once=True)


def on_rollback(db: Session, work: Callable[[], object]) -> None:
    """Run ``work`` if the session's transaction rolls back: undo an outside effect made in advance."""
    db.info[_OUTSIDE_EFFECTS] = True
    event.listen(db, "after_rollback", lambda _session: _quietly(work), once=True)


_OUTSIDE_EFFECTS = "keyframe.outside_effects"
# PostgreSQL's deadlock_detected and serialization_failure: it aborted this transaction to let another go
# on, and the same work run again will usually succeed.
_TRANSIENT_SQLSTATES = frozenset({"40P01", "40001"})


def is_transient_conflict(error: BaseException) -> bool:
    """Whether ``error`` is a deadlock or serialization failure the database resolved by aborting us."""
    return isinstance(error, DBAPIError) and getattr(error.orig, "sqlstate", None) in _TRANSIENT_SQLSTATES


def may_run_again(db: Session) -> bool:
    """Whether a rolled-back transaction of this session can simply be run again: nothing it did outside
    the database had to be undone (``on_rollback``), so its inputs are still there."""
    return not db.info.get(_OUTSIDE_EFFECTS, False)


def _quietly(work: Callable[[], object]) -> None:
    try:
        work()
    except Exception:
        log.exception("an after-transaction function failed")


def _sqlite_begin(connection: Any) -> None:
    # Take the write lock up front: a deferred transaction that later writes can fail with "database is
    # locked" when another writer got in first; an immediate one waits its turn (busy_timeout).
    connection.exec_driver_sql("BEGIN IMMEDIATE")
