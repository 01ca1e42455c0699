from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum, StrEnum

import pytest

from keyframe.kapi.decode import MISSING, decode_object, decode_value
from keyframe.kapi.errors import KalturaAPIException
from keyframe.kapi.types import KalturaObjectBase, ro


class Color(IntEnum):
    RED = 1
    BLUE = 2


class Shape(StrEnum):
    ROUND = "round"
    SQUARE = "square.SQUARE"


@dataclass(kw_only=True)
class KalturaTestThing(KalturaObjectBase):
    id: int | None = ro()
    name: str | None = None
    count: int | None = None
    ratio: float | None = None
    enabled: bool | None = None
    color: Color | None = None
    shape: Shape | None = None
    children: list[KalturaTestThing] | None = None


@dataclass(kw_only=True)
class KalturaTestSpecialThing(KalturaTestThing):
    extra: str | None = None


@dataclass(kw_only=True)
class KalturaTestAbstract(KalturaObjectBase, abstract=True):
    pass


def code_of(call) -> str:  # type: ignore[no-untyped-def]
    with pytest.raises(KalturaAPIException) as info:
        call()
    return info.value.code


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("True", True),
        ("False", False),
        ("true", True),
        ("FALSE", False),
        ("1", True),
        ("0", False),
        (True, True),
    ],
)
def test_booleans(raw: object, expected: bool) -> None:
    assert decode_value(raw, "scalar", bool, "b") is expected


def test_numbers() -> None:
    assert decode_value("86400", "scalar", int, "n") == 86400
    assert decode_value("-1", "scalar", int, "n") == -1
    assert decode_value("5.0", "scalar", int, "n") == 5
    assert decode_value("-1", "scalar", float, "n") == -1.0
    assert decode_value("", "scalar", int, "n") is MISSING
    assert code_of(lambda: decode_value("abc", "scalar", int, "n")) == "PROPERTY_VALIDATION_NUMERIC_VALUE"
    assert code_of(lambda: decode_value("nan", "scalar", float, "n")) == "PROPERTY_VALIDATION_NUMERIC_VALUE"
    assert code_of(lambda: decode_value("9" * 30, "scalar", int, "n")) == "PROPERTY_VALIDATION_NUMERIC_VALUE"


def test_enums() -> None:
    assert decode_value("2", "enum", Color, "c") is Color.BLUE
    assert decode_value("true", "enum", Color, "c") is Color.RED
    assert decode_value("square.SQUARE", "enum", Shape, "s") is Shape.SQUARE
    with pytest.raises(KalturaAPIException) as info:
        decode_value("7", "enum", Color, "c")
    assert info.value.code == "INVALID_ENUM_VALUE"
    assert info.value.message == (
        'Invalid enumeration value "7" for parameter "c", expecting enumeration type "KalturaColor"'
    )


def test_objects_follow_object_type_to_a_subclass() -> None:
    thing = decode_object(
        {"objectType": "KalturaTestSpecialThing", "name": "n", "extra": "x", "unknown": "ignored", "id": "9"},
        KalturaTestThing,
        "thing",
    )
    assert isinstance(thing, KalturaTestSpecialThing)
    assert (thing.name, thing.extra, thing.id) == ("n", "x", None)  # read-only id is ignored
    assert thing.provided == {"name", "extra"}


def test_null_markers_and_empty_arrays() -> None:
    thing = decode_object({"name__null": "", "children": {"-": ""}, "count": "3"}, KalturaTestThing, "t")
    assert thing.nulled == {"name"}
    assert thing.children == []
    assert thing.count == 3


def test_nested_arrays_of_objects() -> None:
    thing = decode_object(
        {"children": [{"objectType": "KalturaTestThing", "name": "a"}, {"name": "b"}]}, KalturaTestThing, "t"
    )
    assert [c.name for c in thing.children or []] == ["a", "b"]
    flat = decode_object({"children": {"1": {"name": "b"}, "0": {"name": "a"}}}, KalturaTestThing, "t")
    assert [c.name for c in flat.children or []] == ["a", "b"]


def test_wrong_object_types() -> None:
    assert (
        code_of(lambda: decode_object({"objectType": "Nope"}, KalturaTestThing, "t")) == "INVALID_OBJECT_TYPE"
    )
    assert code_of(lambda: decode_object({"objectType": "KalturaTestAbstract"}, KalturaTestThing, "t")) == (
        "INVALID_OBJECT_TYPE"
    )
    assert code_of(lambda: decode_object({}, KalturaTestAbstract, "t")) == "OBJECT_TYPE_ABSTRACT"
    assert code_of(lambda: decode_object("text", KalturaTestThing, "t")) == "INVALID_OBJECT_TYPE"


def test_deep_nesting_is_refused_not_crashed() -> None:
    value: dict[str, object] = {"name": "leaf"}
    for _ in range(40):
        value = {"children": [value]}
    assert code_of(lambda: decode_object(value, KalturaTestThing, "t")) == "PROPERTY_VALIDATION_WRONG_FORMAT"
