"""Building blocks of the SQL that list filters run: LIKE patterns with the user's text escaped, and
inclusive ranges. Shared by every domain's ``…Filter`` so they match text the same way."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import ColumnElement


def escape_like(text: str) -> str:
    """``text`` as a literal inside a LIKE pattern (``\\`` is the escape character)."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def contains(column: Any, text: str) -> ColumnElement[bool]:
    """Case-insensitive substring match (upstream's ``…Like`` filters)."""
    return column.ilike(f"%{escape_like(text)}%", escape="\\")  # type: ignore[no-any-return]


def starts_with(column: Any, text: str, *, ignore_case: bool = True) -> ColumnElement[bool]:
    pattern = f"{escape_like(text)}%"
    if ignore_case:
        return column.ilike(pattern, escape="\\")  # type: ignore[no-any-return]
    return column.like(pattern, escape="\\")  # type: ignore[no-any-return]


def within(bounds: Iterable[tuple[Any, Any, Any]]) -> list[ColumnElement[bool]]:
    """Conditions for ``(column, lowest, highest)`` triples, either bound inclusive and optional (None)."""
    conditions: list[ColumnElement[bool]] = []
    for column, lowest, highest in bounds:
        if lowest is not None:
            conditions.append(column >= lowest)
        if highest is not None:
            conditions.append(column <= highest)
    return conditions
