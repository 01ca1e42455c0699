"""Fuzzing api_v3: whatever arrives, the answer is HTTP 200 and a well-formed Kaltura response.

Random and mutated service/action names, parameters, JSON/form/multipart/raw bodies, KS strings, URLs and
formats are thrown at the in-process app. Every response must be:

* HTTP 200, with no Python traceback in the body;
* for format 2 (the default): XML whose root has a ``<result>`` child; every ``<error>`` has ``<code>`` and
  ``<message>``, and the code is never ``INTERNAL_SERVERL_ERROR`` (an unhandled exception);
* for format 1: JSON, with the same rule for error objects.

Strategies use placeholders (``@KS@``, ``@PID@``, ``@ADMIN_SECRET@`` …) that are replaced with the test
partner's real values before sending, so that real actions get far enough to be interesting.
The first test, ``test_known_inputs``, pins inputs earlier fuzzing runs found to break the server.
"""

from __future__ import annotations

import base64
import binascii
import json
import string
import time
import xml.etree.ElementTree as ET
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, quote_from_bytes

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from starlette.testclient import TestClient

from keyframe.app import load_actions
from keyframe.kapi.registry import REGISTRY, ActionSpec
from keyframe.kapi.types import KalturaObjectBase
from keyframe.ks import encode_v1, encode_v2
from tests.conftest import PartnerInfo
from tests.helpers import start_session

load_actions()

INTERNAL = "INTERNAL_SERVERL_ERROR"
FUZZ = settings(
    max_examples=150,
    deadline=None,
    # Shrink only the first failure found: known bugs would otherwise make a run take minutes.
    report_multiple_bugs=False,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.filter_too_much,
    ],
)

SPECS: list[ActionSpec] = REGISTRY.all()
REAL_SERVICES = sorted({s.service for s in SPECS})
REAL_PAIRS = [(s.service, s.action) for s in SPECS]
PARAM_NAMES = sorted({p.name for s in SPECS for p in s.params})
OBJECT_TYPES = sorted(KalturaObjectBase.registry)
CLIENT_ONLY_TYPES = ["KalturaMediaEntry", "KalturaBaseEntry", "KalturaObjectBase", "KalturaUser", "Kaltura"]


# --- the response property ----------------------------------------------------------------------


def assert_well_formed(response: Any, expect_format: int | None = None) -> None:
    """HTTP 200 and a Kaltura response (XML or JSON) with well-formed errors and no internal error."""
    body: bytes = response.content
    assert response.status_code == 200, (response.status_code, body[:500])
    assert b"Traceback" not in body, body[:2000]
    content_type = response.headers.get("content-type", "")
    is_json = content_type.startswith("application/json")
    if expect_format is not None:
        assert is_json == (expect_format == 1), (expect_format, content_type, body[:300])
    if is_json:
        value = json.loads(body)
        _check_json_errors(value, body)
        return
    assert content_type.startswith("text/xml"), content_type
    root = ET.fromstring(body)
    result = root.find("result")
    assert result is not None, body[:500]
    for error in root.iter("error"):
        code, message = error.find("code"), error.find("message")
        assert code is not None and message is not None, body[:500]
        assert code.text, body[:500]
        assert code.text != INTERNAL, body[:500]


def _check_json_errors(value: Any, body: bytes) -> None:
    if isinstance(value, list):
        for item in value:
            _check_json_errors(item, body)
    elif isinstance(value, dict) and value.get("objectType") == "KalturaAPIException":
        assert isinstance(value.get("code"), str) and value["code"], body[:500]
        assert isinstance(value.get("message"), str), body[:500]
        assert value["code"] != INTERNAL, body[:500]


def error_code(response: Any) -> str | None:
    """The error code of a single (non-multirequest) response, or None for a success."""
    if response.headers.get("content-type", "").startswith("application/json"):
        value = json.loads(response.content)
        return value.get("code") if isinstance(value, dict) and "code" in value else None
    code = ET.fromstring(response.content).find("result/error/code")
    return None if code is None else code.text


# --- placeholders -------------------------------------------------------------------------------


