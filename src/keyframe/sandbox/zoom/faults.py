"""Fault injection: make chosen requests fail the way Zoom's do, so clients' retry and recovery paths run.

A fault targets requests by path pattern (``fnmatch``: ``*`` also matches ``/``) and optionally method, and
fires for the next ``count`` matching requests (None: until cleared). Kinds:

- ``rate_limit``: HTTP 429 with Zoom's body and ``X-RateLimit-*`` headers, and ``Retry-After`` in seconds,
  as an HTTP date, or as the ISO date-time Zoom sends for daily limits;
- ``invalid_token``: HTTP 401 with Zoom's code 124, as for a revoked or expired token;
- ``server_error``: an HTTP 5xx;
- ``reset``: the response starts normally but the connection closes after ``after_bytes`` body bytes.
"""

from __future__ import annotations

import fnmatch
import itertools
import json
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from enum import StrEnum

from starlette.types import ASGIApp, Message, Receive, Scope, Send

CONTROL_PREFIX = "/_sandbox"


class FaultKind(StrEnum):
    RATE_LIMIT = "rate_limit"
    INVALID_TOKEN = "invalid_token"  # noqa: S105 - a fault name, not a credential
    SERVER_ERROR = "server_error"
    RESET = "reset"


class RetryAfterFormat(StrEnum):
    SECONDS = "seconds"
    HTTP_DATE = "http-date"
    ISO = "iso"  # what Zoom sends when a daily limit is reached, e.g. 2020-05-31T00:00:00Z


_ids = itertools.count(1)


@dataclass
class Fault:
    kind: FaultKind
    path: str = "*"
    method: str | None = None
    count: int | None = 1  # None: every matching request until cleared
    retry_after: int = 1  # seconds (rate_limit)
    retry_after_format: RetryAfterFormat = RetryAfterFormat.SECONDS
    daily: bool = False  # rate_limit: the daily limit rather than the per-second one
    status: int = 503  # server_error
    after_bytes: int = 0  # reset
    id: int = field(default_factory=lambda: next(_ids))
    hits: int = 0

    def matches(self, method: str, path: str) -> bool:
        if self.method is not None and self.method.upper() != method:
            return False
        return fnmatch.fnmatchcase(path, self.path)

    def as_json(self) -> dict[str, object]:
        return {
            "id": self.id,
            "kind": self.kind.value,
            "path": self.path,
            "method": self.method,
            "count": self.count,
            "hits": self.hits,
        }


class FaultBook:
    """The faults in force; ``take`` picks the first one matching a request and uses one of its count."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._faults: list[Fault] = []

    def add(self, fault: Fault) -> Fault:
        with self._lock:
            self._faults.append(fault)
        return fault

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()

    def list(self) -> list[Fault]:
        with self._lock:
            return list(self._faults)

    def take(self, method: str, path: str) -> Fault | None:
        with self._lock:
            for fault in self._faults:
                if fault.matches(method, path):
                    fault.hits += 1
                    if fault.count is not None:
                        fault.count -= 1
                        if fault.count <= 0:
                            self._faults.remove(fault)
                    return fault
        return None


def rate_limit_headers(fault: Fault, now: datetime | None = None) -> list[tuple[bytes, bytes]]:
    moment = (now or datetime.now(UTC)).replace(microsecond=0) + timedelta(seconds=fault.retry_after)
    if fault.retry_after_format is RetryAfterFormat.HTTP_DATE:
        retry_after = format_datetime(moment, usegmt=True)
    elif fault.retry_after_format is RetryAfterFormat.ISO:
        retry_after = moment.strftime("%Y-%m-%dT%H:%M:%SZ")
    else:
        retry_after = str(fault.retry_after)
    return [
        (b"x-ratelimit-category", b"Medium"),
        (b"x-ratelimit-type", b"Daily-limit" if fault.daily else b"QPS"),
        (b"x-ratelimit-limit", b"2000" if fault.daily else b"20"),
        (b"x-ratelimit-remaining", b"0"),
        (b"retry-after", retry_after.encode()),
    ]


def _error_body(fault: Fault) -> tuple[int, dict[str, object]]:
    if fault.kind is FaultKind.RATE_LIMIT:
        message = (
            "You have reached the maximum daily rate limit for this API. "
            "You may resume these requests at GMT 00:00:00."
            if fault.daily
            else "You have reached the maximum per-second rate limit for this API. Try again later."
        )
        return 429, {"code": 429, "message": message}
    if fault.kind is FaultKind.INVALID_TOKEN:
        return 401, {"code": 124, "message": "Invalid access token."}
    return fault.status, {"code": fault.status, "message": "Internal server error. Try again later."}


class FaultMiddleware:
    """Applies the book's faults to every request except the control API."""

    def __init__(self, app: ASGIApp, book: FaultBook) -> None:
        self.app = app
        self.book = book

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].startswith(CONTROL_PREFIX):
            await self.app(scope, receive, send)
            return
        fault = self.book.take(scope["method"], scope["path"])
        if fault is None:
            await self.app(scope, receive, send)
            return
        scope.setdefault("state", {})["fault"] = f"{fault.kind.value}#{fault.id}"
        if fault.kind is FaultKind.RESET:
            await self._reset_after(fault.after_bytes, scope, receive, send)
            return
        status, body = _error_body(fault)
        headers = [(b"content-type", b"application/json;charset=UTF-8")]
        if fault.kind is FaultKind.RATE_LIMIT:
            headers += rate_limit_headers(fault)
        payload = json.dumps(body).encode()
        headers.append((b"content-length", str(len(payload)).encode()))
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": payload})

    async def _reset_after(self, limit: int, scope: Scope, receive: Receive, send: Send) -> None:
        """Pass the response through until ``limit`` body bytes, then stop without finishing it: the server
        closes the connection, and the client sees a body shorter than its ``Content-Length``."""
        sent = 0

        class Cut(Exception):
            pass

        async def cutting_send(message: Message) -> None:
            nonlocal sent
            if message["type"] != "http.response.body":
                await send(message)
                return
            body: bytes = message.get("body", b"")
            room = limit - sent
            if len(body) >= room:
                if room > 0:
                    await send({"type": "http.response.body", "body": body[:room], "more_body": True})
                raise Cut
            sent += len(body)
            await send(message)

        # Returning with the response unfinished makes uvicorn close the connection. A streaming response
        # may deliver the exception inside an exception group.
        try:
            await self.app(scope, receive, cutting_send)
        except (Cut, BaseExceptionGroup) as error:
            if isinstance(error, BaseExceptionGroup) and error.split(Cut)[1] is not None:
                raise
