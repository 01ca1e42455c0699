"""Who is looking, as the entitlement rules see a session (youtube-entitlement-roles.md §3.4, §3.6).

A ``Viewer`` is read from the KS once per call: its user, the groups that user belongs to (a member through a
group is a member), its application's privacy context (``None`` is upstream's ``DEFAULTPC``: "no context")
and the entries ``disableentitlementforentry`` opens.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from keyframe.groups.models import GroupUser
from keyframe.ks import KS


@dataclass(frozen=True)
class Viewer:
    partner_id: int
    user_id: str  # "" for a session without a user
    groups: frozenset[str]
    context: str | None
    open_entries: frozenset[str]
    all_entries_open: bool = False

    @property
    def has_user(self) -> bool:
        return bool(self.user_id)

    @property
    def principals(self) -> frozenset[str]:
        """The ids whose category membership counts for this viewer: the user and the user's groups."""
        return frozenset({self.user_id, *self.groups}) if self.user_id else frozenset()


def privacy_context(ks: KS) -> str | None:
    """The KS's ``privacycontext`` label. The privilege list is comma-separated, so a KS names one label."""
    value = (ks.privileges.first("privacycontext") or "").strip()
    return value or None


def opened_entries(ks: KS) -> tuple[frozenset[str], bool]:
    """The ids of ``disableentitlementforentry:<id>[/<id>…]`` and whether ``*`` opens every entry."""
    ids = {
        part.strip() for raw in ks.privileges.values("disableentitlementforentry") for part in raw.split("/")
    }
    ids.discard("")
    return frozenset(ids - {"*"}), "*" in ids


def groups_of(db: Session, partner_id: int, user_id: str) -> frozenset[str]:
    if not user_id:
        return frozenset()
    stmt = select(GroupUser.group_id).where(GroupUser.partner_id == partner_id, GroupUser.user_id == user_id)
    return frozenset(db.scalars(stmt))


def viewer_for(db: Session, partner_id: int, ks: KS) -> Viewer:
    user_id = "" if ks.is_anonymous else ks.user_id
    opened, all_open = opened_entries(ks)
    return Viewer(
        partner_id=partner_id,
        user_id=user_id,
        groups=groups_of(db, partner_id, user_id),
        context=privacy_context(ks),
        open_entries=opened,
        all_entries_open=all_open,
    )
