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
from keyframe.storage.base import StagedFile


class KsPolicy(Enum):
    REQUIRED = "required"  # no KS → MISSING_KS
    OPTIONAL = "optional"  # validated when given (upstream @ksOptional)
    IGNORED = "ignored"  # never read (upstream @ksIgnored)


class UploadedFile:
    """A file part of a multipart request, handed to actions that declare a file parameter.

    Its bytes are already on disk in ``staged`` (where the storage can adopt them without another copy);
    the endpoint discards the staged file after the request unless an action adopted it.
    """

    def __init__(self, filename: str, content_type: str, staged: StagedFile) -> None:
        self.filename = filename
        self.content_type = content_type
        self.staged = staged

    @property
    def size(self) -> int:
        return self.staged.size

    @property
    def file(self) -> typing.BinaryIO:
        """The bytes as a file, positioned at the start."""
        return self.staged.rewind()


@dataclass(frozen=True)
class ParamSpec:
    name: str
    kind: str
    type: Any
    default: Any  # MISSING when mandatory


@dataclass(frozen=True)
class InPlaceTarget:
    """Where an action wants its file part written as it arrives: bytes ``offset…`` of the stored object
    ``key`` (see ``api_action``'s ``in_place``)."""

    key: str
    offset: int


@dataclass(frozen=True)
class ActionSpec:
    service: str
    action: str
    func: Callable[..., Any]
    ks: KsPolicy
    permissions: tuple[str, ...]
    params: tuple[ParamSpec, ...]
    # Called with the request context and the non-file arguments before the file part is read.
    in_place: Callable[..., InPlaceTarget | None] | None = None

    @property
    def label(self) -> str:
        """Upstream's ``service->action`` form used in SERVICE_FORBIDDEN."""
        return f"{self.service}->{self.action}"

    def file_param(self, name: str) -> bool:
        return any(p.name == name and p.kind == "file" for p in self.params)

    def decode_args(self, raw: dict[str, Any], *, files: bool = True) -> dict[str, Any]:
        """The action's arguments from the wire parameters; ``files=False`` leaves the file ones out."""
        args: dict[str, Any] = {}
        for param in self.params:
            if param.kind == "file" and not files:
                continue
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
    in_place: Callable[..., InPlaceTarget | None] | None = None,
    registry: Registry = REGISTRY,
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """``in_place(ctx, **arguments without files)``: for an action whose file part should be written
    straight where it belongs (an upload chunk into its file) rather than staged and copied; it runs, after
    the same checks as the action, before the body's file part is read, and may return ``None``."""

    def register(func: Callable[..., Any]) -> Callable[..., Any]:
        registry.add(ActionSpec(service, action, func, ks, permissions, _params(func), in_place))
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
