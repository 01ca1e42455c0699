"""KS v1 and v2: encode, and decode-and-verify against a partner's admin secrets.

Byte layouts (``shared/reference/kaltura-api-and-ks.md`` §1.2–1.4):

* v1: ``base64( sha1hex(secret || info) "|" info )`` with ``info`` = ``;``-separated fields.
* v2: ``urlsafe_base64( "v2|" pid "|" AES-128-CBC(key=sha1(secret)[:16], iv=0, zero-padded(
  sha1(body) || body)) )`` with ``body`` = 16 random bytes || urlencoded fields.

Only admin secrets ever sign a KS, whatever its type; the user secret never does.
"""

from __future__ import annotations

import binascii
import hashlib
import hmac
import secrets as _secrets
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from enum import IntEnum
from functools import lru_cache
from typing import TypeVar
from urllib.parse import quote_plus, unquote_plus

from cryptography.hazmat.primitives.ciphers import Cipher, CipherContext, algorithms, modes

from keyframe.ks.privileges import Privileges

_T = TypeVar("_T")
_ZERO_IV = bytes(16)
_V2_PREFIX = b"v2|"
_NO_PRIVILEGES = Privileges()


class SessionType(IntEnum):
    USER = 0
    ADMIN = 2


class KsDecodeError(ValueError):
    """The text is not a KS, or no given secret verifies it (upstream's INVALID_STR)."""


@dataclass(frozen=True, slots=True)
class KS:
    partner_id: int
    valid_until: int
    type: int
    user_id: str
    privileges: Privileges
    master_partner_id: int | None = None
    additional_data: str | None = None
    version: int = 2
    # The id used for revocation: the hex SHA1 inside a v2 token, the signature of a v1 token.
    ks_id: str = ""

    @property
    def is_admin(self) -> bool:
        return self.type >= 1

    @property
    def is_anonymous(self) -> bool:
        return self.user_id in ("", "0")

    @property
    def is_widget(self) -> bool:
        return self.privileges.allows("widget", "1") and not self.privileges.is_wildcard


# --- encoding ------------------------------------------------------------------------------------


def encode_v1(
    secret: str,
    *,
    partner_id: int,
    valid_until: int,
    type: int,
    user_id: str = "",
    privileges: str | Privileges = "",
    master_partner_id: int | None = None,
    additional_data: str | None = None,
    rand: str | None = None,
) -> str:
    """A v1 KS. Like the official client, the optional fields 7–8 are written only when one is set."""
    fields = [
        str(partner_id),
        str(partner_id),
        str(valid_until),
        str(int(type)),
        rand if rand is not None else str(_secrets.randbelow(1 << 62)),
        user_id,
        str(privileges),
    ]
    if master_partner_id is not None or additional_data is not None:
        fields += ["" if master_partner_id is None else str(master_partner_id), additional_data or ""]
    info = ";".join(fields)
    signature = hashlib.sha1(secret.encode() + info.encode()).hexdigest()
    return binascii.b2a_base64(f"{signature}|{info}".encode(), newline=False).decode()


def encode_v2(
    secret: str,
    *,
    partner_id: int,
    valid_until: int,
    type: int,
    user_id: str = "",
    privileges: str | Privileges = "",
    master_partner_id: int | None = None,
    additional_data: str | None = None,
    random_bytes: bytes | None = None,
) -> str:
    """A v2 KS, its fields in the server's order: privileges, ``_e``, ``_t``, ``_u``, ``_m``, ``_d``."""
    privs = privileges if isinstance(privileges, Privileges) else Privileges.parse(privileges)
    pairs = [*privs.v2_pairs(), ("_e", str(valid_until)), ("_t", str(int(type))), ("_u", user_id)]
    if master_partner_id is not None:
        pairs.append(("_m", str(master_partner_id)))
    if additional_data is not None:
        pairs.append(("_d", additional_data))
    fields = "&".join(f"{quote_plus(k, safe='')}={quote_plus(v, safe='')}" for k, v in pairs).encode()
    body = (random_bytes if random_bytes is not None else _secrets.token_bytes(16)) + fields
    plaintext = hashlib.sha1(body).digest() + body
    plaintext += bytes((16 - len(plaintext) % 16) % 16)
    encryptor = _cipher(secret).encryptor()
    ciphertext = encryptor.update(plaintext) + encryptor.finalize()
    decoded = _V2_PREFIX + str(partner_id).encode() + b"|" + ciphertext
    return binascii.b2a_base64(decoded, newline=False).decode().replace("+", "-").replace("/", "_")


