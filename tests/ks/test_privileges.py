from __future__ import annotations

import pytest

from keyframe.ks import Privileges


def test_parse_keeps_order_and_duplicates_and_trims() -> None:
    privileges = Privileges.parse(" sview:a , edit:*,sview:b,,disableentitlement")
    assert privileges.items == (("sview", "a"), ("edit", "*"), ("sview", "b"), ("disableentitlement", ""))
    assert str(privileges) == "sview:a,edit:*,sview:b,disableentitlement"


def test_v2_pairs_keep_the_last_duplicate() -> None:
    assert Privileges.parse("sview:a,list:*,sview:b").v2_pairs() == [("sview", "b"), ("list", "*")]


def test_star_is_all() -> None:
    privileges = Privileges.parse("*")
    assert privileges.v2_pairs() == [("all", "*")]
    assert str(privileges) == "*"
    assert privileges.allows("edit", "0_x")


def test_allows_checks_values_split_on_slash_and_the_star_value() -> None:
    privileges = Privileges.parse("sview:0_a/0_b,edit:*")
    assert privileges.allows("sview", "0_b")
    assert not privileges.allows("sview", "0_c")
    assert privileges.allows("edit", "0_anything")
    assert not privileges.allows("download", "0_a")


@pytest.mark.parametrize(
    ("restriction", "ip", "allowed"),
    [
        ("iprestrict:10.0.0.1", "10.0.0.1", True),
        ("iprestrict:10.0.0.1/127.0.0.1", "127.0.0.1", True),
        ("iprestrict:10.0.0.1", "10.0.0.2", False),
        ("iprestrict:10.0.0.1", None, False),
        ("sview:*", None, True),
    ],
)
def test_ip_restriction_is_an_exact_match(restriction: str, ip: str | None, allowed: bool) -> None:
    assert Privileges.parse(restriction).ip_allowed(ip) is allowed


@pytest.mark.parametrize(
    ("pattern", "path", "query", "allowed"),
    [
        ("/api_v3/service/media/*", "/api_v3/service/media/action/list", "", True),
        ("/api_v3/service/media/*", "/api_v3/service/partner/action/getInfo", "", False),
        ("/api_v3/service/media/*|/api_v3/service/session/*", "/api_v3/service/session/action/get", "", True),
        ("/api_v3/service/media/action/list", "/api_v3/service/media/action/list", "", True),
        ("/api_v3/service/media/action/list", "/api_v3/service/media/action/listx", "", False),
        (
            "*fetchRegistrationPage*",
            "/api_v3/service/vendor_zoomvendor/action/fetchRegistrationPage",
            "",
            True,
        ),
        # Text in the query string cannot satisfy a pattern meant for the path.
        (
            "*fetchRegistrationPage*",
            "/api_v3/service/partner/action/getInfo",
            "x=fetchRegistrationPage",
            False,
        ),
        ("/api_v3/index.php?service=media*", "/api_v3/index.php", "service=media&action=list", True),
        ("/api_v3/service/a.b/*", "/api_v3/service/aXb/action/x", "", False),
    ],
)
def test_uri_restriction(pattern: str, path: str, query: str, allowed: bool) -> None:
    assert Privileges.parse(f"urirestrict:{pattern}").uri_allowed(path, query) is allowed
