"""``categories.propagate_contexts``: after a category's labels change (set, changed, removed, or the
category moved), bring its subtree's display column ``privacy_contexts`` up to date and reset the branches
left without any label to the non-entitlement defaults (removing their members, as upstream's batch does).

Reads never wait for this job: the effective labels are always read through the closure from the own labels
(``category_contexts``), so the job only refreshes what is derived for display and applies the reset. It
walks the subtree in id order, one chunk per recorded step (``after-<last id>``), so a run that dies resumes
after the last committed chunk, and running it again changes nothing: idempotent and resumable.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import select
from sqlalchemy.orm import Session

from keyframe.categories import contexts, service, tree
from keyframe.categories.api import PROPAGATE_CONTEXTS
from keyframe.categories.models import Category, CategoryAncestor, CategoryStatus
from keyframe.jobs.kinds import job_kind
from keyframe.jobs.runner import JobRun

CHUNK_SIZE = 500


def propagate_chunk(db: Session, root_id: int, after_id: int, size: int) -> int | None:
    """Refresh the next ``size`` categories of the subtree with ids above ``after_id``; the last id done, or
    None when nothing was left."""
    ids = list(
        db.scalars(
            select(CategoryAncestor.category_id)
            .join(Category, Category.id == CategoryAncestor.category_id)
            .where(
                CategoryAncestor.ancestor_id == root_id,
                CategoryAncestor.category_id > after_id,
                Category.status == CategoryStatus.ACTIVE,
            )
            .order_by(CategoryAncestor.category_id)
            .limit(size)
        )
    )
    if not ids:
        return None
    partner_id = db.scalar(select(Category.partner_id).where(Category.id == root_id))
    if partner_id is not None:
        tree.lock_tree(db, partner_id)  # the order every change of the tree takes its locks in
    effective = contexts.effective_texts(db, ids)
    emptied: list[int] = []
    for category in db.scalars(select(Category).where(Category.id.in_(ids)).with_for_update()):
        text = effective[category.id]
        if category.privacy_contexts != text:
            category.privacy_contexts = text
        if not text and _has_entitlement_values(category):
            emptied.append(category.id)
    db.flush()
    service.reset_to_defaults(db, emptied)
    for category_id in emptied:
        tree.recount_members(db, category_id)
    return ids[-1]


def _has_entitlement_values(category: Category) -> bool:
    from keyframe.categories.models import (
        AppearInListType,
        ContributionPolicy,
        InheritanceType,
        PermissionLevel,
        PrivacyType,
        UserJoinPolicy,
    )

    return (
        category.privacy != PrivacyType.ALL
        or category.appear_in_list != AppearInListType.PARTNER_ONLY
        or category.contribution_policy != ContributionPolicy.ALL
        or category.inheritance_type != InheritanceType.MANUAL
        or category.user_join_policy != UserJoinPolicy.NOT_ALLOWED
        or category.default_permission_level != PermissionLevel.MEMBER
        or bool(category.owner)
        or category.moderation
        or category.members_count > 0
        or category.pending_members_count > 0
    )


def _chunk(root_id: int, after_id: int, size: int) -> Callable[[Session], int | None]:
    return lambda db: propagate_chunk(db, root_id, after_id, size)


def propagate(run: JobRun, chunk_size: int = CHUNK_SIZE) -> None:
    root_id = int(run.subject_id)
    with run.services.db.transaction() as db:
        total = len(list(db.scalars(tree.subtree_ids(root_id)))) or 1
    cursor, done = 0, 0
    while True:
        run.check()
        last = run.step(f"after-{cursor}", _chunk(root_id, cursor, chunk_size))
        if last is None:
            break
        cursor = int(last)
        done += chunk_size
        run.progress(min(1.0, done / total), f"categories up to id {cursor}")


@job_kind(PROPAGATE_CONTEXTS, max_attempts=10)
def run_propagation(run: JobRun) -> None:
    propagate(run)
