"""Turn raw request values (strings, dicts, lists) into typed action arguments, as upstream's deserializer.

Rules (``shared/reference/kaltura-api-and-ks.md`` §2.2): booleans are ``"True"``/``"False"``/``1``/``0``,
with ``false`` (any case) and ``0`` meaning false; enums accept ``true``/``false`` as 1/0; an object's
``objectType`` may name a subclass of the declared type; ``<name>__null`` nulls a property; ``{"-": ""}``
is an empty array or map; unknown and read-only properties are ignored.
"""

from __future__ import annotations

import math
import re
from enum import Enum
from typing import Any

from keyframe.kapi import errors
from keyframe.kapi.types import FieldInfo, KalturaObjectBase, classify

NULL_SUFFIX = "__null"
_INT_LIMIT = 1 << 63
_MAX_DEPTH = 16
_BAD_CHARS = re.compile("[\x00\ud800-\udfff]")


class Missing:
    """Marks a value the request did not give (distinct from an explicit null)."""


MISSING = Missing()


def is_empty_marker(value: object) -> bool:
    return isinstance(value, dict) and len(value) == 1 and "-" in value


def decode_value(value: Any, kind: str, typ: Any, name: str, depth: int = 0) -> Any:
    """Decode one raw value; returns ``MISSING`` for an empty scalar (so the default applies)."""
    if depth > _MAX_DEPTH:
        raise errors.PROPERTY_VALIDATION_WRONG_FORMAT(name, "nesting too deep")
    if kind == "scalar":
        return _scalar(value, typ, name)
    if kind == "enum":
        return _enum(value, typ, name)
    if kind == "object":
        return decode_object(value, typ, name, depth + 1)
    if kind == "array":
        return _array(value, typ, name, depth + 1)
    return _map(value, typ, name, depth + 1)


def decode_object(
    value: Any, declared: type[KalturaObjectBase], name: str, depth: int = 0
) -> KalturaObjectBase:
    if not isinstance(value, dict):
        raise errors.INVALID_OBJECT_TYPE(value[:100] if isinstance(value, str) else name)
    cls = declared
    object_type = value.get("objectType")
    if object_type not in (None, ""):
        if not isinstance(object_type, str):
            raise errors.INVALID_OBJECT_TYPE(name)
        found = KalturaObjectBase.registry.get(object_type)
        if found is None or not issubclass(found, declared):
            raise errors.INVALID_OBJECT_TYPE(object_type)
        cls = found
    if cls.abstract:
        raise errors.OBJECT_TYPE_ABSTRACT(cls.__name__)
    infos = {f.name: f for f in cls.field_infos()}
    kwargs: dict[str, Any] = {}
    provided: set[str] = set()
    nulled: set[str] = set()
    for key, raw in value.items():
        if not isinstance(key, str):
            continue
        if key.endswith(NULL_SUFFIX):
            prop = key[: -len(NULL_SUFFIX)]
            if prop in infos and not infos[prop].readonly:
                nulled.add(prop)
                provided.add(prop)
                kwargs.pop(prop, None)
            continue
        info = infos.get(key)
        if info is None or info.readonly or key in nulled:
            continue
        decoded = _field(raw, info, f"{name}:{key}" if name else key, depth)
        if decoded is not MISSING:
            kwargs[key] = decoded
            provided.add(key)
    obj = cls(**kwargs)
    obj.provided = frozenset(provided)
    obj.nulled = frozenset(nulled)
    return obj


def _field(raw: Any, info: FieldInfo, name: str, depth: int) -> Any:
    return decode_value(raw, info.kind, info.type, name, depth)


def _text(value: Any, name: str, expected: str) -> str:
    """A primitive request value as text; anything else (a file part, an object) is the wrong format."""
    if isinstance(value, str):
        text = value
    elif isinstance(value, bool):
        text = "1" if value else "0"
    elif isinstance(value, int | float):
        text = repr(value) if isinstance(value, float) else str(value)
    else:
        raise errors.PROPERTY_VALIDATION_WRONG_FORMAT(name, expected)
    if _BAD_CHARS.search(text):
        # NUL and lone surrogates cannot be stored, logged or encoded safely anywhere downstream.
        raise errors.INVALID_PARAMETER_CHAR(name)
    return text


def _scalar(value: Any, typ: type, name: str) -> Any:
    if isinstance(value, dict | list):
        if is_empty_marker(value):
            return MISSING
        raise errors.PROPERTY_VALIDATION_WRONG_FORMAT(name, typ.__name__)
    if value is None:
        return MISSING
    text = _text(value, name, typ.__name__)
    if typ is str:
        return text
    text = text.strip()
    if text == "":
        return MISSING
    if typ is bool:
        return text.lower() not in ("false", "0")
    if typ is int:
        return _int(text, name)
    return _float(text, name)


def _int(text: str, name: str) -> int:
    try:
        number = int(text)
    except ValueError:
        # PHP casts "5.0" to 5; keep that, but reject what is not a number at all.
        number = int(_float(text, name))
    if not -_INT_LIMIT < number < _INT_LIMIT:
        raise errors.PROPERTY_VALIDATION_NUMERIC_VALUE(name)
    return number


def _float(text: str, name: str) -> float:
    try:
        number = float(text)
    except ValueError:
        raise errors.PROPERTY_VALIDATION_NUMERIC_VALUE(name) from None
    if not math.isfinite(number):
        raise errors.PROPERTY_VALIDATION_NUMERIC_VALUE(name)
    return number


def _enum(value: Any, typ: type[Enum], name: str) -> Any:
    if isinstance(value, dict | list) or value is None:
        if value is None or is_empty_marker(value):
            return MISSING
        raise errors.INVALID_ENUM_VALUE("", name, typ.__name__)
    text = _text(value, name, _kaltura_name(typ)).strip()
    if text == "":
        return MISSING
    lowered = text.lower()
    if lowered in ("true", "false"):
        text = "1" if lowered == "true" else "0"
    members = typ.__members__.values()
    sample = next(iter(members)).value
    try:
        candidate: Any = int(text) if isinstance(sample, int) else text
        return typ(candidate)
    except ValueError:
        raise errors.INVALID_ENUM_VALUE(text[:100], name, _kaltura_name(typ)) from None


def _kaltura_name(typ: type[Enum]) -> str:
    return typ.__name__ if typ.__name__.startswith("Kaltura") else f"Kaltura{typ.__name__}"


def _array(value: Any, element: Any, name: str, depth: int) -> Any:
    if value is None or is_empty_marker(value) or value == "":
        return []
    if isinstance(value, dict):
        # A flattened form array (``items:0:field``) arrives as a dict keyed by index.
        try:
            value = [v for _, v in sorted(value.items(), key=lambda kv: int(kv[0]))]
        except ValueError:
            raise errors.PROPERTY_VALIDATION_WRONG_FORMAT(name, "array") from None
    if not isinstance(value, list):
        raise errors.PROPERTY_VALIDATION_WRONG_FORMAT(name, "array")
    kind, typ = classify(element)
    return [decode_value(item, kind, typ, f"{name}:{i}", depth) for i, item in enumerate(value)]


def _map(value: Any, element: Any, name: str, depth: int) -> Any:
    if value is None or is_empty_marker(value) or value == "":
        return {}
    if not isinstance(value, dict):
        raise errors.PROPERTY_VALIDATION_WRONG_FORMAT(name, "map")
    kind, typ = classify(element)
    return {str(k): decode_value(v, kind, typ, f"{name}:{k}", depth) for k, v in value.items()}
