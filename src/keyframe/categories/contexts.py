"""Privacy-context labels: a category's own labels (``category_contexts`` + ``privacy_context``) and its
effective ones (the own labels of its ancestors-or-self, read through the closure, so always current)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from keyframe.categories.models import Category, CategoryAncestor, CategoryContext
from keyframe.kapi import errors

# Upstream's rule (categoryService add/update): English letters and digits, at least 4 of them.
_LABEL = re.compile(r"[A-Za-z0-9]{4,}")
MAX_LABEL_LENGTH = 255


def parse_labels(text: str | None) -> list[str]:
    """``"MediaSpace,LMS1"`` → the labels, each once, in order; ``""``/None → none."""
    labels: list[str] = []
    for part in (text or "").split(","):
        label = part.strip()
        if not label:
            continue
        if not _LABEL.fullmatch(label) or len(label) > MAX_LABEL_LENGTH:
            raise errors.PRIVACY_CONTEXT_INVALID_STRING(label[:64])
        if label not in labels:
            labels.append(label)
    return labels


def merge(groups: Iterable[str]) -> str:
    """Comma lists (root first) → one comma list, each label once, in first-seen order."""
    seen: list[str] = []
    for text in groups:
        for label in text.split(","):
            if label and label not in seen:
                seen.append(label)
    return ",".join(seen)


def set_own(db: Session, category: Category, labels: Sequence[str]) -> None:
    """Replace a category's own labels (row per label and the comma column, same transaction)."""
    db.execute(delete(CategoryContext).where(CategoryContext.category_id == category.id))
    for label in labels:
        db.add(CategoryContext(category_id=category.id, context=label, partner_id=category.partner_id))
    category.privacy_context = ",".join(labels)
    db.flush()


def effective_text(db: Session, category_id: int) -> str:
    """The labels in force for a category now: its ancestors' and its own (display order: root first)."""
    rows = db.execute(
        select(Category.privacy_context)
        .join(CategoryAncestor, CategoryAncestor.ancestor_id == Category.id)
        .where(CategoryAncestor.category_id == category_id)
        .order_by(Category.depth)
    )
    return merge(row[0] for row in rows)


def effective_texts(db: Session, category_ids: Sequence[int]) -> dict[int, str]:
    """``effective_text`` for many categories in one query."""
    if not category_ids:
        return {}
    rows = db.execute(
        select(CategoryAncestor.category_id, Category.privacy_context)
        .join(Category, CategoryAncestor.ancestor_id == Category.id)
        .where(CategoryAncestor.category_id.in_(list(category_ids)))
        .order_by(CategoryAncestor.category_id, Category.depth)
    )
    grouped: dict[int, list[str]] = {i: [] for i in category_ids}
    for category_id, own in rows:
        grouped[category_id].append(own)
    return {i: merge(texts) for i, texts in grouped.items()}
