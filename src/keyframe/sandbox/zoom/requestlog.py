"""The request log: what clients asked the sandbox, for tests to assert on (which calls, in which order,
with which query parameters and kind of credential), without ever holding a secret or token."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from urllib.parse import parse_qsl

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from keyframe.sandbox.zoom.faults import CONTROL_PREFIX

# Query parameters whose values are credentials; the log keeps the name and drops the value.
SECRET_PARAMETERS = frozenset(
    {"access_token", "code", "refresh_token", "client_secret", "code_verifier", "download_access_token"}
)
REDACTED = "***"
MAX_ENTRIES = 10_000  # a long-running sandbox keeps the newest


@dataclass(frozen=True)
class RequestRecord:
    at: float  # wall-clock seconds
    method: str
    path: str  # as sent, still percent-encoded (so double encoding is visible)
    query: dict[str, str]
    status: int
    credential: str  # "bearer", "basic", "query" (access_token parameter) or "none"
    note: str = ""  # what the route adds, e.g. the OAuth grant type
    fault: str = ""  # the injected fault that answered, if any

    def as_json(self) -> dict[str, object]:
        return {
            "at": self.at,
            "method": self.method,
            "path": self.path,
            "query": self.query,
            "status": self.status,
            "credential": self.credential,
            "note": self.note,
            "fault": self.fault,
        }


class RequestLog:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._records: list[RequestRecord] = []

    def add(self, record: RequestRecord) -> None:
        with self._lock:
            self._records.append(record)
            del self._records[:-MAX_ENTRIES]

    def records(self) -> list[RequestRecord]:
        with self._lock:
            return list(self._records)

    def clear(self) -> None:
        with self._lock:
            self._records.clear()


def _credential(scope: Scope, query: dict[str, str]) -> str:
    headers = dict(scope["headers"])
    scheme: bytes = headers.get(b"authorization", b"").split(b" ", 1)[0].lower()
    if scheme in (b"bearer", b"basic"):
        return scheme.decode()
    return "query" if "access_token" in query else "none"


class RequestLogMiddleware:
    def __init__(self, app: ASGIApp, log: RequestLog) -> None:
        self.app = app
        self.log = log

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].startswith(CONTROL_PREFIX):
            await self.app(scope, receive, send)
            return
        status = 0

        async def recording_send(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        state = scope.setdefault("state", {})
        try:
            await self.app(scope, receive, recording_send)
        finally:
            query = {
                name: REDACTED if name in SECRET_PARAMETERS else value
                for name, value in parse_qsl(scope["query_string"].decode("latin-1"), keep_blank_values=True)
            }
            self.log.add(
                RequestRecord(
                    at=time.time(),
                    method=scope["method"],
                    path=scope.get("raw_path", scope["path"].encode()).decode("latin-1"),
                    query=query,
                    status=status,
                    credential=_credential(scope, query),
                    note=str(state.get("log_note", "")),
                    fault=str(state.get("fault", "")),
                )
            )
