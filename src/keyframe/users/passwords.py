"""Password hashing with argon2id (argon2-cffi's defaults: RFC 9106's low-memory profile)."""

from __future__ import annotations

import threading

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = PasswordHasher()
# Each hash takes 64 MiB: at most this many run at once, whatever the number of request threads.
_slots = threading.BoundedSemaphore(4)
# Verifying against this when a login is unknown keeps "no such user" as slow as "wrong password".
_DUMMY_HASH = _hasher.hash("keyframe-timing-equaliser")

MIN_PASSWORD_LENGTH = 8
MAX_PASSWORD_LENGTH = 1024


def hasher_parameters() -> str:
    """The argon2 parameters in use, for reports (never a hash or a password)."""
    p = _hasher
    return f"argon2id, time cost {p.time_cost}, memory {p.memory_cost} KiB, parallelism {p.parallelism}"


def hash_password(password: str) -> str:
    with _slots:
        return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    try:
        with _slots:
            return _hasher.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def password_problem(password: str) -> str | None:
    """Why a new password is not acceptable, or None."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return f"the password must have at least {MIN_PASSWORD_LENGTH} characters"
    if len(password) > MAX_PASSWORD_LENGTH:
        return f"the password cannot have more than {MAX_PASSWORD_LENGTH} characters"
    return None
