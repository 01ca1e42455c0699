"""Secrets at rest: AES-256-GCM under keys derived from the installation's master key.

The master key is ``KEYFRAME_SECRET_KEY`` when set, else 32 random bytes generated once into
``<data_dir>/secret.key`` (mode 0600, never overwritten; it holds them base64-encoded). Either must be at
least ``MIN_KEY_BYTES`` long: a shorter one (a typo'd setting, a truncated file) stops Keyframe with
``SecretKeyError`` rather than encrypting under a weak key. Each use gets its own key through HKDF with a
purpose label, so a token key never doubles as the key that signs a page's CSRF token.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import secrets
import tempfile
import threading
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from keyframe.config import Settings

KEY_FILE = "secret.key"
MIN_KEY_BYTES = 32
LEGACY_PREFIX = "v1:"  # associated data: the context only (before values were bound to a record)
_VERSION = "v2:"  # associated data: the context and the record
_lock = threading.Lock()


class SecretKeyError(RuntimeError):
    """The master key is missing, too short or cannot be created: Keyframe must not run with it."""


class DecryptionError(Exception):
    """A stored value does not decrypt with this installation's key (changed key, or tampered)."""


def master_key(settings: Settings) -> bytes:
    """The installation's master key; SecretKeyError if it is shorter than ``MIN_KEY_BYTES``."""
    if settings.secret_key is not None and settings.secret_key.get_secret_value():
        key = settings.secret_key.get_secret_value().encode()
        if len(key) < MIN_KEY_BYTES:
            raise SecretKeyError(
                f"KEYFRAME_SECRET_KEY is {len(key)} bytes long; it must be at least {MIN_KEY_BYTES} "
                "(for example the output of `openssl rand -base64 32`), or unset to use a key generated "
                "into the data directory. Changing it makes the stored Zoom tokens unreadable."
            )
        return key
    path = settings.data_dir / KEY_FILE
    with _lock:  # threads of this process; other processes are handled by the atomic link
        if not path.exists():
            _create_key_file(path)
        key = path.read_bytes().strip()
    if len(key) < MIN_KEY_BYTES:
        raise SecretKeyError(
            f"{path} holds {len(key)} bytes; a key must be at least {MIN_KEY_BYTES} (the file is "
            "damaged or was written by hand). Restore it from a backup; or, if nothing is encrypted "
            "with it yet (or the Zoom accounts may be authorized again), remove it and a new one is "
            "generated at the next start."
        )
    return key


def _create_key_file(path: Path) -> None:
    """Write a new key under ``path`` unless one exists, so that whoever reads ``path`` gets a whole
    key: written and flushed to a temporary file in the same directory first, then hard-linked into
    place, which fails if another process got there first (its key wins; ours is discarded). Creating
    ``path`` itself and writing it afterwards would let a process losing the race read it empty."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(prefix=f".{KEY_FILE}.", dir=path.parent)  # mode 0600
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(base64.urlsafe_b64encode(secrets.token_bytes(32)))
            handle.flush()
            os.fsync(handle.fileno())
        try:
            os.link(temporary, path)  # unlike rename, never replaces an existing key
        except FileExistsError:
            return
        except OSError as error:
            raise SecretKeyError(
                f"could not create {path} ({error}): the data directory must allow hard links, or set "
                "KEYFRAME_SECRET_KEY"
            ) from error
        _sync_directory(path.parent)
    finally:
        os.unlink(temporary)


def _sync_directory(directory: Path) -> None:
    """Make the new name durable (a crash must not lose a key that tokens were encrypted with)."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass  # not every file system syncs directories
    finally:
        os.close(fd)


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