@dataclass
class Real:
    """The values placeholders stand for: one partner and one KS per test function."""

    partner: PartnerInfo
    ks: str
    created: int = field(default_factory=lambda: int(time.time()))

    def fixed_ks(self, version: int) -> str:
        """The same correctly signed admin KS on every call (fixed time and randomness)."""
        common = {"partner_id": self.partner.id, "valid_until": self.created + 3600, "type": 2}
        if version == 1:
            return encode_v1(self.partner.admin_secret, rand="4242", **common)
        return encode_v2(self.partner.admin_secret, random_bytes=bytes(16), **common)

    def admin_ks(self, **kwargs: Any) -> str:
        """A fresh, locally minted admin KS (so an earlier ``session.end`` does not spoil later examples)."""
        return encode_v2(
            self.partner.admin_secret,
            partner_id=self.partner.id,
            valid_until=int(time.time()) + 3600,
            type=kwargs.pop("type", 2),
            **kwargs,
        )

    def replacements(self) -> dict[str, Callable[[], str]]:
        p = self.partner
        return {
            "@KS@": self.admin_ks,
            "@USER_KS@": lambda: self.admin_ks(type=0, user_id="fuzz-user"),
            "@SESSION_KS@": lambda: self.ks,
            "@PID@": lambda: str(p.id),
            "@ADMIN_SECRET@": lambda: p.admin_secret,
            "@SECRET@": lambda: p.secret,
            "@EMAIL@": lambda: p.admin_email,
            "@PASSWORD@": lambda: p.admin_password,
        }

    def fill(self, value: Any) -> Any:
        """Replace placeholders anywhere in a value (keys included)."""
        if isinstance(value, str):
            for marker, make in self.replacements().items():
                if marker in value:
                    value = value.replace(marker, make())
            return value
        if isinstance(value, dict):
            return {self.fill(k): self.fill(v) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return type(value)(self.fill(v) for v in value)
        return value


@pytest.fixture
def real(client: TestClient, partner: PartnerInfo) -> Real:
    return Real(partner, start_session(client, partner.id, partner.admin_secret))


# --- strategies ---------------------------------------------------------------------------------

PLACEHOLDERS = ["@KS@", "@USER_KS@", "@SESSION_KS@", "@PID@", "@ADMIN_SECRET@", "@SECRET@", "@EMAIL@"]
TRICKY_STRINGS = [
    "",
    " ",
    "0",
    "1",
    "-1",
    "2",
    "True",
    "False",
    "true",
    "false",
    "null",
    "*",
    "²",
    "١٢",
    "𝟙",
    "\x00",
    "a\x00b",
    "\ud800",
    "x\udfffy",
    "\ufffe",
    "<b>&amp;'\"",
    "]]>",
    "9" * 30,
    "9" * 5000,
    str(2**31),
    str(2**40),
    str(2**63),
    str(-(2**63)),
    "1e400",
    "-1e400",
    "nan",
    "inf",
    "5.0",
    "1_000",
    " 7 ",
    "{1:result}",
    "{1:result:id}",
    "{2:result:adminSecret}",
    "{1:result:objects:0:id}",
    "{1:result:_all:id}",
    "{0:result}",
    "{99:result}",
    "{1:result:²}",
    "{²:result}",
    "{1:result}{1:result}",
    "{" + "9" * 5000 + ":result}",
    "multirequest",
    "djJ8",
    "disableentitlement,sview:*",
    "actionslimit:1",
    "actionslimit:²",
    "actionslimit:-5",
    "setrole:PARTNER_ADMIN_ROLE",
    "setrole:²",
    "setrole:-1",
    "setrole:99",
    "setrole:null",
    "restrictingrole:PARTNER_ADMIN_ROLE",
    "iprestrict:1.2.3.4",
    "urirestrict:/api_v3/service/system/*",
    "sessionid:abc",
    "privacycontext:x;y|z",
    "a;b|c",
    *PLACEHOLDERS,
]
# Unicode digits, surrogates, controls, XML-hostile characters and the protocol's separators.
ODD_CHARS = "0123456789²³¹١٢𝟙\x00\x01\x0b\x1f\x7f\ud800\udfff\ufffe\uffff<>&'\";:|,{}[]%+-_/=* \t\r\néß漢😀"


def odd_text(max_size: int = 20) -> st.SearchStrategy[str]:
    return st.text(
        alphabet=st.one_of(st.sampled_from(ODD_CHARS), st.characters(codec=None)), max_size=max_size
    )


def any_text(max_size: int = 20) -> st.SearchStrategy[str]:
    """Text of every kind, lone surrogates included."""
    return st.one_of(
        st.sampled_from(TRICKY_STRINGS),
        odd_text(max_size),
        st.text(max_size=max_size),
        st.characters(categories=["Cs"]).map(str),
    )


def int_text() -> st.SearchStrategy[str]:
    return st.one_of(
        st.integers(-(2**70), 2**70).map(str),
        st.integers(-(2**31), 2**31).map(str),
        st.sampled_from(["@PID@", str(2**31), str(2**32), str(2**40), str(2**63 - 1), "١٢", "²"]),
    )


SCALARS: st.SearchStrategy[Any] = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.integers(-(2**80), 2**80),
    st.floats(),
    any_text(),
    int_text(),
)

KEY_NAMES = [
    *PARAM_NAMES,
    "ks",
    "partnerId",
    "p",
    "service",
    "action",
    "objectType",
    "clientTag",
    "apiVersion",
    "kalsig",
    "language",
    "responseProfile",
    "-",
    "",
    "0",
    "1",
    "01",
    "²",
    "json",
    "fileData",
]


def keys() -> st.SearchStrategy[str]:
    base = st.one_of(st.sampled_from(KEY_NAMES), odd_text(8))
    return st.one_of(
        base,
        base.map(lambda k: k + "__null"),
        st.lists(base, min_size=2, max_size=4).map(":".join),
    )


def object_dicts(children: st.SearchStrategy[Any]) -> st.SearchStrategy[dict[str, Any]]:
    """Dicts that look like Kaltura objects: an objectType (real, client-only or random) and fields."""
    return st.builds(
        lambda object_type, fields: {**fields, "objectType": object_type} if object_type else fields,
        st.one_of(st.none(), st.sampled_from(OBJECT_TYPES + CLIENT_ONLY_TYPES), odd_text(12), SCALARS),
        st.dictionaries(keys(), children, max_size=4),
    )


VALUES: st.SearchStrategy[Any] = st.recursive(
    SCALARS,
    lambda children: st.one_of(
        st.lists(children, max_size=4),
        st.dictionaries(keys(), children, max_size=4),
        st.just({"-": ""}),
        object_dicts(children),
    ),
    max_leaves=12,
)


def service_names() -> st.SearchStrategy[str]:
    real = st.sampled_from(REAL_SERVICES)
    return st.one_of(
        real,
        real.map(str.upper),
        st.sampled_from(["multirequest", "MultiRequest", "", " ", "session ", "..", "%00", "service"]),
        odd_text(12),
    )


def action_names() -> st.SearchStrategy[str]:
    real = st.sampled_from(sorted({s.action for s in SPECS}))
    return st.one_of(real, real.map(str.swapcase), st.sampled_from(["", " ", "list", "add"]), odd_text(12))


def call_names() -> st.SearchStrategy[tuple[str, str]]:
    return st.one_of(st.sampled_from(REAL_PAIRS), st.tuples(service_names(), action_names()))


