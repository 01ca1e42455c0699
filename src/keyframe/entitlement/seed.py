"""A large, entitlement-shaped account for benchmarks and development (``keyframe dev seed``).

Shape, as a video portal and an LMS integration leave it: three top-level branches — ``MediaSpace`` and
``Canvas`` (labelled) and an unlabelled organisational one — grown to the requested depth. In labelled
branches 10 % of categories are public (ALL), 20 % need a user (AUTHENTICATED_USERS), the rest are
MEMBERS_ONLY, and one in five below the top INHERITs its members. Each user is a MEMBER of about
``members_per_user`` MANUAL categories of the labelled branches; entries belong to one or two categories
(one in ten to none) and are owned by a random user. Rows go in with multi-row INSERTs in batches, and
``progress(step, done, total)`` is told after each batch. Deterministic for a given ``seed``.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from keyframe.categories.models import (
    Category,
    CategoryAncestor,
    CategoryContext,
    CategoryEntry,
    CategoryUser,
)
from keyframe.media.models import EntryStatus, MediaEntry, ModerationStatus
from keyframe.users.models import User

BATCH = 5_000
BRANCHES = (("MediaSpace", "MediaSpace"), ("Canvas", "Canvas"), ("Organisation", ""))
Progress = Callable[[str, int, int], None]


@dataclass(frozen=True)
class SeedSize:
    entries: int
    categories: int
    users: int
    members_per_user: int
    depth: int = 6


@dataclass
class _Cat:
    id: int
    parent: _Cat | None
    depth: int
    branch: int
    privacy: int
    inherit: bool
    name: str

    def path(self) -> list[_Cat]:
        node: _Cat | None = self
        found: list[_Cat] = []
        while node is not None:
            found.append(node)
            node = node.parent
        return list(reversed(found))

    def members_from(self) -> _Cat:
        node = self
        while node.inherit and node.parent is not None:
            node = node.parent
        return node


def _batches(rows: Iterator[dict[str, Any]], size: int = BATCH) -> Iterator[list[dict[str, Any]]]:
    batch: list[dict[str, Any]] = []
    for row in rows:
        batch.append(row)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def _load(
    db: Session, table: Any, rows: Iterator[dict[str, Any]], total: int, step: str, progress: Progress
) -> None:
    done = 0
    for batch in _batches(rows):
        db.execute(insert(table), batch)
        done += len(batch)
        progress(step, done, total)


def _tree(size: SeedSize, first_id: int, rng: random.Random) -> list[_Cat]:
    cats: list[_Cat] = []
    growable: list[list[_Cat]] = [[] for _ in BRANCHES]
    for n in range(size.categories):
        cid = first_id + n
        if n < len(BRANCHES):
            cat = _Cat(cid, None, 0, n, 1, False, BRANCHES[n][0])
        else:
            branch = rng.randrange(len(BRANCHES))
            parent = rng.choice(growable[branch]) if growable[branch] else cats[branch]
            labelled = bool(BRANCHES[branch][1])
            roll = rng.random()
            privacy = (1 if roll < 0.1 else 2 if roll < 0.3 else 3) if labelled else 1
            inherit = labelled and rng.random() < 0.2
            cat = _Cat(cid, parent, parent.depth + 1, branch, privacy, inherit, f"c{cid}")
        cats.append(cat)
        if cat.depth < size.depth - 1:
            growable[cat.branch].append(cat)
    return cats


def seed(db: Session, partner_id: int, size: SeedSize, progress: Progress, *, seed: int = 6) -> None:
    """Add the account's users, categories, members and entries (on top of what it has)."""
    rng = random.Random(seed)  # noqa: S311 - test data, reproducible on purpose
    now = int(time.time())
    first_id = (db.scalar(select(func.max(Category.id))) or 0) + 1
    cats = _tree(size, first_id, rng)
    users = [f"user{n:06d}" for n in range(size.users)]

    _load(
        db,
        User.__table__,
        (
            {"partner_id": partner_id, "user_id": u, "type": 0, "is_admin": False, "status": 1}
            | _user_defaults()
            for u in users
        ),
        len(users),
        "users",
        progress,
    )
    _load(
        db,
        Category.__table__,
        (_category_row(c, partner_id, now) for c in cats),
        len(cats),
        "categories",
        progress,
    )
    _load(
        db,
        CategoryAncestor.__table__,
        (
            {"category_id": c.id, "ancestor_id": a.id, "partner_id": partner_id}
            for c in cats
            for a in c.path()
        ),
        sum(c.depth + 1 for c in cats),
        "closure",
        progress,
    )
    _load(
        db,
        CategoryContext.__table__,
        (
            {"category_id": c.id, "context": BRANCHES[c.branch][1], "partner_id": partner_id}
            for c in cats[: len(BRANCHES)]
            if BRANCHES[c.branch][1]
        ),
        2,
        "labels",
        progress,
    )
    joinable = [c for c in cats if BRANCHES[c.branch][1] and not c.inherit]
    per_user = min(size.members_per_user, len(joinable))
    _load(
        db,
        CategoryUser.__table__,
        (
            {"partner_id": partner_id, "category_id": c.id, "user_id": u, "permission_level": 3, "status": 1}
            | _member_defaults(now)
            for u in users
            for c in rng.sample(joinable, per_user)
        ),
        len(users) * per_user,
        "members",
        progress,
    )
    entry_ids = [f"0_{_base36(n, 8)}" for n in range(size.entries)]
    _load(
        db,
        MediaEntry.__table__,
        (
            _entry_row(e, partner_id, rng.choice(users) if users else "", now - size.entries + n)
            for n, e in enumerate(entry_ids)
        ),
        len(entry_ids),
        "entries",
        progress,
    )
    _load(
        db,
        CategoryEntry.__table__,
        _links(entry_ids, cats, partner_id, rng, now),
        # About: 0, 1 or 2 links per entry (10 %, 60 %, 30 %), 1.2 on average.
        round(len(entry_ids) * 1.2),
        "links",
        progress,
    )


