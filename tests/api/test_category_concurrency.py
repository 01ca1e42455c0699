"""Changes of one partner's tree and links that run at the same time on PostgreSQL take their locks in one
order (``tree.lock_tree``: the entry, then the partner, then categories), so neither deadlocks, and the
one that waited sees what the other did. Each test holds the first change's locks while the second one
starts, then lets the first finish."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from keyframe.categories import entries, service
from keyframe.categories.models import Category, CategoryEntry
from keyframe.kapi.errors import KalturaAPIException
from keyframe.media import service as media
from keyframe.media.models import MediaEntry
from keyframe.services import Services
from tests.conftest import PartnerInfo

CALLER = service.Caller(user_id="", enforced=False)
ADMIN = entries.Contributor(user_id="", entitled=False)

# PostgreSQL only: SQLite runs one writer at a time, so these locks never cross there.
pytestmark = pytest.mark.parametrize("database", ["postgresql"], indirect=True)


def outcome(run: Callable[[], object]) -> str:
    try:
        run()
    except KalturaAPIException as error:
        return error.code
    except Exception as error:  # a deadlock, or anything else unexpected: the test shows it
        return repr(error)
    return "ok"


def interleave(
    services: Services,
    first: Callable[[Session], Any],
    second: Callable[[Session], object],
    first_rest: Callable[[Session, Any], object],
) -> tuple[str, str]:
    """``first`` takes its locks; ``second`` starts in another transaction (and blocks on them, if it
    must); then ``first_rest`` finishes the first transaction. The outcome of each."""
    results: dict[str, str] = {}

    def in_transaction(work: Callable[[Session], object]) -> Callable[[], object]:
        def run() -> None:
            with services.db.transaction() as db:
                work(db)

        return run

    other = threading.Thread(target=lambda: results.update(second=outcome(in_transaction(second))))

    def first_whole(db: Session) -> None:
        held = first(db)
        other.start()
        time.sleep(0.5)  # let the second one reach the locks the first holds (not asserted on)
        first_rest(db, held)

    results["first"] = outcome(in_transaction(first_whole))
    other.join(30)
    return results["first"], results["second"]


def add_category(services: Services, partner: PartnerInfo, name: str, parent: int | None = None) -> int:
    with services.db.transaction() as db:
        return service.add(db, partner.id, service.Changes(name=name, parent_id=parent), CALLER).category.id


def links_with_state(services: Services, entry: str) -> list[tuple[int, int]]:
    """The entry's links, each as (category, the entry state the link carries)."""
    with services.db.transaction() as db:
        rows = db.execute(
            select(CategoryEntry.category_id, CategoryEntry.entry_status).where(
                CategoryEntry.entry_id == entry
            )
        )
        return [(category, status) for category, status in rows]


def entry_status(services: Services, entry: str) -> int | None:
    with services.db.transaction() as db:
        return db.scalar(select(MediaEntry.status).where(MediaEntry.id == entry))


def test_renaming_a_category_while_a_child_is_added(services: Services, partner: PartnerInfo) -> None:
    c = add_category(services, partner, "C")
    first, second = interleave(
        services,
        lambda db: service.get(db, partner.id, c, for_update=True),  # as category.update does
        lambda db: service.add(db, partner.id, service.Changes(name="child", parent_id=c), CALLER),
        lambda db, category: service.update(db, category, service.Changes(name="Renamed"), CALLER),
    )
    assert (first, second) == ("ok", "ok")
    with services.db.transaction() as db:
        names = set(db.scalars(select(Category.full_name).where(Category.partner_id == partner.id)))
    assert names == {"Renamed", "Renamed>child"}


def test_deleting_a_category_while_an_entry_is_linked_under_it(
    services: Services, partner: PartnerInfo
) -> None:
    top = add_category(services, partner, "Top")
    c = add_category(services, partner, "C", top)
    c1, c2 = add_category(services, partner, "C1", c), add_category(services, partner, "C2", c)
    with services.db.transaction() as db:
        entry = media.add(db, partner.id, media.Fields(name="e"), owner="", creator="").id
        entries.add(db, service.get(db, partner.id, c1), entry, ADMIN)
    first, second = interleave(
        services,
        lambda db: service.get(db, partner.id, c, for_update=True),  # as category.delete does
        lambda db: entries.add(db, service.get(db, partner.id, c2), entry, ADMIN),
        lambda db, category: service.delete_category(db, category, move_entries_to_parent=True),
    )
    # The link waited for the deletion and found its category gone (or, if it came first, was moved).
    assert first == "ok" and second in ("ok", "CATEGORY_NOT_FOUND"), (first, second)
    assert links_with_state(services, entry) == [(top, entry_status(services, entry))]


def test_an_entry_state_change_while_its_category_is_deleted_into_the_parent(
    services: Services, partner: PartnerInfo, storage: Any
) -> None:
    """The link moved to the parent carries the entry's state as it is after both commit."""
    top = add_category(services, partner, "Top")
    c = add_category(services, partner, "C", top)
    with services.db.transaction() as db:
        entry = media.add(db, partner.id, media.Fields(name="e"), owner="", creator="").id
        entries.add(db, service.get(db, partner.id, c), entry, ADMIN)

    def delete_entry(db: Session) -> None:
        media.delete(db, storage, media.get(db, partner.id, entry, for_update=True))

    first, second = interleave(
        services,
        lambda db: service.get(db, partner.id, c, for_update=True),
        delete_entry,
        lambda db, category: service.delete_category(db, category, move_entries_to_parent=True),
    )
    assert (first, second) == ("ok", "ok")
    assert links_with_state(services, entry) == [(top, entry_status(services, entry))]
