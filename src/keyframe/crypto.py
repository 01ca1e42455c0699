"""Secrets at rest: AES-256-GCM under keys derived from the installation's master key.

The master key is ``KEYFRAME_SECRET_KEY`` when set, else 32 random bytes generated once into
``<data_dir>/secret.key`` (created with mode 0600, never overwritten). Each use gets its own key through
HKDF with a purpose label, so a token key never doubles as the key that signs a page's CSRF token.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import secrets
import threading
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from keyframe.config import Settings

KEY_FILE = "secret.key"
LEGACY_PREFIX = "v1:"  # associated data: the context only (before values were bound to a record)
_VERSION = "v2:"  # associated data: the context and the record
_lock = threading.Lock()


class DecryptionError(Exception):
    """A stored value does not decrypt with this installation's key (changed key, or tampered)."""


def master_key(settings: Settings) -> bytes:
    if settings.secret_key is not None and settings.secret_key.get_secret_value():
        return settings.secret_key.get_secret_value().encode()
    path = settings.data_dir / KEY_FILE
    with _lock:
        if not path.exists():
            _create_key_file(path)
        return path.read_bytes().strip()


def _create_key_file(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        # O_EXCL: two processes starting at once must not each write a different key.
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return
    with os.fdopen(fd, "wb") as handle:
        handle.write(base64.urlsafe_b64encode(secrets.token_bytes(32)))


def derive(settings: Settings, purpose: str) -> bytes:
    hkdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=b"keyframe", info=purpose.encode())
    return hkdf.derive(master_key(settings))


class TokenCipher:
    """Encrypts vendor tokens under AES-256-GCM. The associated data names both what the value is
    (``context``, e.g. ``zoom:access``) and the record it belongs to (``bound_to``, e.g. a table and its
    key): a ciphertext copied into another column, or into another row of the same table, no longer
    decrypts, so someone who can write the database but lacks the key cannot move one account's tokens
    under another partner.

    Values written before records were bound (``v1:``, context only) are still read; ``is_legacy`` tells
    the caller to write them again, bound, while it holds the record."""

    def __init__(self, settings: Settings) -> None:
        self._aead = AESGCM(derive(settings, "vendor-tokens"))

    def encrypt(self, plaintext: str, context: str, *, bound_to: str) -> str:
        if not plaintext:
            return ""
        nonce = secrets.token_bytes(12)
        sealed = self._aead.encrypt(nonce, plaintext.encode(), _associated(context, bound_to))
        return _VERSION + base64.urlsafe_b64encode(nonce + sealed).decode()

    def decrypt(self, stored: str, context: str, *, bound_to: str) -> str:
        if not stored:
            return ""
        if stored.startswith(_VERSION):
            raw, associated = stored[len(_VERSION) :], _associated(context, bound_to)
        elif stored.startswith(LEGACY_PREFIX):
            raw, associated = stored[len(LEGACY_PREFIX) :], context.encode()
        else:
            raise DecryptionError("unknown format")
        try:
            data = base64.urlsafe_b64decode(raw)
            return self._aead.decrypt(data[:12], data[12:], associated).decode()
        except (InvalidTag, ValueError) as error:
            raise DecryptionError("does not decrypt") from error

    @staticmethod
    def is_legacy(stored: str) -> bool:
        return stored.startswith(LEGACY_PREFIX)


def _associated(context: str, bound_to: str) -> bytes:
    # JSON keeps the two parts apart: ("a:b", "c") and ("a", "b:c") must not authenticate alike.
    return json.dumps([context, bound_to]).encode()


class Signer:
    """HMAC-SHA256 tags for values a page hands out and gets back (CSRF tokens)."""

    def __init__(self, settings: Settings, purpose: str) -> None:
        self._key = derive(settings, purpose)

    def sign(self, value: str) -> str:
        return hmac.new(self._key, value.encode(), hashlib.sha256).hexdigest()

    def verify(self, value: str, tag: str) -> bool:
        # Bytes: compare_digest refuses non-ASCII str, and a tag comes from the client.
        return hmac.compare_digest(self.sign(value).encode(), tag.encode(errors="replace"))
