"""The SQL list rule and the SQL single-entry rule agree with the Python model (tests/entitlement/model.py)
over random trees, labels, privacies, INHERIT chains, memberships (direct and through groups), entry links,
entitled users and KS privileges — on SQLite and PostgreSQL. The list rule is checked in both its SQL shapes
(``entitled_clause``; ``per_entry_clause`` walking and hashed), as a list and as a count, and the count read
from links (``entitled_distinct_ids``) for entries in random states."""

from __future__ import annotations

from functools import partial
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from keyframe.categories.models import Category, CategoryStatus
from keyframe.entitlement import entries
from keyframe.entitlement.categories import listable_clause
from keyframe.media.models import EntryStatus, MediaEntry, ModerationStatus
from keyframe.media.service import EntryQuery, state_conditions
from keyframe.services import Services
from tests.conftest import PartnerInfo
from tests.entitlement.model import Cat, Entry, World, viewer

CONTEXTS = ["MediaSpace", "Canvas"]
USERS = ["ann", "bob", "cy"]
GROUPS = ["staff", "class"]


@st.composite
def worlds(draw: Any, partner_id: int) -> World:
    world = World(partner_id)
    for n in range(draw(st.integers(1, 7))):
        cid = 1000 + n
        parent = (
            world.cats[draw(st.sampled_from(sorted(world.cats)))]
            if world.cats and draw(st.booleans())
            else None
        )
        cat = Cat(
            id=cid,
            parent=parent,
            contexts=tuple(draw(st.lists(st.sampled_from(CONTEXTS), max_size=2, unique=True)))
            if draw(st.booleans())
            else (),
            privacy=draw(st.sampled_from([1, 2, 3])),
            appear_in_list=draw(st.sampled_from([1, 3])),
            inherit=parent is not None and draw(st.booleans()),
            status=draw(
                st.sampled_from(
                    [CategoryStatus.ACTIVE] * 4 + [CategoryStatus.UPDATING, CategoryStatus.DELETED]
                )
            ),
        )
        for principal in draw(st.lists(st.sampled_from(USERS + GROUPS), max_size=3, unique=True)):
            cat.members[principal] = (
                draw(st.sampled_from([0, 1, 2, 3, 3, 4])),
                draw(st.sampled_from([1, 1, 1, 2, 3])),
            )
        world.cats[cid] = cat
    for user in USERS:
        world.groups[user] = set(draw(st.lists(st.sampled_from(GROUPS), max_size=2, unique=True)))
    for n in range(draw(st.integers(1, 6))):
        entry = Entry(
            id=f"0_e{n:07d}",
            owner=draw(st.sampled_from(["", *USERS])),
            status=draw(
                st.sampled_from([EntryStatus.READY] * 3 + [EntryStatus.PENDING, EntryStatus.DELETED])
            ),
            moderation_status=draw(
                st.sampled_from([ModerationStatus.AUTO_APPROVED] * 3 + [ModerationStatus.REJECTED])
            ),
        )
        for cid in draw(st.lists(st.sampled_from(sorted(world.cats)), max_size=3, unique=True)):
            entry.links[cid] = draw(st.sampled_from([1, 2, 2, 3]))
        if draw(st.integers(0, 3)) == 0:
            entry.entitled[draw(st.sampled_from(["edit", "publish", "view"]))] = (
                draw(st.sampled_from(USERS)),
            )
        world.entries[entry.id] = entry
    return world


@st.composite
def viewers(draw: Any) -> dict[str, Any]:
    return {
        "user": draw(st.sampled_from(["", *USERS])),
        "context": draw(st.sampled_from([None, *CONTEXTS, *CONTEXTS, "Other"])),
        "open_entries": frozenset(draw(st.lists(st.sampled_from(["0_e0000000", "0_e0000003"]), max_size=1))),
        "all_open": draw(st.integers(0, 15)) == 0,
    }


@pytest.mark.filterwarnings("ignore")
def test_sql_rules_agree_with_the_model(services: Services, partner: PartnerInfo) -> None:
    @settings(
        max_examples=250,
        deadline=None,
        derandomize=True,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(world=worlds(partner.id), looks=st.lists(viewers(), min_size=1, max_size=4))
    def check(world: World, looks: list[dict[str, Any]]) -> None:
        with services.db.transaction() as db:
            world.write(db)
            all_ids = sorted(world.entries)
            for look in looks:
                v = viewer(world, **look)
                expected_list = {e.id for e in world.entries.values() if world.entitled(e, v, listing=True)}
                # Both SQL shapes of the list rule (the set one for counts, the per-entry one for pages).
                shapes = {
                    "set": entries.entitled_clause(v),
                    "per entry, walk": entries.per_entry_clause(v),
                    "per entry, hashed": entries.per_entry_clause(v, walk=False),
                }
                for name, clause in shapes.items():
                    listed = set(
                        db.scalars(select(MediaEntry.id).where(MediaEntry.partner_id == partner.id, clause))
                    )
                    assert listed == expected_list, (look, "list", name)
                    counted = db.scalar(
                        select(func.count())
                        .select_from(MediaEntry)
                        .where(MediaEntry.partner_id == partner.id, clause)
                    )
                    assert counted == len(expected_list), (look, "count", name)
                # The count of a list filtered by state alone, read from the links' copies of it.
                distinct = entries.entitled_distinct_ids(v, partial(state_conditions, EntryQuery()))
                if distinct is not None:
                    counted = db.scalar(select(func.count()).select_from(distinct.subquery()))
                    listed_by_default = {i for i in expected_list if world.entries[i].listed_by_default()}
                    assert counted == len(listed_by_default), (look, "count from links")
                single = entries.entitled_ids(db, v, all_ids)
                expected_single = {
                    e.id for e in world.entries.values() if world.entitled(e, v, listing=False)
                }
                assert single == expected_single, (look, "single")
                categories = set(
                    db.scalars(
                        select(Category.id).where(
                            Category.partner_id == partner.id,
                            Category.status != CategoryStatus.DELETED,
                            listable_clause(v),
                        )
                    )
                )
                expected_categories = {
                    c.id
                    for c in world.cats.values()
                    if c.status != CategoryStatus.DELETED and world.listable_category(c, v)
                }
                assert categories == expected_categories, (look, "categories")

    check()