def param_value(kind: str, typ: Any, depth: int = 0) -> st.SearchStrategy[Any]:
    """Values close to what a declared parameter expects, and some that are far from it."""
    anything = VALUES if depth == 0 else SCALARS
    if kind == "scalar" and typ is int:
        near: st.SearchStrategy[Any] = st.one_of(int_text(), st.integers(-(2**70), 2**70))
    elif kind == "scalar" and typ is bool:
        near = st.sampled_from(["True", "False", "true", "false", "0", "1", "", "yes", True, False, 0, 1])
    elif kind == "scalar" and typ is float:
        near = st.one_of(st.floats(), st.floats().map(str), int_text())
    elif kind == "scalar":
        near = any_text(40)
    elif kind == "enum":
        values = [m.value for m in typ]
        near = st.one_of(
            st.sampled_from(values),
            st.sampled_from(values).map(str),
            st.sampled_from(["true", "false", "", "-1", "99", "²"]),
            st.integers(-(2**70), 2**70).map(str),
        )
    elif kind == "object":
        near = object_of(typ, depth)
    elif kind in ("array", "map"):
        element = object_of(typ, depth) if isinstance(typ, type) else SCALARS
        near = st.one_of(
            st.lists(element, max_size=3),
            st.dictionaries(st.one_of(st.integers(0, 3).map(str), odd_text(4)), element, max_size=3),
            st.just({"-": ""}),
        )
    else:  # a file parameter: only multipart can send one
        near = st.none()
    return st.one_of(near, near, near, anything)


def object_of(declared: Any, depth: int) -> st.SearchStrategy[Any]:
    if not (isinstance(declared, type) and issubclass(declared, KalturaObjectBase)):
        return SCALARS
    subclasses = [n for n, c in KalturaObjectBase.registry.items() if issubclass(c, declared)]
    infos = declared.field_infos() if depth < 2 else ()
    fields = (
        st.fixed_dictionaries(
            {},
            optional={
                **{f.name: param_value(f.kind, f.type, depth + 1) for f in infos},
                **{f"{f.name}__null": st.just("") for f in infos},
            },
        )
        if infos
        else st.just({})
    )
    object_type = st.one_of(
        st.none(), st.sampled_from(subclasses), st.sampled_from(OBJECT_TYPES + CLIENT_ONLY_TYPES), odd_text(8)
    )
    return st.builds(
        lambda ot, fs: {**fs, "objectType": ot} if ot is not None else fs,
        object_type,
        fields,
    )


def action_params(spec: ActionSpec) -> st.SearchStrategy[dict[str, Any]]:
    return st.fixed_dictionaries(
        {},
        optional={
            **{p.name: param_value(p.kind, p.type) for p in spec.params},
            **{f"{p.name}__null": st.just("") for p in spec.params},
        },
    )


def formats() -> st.SearchStrategy[tuple[Any, int]]:
    """A ``format`` value and the response format it asks for (1 JSON, 2 XML)."""
    return st.sampled_from(
        [
            (None, 2),
            ("2", 2),
            ("1", 1),
            (" 1 ", 1),
            ("3", 2),
            ("9", 2),
            ("json", 2),
            ("", 2),
        ]
    )


# --- KS strings ---------------------------------------------------------------------------------


def b64(data: bytes, urlsafe: bool) -> str:
    text = base64.b64encode(data).decode()
    return text.replace("+", "-").replace("/", "_") if urlsafe else text


def decode_ks(text: str) -> bytes | None:
    """What a KS text decodes to under §1.4 (either base64 alphabet, padding optional), or None."""
    try:
        raw = text.replace("-", "+").replace("_", "/").encode("ascii")
        return binascii.a2b_base64(raw + b"=" * (-len(raw) % 4), strict_mode=True)
    except (binascii.Error, ValueError, UnicodeEncodeError):
        return None


def canonical(decoded: bytes) -> bytes:
    """v1 signatures are compared case-insensitively; everything else byte for byte."""
    if decoded.startswith(b"v2|"):
        return decoded
    signature, sep, info = decoded.partition(b"|")
    return signature.lower() + sep + info


@st.composite
def mutated_ks(draw: st.DrawFn, original: str) -> str:
    """Bit flips, byte edits and truncations of a real KS, at the byte or at the text level."""
    how = draw(st.sampled_from(["bits", "bytes", "truncate", "text", "extend"]))
    if how == "text":
        chars = list(original)
        for _ in range(draw(st.integers(1, 3))):
            i = draw(st.integers(0, len(chars) - 1))
            chars[i] = draw(st.sampled_from(string.ascii_letters + string.digits + "+/-_=.%$ \x00é"))
        return "".join(chars)
    decoded = bytearray(decode_ks(original) or b"")
    if how == "bits":
        for _ in range(draw(st.integers(1, 4))):
            i = draw(st.integers(0, len(decoded) - 1))
            decoded[i] ^= 1 << draw(st.integers(0, 7))
    elif how == "bytes":
        for _ in range(draw(st.integers(1, 3))):
            i = draw(st.integers(0, len(decoded) - 1))
            decoded[i] = draw(st.integers(0, 255))
    elif how == "truncate":
        decoded = decoded[: draw(st.integers(0, len(decoded) - 1))]
    else:
        decoded += draw(st.binary(min_size=1, max_size=40))
    text = b64(bytes(decoded), draw(st.booleans()))
    return text.rstrip("=") if draw(st.booleans()) else text


@st.composite
def v1_looking(draw: st.DrawFn) -> str:
    """``signature|pid;pid;expiry;type;rand;user;privileges…`` with junk in every field."""
    pid = draw(st.one_of(st.just("@PID@"), int_text(), odd_text(6)))
    fields = [
        pid,
        draw(st.one_of(st.just(pid), odd_text(4))),
        draw(st.one_of(st.integers(-(2**70), 2**70).map(str), odd_text(6))),
        draw(st.one_of(st.sampled_from(["0", "1", "2", "9", "-1", ""]), odd_text(3))),
        draw(st.one_of(st.integers(0, 65536).map(str), odd_text(4))),
        draw(odd_text(8)),
        draw(st.one_of(st.sampled_from(TRICKY_STRINGS), odd_text(10))),
    ]
    fields += draw(st.lists(odd_text(4), max_size=3))
    signature = draw(
        st.one_of(st.text(alphabet="0123456789abcdefABCDEF", min_size=40, max_size=40), odd_text(41))
    )
    text = signature + "|" + ";".join(fields)
    return "@V1@" + text  # encoded after the placeholders are filled in


