"""KS privileges: the comma-separated ``name[:value]`` list a KS carries.

Order and duplicates are kept as written (a v1 KS keeps ``sview:a,sview:b`` both); a v2 KS stores them as
query-string pairs, so later duplicates overwrite earlier ones there. The whole string ``*`` means every
privilege and is stored as the pair ``all:*``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

WILDCARD = ("all", "*")
# Privileges that restrict where a KS may be used; checked on every request that carries the KS.
RESTRICTIONS = frozenset({"iprestrict", "urirestrict"})


@dataclass(frozen=True, slots=True)
class Privileges:
    items: tuple[tuple[str, str], ...] = ()
    # Derived from items when built (not compared, hashed or shown): whether any item is a restriction,
    # so that the usual unrestricted KS skips the IP and URI checks without scanning its items.
    restricted: bool = field(init=False, repr=False, compare=False, hash=False)

    def __post_init__(self) -> None:
        restricted = False
        for name, _ in self.items:
            if name in RESTRICTIONS:
                restricted = True
                break
        object.__setattr__(self, "restricted", restricted)

    @classmethod
    def parse(cls, text: str | None) -> Privileges:
        if not text:
            return _EMPTY
        items: list[tuple[str, str]] = []
        for raw in text.split(","):
            item = raw.strip()
            if not item:
                continue
            if item == "*":
                items.append(WILDCARD)
                continue
            name, _, value = item.partition(":")
            items.append((name, value))
        return cls(tuple(items))

    def v2_pairs(self) -> list[tuple[str, str]]:
        """The pairs a v2 KS stores: one per name, the last value winning, first position kept."""
        merged: dict[str, str] = {}
        for name, value in self.items:
            merged[name] = value
        return list(merged.items())

    def __str__(self) -> str:
        return ",".join(
            "*" if (name, value) == WILDCARD else (f"{name}:{value}" if value else name)
            for name, value in self.items
        )

    def __bool__(self) -> bool:
        return bool(self.items)

    @property
    def is_wildcard(self) -> bool:
        return WILDCARD in self.items

    def has(self, name: str) -> bool:
        return any(n == name for n, _ in self.items)

    def values(self, name: str) -> list[str]:
        """Raw values of every item with this name, in order."""
        return [v for n, v in self.items if n == name]

    def first(self, name: str) -> str | None:
        for n, v in self.items:
            if n == name:
                return v
        return None

    def allows(self, name: str, value: str) -> bool:
        """Upstream's ``verifyPrivileges``: the KS grants ``name`` for ``value`` (``*`` grants all values)."""
        if self.is_wildcard:
            return True
        for n, raw in self.items:
            if n == name:
                parts = raw.split("/")
                if value in parts or "*" in parts:
                    return True
        return False

    # Restrictions checked when a KS is validated -------------------------------------------------

    def ip_allowed(self, client_ip: str | None) -> bool:
        """``iprestrict:<ip>[/<ip>…]``: the request's address must equal one of the listed ones exactly."""
        if not self.restricted:
            return True
        restrictions = self.values("iprestrict")
        if not restrictions:
            return True
        if client_ip is None:
            return False
        return all(client_ip in raw.split("/") for raw in restrictions)

    def uri_allowed(self, path: str, query: str = "") -> bool:
        """``urirestrict:<pattern>[|<pattern>…]``: the request URI must match one pattern.

        ``*`` matches any run of characters anywhere in a pattern (upstream only honours a trailing ``*``;
        this is a superset). A pattern without ``?`` is matched against the path alone, so text placed in
        the query string can never satisfy a pattern meant for the path.
        """
        if not self.restricted:
            return True
        restrictions = self.values("urirestrict")
        if not restrictions:
            return True
        for raw in restrictions:
            on_path, on_full = _uri_matchers(raw)
            if on_path is not None and on_path.fullmatch(path):
                continue
            if on_full is not None and on_full.fullmatch(f"{path}?{query}" if query else path):
                continue
            return False
        return True


_EMPTY = Privileges()


@lru_cache(maxsize=1024)
def _uri_matchers(raw: str) -> tuple[re.Pattern[str] | None, re.Pattern[str] | None]:
    """The ``|``-separated patterns of one ``urirestrict`` as two regexes: those matched against the path
    alone, and those with ``?`` matched against ``path?query``. Either is None when it has no pattern."""
    patterns = [p for p in raw.split("|") if p]
    return (
        _any_of([p for p in patterns if "?" not in p]),
        _any_of([p for p in patterns if "?" in p]),
    )


def _any_of(patterns: list[str]) -> re.Pattern[str] | None:
    """One regex that fully matches what any of the patterns does (``*``: any run of characters)."""
    if not patterns:
        return None
    sources = (".*".join(re.escape(part) for part in pattern.split("*")) for pattern in patterns)
    return re.compile("|".join(f"(?:{source})" for source in sources), re.DOTALL)