# --- decoding ------------------------------------------------------------------------------------

# Validation is on every API call, so decoding is written for speed; behaviour is that of the plain
# algorithm in §1.4 (``shared/reference/kaltura-api-and-ks.md``), which the test vectors pin down.
_URLSAFE_TO_STANDARD = bytes.maketrans(b"-_", b"+/")


def split_ks(text: str) -> tuple[int, int, bytes]:
    """Base64-decode a KS and read its version and partner id without any secret.

    Returns ``(version, partner_id, payload)``: for v2 the payload is the ciphertext, for v1 it is the
    whole decoded ``signature|info`` text.
    """
    try:
        # Both alphabets are accepted: ``-_`` become ``+/``; missing ``=`` padding is added back.
        raw = text.encode("ascii").translate(_URLSAFE_TO_STANDARD)
        if len(raw) % 4:
            raw += b"=" * (-len(raw) % 4)
        decoded = binascii.a2b_base64(raw, strict_mode=True)
    except (binascii.Error, ValueError, UnicodeEncodeError) as exc:
        raise KsDecodeError("not base64") from exc
    if decoded[:3] == _V2_PREFIX:
        parts = decoded.split(b"|", 2)
        if len(parts) < 3:
            raise KsDecodeError("bad partner id")
        return 2, _parse_partner(parts[1]), parts[2]
    _signature, sep, info = decoded.partition(b"|")
    if not sep:
        raise KsDecodeError("no signature")
    return 1, _parse_partner(info.split(b";", 1)[0]), decoded


def decode_v2(partner_id: int, ciphertext: bytes, secrets: Sequence[str]) -> tuple[KS, int]:
    """Decrypt with each secret in turn; returns the KS and the index of the secret that verified it."""
    if not ciphertext or len(ciphertext) % 16:
        raise KsDecodeError("bad ciphertext length")
    # A zero block first resets the reused CBC context's chaining value to the zero IV (see _decryptor).
    chained = _ZERO_IV + ciphertext
    for index, secret in enumerate(secrets):
        plain = _decryptor(secret).update(chained)[16:].rstrip(b"\0")
        digest, rest = plain[:20], plain[20:]
        if len(rest) >= 16 and hmac.compare_digest(hashlib.sha1(rest).digest(), digest):
            return _v2_fields(partner_id, rest[16:], digest.hex()), index
    raise KsDecodeError("no secret verifies the KS")


def decode_v1(decoded: bytes, secrets: Sequence[str]) -> tuple[KS, int]:
    """Verify a decoded v1 ``signature|info`` against each secret; returns the KS and the secret's index."""
    try:
        text = decoded.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise KsDecodeError("not text") from exc
    signature, _, info = text.partition("|")
    info_bytes = info.encode()
    # Compared as bytes: compare_digest refuses non-ASCII text, and a forged signature may hold some.
    presented = signature.lower().encode()
    for index, secret in enumerate(secrets):
        expected = hashlib.sha1(secret.encode() + info_bytes).hexdigest().encode()
        if hmac.compare_digest(expected, presented):
            return _v1_fields(info, signature.lower()), index
    raise KsDecodeError("no secret verifies the KS")


def _v1_fields(info: str, signature: str) -> KS:
    parts = info.split(";")
    if len(parts) < 3:
        raise KsDecodeError("too few fields")
    parts += [""] * (9 - len(parts))
    return KS(
        partner_id=_parse_partner(parts[0].encode()),
        valid_until=_int_or(parts[2], 0),
        type=_int_or(parts[3], 0),
        user_id=parts[5],
        privileges=Privileges.parse(parts[6]),
        master_partner_id=_int_or(parts[7], None),
        additional_data=parts[8] or None,
        version=1,
        ks_id=signature,
    )