@st.composite
def v2_looking(draw: st.DrawFn) -> str:
    pid = draw(st.one_of(st.just(b"@PID@"), int_text().map(str.encode), st.binary(max_size=6)))
    payload = draw(st.one_of(st.binary(max_size=80), st.binary(min_size=16, max_size=16)))
    separator = draw(st.sampled_from([b"|", b"", b"||"]))
    return "@V2@" + (b"v2|" + pid + separator + payload).hex()


@st.composite
def signed_ks(draw: st.DrawFn) -> str:
    """A correctly signed KS (v1 or v2) whose fields are random: the server must still not crash."""
    version = draw(st.sampled_from([1, 2]))
    valid_until = draw(
        st.one_of(
            st.integers(-(2**70), 2**70),
            st.integers(-(2**63), 2**63),
            st.just(int(time.time()) + 3600),
            st.integers(0, 2**31),
        )
    )
    privileges = draw(
        st.lists(
            st.one_of(
                st.sampled_from(TRICKY_STRINGS),
                st.tuples(
                    st.sampled_from(
                        [
                            "actionslimit",
                            "setrole",
                            "restrictingrole",
                            "sessionid",
                            "iprestrict",
                            "urirestrict",
                            "widget",
                            "sview",
                            "all",
                        ]
                    ),
                    odd_text(8),
                ).map(":".join),
            ),
            max_size=4,
        ).map(",".join)
    )
    spec = {
        "version": version,
        "valid_until": valid_until,
        "type": draw(st.one_of(st.sampled_from([0, 1, 2]), st.integers(-(2**40), 2**40))),
        "user_id": draw(odd_text(10)),
        "privileges": privileges,
        "master": draw(st.one_of(st.none(), st.integers(-(2**40), 2**40))),
        "data": draw(st.one_of(st.none(), odd_text(6))),
    }
    return "@SIGNED@" + json.dumps(spec)


def ks_texts() -> st.SearchStrategy[str]:
    return st.one_of(
        st.sampled_from(["@KS@", "@USER_KS@", "@SESSION_KS@", "", "djJ8", "djJ8MTIzNDV8", "MTIzNDU7"]),
        st.just("@MUTATED@"),
        v1_looking(),
        v2_looking(),
        signed_ks(),
        st.binary(max_size=120).map(lambda b: b64(b, urlsafe=True)),
        st.binary(max_size=120).map(lambda b: "djJ8" + b64(b, urlsafe=False)),
        st.text(alphabet=string.ascii_letters + string.digits + "+/-_=", max_size=150),
        any_text(60),
    )


def materialize_ks(real: Real, text: str, draw: Callable[[st.SearchStrategy[Any]], Any]) -> str:
    """Turn the KS placeholders of ``ks_texts`` into real strings."""
    if text == "@MUTATED@":
        return draw(mutated_ks(real.ks))
    if text.startswith("@V1@"):
        filled = real.fill(text[len("@V1@") :])
        return b64(filled.encode("utf-8", "surrogatepass"), draw(st.booleans()))
    if text.startswith("@V2@"):
        raw = bytes.fromhex(text[len("@V2@") :]).replace(b"@PID@", str(real.partner.id).encode())
        return b64(raw, draw(st.booleans()))
    if text.startswith("@SIGNED@"):
        spec = json.loads(text[len("@SIGNED@") :])
        secret = real.partner.admin_secret
        common = {
            "partner_id": real.partner.id,
            "valid_until": spec["valid_until"],
            "type": spec["type"],
            "user_id": spec["user_id"].encode("utf-8", "surrogatepass").decode("utf-8", "replace"),
            "privileges": spec["privileges"].encode("utf-8", "surrogatepass").decode("utf-8", "replace"),
            "master_partner_id": spec["master"],
            "additional_data": spec["data"],
        }
        return encode_v1(secret, **common) if spec["version"] == 1 else encode_v2(secret, **common)
    return str(real.fill(text))


# --- sending ------------------------------------------------------------------------------------


def json_bytes(value: Any) -> bytes:
    """JSON as Python's json module writes it (lone surrogates become ``\\udXXX`` escapes)."""
    return json.dumps(value).encode()


def post_json(client: TestClient, path: str, body: Any, **kwargs: Any) -> Any:
    headers = {"content-type": "application/json", **kwargs.pop("headers", {})}
    return client.post(path, content=json_bytes(body), headers=headers, **kwargs)


# Absolute URLs, so that a path starting with ``//`` is not taken for a host name.
BASE = "http://testserver"


def url_part(value: Any) -> str:
    """One percent-encoded path or query component (dot segments too, which httpx would resolve)."""
    text = value if isinstance(value, str) else json.dumps(value)
    if text in (".", ".."):
        return text.replace(".", "%2E")
    return quote_from_bytes(text.encode("utf-8", "surrogatepass"), safe="")


def query_string(pairs: list[tuple[str, Any]]) -> str:
    return "&".join(f"{url_part(k)}={url_part(v)}" for k, v in pairs)


def with_format(body: dict[str, Any], fmt: Any) -> dict[str, Any]:
    body = {k: v for k, v in body.items() if k != "format" and not k.startswith("format:")}
    if fmt is not None:
        body["format"] = fmt
    return body


# --- regression inputs --------------------------------------------------------------------------


def _v1(signature: str, *fields: str) -> str:
    return base64.b64encode((signature + "|" + ";".join(fields)).encode()).decode()


