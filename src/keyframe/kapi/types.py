"""Kaltura API object types: dataclasses whose class name is the wire ``objectType``.

Kaltura's inheritance is kept (``KalturaMediaEntry`` → ``KalturaPlayableEntry`` → ``KalturaBaseEntry``) so the
official client's subclass checks pass. Field metadata says which properties are read-only (``ro()``) or
insert-only (``io()``); a field's Python type says how it is decoded from a request and written back.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from dataclasses import dataclass, field
from enum import Enum
from typing import Any, ClassVar

RO = "readonly"
IO = "insertonly"


def ro(default: Any = None) -> Any:
    """A read-only property: ignored when a client sends it."""
    return field(default=default, metadata={RO: True})


def io(default: Any = None) -> Any:
    """An insert-only property: settable on add, not on update."""
    return field(default=default, metadata={IO: True})


@dataclass(frozen=True)
class FieldInfo:
    name: str
    kind: str  # "scalar" | "enum" | "object" | "array" | "map"
    type: Any  # the scalar type, enum class or object class (element class for array/map)
    readonly: bool
    insert_only: bool


class KalturaObjectBase:
    """Base of every API object. ``registry`` maps objectType names to classes."""

    registry: ClassVar[dict[str, type[KalturaObjectBase]]] = {}
    abstract: ClassVar[bool] = False
    # Filled by the decoder: which properties the request set, and which it set to null explicitly.
    provided: frozenset[str] = frozenset()
    nulled: frozenset[str] = frozenset()
    # Set by an action: properties this caller may not read, left out of the response entirely.
    hidden: frozenset[str] = frozenset()

    def __init_subclass__(cls, *, abstract: bool = False, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls.abstract = abstract
        KalturaObjectBase.registry[cls.__name__] = cls

    @classmethod
    def object_type(cls) -> str:
        return cls.__name__

    @classmethod
    def field_infos(cls) -> tuple[FieldInfo, ...]:
        """The class's properties in declaration order (base classes first); resolved once, on first use,
        when every class the annotations name exists."""
        infos = _FIELD_INFOS.get(cls)
        if infos is None:
            infos = _FIELD_INFOS[cls] = _resolve_fields(cls)
        return infos


_FIELD_INFOS: dict[type, tuple[FieldInfo, ...]] = {}


def _resolve_fields(cls: type) -> tuple[FieldInfo, ...]:
    if not dataclasses.is_dataclass(cls):
        return ()
    hints = typing.get_type_hints(cls)
    infos = []
    for f in dataclasses.fields(cls):
        kind, typ = classify(hints[f.name])
        infos.append(FieldInfo(f.name, kind, typ, bool(f.metadata.get(RO)), bool(f.metadata.get(IO))))
    return tuple(infos)


def classify(annotation: Any) -> tuple[str, Any]:
    """Reduce a field or parameter annotation to (kind, type), dropping ``| None``."""
    if isinstance(annotation, types.UnionType) or typing.get_origin(annotation) is typing.Union:
        members = [a for a in typing.get_args(annotation) if a is not type(None)]
        if len(members) != 1:
            raise TypeError(f"unsupported union {annotation!r}")
        annotation = members[0]
    origin = typing.get_origin(annotation)
    if origin is list:
        return "array", typing.get_args(annotation)[0]
    if origin is dict:
        return "map", typing.get_args(annotation)[1]
    if isinstance(annotation, type) and issubclass(annotation, Enum):
        return "enum", annotation
    if isinstance(annotation, type) and issubclass(annotation, KalturaObjectBase):
        return "object", annotation
    if annotation in (str, int, float, bool):
        return "scalar", annotation
    raise TypeError(f"unsupported API type {annotation!r}")


# --- common objects --------------------------------------------------------------------------------


@dataclass(kw_only=True)
class KalturaApiExceptionArg(KalturaObjectBase):
    name: str | None = None
    value: str | None = None


@dataclass(kw_only=True)
class KalturaKeyValue(KalturaObjectBase):
    key: str | None = None
    value: str | None = None


@dataclass(kw_only=True)
class KalturaPager(KalturaObjectBase, abstract=True):
    pass


@dataclass(kw_only=True)
class KalturaFilterPager(KalturaPager):
    pageSize: int | None = None
    pageIndex: int | None = None

    DEFAULT_SIZE: ClassVar[int] = 30
    MAX_SIZE: ClassVar[int] = 500
    MAX_OFFSET: ClassVar[int] = 2**31 - 1

    def limit_offset(self) -> tuple[int, int]:
        """Upstream's paging: size defaults to 30 and is capped at 500; pages are 1-based."""
        size = self.pageSize if self.pageSize and self.pageSize > 0 else self.DEFAULT_SIZE
        size = min(size, self.MAX_SIZE)
        index = self.pageIndex if self.pageIndex and self.pageIndex > 0 else 1
        # Pages past any real data stay empty; the cap keeps OFFSET inside every database's integers.
        return size, min((index - 1) * size, self.MAX_OFFSET)


@dataclass(kw_only=True)
class KalturaSearchItem(KalturaObjectBase):
    pass


@dataclass(kw_only=True)
class KalturaFilter(KalturaObjectBase):
    orderBy: str | None = None
    advancedSearch: KalturaSearchItem | None = None


@dataclass(kw_only=True)
class KalturaListResponse(KalturaObjectBase):
    totalCount: int | None = ro()