# The keys a v2 KS keeps out of its privileges, and their places in _read_pairs' values.
_FIELD_SLOT = {"_e": 0, "_t": 1, "_u": 2, "_m": 3, "_d": 4}
_ABSENT = [None, None, None, None, None]


def _v2_fields(partner_id: int, fields: bytes, ks_id: str) -> KS:
    """Read the query string of a v2 KS. Pairs apply in order: a repeated ``_e``/``_t``/``_u``/``_m``/``_d``
    takes its last value, every other pair is a privilege (duplicates kept, in order).

    Tokens written by the PHP server, the official client and Keyframe put the privileges first, then
    ``_e``, ``_t``, ``_u``; and a partner's tokens share a few privilege strings. So the part before
    ``&_e=`` is read once and remembered (_read_head), and a tail of exactly ``_e=…&_t=…&_u=…`` is read
    directly; anything else takes the general path, with the same result.
    """
    try:
        text = fields.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise KsDecodeError("fields are not text") from exc
    cut = text.find("&_e=")
    if cut > 0:
        head_values, privileges = _read_head(text[:cut])
        tail = text[cut + 1 :]
    elif text[:3] == "_e=":
        head_values, privileges = None, _NO_PRIVILEGES
        tail = text
    else:
        values, items = _read_pairs(text)
        return _ks_from(partner_id, values, Privileges(tuple(items)) if items else _NO_PRIVILEGES, ks_id)
    parts = tail.split("&")
    if (
        len(parts) == 3
        and head_values is None
        and parts[1][:3] == "_t="
        and parts[2][:3] == "_u="
        and "+" not in tail
        and "%" not in parts[0]
        and "%" not in parts[1]
    ):
        user_id = parts[2][3:]
        return _new_ks(
            partner_id,
            _int_or(parts[0][3:], 0),
            _int_or(parts[1][3:], 0),
            _unquote_plus(user_id) if "%" in user_id else user_id,
            privileges,
            None,
            None,
            2,
            ks_id,
        )
    values, items = _read_pairs(tail)
    if head_values is not None:
        values = [v if v is not None else h for v, h in zip(values, head_values, strict=True)]
    if items:
        privileges = Privileges((*privileges.items, *items))
    return _ks_from(partner_id, values, privileges, ks_id)


def _ks_from(partner_id: int, values: list[str | None], privileges: Privileges, ks_id: str) -> KS:
    valid_until, ks_type, user_id, master, data = values
    return _new_ks(
        partner_id,
        0 if valid_until is None else _int_or(valid_until, 0),
        0 if ks_type is None else _int_or(ks_type, 0),
        user_id or "",
        privileges,
        None if master is None else _int_or(master, None),
        data,
        2,
        ks_id,
    )


def _read_pairs(text: str) -> tuple[list[str | None], list[tuple[str, str]]]:
    """The raw values of ``_e``, ``_t``, ``_u``, ``_m``, ``_d`` (None where absent), and the privileges."""
    values: list[str | None] = [None, None, None, None, None]
    items: list[tuple[str, str]] = []
    slot_of = _FIELD_SLOT.get
    for pair in text.split("&"):
        if not pair:
            continue
        key, _, value = pair.partition("=")
        if "%" in pair or "+" in pair:
            key, value = _unquote_plus(key), _unquote_plus(value)
        slot = slot_of(key)
        if slot is not None:
            values[slot] = value
        elif key:
            items.append((key, value))
    return values, items


@lru_cache(maxsize=1024)
def _read_head(text: str) -> tuple[list[str | None] | None, Privileges]:
    """The pairs before ``&_e=``: normally privileges only. Cached, so the result is never mutated."""
    values, items = _read_pairs(text)
    return (None if values == _ABSENT else values), (Privileges(tuple(items)) if items else _NO_PRIVILEGES)


# Percent-escapes of ASCII characters, both hex cases; anything else goes through unquote_plus.
_ASCII_ESCAPES = {f"{b:02{case}}": chr(b) for b in range(128) for case in "xX"}