KNOWN_INPUTS: dict[str, Callable[[Real], tuple[str, Any]]] = {
    # A partnerId beyond the database's integer range (PostgreSQL: integer out of range; SQLite overflow).
    "session.start partnerId 2**40": lambda r: (
        "/api_v3/service/session/action/start",
        {"secret": "x", "partnerId": str(2**40)},
    ),
    "partner.getSecrets partnerId 2**40": lambda r: (
        "/api_v3/service/partner/action/getSecrets",
        {"partnerId": str(2**40), "adminEmail": "a@example.com", "cmsPassword": "x"},
    ),
    "partner.get id 2**40": lambda r: ("/api_v3/service/partner/action/get", {"ks": r.ks, "id": str(2**40)}),
    "session.impersonate impersonatedPartnerId 2**40": lambda r: (
        "/api_v3/service/session/action/impersonate",
        {
            "secret": r.partner.admin_secret,
            "partnerId": str(r.partner.id),
            "impersonatedPartnerId": str(2**40),
        },
    ),
    "request partnerId 10**20 with a valid KS": lambda r: (
        "/api_v3/service/partner/action/getInfo",
        {"ks": r.ks, "partnerId": "99999999999999999999"},
    ),
    "request partnerId 2**40 with a valid KS": lambda r: (
        "/api_v3/service/partner/action/getInfo",
        {"ks": r.ks, "partnerId": str(2**40)},
    ),
    "KS claiming partner 10**20": lambda r: (
        "/api_v3/service/partner/action/getInfo",
        {"ks": base64.b64encode(b"v2|99999999999999999999|" + bytes(16)).decode()},
    ),
    "KS claiming partner 2**40": lambda r: (
        "/api_v3/service/partner/action/getInfo",
        {"ks": base64.b64encode(b"v2|%d|" % 2**40 + bytes(16)).decode()},
    ),
    "v1 KS with a non-ASCII signature": lambda r: (
        "/api_v3/service/partner/action/getInfo",
        {"ks": _v1("é", str(r.partner.id), str(r.partner.id), "9999999999", "2", "1", "", "")},
    ),
    "multirequest keys 1 and 01": lambda r: (
        "/api_v3/service/multirequest",
        {"1": {"service": "system", "action": "ping"}, "01": {"service": "system", "action": "getTime"}},
    ),
    "multirequest key ²": lambda r: (
        "/api_v3/service/multirequest",
        {"²": {"service": "system", "action": "ping"}},
    ),
    "multirequest reference with a 5000-digit number": lambda r: (
        "/api_v3/service/multirequest",
        {
            "0": {"service": "system", "action": "ping"},
            "1": {
                "service": "session",
                "action": "get",
                "ks": r.ks,
                "session": "{" + "9" * 5000 + ":result}",
            },
        },
    ),
    "lone surrogate secret": lambda r: (
        "/api_v3/service/session/action/start",
        {"secret": "\ud800", "partnerId": str(r.partner.id)},
    ),
    "lone surrogate userId": lambda r: (
        "/api_v3/service/session/action/start",
        {"secret": r.partner.admin_secret, "partnerId": str(r.partner.id), "userId": "\udc00"},
    ),
    "lone surrogate adminEmail": lambda r: (
        "/api_v3/service/partner/action/getSecrets",
        {"partnerId": str(r.partner.id), "adminEmail": "\udc00", "cmsPassword": "x"},
    ),
    "lone surrogate cmsPassword": lambda r: (
        "/api_v3/service/partner/action/getSecrets",
        {"partnerId": str(r.partner.id), "adminEmail": r.partner.admin_email, "cmsPassword": "\udc00"},
    ),
    "session.start privileges actionslimit:²": lambda r: (
        "/api_v3/service/session/action/start",
        {"secret": r.partner.admin_secret, "partnerId": str(r.partner.id), "privileges": "actionslimit:²"},
    ),
    "session.start privileges setrole:²": lambda r: (
        "/api_v3/service/session/action/start",
        {"secret": r.partner.admin_secret, "partnerId": str(r.partner.id), "privileges": "setrole:²"},
    ),
    "signed KS with actionslimit:²": lambda r: (
        "/api_v3/service/system/action/ping",
        {"ks": r.admin_ks(privileges="actionslimit:²")},
    ),
    "signed KS with setrole:²": lambda r: (
        "/api_v3/service/system/action/ping",
        {"ks": r.admin_ks(privileges="setrole:²")},
    ),
    "session.end of a signed KS expiring after 2**63": lambda r: (
        "/api_v3/service/session/action/end",
        {
            "ks": encode_v2(
                r.partner.admin_secret, partner_id=r.partner.id, valid_until=10**20, type=2, user_id=""
            )
        },
    ),
    "signed actionslimit KS expiring after 2**63": lambda r: (
        "/api_v3/service/system/action/ping",
        {
            "ks": encode_v2(
                r.partner.admin_secret,
                partner_id=r.partner.id,
                valid_until=10**20,
                type=2,
                privileges="actionslimit:5",
            )
        },
    ),
    "JSON body with format as the number 1": lambda r: (
        "/api_v3/service/system/action/ping",
        {"format": 1},
    ),
}
EXPECTED_FORMAT = {"JSON body with format as the number 1": 1}


@pytest.mark.parametrize("name", sorted(KNOWN_INPUTS))
def test_known_inputs(client: TestClient, real: Real, name: str) -> None:
    path, body = KNOWN_INPUTS[name](real)
    assert_well_formed(post_json(client, path, body), EXPECTED_FORMAT.get(name))


@pytest.mark.parametrize(
    "path",
    [
        "/api_v3/service/%0A/action/ping",  # a newline inside the path
        "/api_v3/service/system/action/ping/x/%0Ay/z",
        "/api_v3/service/system/action/ping/ks/a%0Ab",
    ],
)
def test_known_paths(client: TestClient, path: str) -> None:
    assert_well_formed(post_json(client, BASE + path, {}))


