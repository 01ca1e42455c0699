"""Declared api_v3 actions: a typed function registered under its service and action name.

``@api_action("session", "start", ks=KsPolicy.IGNORED)`` on ``def start(ctx, secret: str, ...) -> str``
registers ``session.start``. Parameters after ``ctx`` are the wire parameters, decoded from their
annotations; a parameter without a default is mandatory. ``permissions`` lists the permission names any
one of which allows the call (empty: any caller that passes the KS policy).
"""

from __future__ import annotations

import inspect
import typing
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum
from typing import Any

from keyframe.kapi import errors
from keyframe.kapi.decode import MISSING, decode_value
from keyframe.kapi.types import classify


class KsPolicy(Enum):
    REQUIRED = "required"  # no KS → MISSING_KS
    OPTIONAL = "optional"  # validated when given (upstream @ksOptional)
    IGNORED = "ignored"  # never read (upstream @ksIgnored)


class UploadedFile:
    """A file part of a multipart request, handed to actions that declare a file parameter."""

    def __init__(self, filename: str, content_type: str, file: typing.BinaryIO) -> None:
        self.filename = filename
        self.content_type = content_type
        self.file = file


@dataclass(frozen=True)
class ParamSpec:
    name: str
    kind: str
    type: Any
    default: Any  # MISSING when mandatory


@dataclass(frozen=True)
class ActionSpec:
    service: str
    action: str
    func: Callable[..., Any]
    ks: KsPolicy
    permissions: tuple[str, ...]
    params: tuple[ParamSpec, ...]

    @property
    def label(self) -> str:
        """Upstream's ``service->action`` form used in SERVICE_FORBIDDEN."""
        return f"{self.service}->{self.action}"

    def decode_args(self, raw: dict[str, Any]) -> dict[str, Any]:
        args: dict[str, Any] = {}
        for param in self.params:
            value: Any = MISSING
            if param.name in raw:
                if param.kind == "file":
                    value = raw[param.name] if isinstance(raw[param.name], UploadedFile) else MISSING
                else:
                    value = decode_value(raw[param.name], param.kind, param.type, param.name)
            if value is MISSING:
                if param.default is MISSING:
                    raise errors.MISSING_MANDATORY_PARAMETER(param.name)
                value = param.default
            args[param.name] = value
        return args


class Registry:
    def __init__(self) -> None:
        self._actions: dict[tuple[str, str], ActionSpec] = {}
        self._services: set[str] = set()

    def add(self, spec: ActionSpec) -> None:
        key = (spec.service.lower(), spec.action.lower())
        if key in self._actions:
            raise ValueError(f"duplicate action {spec.service}.{spec.action}")
        self._actions[key] = spec
        self._services.add(key[0])

    def has_service(self, service: str) -> bool:
        return service.lower() in self._services

    def find(self, service: str, action: str) -> ActionSpec:
        """Service and action names match case-insensitively, as upstream."""
        if not self.has_service(service):
            raise errors.SERVICE_DOES_NOT_EXISTS(service)
        spec = self._actions.get((service.lower(), action.lower()))
        if spec is None:
            raise errors.ACTION_DOES_NOT_EXISTS(action, service)
        return spec

    def all(self) -> list[ActionSpec]:
        return sorted(self._actions.values(), key=lambda s: (s.service, s.action))


REGISTRY = Registry()


def api_action(
    service: str,
    action: str,
    *,
    ks: KsPolicy = KsPolicy.REQUIRED,
    permissions: tuple[str, ...] = (),
    registry: Registry = REGISTRY,
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    def register(func: Callable[..., Any]) -> Callable[..., Any]:
        registry.add(ActionSpec(service, action, func, ks, permissions, _params(func)))
        return func

    return register


def _params(func: Callable[..., Any]) -> tuple[ParamSpec, ...]:
    hints = typing.get_type_hints(func)
    specs = []
    for index, param in enumerate(inspect.signature(func).parameters.values()):
        if index == 0:
            continue  # the request context
        annotation = hints[param.name]
        if annotation is UploadedFile or annotation == (UploadedFile | None):
            kind, typ = "file", UploadedFile
        else:
            kind, typ = classify(annotation)
        default = MISSING if param.default is inspect.Parameter.empty else param.default
        specs.append(ParamSpec(param.name, kind, typ, default))
    return tuple(specs)
