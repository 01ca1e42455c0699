"""Write action results as Kaltura responses: XML (``format=2``, the default) or JSON (``format=1``).

XML follows ``shared/reference/kaltura-api-and-ks.md`` §2.6: ``<xml><result>…</result><executionTime>``; an
object is its ``objectType`` then one element per property (null → empty element); booleans are 1/0;
errors are ``<error>`` with code, message, objectType and args. JSON follows §2.9: bare values, nulls
omitted from objects, errors as objects, a multirequest as an array.
"""

from __future__ import annotations

import json
import re
from enum import Enum
from typing import Any

from keyframe.kapi.errors import KalturaAPIException
from keyframe.kapi.types import KalturaObjectBase

FORMAT_JSON = 1
FORMAT_XML = 2

# Characters XML 1.0 cannot carry (and lone surrogates, which UTF-8 cannot encode) are dropped.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def escape(text: str) -> str:
    if _NOT_XML.search(text):
        text = _NOT_XML.sub("", text)
    return (
        text.replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace('"', "&quot;")
        .replace("'", "&apos;")
    )


def scalar_text(value: Any) -> str:
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, Enum):
        return str(value.value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


# --- XML -----------------------------------------------------------------------------------------


def to_xml(result: Any, execution_time: float, *, multirequest: bool = False) -> bytes:
    out = ['<?xml version="1.0" encoding="utf-8"?><xml><result>']
    if multirequest:
        for item in result:
            out.append("<item>")
            _xml_value(item, out)
            out.append("</item>")
    else:
        _xml_value(result, out)
    out.append(f"</result><executionTime>{execution_time:.6f}</executionTime></xml>")
    return "".join(out).encode("utf-8")


def _xml_value(value: Any, out: list[str]) -> None:
    if value is None:
        return
    if isinstance(value, KalturaObjectBase):
        _xml_object(value, out)
    elif isinstance(value, KalturaAPIException):
        _xml_error(value, out)
    elif isinstance(value, list):
        for item in value:
            out.append("<item>")
            _xml_value(item, out)
            out.append("</item>")
    elif isinstance(value, dict):
        for key, item in value.items():
            out.append(f"<item><itemKey>{escape(str(key))}</itemKey>")
            _xml_value(item, out)
            out.append("</item>")
    elif isinstance(value, str):
        out.append(escape(value))
    else:
        out.append(escape(scalar_text(value)))


def _xml_object(obj: KalturaObjectBase, out: list[str]) -> None:
    out.append(f"<objectType>{type(obj).__name__}</objectType>")
    hidden = obj.hidden
    for info in type(obj).field_infos():
        name = info.name
        if name in hidden:
            continue
        out.append(f"<{name}>")
        _xml_value(getattr(obj, name), out)
        out.append(f"</{name}>")


def _xml_error(error: KalturaAPIException, out: list[str]) -> None:
    out.append(
        f"<error><code>{escape(error.code)}</code><message>{escape(error.message)}</message>"
        "<objectType>KalturaAPIException</objectType><args>"
    )
    for name, value in error.arguments.items():
        out.append(
            "<item><objectType>KalturaApiExceptionArg</objectType>"
            f"<name>{escape(name)}</name><value>{escape(value)}</value></item>"
        )
    out.append("</args></error>")


# --- JSON ----------------------------------------------------------------------------------------


def to_json(result: Any, *, multirequest: bool = False) -> bytes:
    value = [_json_value(item) for item in result] if multirequest else _json_value(result)
    return json.dumps(value, separators=(",", ":")).encode("utf-8")


def _json_value(value: Any) -> Any:
    if isinstance(value, KalturaObjectBase):
        data: dict[str, Any] = {}
        for info in type(value).field_infos():
            item = getattr(value, info.name)
            if item is not None and info.name not in value.hidden:
                data[info.name] = _json_value(item)
        data["objectType"] = type(value).__name__
        return data
    if isinstance(value, KalturaAPIException):
        return {
            "code": value.code,
            "message": value.message,
            "objectType": "KalturaAPIException",
            "args": dict(value.arguments),
        }
    if isinstance(value, list):
        return [_json_value(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _json_value(v) for k, v in value.items()}
    if isinstance(value, Enum):
        return value.value
    return value
