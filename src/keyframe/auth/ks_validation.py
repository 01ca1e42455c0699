"""Check a KS: decode and verify it against the partner's admin secrets, then its validity now.

Verification (AES + SHA1, or SHA1 for v1) is the expensive part, so verified tokens are kept in a bounded
cache. A cached token is re-checked on every use for what can change: expiry, IP and URI restrictions,
revocation, and whether the secret that verified it is still one of the partner's secrets.
"""

from __future__ import annotations

import math
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from keyframe.kapi import errors
from keyframe.ks import KS, KsDecodeError, decode_v1, decode_v2, split_ks


@dataclass(frozen=True, slots=True)
class RequestOrigin:
    """What a KS's restrictions are checked against."""

    client_ip: str | None
    path: str
    query: str = ""


def peek_partner(text: str) -> int:
    """The partner id a KS claims, read without a secret (for loading that partner's secrets)."""
    try:
        return split_ks(text)[1]
    except KsDecodeError:
        raise errors.invalid_ks_unparsable(text) from None


# A cached entry: the verified KS, the secret that verified it, the KS's expiry as a float (compared with
# the clock's float more cheaply than an int is, and exactly: see _decode), and for a KS with IP or URI
# restrictions the outcome of checking them per (client IP, path, query): None when allowed, else the
# reason (a pure function of the KS and those three).
_Origin = tuple[str | None, str, str]
_Entry = tuple[KS, str, float, dict[_Origin, str | None] | None]
_EXACT = 2**53  # every int of smaller magnitude is exactly a float
_MAX_ORIGINS = 16  # remembered restriction outcomes per cached KS
_UNKNOWN = "?"  # an origin not checked yet (stored outcomes are None or a reason constant, never this)


class KsValidator:
    __slots__ = ("_cache", "_cache_size", "_clock", "_lock")

    def __init__(self, cache_size: int = 10_000, clock: Callable[[], float] = time.time) -> None:
        self._cache: OrderedDict[str, _Entry] = OrderedDict()
        self._cache_size = cache_size
        self._lock = threading.Lock()
        self._clock = clock

    def verify(self, text: str, secrets: Sequence[str]) -> KS:
        """Decode and verify the signature; raises INVALID_KS (with the KS text) when it does not verify."""
        entry = self._cache.get(text)
        if entry is None or entry[1] not in secrets:
            entry = self._decode(text, secrets)
        return entry[0]

    def check(self, ks: KS, origin: RequestOrigin, is_revoked: Callable[[KS], bool]) -> None:
        """Upstream's ``isValidBase`` order: expiry, IP, URI; then revocation."""
        if ks.valid_until <= self._clock():
            raise errors.invalid_ks("EXPIRED")
        if ks.privileges.restricted:
            reason = _restriction(ks, origin)
            if reason is not None:
                raise errors.invalid_ks(reason)
        if is_revoked(ks):
            raise errors.invalid_ks("LOGOUT")

    def validate(
        self, text: str, secrets: Sequence[str], origin: RequestOrigin, is_revoked: Callable[[KS], bool]
    ) -> KS:
        """``verify`` then ``check`` in one step, with the checks' work remembered in the cache entry.

        This runs on every authenticated call, so it is written out in full rather than calling them."""
        entry = self._cache.get(text)
        if entry is None or entry[1] not in secrets:
            entry = self._decode(text, secrets)
        ks, _secret, valid_until, outcomes = entry
        if valid_until <= self._clock():
            raise errors.invalid_ks("EXPIRED")
        if outcomes is not None:
            key = (origin.client_ip, origin.path, origin.query)
            reason = outcomes.get(key, _UNKNOWN)
            if reason is _UNKNOWN:
                reason = _restriction(ks, origin)
                if len(outcomes) >= _MAX_ORIGINS:
                    outcomes.clear()
                outcomes[key] = reason
            if reason is not None:
                raise errors.invalid_ks(reason)
        if is_revoked(ks):
            raise errors.invalid_ks("LOGOUT")
        return ks

    def forget(self, text: str) -> None:
        with self._lock:
            self._cache.pop(text, None)

    def _decode(self, text: str, secrets: Sequence[str]) -> _Entry:
        try:
            version, partner_id, payload = split_ks(text)
            if version == 2:
                ks, index = decode_v2(partner_id, payload, secrets)
            else:
                ks, index = decode_v1(payload, secrets)
        except KsDecodeError:
            raise errors.invalid_ks_unparsable(text) from None
        valid_until = ks.valid_until
        expiry = float(valid_until) if -_EXACT < valid_until < _EXACT else _beyond_floats(valid_until)
        entry: _Entry = (ks, secrets[index], expiry, {} if ks.privileges.restricted else None)
        if self._cache_size:
            with self._lock:
                self._cache[text] = entry
                if len(self._cache) > self._cache_size:
                    self._cache.popitem(last=False)
        return entry


def _beyond_floats(valid_until: int) -> float:
    """An expiry beyond what a float holds exactly (2**53) is one no clock reaches either way."""
    return math.inf if valid_until > 0 else -math.inf


def _restriction(ks: KS, origin: RequestOrigin) -> str | None:
    """Why the request may not use this KS (IP first, then URI), or None."""
    privileges = ks.privileges
    if not privileges.ip_allowed(origin.client_ip):
        return "EXCEEDED_RESTRICTED_IP"
    if not privileges.uri_allowed(origin.path, origin.query):
        return "EXCEEDED_RESTRICTED_URI"
    return None
