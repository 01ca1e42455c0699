from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from dataclasses import dataclass

from keyframe.kapi import errors
from keyframe.kapi.serialize import to_json, to_xml
from keyframe.kapi.types import KalturaListResponse, KalturaObjectBase, ro
from keyframe.ks import SessionType


@dataclass(kw_only=True)
class KalturaSerialItem(KalturaObjectBase):
    id: int | None = ro()
    name: str | None = None
    flag: bool | None = None
    kind: SessionType | None = None


@dataclass(kw_only=True)
class KalturaSerialItemListResponse(KalturaListResponse):
    objects: list[KalturaSerialItem] | None = ro()


def result_of(body: bytes) -> ET.Element:
    root = ET.fromstring(body)
    result = root.find("result")
    assert result is not None
    assert root.find("executionTime") is not None
    return result


def test_object_xml_has_object_type_and_every_property() -> None:
    result = result_of(
        to_xml(KalturaSerialItem(id=3, name="a<b & 'c'", flag=True, kind=SessionType.ADMIN), 0.1)
    )
    assert result.findtext("objectType") == "KalturaSerialItem"
    assert result.findtext("name") == "a<b & 'c'"
    assert result.findtext("flag") == "1"
    assert result.findtext("kind") == "2"
    assert result.findtext("id") == "3"


def test_nulls_are_empty_elements_and_hidden_fields_are_absent() -> None:
    item = KalturaSerialItem(id=1)
    item.hidden = frozenset({"flag"})
    result = result_of(to_xml(item, 0))
    name = result.find("name")
    assert name is not None
    assert name.text is None
    assert result.find("flag") is None


def test_list_responses_always_have_objects() -> None:
    result = result_of(to_xml(KalturaSerialItemListResponse(objects=[], totalCount=0), 0))
    assert result.find("objects") is not None
    assert result.findtext("totalCount") == "0"


def test_scalars() -> None:
    assert result_of(to_xml(True, 0)).text == "1"
    assert result_of(to_xml(42, 0)).text == "42"
    assert result_of(to_xml("ks&", 0)).text == "ks&"
    assert result_of(to_xml(None, 0)).text is None


def test_errors_carry_code_message_and_args() -> None:
    result = result_of(to_xml(errors.INVALID_KS("EXPIRED", -1, "INVALID_STR"), 0))
    error = result.find("error")
    assert error is not None
    assert error.findtext("code") == "INVALID_KS"
    assert error.findtext("message") == 'Invalid KS "EXPIRED", Error "-1,INVALID_STR"'
    assert error.findtext("objectType") == "KalturaAPIException"
    names = [item.findtext("name") for item in error.iter("item")]
    assert names == ["KSID", "ERR_CODE", "ERR_DESC"]


def test_control_characters_and_lone_surrogates_never_break_the_xml() -> None:
    result = result_of(to_xml("a\x00b\x1fc\ud800d", 0))
    assert result.text == "abcd"


def test_multirequest_items() -> None:
    result = result_of(to_xml(["ks", errors.MISSING_KS(), KalturaSerialItem(id=1)], 0, multirequest=True))
    items = list(result)
    assert [i.tag for i in items] == ["item", "item", "item"]
    assert items[0].text == "ks"
    assert items[1].findtext("error/code") == "MISSING_KS"
    assert items[2].findtext("objectType") == "KalturaSerialItem"


def test_json_omits_nulls_and_shapes_errors() -> None:
    assert json.loads(to_json(KalturaSerialItem(id=1, kind=SessionType.USER))) == {
        "id": 1,
        "kind": 0,
        "objectType": "KalturaSerialItem",
    }
    assert json.loads(to_json(errors.START_SESSION_ERROR(5))) == {
        "code": "START_SESSION_ERROR",
        "message": "Error while starting session for partner [5]",
        "objectType": "KalturaAPIException",
        "args": {"PID": "5"},
    }
    assert json.loads(to_json(["a", None], multirequest=True)) == ["a", None]


def test_pager_defaults_and_caps() -> None:
    from keyframe.kapi.types import KalturaFilterPager

    assert KalturaFilterPager().limit_offset() == (30, 0)
    assert KalturaFilterPager(pageSize=10, pageIndex=3).limit_offset() == (10, 20)
    assert KalturaFilterPager(pageSize=10_000, pageIndex=0).limit_offset() == (500, 0)
    assert KalturaFilterPager(pageSize=-5, pageIndex=-2).limit_offset() == (30, 0)
