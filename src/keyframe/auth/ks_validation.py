"""Check a KS: decode and verify it against the partner's admin secrets, then its validity now.

Verification (AES + SHA1, or SHA1 for v1) is the expensive part, so verified tokens are kept in a bounded
cache. A cached token is re-checked on every use for what can change: expiry, IP and URI restrictions,
revocation, and whether the secret that verified it is still one of the partner's secrets.
"""

from __future__ import annotations

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


class KsValidator:
    def __init__(self, cache_size: int = 10_000, clock: Callable[[], float] = time.time) -> None:
        self._cache: OrderedDict[str, tuple[KS, str]] = OrderedDict()
        self._cache_size = cache_size
        self._lock = threading.Lock()
        self._clock = clock

    def verify(self, text: str, secrets: Sequence[str]) -> KS:
        """Decode and verify the signature; raises INVALID_KS (with the KS text) when it does not verify."""
        cached = self._cache.get(text)
        if cached is not None and cached[1] in secrets:
            return cached[0]
        try:
            version, partner_id, payload = split_ks(text)
            if version == 2:
                ks, index = decode_v2(partner_id, payload, secrets)
            else:
                ks, index = decode_v1(payload, secrets)
        except KsDecodeError:
            raise errors.invalid_ks_unparsable(text) from None
        if self._cache_size:
            with self._lock:
                self._cache[text] = (ks, secrets[index])
                if len(self._cache) > self._cache_size:
                    self._cache.popitem(last=False)
        return ks

    def check(self, ks: KS, origin: RequestOrigin, is_revoked: Callable[[KS], bool]) -> None:
        """Upstream's ``isValidBase`` order: expiry, IP, URI; then revocation."""
        if ks.valid_until <= self._clock():
            raise errors.invalid_ks("EXPIRED")
        privileges = ks.privileges
        if privileges.items:
            if not privileges.ip_allowed(origin.client_ip):
                raise errors.invalid_ks("EXCEEDED_RESTRICTED_IP")
            if not privileges.uri_allowed(origin.path, origin.query):
                raise errors.invalid_ks("EXCEEDED_RESTRICTED_URI")
        if is_revoked(ks):
            raise errors.invalid_ks("LOGOUT")

    def validate(
        self, text: str, secrets: Sequence[str], origin: RequestOrigin, is_revoked: Callable[[KS], bool]
    ) -> KS:
        ks = self.verify(text, secrets)
        self.check(ks, origin, is_revoked)
        return ks

    def forget(self, text: str) -> None:
        with self._lock:
            self._cache.pop(text, None)