def _links(
    entry_ids: Sequence[str], cats: Sequence[_Cat], partner_id: int, rng: random.Random, now: int
) -> Iterator[dict[str, Any]]:
    for entry_id in entry_ids:
        roll = rng.random()
        count = 0 if roll < 0.1 else 1 if roll < 0.7 else 2
        for cat in {c.id: c for c in rng.sample(cats, count)}.values():
            yield {
                "category_id": cat.id,
                "entry_id": entry_id,
                "partner_id": partner_id,
                "status": 2,
                "creator_user_id": "",
                "created_at": now,
                # The state every seeded entry has (``_entry_row``).
                "entry_status": EntryStatus.READY,
                "entry_moderation_status": ModerationStatus.AUTO_APPROVED,
            }


def _category_row(c: _Cat, partner_id: int, now: int) -> dict[str, Any]:
    path = c.path()
    label = BRANCHES[c.branch][1]
    return {
        "id": c.id,
        "partner_id": partner_id,
        "parent_id": c.parent.id if c.parent else None,
        "name": c.name,
        "full_name": ">".join(n.name for n in path),
        "full_ids": ">".join(str(n.id) for n in path),
        "depth": c.depth,
        "status": 2,
        "privacy_context": label if c.parent is None else "",
        "privacy_contexts": label,
        "privacy": c.privacy,
        "appear_in_list": 1,
        "contribution_policy": 1,
        "inheritance_type": 1 if c.inherit else 2,
        "inherited_parent_id": c.members_from().id if c.inherit else None,
        "user_join_policy": 3,
        "default_permission_level": 3,
        "owner": "",
        "moderation": False,
        "members_count": 0,
        "pending_members_count": 0,
        "entries_count": 0,
        "direct_entries_count": 0,
        "direct_sub_categories_count": 0,
        "pending_entries_count": 0,
        "tags": "",
        "reference_id": "",
        "partner_sort_value": 0,
        "partner_data": "",
        "description": "",
        "admin_tags": "",
        "default_order_by": "",
        "created_at": now,
        "updated_at": now,
    }


def _entry_row(entry_id: str, partner_id: int, owner: str, created: int) -> dict[str, Any]:
    row = {
        column.name: column.default.arg
        for column in MediaEntry.__table__.columns
        if column.default is not None and not callable(column.default.arg)
    }
    row.update(
        id=entry_id,
        partner_id=partner_id,
        user_id=owner,
        creator_id=owner,
        name=f"Entry {entry_id}",
        status=EntryStatus.READY,
        moderation_status=ModerationStatus.AUTO_APPROVED,
        created_at=created,
        updated_at=created,
        media_type=1,
    )
    return row


def _user_defaults() -> dict[str, Any]:
    return {
        column.name: column.default.arg
        for column in User.__table__.columns
        if column.default is not None
        and not callable(column.default.arg)
        and column.name not in ("type", "is_admin", "status")
    } | {"created_at": int(time.time()), "updated_at": int(time.time())}


def _member_defaults(now: int) -> dict[str, Any]:
    return {"update_method": 0, "permission_names": "CATEGORY_VIEW", "created_at": now, "updated_at": now}


def _base36(n: int, width: int) -> str:
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    text = ""
    while n:
        n, rest = divmod(n, 36)
        text = digits[rest] + text
    return text.rjust(width, "0")


def seed_new_partner(
    services: Any, size: SeedSize, progress: Progress, *, seed_value: int = 6
) -> tuple[int, str]:
    """A new partner with FEATURE_ENTITLEMENT and enforcement on by default, filled by ``seed``; returns
    its id and admin secret (for the benchmark; the CLI prints only the id)."""
    from keyframe.partners import service as partners
    from keyframe.partners.models import Partner
    from keyframe.roles import service as roles

    with services.db.transaction() as db:
        partner, _ = partners.register(
            db,
            partners.Registration(
                name="Entitlement seed",
                admin_email=f"seed-{int(time.time() * 1000)}@example.com",
                admin_password=f"seed-{random.SystemRandom().getrandbits(64):x}",
            ),
        )
        roles.set_features(db, partner.id, ["FEATURE_ENTITLEMENT"], [])
        db.get_one(Partner, partner.id).default_entitlement_enforcement = True
        partner_id, secret = partner.id, partner.admin_secret
    with services.db.transaction() as db:
        seed(db, partner_id, size, progress, seed=seed_value)
    return partner_id, secret
