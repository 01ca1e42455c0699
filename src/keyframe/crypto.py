"""Secrets at rest: AES-256-GCM under keys derived from the installation's master key.

The master key is ``KEYFRAME_SECRET_KEY`` when set, else 32 random bytes generated once into
``<data_dir>/secret.key`` (created with mode 0600, never overwritten). Each use gets its own key through
HKDF with a purpose label, so a token key never doubles as the key that signs a page's CSRF token.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
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
_VERSION = "v1:"
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
    """Encrypts vendor tokens; ``context`` (e.g. ``zoom:access``) is authenticated, so a value copied into
    another column or row kind does not decrypt."""

    def __init__(self, settings: Settings) -> None:
        self._aead = AESGCM(derive(settings, "vendor-tokens"))

    def encrypt(self, plaintext: str, context: str) -> str:
        if not plaintext:
            return ""
        nonce = secrets.token_bytes(12)
        sealed = self._aead.encrypt(nonce, plaintext.encode(), context.encode())
        return _VERSION + base64.urlsafe_b64encode(nonce + sealed).decode()

    def decrypt(self, stored: str, context: str) -> str:
        if not stored:
            return ""
        if not stored.startswith(_VERSION):
            raise DecryptionError("unknown format")
        try:
            raw = base64.urlsafe_b64decode(stored[len(_VERSION) :])
            return self._aead.decrypt(raw[:12], raw[12:], context.encode()).decode()
        except (InvalidTag, ValueError) as error:
            raise DecryptionError("does not decrypt") from error


class Signer:
    """HMAC-SHA256 tags for values a page hands out and gets back (CSRF tokens)."""

    def __init__(self, settings: Settings, purpose: str) -> None:
        self._key = derive(settings, purpose)

    def sign(self, value: str) -> str:
        return hmac.new(self._key, value.encode(), hashlib.sha256).hexdigest()

    def verify(self, value: str, tag: str) -> bool:
        return hmac.compare_digest(self.sign(value), tag)
