"""Sending events the way Zoom does: signed POSTs, the URL-validation challenge, and Zoom's retries.

Signing (Zoom's ``v0`` scheme): ``x-zm-signature: v0=<hex HMAC-SHA256(secret token, "v0:{ts}:{body}")>``
with ``ts`` the ``x-zm-request-timestamp`` header (epoch seconds) and ``body`` the exact bytes sent.

Delivery succeeds on HTTP 200 or 204 within the timeout (3 s). Otherwise Zoom retries three times: 5
minutes after the first attempt, 20 minutes after the first retry, 60 minutes after the second, then drops
the event. The sandbox keeps that schedule on a scaled clock (``time_scale`` 0.001 makes the 85 minutes take
5.1 s) and records each attempt with its offset on Zoom's clock, so tests assert on the
schedule without measuring time.

Events only go to loopback addresses: a sandbox never sends anything off the machine.
"""

from __future__ import annotations

import hashlib
import heapq
import hmac
import ipaddress
import itertools
import json
import logging
import secrets
import socket
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import httpx

log = logging.getLogger(__name__)

# Seconds after the previous attempt: Zoom's documented retry schedule.
ZOOM_RETRY_DELAYS = (5 * 60, 20 * 60, 60 * 60)
DELIVERED_STATUSES = frozenset({200, 204})
USER_AGENT = "Zoom Marketplace/1.0a"


def signature(secret_token: str, timestamp: str, body: bytes) -> str:
    message = b"v0:" + timestamp.encode() + b":" + body
    return "v0=" + hmac.new(secret_token.encode(), message, hashlib.sha256).hexdigest()


def encrypted_token(secret_token: str, plain_token: str) -> str:
    """What an endpoint must answer to ``endpoint.url_validation``."""
    return hmac.new(secret_token.encode(), plain_token.encode(), hashlib.sha256).hexdigest()


def is_loopback_url(url: str) -> bool:
    host = urlsplit(url).hostname
    if not host:
        return False
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        pass
    try:
        addresses = {info[4][0] for info in socket.getaddrinfo(host, None)}
    except OSError:
        return False
    return bool(addresses) and all(ipaddress.ip_address(str(a).split("%")[0]).is_loopback for a in addresses)


@dataclass(frozen=True)
class Attempt:
    """One POST of an event (or of a URL-validation challenge)."""

    event_id: str
    event: str
    client_id: str
    url: str
    attempt: int  # 1 is the first delivery, 2–4 the retries
    zoom_offset: float  # seconds after the first attempt on Zoom's (unscaled) clock: 0, 300, 1500, 5100
    sent_at: float  # wall clock
    headers: dict[str, str]
    body: bytes
    status: int | None  # None: no HTTP answer (refused, timed out, connection error)
    error: str
    delivered: bool

    def as_json(self) -> dict[str, object]:
        return {
            "eventId": self.event_id,
            "event": self.event,
            "clientId": self.client_id,
            "url": self.url,
            "attempt": self.attempt,
            "zoomOffset": self.zoom_offset,
            "sentAt": self.sent_at,
            "headers": self.headers,
            "body": self.body.decode(),
            "status": self.status,
            "error": self.error,
            "delivered": self.delivered,
        }


@dataclass(frozen=True)
class Validation:
    ok: bool
    reason: str
    attempt: Attempt


@dataclass(order=True)
class _Due:
    at: float  # monotonic
    seq: int
    job: _Job = field(compare=False)


@dataclass
class _Job:
    event_id: str
    event: str
    client_id: str
    url: str
    secret_token: str = field(repr=False)
    body: bytes
    attempt: int = 1
    zoom_offset: float = 0.0


