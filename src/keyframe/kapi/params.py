"""Collect api_v3 parameters from the URL path, the query string and the body.

Sources, lowest priority first: the body (JSON when the Content-Type is ``application/json`` and the body is
a JSON object; form-urlencoded; or multipart, whose ``json`` part holds the JSON body), then the query string,
then ``/name/value`` pairs in the path after ``/api_v3/`` (so the path's service and action cannot be
overridden by the query). Flattened names ``a:b:c`` become nested dicts, as in ``filter:nameLike`` or a
multirequest's ``1:service``.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qsl, unquote

from keyframe.kapi import errors

MAX_FIELDS = 5000
MAX_KEY_DEPTH = 12


def set_flattened(root: dict[str, Any], key: str, value: Any) -> None:
    """Store ``value`` under ``a:b:c`` as ``root[a][b][c]``, merging with what is already there."""
    parts = key.split(":", MAX_KEY_DEPTH)
    target = root
    for part in parts[:-1]:
        child = target.get(part)
        if not isinstance(child, dict):
            child = {}
            target[part] = child
        target = child
    last = parts[-1]
    if isinstance(value, dict) and isinstance(target.get(last), dict):
        merge(target[last], value)
    else:
        target[last] = value


def merge(target: dict[str, Any], source: dict[str, Any]) -> dict[str, Any]:
    for key, value in source.items():
        set_flattened(target, str(key), value)
    return target


def parse_query(query: str) -> dict[str, Any]:
    params: dict[str, Any] = {}
    try:
        pairs = parse_qsl(query, keep_blank_values=True, max_num_fields=MAX_FIELDS)
    except ValueError:
        raise errors.REQUEST_TOO_LARGE(f"{MAX_FIELDS} fields") from None
    for key, value in pairs:
        set_flattened(params, key, value)
    return params


def parse_json_body(body: bytes) -> dict[str, Any]:
    """A JSON object body; anything else contributes no parameters (as upstream's ``json_decode``)."""
    text = body.strip()
    if not (text.startswith(b"{") and text.endswith(b"}")):
        return {}
    try:
        data = json.loads(text)
    except (ValueError, RecursionError):
        return {}
    return merge({}, data) if isinstance(data, dict) else {}


def path_params(path: str) -> dict[str, Any]:
    """``/api_v3/service/media/action/list/ks/…`` → ``{"service": "media", "action": "list", "ks": …}``."""
    marker = path.find("/api_v3/")
    if marker < 0:
        return {}
    rest = path[marker + len("/api_v3/") :]
    if rest.startswith("index.php"):
        rest = rest[len("index.php") :]
    segments = [unquote(s) for s in rest.split("/") if s]
    params: dict[str, Any] = {}
    for i in range(0, len(segments) - 1, 2):
        # The first pair wins: a later ``/service/…/action/…`` must not replace the call the URL names
        # (urirestrict is matched against the URL).
        if segments[i] not in params:
            set_flattened(params, segments[i], segments[i + 1])
    if len(segments) % 2 and segments[-1].lower() == "multirequest":
        params["service"] = "multirequest"
    return params


def is_json_content_type(content_type: str) -> bool:
    return content_type.split(";", 1)[0].strip().lower() == "application/json"


def is_form_content_type(content_type: str) -> bool:
    return content_type.split(";", 1)[0].strip().lower() == "application/x-www-form-urlencoded"


def is_multipart_content_type(content_type: str) -> bool:
    return content_type.split(";", 1)[0].strip().lower() == "multipart/form-data"
