"""KS v2 validation throughput against the bare crypto floor, measured side by side.

Run: ``.venv/bin/python benchmarks/ks.py`` (about 10 seconds; ``--quick`` for a smoke run; ``--strict``
to exit with status 1 when a target is missed).

The variants run over the same realistic tokens, interleaved in rounds (alternating order) so machine
noise hits them all alike; each figure is the median over the rounds, and only ratios measured in this
run are judged:

* floor: the least work any validator must do for a v2 token: AES-128-CBC decrypt its ciphertext with a
  fresh ``cryptography`` CBC decryptor (the key schedule built once per secret, as a server would), strip
  the zero padding and compare ``SHA1(body)`` with the digest in front. No base64, no field parsing.
* uncached: ``KsValidator(cache_size=0).validate(...)`` of every distinct token: base64, decrypt, verify,
  parse the fields and privileges, then expiry, IP and URI checks and the revocation callback.
* cached: ``KsValidator()`` (the default cache) validating tokens it has seen before (1,000 of them in
  turn): the same checks (expiry, IP, URI, revocation) but no decryption.
* for information only: the floor's crypto with one CBC context reused across tokens (as the validator
  does it), and base64 decoding plus splitting (``split_ks``).

Revocation is an in-memory set lookup of the KS id here; in the server it is a database query, which the
API benchmark (``benchmarks/api.py``) measures end to end.
"""

from __future__ import annotations

import argparse
import gc
import hashlib
import hmac
import random
import statistics
import sys
import time
from collections.abc import Callable

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from keyframe.auth.ks_validation import KsValidator, RequestOrigin
from keyframe.ks import KS, encode_v2, split_ks

SECRET = "0123456789abcdef0123456789abcdef"
PARTNER_ID = 12345
UNCACHED_TARGET = 1.5  # uncached time per token ≤ 1.5 × the floor's
CACHED_TARGET = 10.0  # a repeated token ≥ 10 × faster than the floor

# Privileges as real integrations send them: KMC-style admin sessions, player and widget sessions,
# MediaSpace user sessions, app-token sessions (a sessionid unique per session) and restricted sessions
# whose IP and URI checks pass for the request below. {n} makes a privilege unique to its token.
PROFILES: list[tuple[int, str, str]] = [
    # (type, user, privileges)
    (2, "admin@example.com", "disableentitlement"),
    (2, "", "*"),
    (0, "user{n}@example.com", "sview:*,privacycontext:MediaSpace,enableentitlement"),
    (0, "", "view:*,widget:1,privacycontext:MediaSpace"),
    (0, "user{n}@example.com", "sessionid:{n:012x},privacycontext:MediaSpace,setrole:BASE_USER_SESSION_ROLE"),
    (0, "user{n}@example.com", "sview:1_abcd{n:04x},download:1_abcd{n:04x},actionslimit:50"),
    (
        2,
        "svc-{n}",
        "iprestrict:127.0.0.1/10.0.0.2,urirestrict:/api_v3/service/partner/*|/api_v3/service/session/*",
    ),
]
ORIGIN = RequestOrigin(client_ip="127.0.0.1", path="/api_v3/service/partner/action/getInfo")