class WebhookSender:
    """A scheduler thread that hands due attempts to a few worker threads."""

    def __init__(self, time_scale: float = 1.0, timeout: float = 3.0, workers: int = 4) -> None:
        self.time_scale = time_scale
        self.timeout = timeout
        self._client = httpx.Client(timeout=timeout, follow_redirects=False, trust_env=False)
        self._pool = ThreadPoolExecutor(workers, thread_name_prefix="sandbox-webhook")
        self._due: list[_Due] = []
        self._seq = itertools.count()
        self._busy = 0  # scheduled plus running attempts
        self._wake = threading.Condition()
        self._attempts: list[Attempt] = []
        self._closed = False
        self._thread = threading.Thread(target=self._schedule, name="sandbox-webhook-clock", daemon=True)
        self._thread.start()

    # -- what callers use --------------------------------------------------------------------------------

    def send(self, client_id: str, url: str, secret_token: str, event: dict[str, Any]) -> str:
        """Queue ``event`` for delivery now; returns its id (the ``x-zm-trackingid``)."""
        job = _Job(uuid.uuid4().hex, str(event["event"]), client_id, url, secret_token, _encode(event))
        with self._wake:
            self._busy += 1
            heapq.heappush(self._due, _Due(time.monotonic(), next(self._seq), job))
            self._wake.notify_all()
        return job.event_id

    def validate(self, client_id: str, url: str, secret_token: str) -> Validation:
        """Send the ``endpoint.url_validation`` challenge now and judge the answer as Zoom does."""
        plain = secrets.token_urlsafe(16)
        event = {"event": "endpoint.url_validation", "payload": {"plainToken": plain}, "event_ts": _ms()}
        job = _Job(uuid.uuid4().hex, "endpoint.url_validation", client_id, url, secret_token, _encode(event))
        attempt, response = self._post(job)
        if response is None:
            return Validation(False, attempt.error, attempt)
        try:
            answer = json.loads(response)
        except ValueError:
            return Validation(False, "the answer is not JSON", attempt)
        if not isinstance(answer, dict) or answer.get("plainToken") != plain:
            return Validation(False, "the answer does not echo plainToken", attempt)
        if not hmac.compare_digest(
            str(answer.get("encryptedToken", "")), encrypted_token(secret_token, plain)
        ):
            return Validation(False, "encryptedToken is not the HMAC of plainToken", attempt)
        return Validation(True, "", attempt)

    def attempts(self) -> list[Attempt]:
        with self._wake:
            return list(self._attempts)

    def clear(self) -> None:
        with self._wake:
            self._attempts.clear()

    def wait_idle(self, timeout: float) -> bool:
        """Block until nothing is scheduled or running (every event delivered or dropped)."""
        with self._wake:
            return self._wake.wait_for(lambda: self._busy == 0, timeout)

    def close(self) -> None:
        with self._wake:
            self._closed = True
            self._wake.notify_all()
        self._thread.join(5)
        self._pool.shutdown(wait=True, cancel_futures=True)
        self._client.close()

    # -- the clock and the workers -----------------------------------------------------------------------

    def _schedule(self) -> None:
        with self._wake:
            while not self._closed:
                if not self._due:
                    self._wake.wait()
                    continue
                wait = self._due[0].at - time.monotonic()
                if wait > 0:
                    self._wake.wait(wait)
                    continue
                job = heapq.heappop(self._due).job
                self._pool.submit(self._deliver, job)

    def _deliver(self, job: _Job) -> None:
        attempt, _ = self._post(job)
        with self._wake:
            if not attempt.delivered and job.attempt <= len(ZOOM_RETRY_DELAYS) and not self._closed:
                delay = ZOOM_RETRY_DELAYS[job.attempt - 1]
                retry = _Job(
                    job.event_id,
                    job.event,
                    job.client_id,
                    job.url,
                    job.secret_token,
                    job.body,
                    job.attempt + 1,
                    job.zoom_offset + delay,
                )
                at = time.monotonic() + delay * self.time_scale
                heapq.heappush(self._due, _Due(at, next(self._seq), retry))
            else:
                self._busy -= 1
            self._wake.notify_all()

    def _post(self, job: _Job) -> tuple[Attempt, bytes | None]:
        """One signed POST. Returns the attempt and, when delivered, the response body."""
        timestamp = str(int(time.time()))
        headers = {
            "content-type": "application/json; charset=utf-8",
            "user-agent": USER_AGENT,
            "clientid": job.client_id,
            "x-zm-request-timestamp": timestamp,
            "x-zm-signature": signature(job.secret_token, timestamp, job.body),
            "x-zm-trackingid": job.event_id,
        }
        sent_at = time.time()
        status: int | None = None
        content: bytes | None = None
        error = ""
        if not is_loopback_url(job.url):
            error = "refused: the sandbox only sends to loopback addresses"
        else:
            started = time.monotonic()
            try:
                response = self._client.post(job.url, content=job.body, headers=headers)
                status, content = response.status_code, response.content
                if time.monotonic() - started > self.timeout:
                    error = f"answered after more than {self.timeout:g} s"
            except httpx.HTTPError as exc:
                error = f"{type(exc).__name__}: {exc}"
        delivered = status in DELIVERED_STATUSES and not error
        if status is not None and not delivered and not error:
            error = f"HTTP {status}"
        attempt = Attempt(
            job.event_id,
            job.event,
            job.client_id,
            job.url,
            job.attempt,
            job.zoom_offset,
            sent_at,
            headers,
            job.body,
            status,
            error,
            delivered,
        )
        with self._wake:
            self._attempts.append(attempt)
        if not delivered:
            log.info(
                "event %s (%s) attempt %d not delivered: %s", job.event, job.event_id, job.attempt, error
            )
        return attempt, content if delivered else None


def _encode(event: dict[str, Any]) -> bytes:
    return json.dumps(event, separators=(",", ":")).encode()


def _ms() -> int:
    return int(time.time() * 1000)