def test_file_part_where_a_scalar_is_expected(client: TestClient, real: Real) -> None:
    """A multipart file part named like a string parameter (``secret``)."""
    response = client.post(
        "/api_v3/service/session/action/start",
        files={"secret": ("f.bin", b"abc", "application/octet-stream")},
        data={"partnerId": str(real.partner.id), "type": "2"},
    )
    assert_well_formed(response)


# --- property tests -----------------------------------------------------------------------------


@FUZZ
@given(
    names=call_names(),
    body=st.dictionaries(keys(), VALUES, max_size=8),
    ks=st.one_of(st.none(), ks_texts()),
    fmt=formats(),
    where=st.sampled_from(["path", "body", "query"]),
    data=st.data(),
)
def test_random_calls(
    client: TestClient,
    real: Real,
    names: tuple[str, str],
    body: dict[str, Any],
    ks: str | None,
    fmt: tuple[Any, int],
    where: str,
    data: st.DataObject,
) -> None:
    """Random names and JSON bodies; service/action in the path, the body or the query string."""
    service, action = names
    body = with_format(real.fill(body), fmt[0])
    if ks is not None:
        body["ks"] = materialize_ks(real, ks, data.draw)
    if where == "path":
        path = f"/api_v3/service/{url_part(service)}/action/{url_part(action)}"
        body = {k: v for k, v in body.items() if k.split(":")[0] not in ("service", "action")}
    elif where == "body":
        path = "/api_v3/"
        body.update(service=service, action=action)
    else:
        path = "/api_v3/?" + query_string([("service", service), ("action", action)])
    assert_well_formed(post_json(client, path, body), fmt[1])


@FUZZ
@given(spec=st.sampled_from(SPECS), data=st.data())
def test_real_actions_with_typed_params(
    client: TestClient, real: Real, spec: ActionSpec, data: st.DataObject
) -> None:
    """Every declared action, with parameters near and far from their declared types."""
    params = real.fill(data.draw(action_params(spec)))
    extra = real.fill(data.draw(st.dictionaries(keys(), VALUES, max_size=3)))
    body = {**extra, **params}
    fmt, expect = data.draw(formats())
    body = with_format(body, fmt)
    ks = data.draw(st.one_of(st.none(), st.just("@KS@"), st.just("@USER_KS@"), ks_texts()))
    if ks is not None:
        body["ks"] = materialize_ks(real, ks, data.draw)
    if data.draw(st.booleans()):
        body["partnerId"] = real.fill(data.draw(st.one_of(st.just("@PID@"), int_text(), SCALARS)))
    path = f"/api_v3/service/{spec.service}/action/{spec.action}"
    assert_well_formed(post_json(client, path, body), expect)


@FUZZ
@given(ks=ks_texts(), data=st.data())
def test_random_ks(client: TestClient, real: Real, ks: str, data: st.DataObject) -> None:
    """Random and mutated KSs, in the body, the path, the query string or an ``Authorization: KS`` header."""
    text = materialize_ks(real, ks, data.draw)
    service, action = data.draw(st.sampled_from([*REAL_PAIRS, ("system", "ping"), ("partner", "getInfo")]))
    where = data.draw(st.sampled_from(["body", "path", "query", "header"]))
    path = f"/api_v3/service/{service}/action/{action}"
    as_json = data.draw(st.booleans())
    body: dict[str, Any] = {"format": "1"} if as_json else {}
    headers: dict[str, str] = {}
    if where == "body":
        body["ks"] = text
    elif where == "path":
        path += "/ks/" + url_part(text)
    elif where == "query":
        path += "?ks=" + url_part(text)
    else:
        assume(text.isascii() and text.isprintable() and text.strip() == text)
        headers["authorization"] = f"KS {text}"
    response = post_json(client, path, body, headers=headers)
    assert_well_formed(response, 1 if as_json else 2)


@FUZZ
@given(data=st.data())
def test_mutated_ks_never_authenticates(client: TestClient, real: Real, data: st.DataObject) -> None:
    """A KS whose decoded bytes differ from a real one is refused (v1 signatures: case-insensitive)."""
    kind = data.draw(st.sampled_from(["session", "v1", "v2"]))
    original = real.ks if kind == "session" else real.fixed_ks(1 if kind == "v1" else 2)
    response = post_json(client, "/api_v3/service/partner/action/getInfo", {"ks": original})
    assert error_code(response) is None, response.text[:300]
    mutated = data.draw(mutated_ks(original))
    decoded = decode_ks(mutated)
    assume(decoded is None or canonical(decoded) != canonical(decode_ks(original) or b""))
    response = post_json(client, "/api_v3/service/partner/action/getInfo", {"ks": mutated})
    assert_well_formed(response, 2)
    assert error_code(response) is not None, (mutated, response.text[:300])


@st.composite
def sub_request(draw: st.DrawFn, count: int) -> dict[str, Any]:
    service, action = draw(st.one_of(st.sampled_from(REAL_PAIRS), call_names()))
    spec = next((s for s in SPECS if (s.service, s.action) == (service, action)), None)
    params = draw(action_params(spec)) if spec is not None else {}
    reference = st.builds(
        lambda n, path: "{" + str(n) + ":result" + "".join(":" + p for p in path) + "}",
        st.integers(-1, count + 2),
        st.lists(
            st.one_of(
                st.sampled_from(
                    ["id", "ks", "adminSecret", "secret", "objects", "0", "_all", "²", "partnerId"]
                ),
                odd_text(4),
            ),
            max_size=3,
        ),
    )
    for name in draw(st.lists(st.sampled_from([*PARAM_NAMES, "ks", "partnerId"]), max_size=3)):
        params[name] = draw(st.one_of(reference, reference.map(lambda r: "x" + r + "y"), VALUES))
    extra = draw(st.dictionaries(keys(), VALUES, max_size=2))
    return {**extra, **params, "service": service, "action": action}


