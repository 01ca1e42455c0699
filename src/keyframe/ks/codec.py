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


def _v2_fields(partner_id: int, fields: bytes, ks_id: str) -> KS:
    """Read the query string of a v2 KS: ``_e``/``_t``/``_u``/``_m``/``_d`` take their last value, every
    other pair is a privilege (in order)."""
    try:
        text = fields.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise KsDecodeError("fields are not text") from exc
    values, items = _read_pairs(text)
    valid_until, ks_type, user_id, master, data = values
    return KS(
        partner_id=partner_id,
        valid_until=0 if valid_until is None else _int_or(valid_until, 0),
        type=0 if ks_type is None else _int_or(ks_type, 0),
        user_id=user_id or "",
        privileges=Privileges(tuple(items)) if items else _NO_PRIVILEGES,
        master_partner_id=None if master is None else _int_or(master, None),
        additional_data=data,
        version=2,
        ks_id=ks_id,
    )


def _read_pairs(text: str) -> tuple[list[str | None], list[tuple[str, str]]]:
    """The raw values of ``_e``, ``_t``, ``_u``, ``_m``, ``_d`` (None where absent), and the privileges."""
    values: list[str | None] = [None, None, None, None, None]
    items: list[tuple[str, str]] = []
    for pair in text.split("&"):
        if not pair:
            continue
        key, _, value = pair.partition("=")
        if "%" in pair or "+" in pair:
            key, value = unquote_plus(key), unquote_plus(value)
        slot = _FIELD_SLOT.get(key)
        if slot is not None:
            values[slot] = value
        elif key:
            items.append((key, value))
    return values, items


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
