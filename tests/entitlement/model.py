"""A small category world, written into the database as rows and kept here as plain Python, with a
straightforward model of the single-entry rule (youtube-entitlement-roles.md §3.6) to compare the SQL with.

The model walks parent pointers (it does not read the closure or ``inherited_parent_id`` the builder
writes), so the SQL's use of those tables is checked, not assumed."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from sqlalchemy import delete
from sqlalchemy.orm import Session

from keyframe.categories.models import (
    Category,
    CategoryAncestor,
    CategoryContext,
    CategoryEntry,
    CategoryStatus,
    CategoryUser,
    InheritanceType,
)
from keyframe.entitlement import entry_users
from keyframe.entitlement.viewer import Viewer
from keyframe.groups.models import GroupUser
from keyframe.media.models import EntryStatus, MediaEntry, ModerationStatus

ALL, AUTHENTICATED, MEMBERS_ONLY = 1, 2, 3
PENDING_LINK, ACTIVE_LINK, DELETED_LINK = 1, 2, 3


@dataclass
class Cat:
    id: int
    parent: Cat | None
    contexts: tuple[str, ...] = ()
    privacy: int = ALL
    appear_in_list: int = 1
    inherit: bool = False
    status: int = CategoryStatus.ACTIVE
    members: dict[str, tuple[int, int]] = field(default_factory=dict)  # user → (level, status)

    def path(self) -> list[Cat]:
        node: Cat | None = self
        found = []
        while node is not None:
            found.append(node)
            node = node.parent
        return found

    def effective_contexts(self) -> set[str]:
        return {label for node in self.path() for label in node.contexts}

    def members_from(self) -> Cat:
        """INHERIT takes the members of the nearest MANUAL ancestor."""
        node = self
        while node.inherit and node.parent is not None:
            node = node.parent
        return node


@dataclass
class Entry:
    id: str
    owner: str = ""
    links: dict[int, int] = field(default_factory=dict)  # category id → link status
    entitled: dict[str, tuple[str, ...]] = field(default_factory=dict)  # kind → users
    status: int = EntryStatus.READY
    moderation_status: int = ModerationStatus.AUTO_APPROVED

    def listed_by_default(self) -> bool:
        """A list without state criteria shows READY entries neither pending moderation nor rejected."""
        hidden = (ModerationStatus.PENDING_MODERATION, ModerationStatus.REJECTED)
        return self.status == EntryStatus.READY and self.moderation_status not in hidden


@dataclass
class World:
    partner_id: int
    cats: dict[int, Cat] = field(default_factory=dict)
    entries: dict[str, Entry] = field(default_factory=dict)
    groups: dict[str, set[str]] = field(default_factory=dict)  # user → groups

    # --- the model -------------------------------------------------------------------------------

    def is_member(self, cat: Cat, viewer: Viewer) -> bool:
        if not viewer.user_id:
            return False
        principals = {viewer.user_id, *self.groups.get(viewer.user_id, set())}
        source = cat.members_from()
        return any(
            user in principals and level != 4 and status == 1
            for user, (level, status) in source.members.items()
        )

    def entitled(self, entry: Entry, viewer: Viewer, *, listing: bool) -> bool:
        if viewer.all_entries_open or entry.id in viewer.open_entries:
            return True
        if viewer.user_id and (
            entry.owner == viewer.user_id or any(viewer.user_id in users for users in entry.entitled.values())
        ):
            return True
        live = {
            cid: status
            for cid, status in entry.links.items()
            if self.cats[cid].status in (CategoryStatus.UPDATING, CategoryStatus.ACTIVE)
        }
        if ACTIVE_LINK not in live.values():
            return not listing or viewer.context is None
        for cid, status in live.items():
            if status not in (PENDING_LINK, ACTIVE_LINK):
                continue
            cat = self.cats[cid]
            contexts = cat.effective_contexts()
            in_context = viewer.context in contexts if viewer.context is not None else not contexts
            if not in_context:
                continue
            if (
                cat.privacy == ALL
                or (cat.privacy == AUTHENTICATED and viewer.user_id)
                or self.is_member(cat, viewer)
            ):
                return True
        return False

    def listable_category(self, cat: Cat, viewer: Viewer) -> bool:
        contexts = cat.effective_contexts()
        in_context = viewer.context in contexts if viewer.context is not None else not contexts
        return in_context and (cat.appear_in_list == 1 or self.is_member(cat, viewer))

    # --- writing it --------------------------------------------------------------------------------

    def write(self, db: Session) -> None:
        """Replace the partner's categories, entries and groups with this world's."""
        pid = self.partner_id
        for model in (CategoryEntry, CategoryUser, CategoryContext, CategoryAncestor, GroupUser):
            db.execute(delete(model).where(model.partner_id == pid))
        db.execute(delete(MediaEntry).where(MediaEntry.partner_id == pid))
        db.execute(delete(Category).where(Category.partner_id == pid))
        db.flush()
        for cat in sorted(self.cats.values(), key=lambda c: len(c.path())):
            path = list(reversed(cat.path()))
            source = cat.members_from()
            db.add(
                Category(
                    id=cat.id,
                    partner_id=pid,
                    parent_id=cat.parent.id if cat.parent else None,
                    name=f"c{cat.id}",
                    full_name=">".join(f"c{n.id}" for n in path),
                    full_ids=">".join(str(n.id) for n in path),
                    depth=len(path) - 1,
                    status=cat.status,
                    privacy_context=",".join(cat.contexts),
                    privacy_contexts=",".join(sorted(cat.effective_contexts())),
                    privacy=cat.privacy,
                    appear_in_list=cat.appear_in_list,
                    inheritance_type=InheritanceType.INHERIT if cat.inherit else InheritanceType.MANUAL,
                    inherited_parent_id=source.id if source is not cat else None,
                )
            )
            db.flush()
            db.add_all(CategoryAncestor(category_id=cat.id, ancestor_id=n.id, partner_id=pid) for n in path)
            db.add_all(CategoryContext(category_id=cat.id, context=c, partner_id=pid) for c in cat.contexts)
            db.add_all(
                CategoryUser(
                    partner_id=pid, category_id=cat.id, user_id=user, permission_level=level, status=status
                )
                for user, (level, status) in cat.members.items()
            )
        for user, groups in self.groups.items():
            db.add_all(GroupUser(partner_id=pid, group_id=g, user_id=user) for g in groups)
        created = int(time.time())
        for n, entry in enumerate(self.entries.values()):
            row = MediaEntry(
                id=entry.id,
                partner_id=pid,
                user_id=entry.owner,
                name=entry.id,
                status=EntryStatus.READY,
                moderation_status=ModerationStatus.AUTO_APPROVED,
                created_at=created + n,
            )
            db.add(row)
            db.flush()
            for kind, users in entry.entitled.items():
                entry_users.set_users(db, row, kind, list(users))
            db.add_all(
                CategoryEntry(
                    category_id=cid,
                    entry_id=entry.id,
                    partner_id=pid,
                    status=status,
                    entry_status=row.status,
                    entry_moderation_status=row.moderation_status,
                )
                for cid, status in entry.links.items()
            )
            db.flush()
            # Set after linking, so that the links learn the entry's state as the service's changes do.
            row.status, row.moderation_status = entry.status, entry.moderation_status
        db.flush()


def viewer(
    world: World,
    user: str = "",
    context: str | None = None,
    open_entries: frozenset[str] = frozenset(),
    all_open: bool = False,
) -> Viewer:
    return Viewer(
        partner_id=world.partner_id,
        user_id=user,
        groups=frozenset(world.groups.get(user, set())) if user else frozenset(),
        context=context,
        open_entries=open_entries,
        all_entries_open=all_open,
    )
