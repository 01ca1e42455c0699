"""Route decoded parameters to actions: single calls and multirequests with ``{N:result:path}`` references.

The ``Runner`` (supplied by the application) authenticates, checks permissions and runs the action in a
transaction; this module knows only the protocol. Whatever a call raises becomes a Kaltura error in its
place: a multirequest keeps going after a failed item, as upstream does.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from enum import Enum
from functools import partial
from typing import Any, Protocol

from keyframe.kapi import errors
from keyframe.kapi.errors import KalturaAPIException
from keyframe.kapi.registry import ActionSpec, Registry
from keyframe.kapi.types import KalturaObjectBase

log = logging.getLogger(__name__)

_REFERENCE = re.compile(r"\{([0-9]{1,9}):result((?::[^{}:]*)*)\}")
_SUB_REQUEST_KEY = re.compile(r"[0-9]{1,9}")
_MAX_DEPTH = 32
# A value built from references may not grow past this: chained references could otherwise multiply a
# small request into gigabytes.
MAX_REFERENCED_TEXT = 1024 * 1024
# Keys a multirequest shares with each sub-request that does not set them itself.
_SHARED_KEYS = ("ks", "partnerId", "clientTag", "apiVersion", "language", "responseProfile")


class Runner(Protocol):
    def __call__(self, spec: ActionSpec, params: dict[str, Any]) -> Any: ...


def is_multirequest(params: dict[str, Any]) -> bool:
    service = params.get("service")
    return isinstance(service, str) and service.lower() == "multirequest"


def dispatch(params: dict[str, Any], registry: Registry, runner: Runner) -> Any:
    """Run one call; returns its result or the KalturaAPIException describing its failure."""
    return _guarded(lambda: _call(params, registry, runner))


def shared_params(params: dict[str, Any]) -> dict[str, Any]:
    """What a multirequest gives each of its sub-requests unless they set it themselves (the KS…)."""
    return {k: params[k] for k in _SHARED_KEYS if k in params}


def dispatch_multi(params: dict[str, Any], registry: Registry, runner: Runner) -> list[Any]:
    """Run the numbered sub-requests in ascending order; result N is the N-th one (1-based)."""
    shared = shared_params(params)
    numbered = sorted(
        (int(k), k, v) for k, v in params.items() if _SUB_REQUEST_KEY.fullmatch(k) and isinstance(v, dict)
    )
    results: list[Any] = []
    for _, _, sub in numbered:
        call = partial(_call_with_references, {**shared, **sub}, results, registry, runner)
        results.append(_guarded(call))
    return results


def _call_with_references(
    params: dict[str, Any], results: list[Any], registry: Registry, runner: Runner
) -> Any:
    return _call(_substitute(params, results, 0), registry, runner)


def _call(params: dict[str, Any], registry: Registry, runner: Runner) -> Any:
    service = params.get("service")
    action = params.get("action")
    if not isinstance(service, str) or not service:
        raise errors.SERVICE_NOT_SPECIFIED()
    if not isinstance(action, str) or not action:
        # Upstream checks the service before complaining about the action.
        if not registry.has_service(service):
            raise errors.SERVICE_DOES_NOT_EXISTS(service)
        raise errors.ACTION_NOT_SPECIFIED()
    spec = registry.find(service, action)
    return runner(spec, params)


def _guarded(call: Callable[[], Any]) -> Any:
    try:
        return call()
    except KalturaAPIException as error:
        return error
    except Exception:
        # The trace goes to the log (which never holds parameters), the caller gets the generic error.
        log.exception("unhandled error in api action")
        return errors.INTERNAL_SERVERL_ERROR()


def _substitute(value: Any, results: list[Any], depth: int) -> Any:
    if depth > _MAX_DEPTH:
        return value
    if isinstance(value, str):
        if "{" not in value:
            return value
        budget = [MAX_REFERENCED_TEXT - len(value)]

        def replace(match: re.Match[str]) -> str:
            text = _resolve(results, int(match.group(1)), match.group(2))
            budget[0] -= len(text)
            if budget[0] < 0:
                raise errors.REQUEST_TOO_LARGE(MAX_REFERENCED_TEXT)
            return text

        return _REFERENCE.sub(replace, value)
    if isinstance(value, dict):
        return {k: _substitute(v, results, depth + 1) for k, v in value.items()}
    if isinstance(value, list):
        return [_substitute(v, results, depth + 1) for v in value]
    return value


def _resolve(results: list[Any], number: int, path: str) -> str:
    if not 1 <= number <= len(results):
        return ""
    return _walk(results[number - 1], [p for p in path.split(":") if p])


def _walk(value: Any, path: list[str]) -> str:
    for index, step in enumerate(path):
        if step == "_all" and isinstance(value, list):
            rest = path[index + 1 :]
            return "".join(f"{_walk(item, rest)}," for item in value)
        value = _step(value, step)
        if value is None:
            return ""
    return _as_text(value)


def _step(value: Any, step: str) -> Any:
    if isinstance(value, KalturaObjectBase):
        names = {f.name for f in type(value).field_infos()} - value.hidden
        return getattr(value, step) if step in names else None
    if isinstance(value, list):
        return value[int(step)] if _SUB_REQUEST_KEY.fullmatch(step) and int(step) < len(value) else None
    if isinstance(value, dict):
        return value.get(step)
    return None


def _as_text(value: Any) -> str:
    if isinstance(value, KalturaObjectBase | KalturaAPIException | list | dict):
        return ""
    if isinstance(value, bool):
        return "1" if value else ""
    if isinstance(value, Enum):
        return str(value.value)
    return str(value)