@FUZZ
@given(data=st.data())
def test_multirequest(client: TestClient, real: Real, data: st.DataObject) -> None:
    """Numbered sub-requests with ``{N:result:path}`` references, shared and per-call KSs."""
    count = data.draw(st.integers(0, 5))
    subs = [data.draw(sub_request(count)) for _ in range(count)]
    body: dict[str, Any] = {str(i): sub for i, sub in enumerate(subs)}
    if data.draw(st.booleans()):
        body["ks"] = materialize_ks(real, data.draw(ks_texts()), data.draw)
    for sub in subs:
        if data.draw(st.booleans()):
            sub["ks"] = materialize_ks(real, data.draw(ks_texts()), data.draw)
    fmt, expect = data.draw(formats())
    body = with_format(real.fill(body), fmt)
    path = data.draw(
        st.sampled_from(
            ["/api_v3/service/multirequest", "/api_v3/service/multirequest/action/null", "/api_v3/"]
        )
    )
    if path == "/api_v3/":
        body["service"] = "multirequest"
    response = post_json(client, path, body)
    assert_well_formed(response, expect)
    if expect == 2:
        # One <item> per sub-request, in order.
        result = ET.fromstring(response.content).find("result")
        assert result is not None and result.find("error") is None, response.text[:500]
        assert len(result.findall("item")) == count, response.text[:500]
    else:
        value = json.loads(response.content)
        assert isinstance(value, list) and len(value) == count, response.text[:500]


@FUZZ
@given(
    body=st.dictionaries(
        st.one_of(
            st.sampled_from(
                ["0", "1", "2", "01", "007", " 1", "1 ", "-1", "+1", "1.0", "١", "²", "10", "x", ""]
            ),
            st.integers(0, 2**70).map(str),
        ),
        st.one_of(
            st.sampled_from(REAL_PAIRS).map(lambda p: {"service": p[0], "action": p[1]}),
            st.just({"service": "session", "action": "get", "ks": "@KS@", "session": "{1:result}"}),
            VALUES,
        ),
        max_size=5,
    ),
    fmt=formats(),
)
def test_multirequest_numbering(
    client: TestClient, real: Real, body: dict[str, Any], fmt: tuple[Any, int]
) -> None:
    """Sub-request keys that are not plain 0, 1, 2…: leading zeros, signs, spaces, non-ASCII digits."""
    response = post_json(client, "/api_v3/service/multirequest", with_format(real.fill(body), fmt[0]))
    assert_well_formed(response, fmt[1])


@FUZZ
@given(
    names=call_names(),
    pairs=st.lists(
        st.tuples(keys(), st.one_of(any_text(30), int_text(), st.sampled_from(PLACEHOLDERS))), max_size=8
    ),
    fmt=formats(),
    raw_tail=st.binary(max_size=20),
)
def test_form_urlencoded(
    client: TestClient,
    real: Real,
    names: tuple[str, str],
    pairs: list[tuple[str, str]],
    fmt: tuple[Any, int],
    raw_tail: bytes,
) -> None:
    """Form bodies with flattened ``a:b:c`` keys (and undecodable bytes at the end)."""
    pairs = [(k, v) for k, v in real.fill(pairs) if not k.startswith("format")]
    if fmt[0] is not None:
        pairs.append(("format", fmt[0]))
    body = query_string(pairs).encode() + (b"&" + raw_tail if raw_tail else b"")
    service, action = names
    path = f"/api_v3/service/{url_part(service)}/action/{url_part(action)}"
    response = client.post(path, content=body, headers={"content-type": "application/x-www-form-urlencoded"})
    assert_well_formed(response)


def multipart_body(boundary: bytes, parts: list[tuple[str, str | None, str | None, bytes]]) -> bytes:
    out = b""
    for name, filename, content_type, content in parts:
        disposition = f'form-data; name="{name}"' + (
            f'; filename="{filename}"' if filename is not None else ""
        )
        out += b"--" + boundary + b"\r\n"
        out += b"Content-Disposition: " + disposition.encode("utf-8", "surrogatepass") + b"\r\n"
        if content_type is not None:
            out += b"Content-Type: " + content_type.encode("latin-1", "replace") + b"\r\n"
        out += b"\r\n" + content + b"\r\n"
    return out + b"--" + boundary + b"--\r\n"


@st.composite
def multipart_parts(draw: st.DrawFn) -> list[tuple[str, str | None, str | None, bytes]]:
    names = st.one_of(
        st.sampled_from(
            ["json", "ks", "secret", "partnerId", "fileData", "0:fileData", "1:secret", "format", "0:ks"]
        ),
        keys(),
    )
    json_part = st.builds(
        json_bytes,
        st.dictionaries(keys(), VALUES, max_size=5),
    )
    content = st.one_of(
        json_part,
        st.sampled_from([b"@ADMIN_SECRET@", b"@PID@", b"@KS@", b"{}", b"[]", b"{", b"\xff\xfe", b""]),
        st.binary(max_size=60),
    )
    return draw(
        st.lists(
            st.tuples(
                names.map(lambda n: n.replace('"', "").replace("\r", "").replace("\n", "")),
                st.one_of(
                    st.none(), st.just("f.bin"), st.just(""), odd_text(6).map(lambda t: t.replace('"', ""))
                ),
                st.one_of(
                    st.none(), st.sampled_from(["application/json", "application/octet-stream", "text/plain"])
                ),
                content,
            ),
            max_size=5,
        )
    )


