from __future__ import annotations

from keyframe.kapi.params import parse_json_body, parse_query, path_params, set_flattened


def test_flattened_names_nest() -> None:
    params = parse_query("filter:objectType=KalturaMediaEntryFilter&filter:nameLike=clip&1:service=media&ks=")
    assert params == {
        "filter": {"objectType": "KalturaMediaEntryFilter", "nameLike": "clip"},
        "1": {"service": "media"},
        "ks": "",
    }


def test_flattened_keys_merge_into_json_objects() -> None:
    params = parse_json_body(b'{"filter": {"nameLike": "a"}, "filter:statusIn": "2,7"}')
    assert params == {"filter": {"nameLike": "a", "statusIn": "2,7"}}


def test_json_body_must_be_an_object() -> None:
    assert parse_json_body(b"[1, 2]") == {}
    assert parse_json_body(b"{not json}") == {}
    assert parse_json_body(b'  {"a": "1"}  ') == {"a": "1"}


def test_path_pairs() -> None:
    assert path_params("/api_v3/service/media/action/list/ks/abc/format/1") == {
        "service": "media",
        "action": "list",
        "ks": "abc",
        "format": "1",
    }
    assert path_params("/api_v3/index.php/service/system/action/ping") == {
        "service": "system",
        "action": "ping",
    }
    assert path_params("/api_v3/service/multirequest") == {"service": "multirequest"}
    assert path_params("/api_v3/index.php") == {}
    assert path_params("/elsewhere") == {}


def test_a_scalar_is_replaced_by_a_nested_value() -> None:
    root = {"filter": "x"}
    set_flattened(root, "filter:a", "1")
    assert root == {"filter": {"a": "1"}}