def _unquote_plus(text: str) -> str:
    """``urllib.parse.unquote_plus``, quicker when every escape is of an ASCII character."""
    if "+" in text:
        text = text.replace("+", " ")
    if "%" not in text:
        return text
    # User ids are mostly e-mail addresses. Replacing "%40" can create no new escape, so when no "%"
    # is left every escape was a "%40" and this is the exact result.
    quick = text.replace("%40", "@")
    if "%" not in quick:
        return quick
    first, *rest = text.split("%")
    out = [first]
    for part in rest:
        char = _ASCII_ESCAPES.get(part[:2])
        if char is None:
            return unquote_plus(text)  # a non-ASCII or malformed escape: the library's exact rules
        out.append(char)
        out.append(part[2:])
    return "".join(out)


# A KS is a frozen dataclass; filling its slots directly skips the frozen __init__'s nine
# object.__setattr__ calls (a third of the cost of building one). Same fields, same values.
if KS.__slots__ != (
    "partner_id",
    "valid_until",
    "type",
    "user_id",
    "privileges",
    "master_partner_id",
    "additional_data",
    "version",
    "ks_id",
):  # pragma: no cover - a guard for whoever changes KS
    raise RuntimeError("the fields of KS changed: update _new_ks")
(
    _set_partner_id,
    _set_valid_until,
    _set_type,
    _set_user_id,
    _set_privileges,
    _set_master,
    _set_data,
    _set_version,
    _set_ks_id,
) = (getattr(KS, name).__set__ for name in KS.__slots__)


def _new_ks(
    partner_id: int,
    valid_until: int,
    ks_type: int,
    user_id: str,
    privileges: Privileges,
    master_partner_id: int | None,
    additional_data: str | None,
    version: int,
    ks_id: str,
) -> KS:
    ks: KS = object.__new__(KS)
    _set_partner_id(ks, partner_id)
    _set_valid_until(ks, valid_until)
    _set_type(ks, ks_type)
    _set_user_id(ks, user_id)
    _set_privileges(ks, privileges)
    _set_master(ks, master_partner_id)
    _set_data(ks, additional_data)
    _set_version(ks, version)
    _set_ks_id(ks, ks_id)
    return ks


class _Decryptors(threading.local):
    """Per thread, one CBC decryption context per secret, reused across tokens.

    Creating a context costs several times more than decrypting a token with it. CBC decryption keeps
    only the last ciphertext block as state, so decrypting a zero block first (and dropping its output)
    resets the context to the zero IV a KS uses; the blocks that follow decrypt exactly as with a fresh
    context. Every ciphertext is a whole number of blocks and padding is off, so nothing is held back.
    """

    def __init__(self) -> None:
        self.by_secret: dict[str, CipherContext] = {}


_decryptors = _Decryptors()


def _decryptor(secret: str) -> CipherContext:
    contexts = _decryptors.by_secret
    context = contexts.get(secret)
    if context is None:
        if len(contexts) >= 256:
            contexts.clear()
        context = contexts[secret] = _cipher(secret).decryptor()
    return context


@lru_cache(maxsize=256)
def _cipher(secret: str) -> Cipher[modes.CBC]:
    key = hashlib.sha1(secret.encode()).digest()[:16]
    return Cipher(algorithms.AES(key), modes.CBC(_ZERO_IV))


def _parse_partner(raw: bytes) -> int:
    try:
        return int(raw)  # bytes parse as ASCII: the same numbers as int(raw.decode("ascii")) accepts
    except ValueError as exc:
        raise KsDecodeError("bad partner id") from exc


def _int_or(text: str, default: _T) -> int | _T:
    try:
        return int(text)
    except ValueError:
        return default


def read_v1_unverified(decoded: bytes) -> KS:
    """The fields of a v1 KS without checking its signature (a v1 KS is not encrypted). For display only."""
    try:
        signature, _, info = decoded.decode("utf-8").partition("|")
    except UnicodeDecodeError as exc:
        raise KsDecodeError("not text") from exc
    return _v1_fields(info, signature.lower())
