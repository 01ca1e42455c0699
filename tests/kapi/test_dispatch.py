"""Dispatch and multirequest semantics, with a runner that just calls the action."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from keyframe.kapi import errors
from keyframe.kapi.dispatch import dispatch, dispatch_multi
from keyframe.kapi.errors import KalturaAPIException
from keyframe.kapi.registry import ActionSpec, Registry, api_action
from keyframe.kapi.types import KalturaObjectBase

registry = Registry()


@dataclass(kw_only=True)
class KalturaDispatchThing(KalturaObjectBase):
    id: str | None = None
    tags: list[KalturaDispatchThing] | None = None


@api_action("thing", "make", registry=registry)
def make(ctx: object, name: str, count: int = 1) -> KalturaDispatchThing:
    return KalturaDispatchThing(
        id=f"{name}-{count}", tags=[KalturaDispatchThing(id="t1"), KalturaDispatchThing(id="t2")]
    )


@api_action("thing", "echo", registry=registry)
def echo(ctx: object, text: str) -> str:
    return text


@api_action("vendor_zoomvendor", "get", registry=registry)
def plugin_get(ctx: object, partnerId: int) -> int:
    return partnerId


@api_action("thing", "boom", registry=registry)
def boom(ctx: object) -> None:
    raise RuntimeError("secret detail that must not leak")


def runner(spec: ActionSpec, params: dict[str, Any]) -> Any:
    return spec.func(None, **spec.decode_args(params))


def code(result: Any) -> str:
    assert isinstance(result, KalturaAPIException), result
    return result.code


def test_names_match_case_insensitively() -> None:
    result = dispatch({"service": "THING", "action": "ECHO", "text": "hi"}, registry, runner)
    assert result == "hi"


def test_unknown_and_missing_names() -> None:
    assert code(dispatch({}, registry, runner)) == "SERVICE_NOT_SPECIFIED"
    assert code(dispatch({"service": "nope", "action": "x"}, registry, runner)) == "SERVICE_DOES_NOT_EXISTS"
    missing_action = dispatch({"service": "thing"}, registry, runner)
    assert code(missing_action) == "ACTION_NOT_SPECIFIED"
    unknown = dispatch({"service": "thing", "action": "nope"}, registry, runner)
    assert code(unknown) == "ACTION_DOES_NOT_EXISTS"
    assert unknown.message == 'Action "nope" does not exists for service "thing"'


def test_mandatory_parameters() -> None:
    result = dispatch({"service": "thing", "action": "make"}, registry, runner)
    assert code(result) == "MISSING_MANDATORY_PARAMETER"
    assert result.arguments == {"PARAM_NAME": "name"}


def test_unexpected_exceptions_become_internal_errors_without_details(caplog: Any) -> None:
    result = dispatch({"service": "thing", "action": "boom"}, registry, runner)
    assert code(result) == "INTERNAL_SERVERL_ERROR"
    assert "secret detail" not in result.message


def test_multirequest_references_and_per_item_errors() -> None:
    results = dispatch_multi(
        {
            "service": "multirequest",
            "0": {"service": "thing", "action": "make", "name": "a", "count": "2"},
            "1": {"service": "thing", "action": "echo", "text": "id={1:result:id} tag={1:result:tags:1:id}"},
            "2": {"service": "thing", "action": "nope"},
            "3": {
                "service": "thing",
                "action": "echo",
                "text": "[{3:result:id}][{9:result}][{1:result:tags:_all:id}]",
            },
        },
        registry,
        runner,
    )
    assert isinstance(results[0], KalturaDispatchThing)
    assert results[1] == "id=a-2 tag=t2"
    assert code(results[2]) == "ACTION_DOES_NOT_EXISTS"
    assert results[3] == "[][][t1,t2,]"


def test_multirequest_runs_in_numeric_order_and_shares_top_level_keys() -> None:
    seen: list[str] = []

    def recording_runner(spec: ActionSpec, params: dict[str, Any]) -> Any:
        seen.append(params.get("ks", ""))
        return runner(spec, params)

    results = dispatch_multi(
        {
            "ks": "shared",
            "10": {"service": "thing", "action": "echo", "text": "third"},
            "2": {"service": "thing", "action": "echo", "text": "second", "ks": "own"},
            "1": {"service": "thing", "action": "echo", "text": "first"},
        },
        registry,
        recording_runner,
    )
    assert results == ["first", "second", "third"]
    assert seen == ["shared", "own", "shared"]


def test_errors_never_reference_into_a_failed_item() -> None:
    results = dispatch_multi(
        {
            "0": {"service": "thing", "action": "make"},
            "1": {"service": "thing", "action": "echo", "text": "<{1:result:id}>"},
        },
        registry,
        runner,
    )
    assert code(results[0]) == "MISSING_MANDATORY_PARAMETER"
    assert results[1] == "<>"
    assert errors.MISSING_KS().message == "Missing KS, session not established"


def test_plugin_service_ids() -> None:
    assert (
        dispatch({"service": "vendor_zoomVendor", "action": "GET", "partnerId": "7"}, registry, runner) == 7
    )