def make_tokens(count: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    now = int(time.time())
    tokens = []
    for n in range(count):
        ks_type, user, privileges = PROFILES[n % len(PROFILES)]
        tokens.append(
            encode_v2(
                SECRET,
                partner_id=PARTNER_ID,
                valid_until=now + rng.randint(3_600, 86_400),
                type=ks_type,
                user_id=user.format(n=n + seed * 1_000_000),
                privileges=privileges.format(n=n + seed * 1_000_000),
                random_bytes=rng.randbytes(16),
            )
        )
    return tokens


def timed(run: Callable[[], int]) -> float:
    """Seconds per item of one run (the callable returns how many items it did); GC off, as timeit does."""
    gc.collect()
    gc.disable()
    try:
        started = time.perf_counter()
        count = run()
        return (time.perf_counter() - started) / count
    finally:
        gc.enable()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tokens", type=int, default=20_000, help="distinct tokens per round")
    parser.add_argument("--rounds", type=int, default=11)
    parser.add_argument("--quick", action="store_true", help="a smoke run: few tokens and rounds")
    parser.add_argument("--strict", action="store_true", help="exit with status 1 when a target is missed")
    args = parser.parse_args()
    if args.quick:
        args.tokens, args.rounds = 2_000, 3

    secrets = (SECRET,)
    # One batch of fresh tokens per round, so the uncached validator never sees a token twice and no
    # memo inside the codec can key on a whole token.
    batches = [make_tokens(args.tokens, seed) for seed in range(1, args.rounds + 1)]
    ciphertexts = [[split_ks(text)[2] for text in batch] for batch in batches]
    cipher = Cipher(algorithms.AES(hashlib.sha1(SECRET.encode()).digest()[:16]), modes.CBC(bytes(16)))
    revoked = {hashlib.sha1(str(n).encode()).hexdigest() for n in range(1_000)}

    def is_revoked(ks: KS) -> bool:
        return ks.ks_id in revoked

    def floor(round_: int) -> Callable[[], int]:
        items = ciphertexts[round_]
        compare = hmac.compare_digest
        sha1 = hashlib.sha1

        def run() -> int:
            for ciphertext in items:
                decryptor = cipher.decryptor()
                plain = (decryptor.update(ciphertext) + decryptor.finalize()).rstrip(b"\0")
                if not compare(sha1(plain[20:]).digest(), plain[:20]):
                    raise AssertionError("floor: token does not verify")
            return len(items)

        return run

    # For information (not judged): the same crypto with one CBC context reused across tokens, as the
    # validator does it (a zero block first resets the chaining value to the zero IV), and base64.
    reused = cipher.decryptor()

    def floor_reused(round_: int) -> Callable[[], int]:
        items = ciphertexts[round_]
        compare = hmac.compare_digest
        sha1 = hashlib.sha1
        zero = bytes(16)

        def run() -> int:
            for ciphertext in items:
                plain = reused.update(zero + ciphertext)[16:].rstrip(b"\0")
                if not compare(sha1(plain[20:]).digest(), plain[:20]):
                    raise AssertionError("floor: token does not verify")
            return len(items)

        return run

    def base64_split(round_: int) -> Callable[[], int]:
        items = batches[round_]

        def run() -> int:
            for text in items:
                split_ks(text)
            return len(items)

        return run

    def uncached(round_: int) -> Callable[[], int]:
        items = batches[round_]
        validate = KsValidator(cache_size=0).validate

        def run() -> int:
            for text in items:
                validate(text, secrets, ORIGIN, is_revoked)
            return len(items)

        return run

    # The cached variant: a working set of distinct tokens, each validated once to fill the cache, then
    # validated over and over (round-robin, so every call is a hit on a different entry).
    working_set = batches[0][:1_000]
    cached_validator = KsValidator()
    for text in working_set:
        cached_validator.validate(text, secrets, ORIGIN, is_revoked)
    repeats = max(1, int(args.tokens) * 5 // len(working_set))

    def cached(_round: int) -> Callable[[], int]:
        validate = cached_validator.validate

        def run() -> int:
            for _ in range(repeats):
                for text in working_set:
                    validate(text, secrets, ORIGIN, is_revoked)
            return repeats * len(working_set)

        return run

    # Sanity: every variant accepts every token, and the validator reads the fields back.
    for text in batches[0][: len(PROFILES)]:
        ks = KsValidator(cache_size=0).validate(text, secrets, ORIGIN, is_revoked)
        assert ks.partner_id == PARTNER_ID and ks.valid_until > time.time(), ks
    floor(0)()
    floor_reused(0)()

    variants: dict[str, Callable[[int], Callable[[], int]]] = {
        "floor": floor,
        "uncached": uncached,
        "cached": cached,
        "floor_reused": floor_reused,
        "base64": base64_split,
    }
    samples: dict[str, list[float]] = {name: [] for name in variants}
    order = list(variants)
    for round_ in range(args.rounds):
        # Alternate the order every round so no variant always runs first (or right after another).
        for name in order if round_ % 2 == 0 else reversed(order):
            samples[name].append(timed(variants[name](round_)))

    median = {name: statistics.median(values) for name, values in samples.items()}
    spread = {name: (min(values), max(values)) for name, values in samples.items()}
    print(
        f"KS v2 validation, {args.tokens} distinct tokens per round, {args.rounds} interleaved rounds, "
        f"median per token (min–max); Python {sys.version.split()[0]}"
    )
    print(
        f"  tokens: {len(PROFILES)} privilege profiles in turn (KMC admin, '*', player sview, widget, "
        "app-token sessionid, per-entry + actionslimit, iprestrict + urirestrict); a distinct user per token"
    )
    print("  revocation: in-memory set lookup of the KS id (in the server a DB query: see benchmarks/api.py)")
    labels = {
        "floor": "floor (AES-128-CBC decrypt + SHA1 check)",
        "uncached": "uncached validate (cache_size=0)",
        "cached": "cached validate (repeated token)",
        "floor_reused": "info: floor with one reused CBC context",
        "base64": "info: base64 decode + split (split_ks)",
    }
    for name in variants:
        low, high = spread[name]
        print(
            f"  {labels[name]:<44} {median[name] * 1e6:8.3f} µs/token"
            f"   ({low * 1e6:.3f}–{high * 1e6:.3f})   {1 / median[name]:>12,.0f} tokens/s"
        )
    uncached_ratio = median["uncached"] / median["floor"]
    cached_speedup = median["floor"] / median["cached"]
    uncached_ok = uncached_ratio <= UNCACHED_TARGET
    cached_ok = cached_speedup >= CACHED_TARGET
    print(
        f"uncached / floor = {uncached_ratio:.2f}x  (target <= {UNCACHED_TARGET}x)  "
        f"{'PASS' if uncached_ok else 'FAIL'}"
    )
    print(
        f"floor / cached   = {cached_speedup:.1f}x  (target >= {CACHED_TARGET:.0f}x)  "
        f"{'PASS' if cached_ok else 'FAIL'}"
    )
    print(
        f"info: uncached / floor with a reused context = {median['uncached'] / median['floor_reused']:.2f}x "
        "(the validator reuses its context; the judged floor builds one per token, as plain use of the "
        "library does)"
    )
    return 0 if (uncached_ok and cached_ok) or not args.strict else 1


if __name__ == "__main__":
    sys.exit(main())