@FUZZ
@given(
    names=call_names(),
    parts=multipart_parts(),
    malform=st.sampled_from(["none", "none", "truncate", "wrong-boundary", "no-boundary", "flip", "junk"]),
    data=st.data(),
)
def test_multipart(
    client: TestClient,
    real: Real,
    names: tuple[str, str],
    parts: list[tuple[str, str | None, str | None, bytes]],
    malform: str,
    data: st.DataObject,
) -> None:
    """Multipart bodies as the client sends for uploads, and broken ones."""
    filled = []
    for name, filename, content_type, content in parts:
        text = content.decode("latin-1")
        filled.append(
            (str(real.fill(name)), filename, content_type, real.fill(text).encode("latin-1", "replace"))
        )
    boundary = b"8fd692754fb340c393821c36fe3d55c9"
    body = multipart_body(boundary, filled)
    header = "multipart/form-data; boundary=" + boundary.decode()
    if malform == "truncate":
        body = body[: data.draw(st.integers(0, len(body)))]
    elif malform == "wrong-boundary":
        header = "multipart/form-data; boundary=other"
    elif malform == "no-boundary":
        header = "multipart/form-data"
    elif malform == "flip" and body:
        i = data.draw(st.integers(0, len(body) - 1))
        body = body[:i] + bytes([body[i] ^ 0x20]) + body[i + 1 :]
    elif malform == "junk":
        body = data.draw(st.binary(max_size=200))
    service, action = names
    path = f"/api_v3/service/{url_part(service)}/action/{url_part(action)}"
    response = client.post(path, content=body, headers={"content-type": header})
    assert_well_formed(response)


CONTENT_TYPES = [
    "application/json",
    "APPLICATION/JSON; charset=utf-8",
    "application/x-www-form-urlencoded",
    "multipart/form-data; boundary=x",
    "multipart/form-data",
    "text/xml",
    "text/plain",
    "application/octet-stream",
    "",
    ";;;",
    "application/json; boundary=x",
]


@FUZZ
@given(
    names=call_names(),
    body=st.one_of(
        st.binary(max_size=300),
        VALUES.map(json_bytes),
        st.sampled_from([b"{", b"}", b"{}", b"[]", b"null", b'"x"', b"{" * 2000 + b"}" * 2000, b"[" * 3000]),
        st.builds(lambda n: b'{"a":' * n + b"1" + b"}" * n, st.integers(1, 3000)),
    ),
    content_type=st.one_of(
        st.sampled_from(CONTENT_TYPES), st.text(alphabet=string.printable.strip("\r\n\x0b\x0c"), max_size=30)
    ),
)
def test_raw_bodies(client: TestClient, names: tuple[str, str], body: bytes, content_type: str) -> None:
    """Random bytes under every content type, including deeply nested JSON."""
    service, action = names
    path = f"/api_v3/service/{url_part(service)}/action/{url_part(action)}"
    response = client.post(path, content=body, headers={"content-type": content_type})
    assert_well_formed(response)


@FUZZ
@given(
    prefix=st.sampled_from(["/api_v3", "//api_v3", "/api_v3/index.php", "///api_v3//", "/api_v3/"]),
    segments=st.lists(
        st.one_of(
            st.sampled_from(["service", "action", "ks", "partnerId", "multirequest", *REAL_SERVICES]),
            st.sampled_from(sorted({s.action for s in SPECS})),
            st.sampled_from(PLACEHOLDERS),
            any_text(12),
        ),
        max_size=8,
    ),
    query=st.lists(st.tuples(keys(), st.one_of(any_text(20), st.sampled_from(PLACEHOLDERS))), max_size=5),
    fmt=formats(),
    method=st.sampled_from(["GET", "POST"]),
    body=st.dictionaries(keys(), VALUES, max_size=3),
)
def test_paths_and_query_strings(
    client: TestClient,
    real: Real,
    prefix: str,
    segments: list[str],
    query: list[tuple[str, str]],
    fmt: tuple[Any, int],
    method: str,
    body: dict[str, Any],
) -> None:
    """Path-style parameters (``/service/x/action/y/ks/…``), doubled slashes, GET with a query string."""
    segments = [s for s in real.fill(segments) if s.lower() != "format"]
    query = [(k, v) for k, v in real.fill(query) if not k.startswith("format")]
    if fmt[0] is not None:
        query.append(("format", fmt[0]))
    path = BASE + prefix.rstrip("/") + "/" + "/".join(url_part(s) for s in segments)
    url = path + ("?" + query_string(query) if query else "")
    if method == "GET":
        response = client.get(url)
    else:
        response = post_json(client, url, with_format(real.fill(body), None))
    assert_well_formed(response, fmt[1])


@FUZZ
@given(
    names=st.sampled_from(REAL_PAIRS),
    fmt=formats(),
    ks=st.sampled_from(["@KS@", "@USER_KS@", "garbage", ""]),
    where=st.sampled_from(["body", "query", "path"]),
)
def test_format_selection(
    client: TestClient, real: Real, names: tuple[str, str], fmt: tuple[Any, int], ks: str, where: str
) -> None:
    """``format=1`` gives JSON and anything else XML, whichever source carries it, success or error."""
    service, action = names
    path = f"/api_v3/service/{service}/action/{action}"
    body: dict[str, Any] = {"ks": real.fill(ks)}
    if fmt[0] is not None:
        if where == "body":
            body["format"] = fmt[0]
        elif where == "query":
            path += "?format=" + quote(fmt[0])
        else:
            path += "/format/" + quote(fmt[0], safe="")
    response = post_json(client, path, body)
    assert_well_formed(response, fmt[1])


def test_checker_sanity(client: TestClient) -> None:
    """Sanity check for the checker: a success is not mistaken for an error, in both formats."""
    for fmt in ("1", "2"):
        response = post_json(client, "/api_v3/service/system/action/ping", {"format": fmt})
        assert_well_formed(response, int(fmt))
        assert error_code(response) is None
    response = post_json(client, "/api_v3/service/nope/action/nope", {})
    assert_well_formed(response, 2)
    assert error_code(response) == "SERVICE_DOES_NOT_EXISTS"
