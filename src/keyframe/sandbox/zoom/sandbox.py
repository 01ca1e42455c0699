"""``ZoomSandbox``: the server, its settings, and the Python control API tests drive it with.

with ZoomSandbox(access_token_ttl=60, time_scale=0.001) as zoom:
    admin = zoom.add_user("admin@example.com")                       # a new account, its owner
    app = zoom.register_app(redirect_uri=..., event_url=...)         # client id, secret, secret token
    meeting = zoom.add_meeting(admin, files=[FileSpec("MP4", 3 * 2**30)])
    zoom.validate_endpoint(app.client_id)                           # Zoom's URL-validation challenge
    zoom.fire_event("recording.completed", meeting)                 # signed POST, Zoom's retries
    zoom.inject_fault(FaultKind.RATE_LIMIT, "/v2/users/*/recordings", retry_after=2)
"""

from __future__ import annotations

import hashlib
import hmac
import random
import secrets
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from types import TracebackType
from typing import Any, Self

from starlette.applications import Starlette
from starlette.middleware import Middleware

from keyframe.sandbox.server import BackgroundServer
from keyframe.sandbox.zoom import api, content, control, downloads, oauth
from keyframe.sandbox.zoom.faults import Fault, FaultBook, FaultKind, FaultMiddleware
from keyframe.sandbox.zoom.oauth import Challenge, TokenSet
from keyframe.sandbox.zoom.requestlog import RequestLog, RequestLogMiddleware, RequestRecord
from keyframe.sandbox.zoom.state import (
    DEFAULT_EXTENSIONS,
    DEFAULT_RECORDING_TYPES,
    RECORDING_PERMISSIONS,
    Account,
    App,
    AppKind,
    DownloadGrant,
    EndpointStatus,
    Meeting,
    RecordingFile,
    User,
    ZoomState,
    iso,
    new_id,
    new_meeting_uuid,
    utcnow,
)
from keyframe.sandbox.zoom.views import event, event_object
from keyframe.sandbox.zoom.webhooks import Attempt, Validation, WebhookSender

# Classic Zoom scopes a recording integration asks for (admin-level app).
DEFAULT_SCOPES = (
    "recording:read:admin",
    "recording:write:admin",
    "user:read:admin",
    "meeting:read:admin",
    "webinar:read:admin",
    "report:read:admin",
    "dashboard_meetings:read:admin",
    "account:read:admin",
)
RECORDING_EVENTS = (
    "recording.completed",
    "recording.transcript_completed",
    "recording.trashed",
    "recording.deleted",
    "recording.recovered",
)


@dataclass(frozen=True)
class ZoomSandboxConfig:
    host: str = "127.0.0.1"
    port: int = 0  # 0: any free port (read ``url`` once started)
    public_url: str | None = None  # the base of the URLs it hands out; default http://host:port
    access_token_ttl: int = 3599  # Zoom: one hour
    refresh_token_ttl: int = 90 * 86_400
    code_ttl: int = 300  # authorization codes: five minutes
    download_token_ttl: int = 86_400  # an event's download_token: 24 hours
    time_scale: float = 1.0  # webhook retry delays are multiplied by this (0.001: 5 minutes → 0.3 s)
    webhook_timeout: float = 3.0  # an endpoint must answer within this many seconds
    require_validation: bool = True  # events go only to endpoints that passed the URL-validation challenge


@dataclass(frozen=True)
class FileSpec:
    """A recording file to create. ``with_id=False`` makes the id-less file Zoom may send for CC or TB."""

    file_type: str
    size: int
    recording_type: str | None = None  # default: Zoom's usual one for the file type
    extension: str | None = None
    status: str = "completed"  # or "processing"
    recording_start: datetime | None = None  # default: the meeting's start (one time slot)
    with_id: bool = True


class EndpointNotValidated(RuntimeError):
    """The app's event endpoint has not passed URL validation, so Zoom would not send it events."""


class ZoomSandbox:
    def __init__(self, config: ZoomSandboxConfig | None = None, **overrides: Any) -> None:
        self.config = replace(config or ZoomSandboxConfig(), **overrides)
        self.state = ZoomState()
        self.faults = FaultBook()
        self.request_log = RequestLog()
        self.webhooks = WebhookSender(self.config.time_scale, self.config.webhook_timeout)
        self.app = Starlette(
            routes=[
                *oauth.routes(self),
                *api.routes(self),
                *downloads.routes(self),
                *control.routes(self),
            ],
            middleware=[
                Middleware(RequestLogMiddleware, log=self.request_log),
                Middleware(FaultMiddleware, book=self.faults),
            ],
        )
        self._server = BackgroundServer(self.app, self.config.host, self.config.port)

    # -- running ---------------------------------------------------------------------------------------

    @property
    def url(self) -> str:
        return (self.config.public_url or self._server.url).rstrip("/")

    def start(self) -> Self:
        self._server.start()
        return self

    def stop(self) -> None:
        self._server.stop()
        self.webhooks.close()

    def serve_forever(self) -> None:
        """Serve in the calling thread until interrupted (the ``keyframe sandbox zoom`` command)."""
        try:
            self._server.run()
        finally:
            self.webhooks.close()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.stop()

    # -- accounts, users, apps -------------------------------------------------------------------------

    def add_account(self, account_id: str | None = None) -> Account:
        with self.state.lock:
            account = Account(account_id or new_id())
            if account.id in self.state.accounts:
                raise ValueError(f"account {account.id} exists")
            self.state.accounts[account.id] = account
            return account

    def add_user(
        self,
        email: str,
        *,
        account_id: str | None = None,
        permissions: Iterable[str] = RECORDING_PERMISSIONS,
        role_name: str = "Admin",
        first_name: str = "Sandbox",
        last_name: str = "User",
        cms_user_id: str = "",
        user_id: str | None = None,
    ) -> User:
        """A user in ``account_id`` (a new account when None; its first user is its owner)."""
        with self.state.lock:
            account = self.state.accounts.get(account_id) if account_id else self.add_account()
            if account is None:
                raise ValueError(f"no account {account_id}")
            if self.find_user(email) is not None:
                raise ValueError(f"a user with e-mail {email} exists")
            user = User(
                id=user_id or new_id(),
                account_id=account.id,
                email=email,
                first_name=first_name,
                last_name=last_name,
                role_name=role_name,
                permissions=list(permissions),
                cms_user_id=cms_user_id,
            )
            self.state.users[user.id] = user
            account.owner_id = account.owner_id or user.id
            return user

    def find_user(self, ident: str) -> User | None:
        """A user by id or e-mail, in any account."""
        with self.state.lock:
            user = self.state.users.get(ident)
            lowered = ident.lower()
            return user or next((u for u in self.state.users.values() if u.email.lower() == lowered), None)

    def register_app(
        self,
        *,
        kind: AppKind = AppKind.OAUTH,
        redirect_uri: str | Iterable[str] = (),
        event_url: str | None = None,
        deauthorization_url: str | None = None,
        account_id: str | None = None,
        scopes: Iterable[str] = DEFAULT_SCOPES,
        events: Iterable[str] | None = None,
        client_id: str | None = None,
        client_secret: str | None = None,
        secret_token: str | None = None,
    ) -> App:
        """An app as its developer registers it on the Marketplace. A Server-to-Server app needs the
        ``account_id`` it belongs to."""
        if kind is AppKind.S2S and account_id is None:
            raise ValueError("a Server-to-Server app belongs to an account: give account_id")
        with self.state.lock:
            if account_id is not None and account_id not in self.state.accounts:
                raise ValueError(f"no account {account_id}")
            app = App(
                client_id=client_id or new_id(),
                client_secret=client_secret or secrets.token_urlsafe(24),
                kind=kind,
                redirect_uris=[redirect_uri] if isinstance(redirect_uri, str) else list(redirect_uri),
                secret_token=secret_token or secrets.token_urlsafe(16),
                event_url=event_url,
                deauthorization_url=deauthorization_url,
                account_id=account_id,
                scopes=list(scopes),
                events=set(events) if events is not None else None,
                installed_accounts={account_id} if account_id else set(),
            )
            if app.client_id in self.state.apps:
                raise ValueError(f"app {app.client_id} exists")
            self.state.apps[app.client_id] = app
            return app

    def update_app(self, client_id: str, *, event_url: str | None = None) -> App:
        """Change the event endpoint; as at Zoom, it must pass validation again."""
        with self.state.lock:
            app = self._app(client_id)
            app.event_url = event_url
            app.endpoint_status = EndpointStatus.UNVALIDATED
            return app

    # -- OAuth shortcuts -------------------------------------------------------------------------------

    def authorize(
        self,
        client_id: str,
        user: User | str,
        redirect_uri: str | None = None,
        code_challenge: str | None = None,
        code_challenge_method: str | None = None,
    ) -> str:
        """What approving the authorize page does: an authorization code (without the HTTP round trip)."""
        with self.state.lock:
            app = self._app(client_id)
            uri = redirect_uri or (app.redirect_uris[0] if app.redirect_uris else "")
            if uri not in app.redirect_uris:
                raise ValueError("the redirect URI is not registered for the app")
            challenge = Challenge(code_challenge, code_challenge_method)
            return oauth.approve(self, app, uri, self._user(user), challenge)

    def issue_tokens(self, client_id: str, user: User | str | None = None) -> TokenSet:
        """Tokens as the token endpoint would give them: a user's (OAuth app) or the account's (S2S)."""
        with self.state.lock:
            app = self._app(client_id)
            if app.kind is AppKind.S2S:
                assert app.account_id is not None
                return oauth.account_credentials(self, app, app.account_id)
            code = self.authorize(client_id, self._user(user or ""))
            return oauth.exchange_code(self, app, code, self.state.codes[code].redirect_uri, None)

    def expire_access_tokens(self) -> None:
        """Every access token issued so far expires now (refresh tokens keep working)."""
        with self.state.lock:
            self.state.expire_access_tokens()

    # -- meetings and recordings -----------------------------------------------------------------------

    def add_meeting(
        self,
        host: User | str,
        *,
        files: Iterable[FileSpec] = (FileSpec("MP4", 10_000_000),),
        topic: str = "Sandbox meeting",
        type: int = 2,  # 1, 2, 3, 4, 8 meetings; 5, 6, 9 webinars
        start_time: datetime | None = None,
        duration: int = 30,
        uuid: str | None = None,
        meeting_id: int | None = None,
        password: str = "",
        alternative_hosts: Iterable[str] = (),
        tracking_fields: Iterable[dict[str, str]] = (),
    ) -> Meeting:
        """A meeting instance with cloud recording files. ``meeting_id`` shared by several instances makes a
        recurring meeting; ``uuid`` may be given to test UUIDs with ``/``."""
        with self.state.lock:
            user = self._user(host)
            start = start_time or utcnow() - timedelta(minutes=duration + 5)
            meeting = Meeting(
                uuid=uuid or new_meeting_uuid(),
                id=meeting_id or random.randrange(10**9, 10**11),  # noqa: S311 - an id, not a secret
                account_id=user.account_id,
                host_id=user.id,
                topic=topic,
                type=type,
                start_time=start,
                duration=duration,
                files=[],
                password=password,
                alternative_hosts=list(alternative_hosts),
                tracking_fields=list(tracking_fields),
            )
            if meeting.uuid in self.state.meetings:
                raise ValueError(f"meeting {meeting.uuid} exists")
            for spec in files:
                begin = spec.recording_start or start
                file = RecordingFile(
                    key=new_id(32),
                    id=new_id(36) if spec.with_id else None,
                    file_type=spec.file_type,
                    file_extension=spec.extension or DEFAULT_EXTENSIONS.get(spec.file_type, spec.file_type),
                    size=spec.size,
                    recording_type=spec.recording_type or DEFAULT_RECORDING_TYPES.get(spec.file_type),
                    recording_start=begin,
                    recording_end=begin + timedelta(minutes=duration),
                    status=spec.status,
                )
                meeting.files.append(file)
                self.state.files[file.key] = (meeting, file)
            self.state.meetings[meeting.uuid] = meeting
            return meeting

    def meeting(self, uuid: str) -> Meeting:
        with self.state.lock:
            return self.state.meetings[uuid]

    def file_bytes(self, file: RecordingFile, start: int = 0, end: int | None = None) -> bytes:
        """What downloading ``file`` (or bytes ``[start, end)`` of it) must give."""
        return content.read(file.seed, file.file_extension, file.size, start, end)

    def remove_files(
        self, meeting: Meeting, files: list[RecordingFile], *, permanently: bool, by: User | None = None
    ) -> None:
        """Move files to the trash, or delete them for good, and tell subscribed apps (as the API does)."""
        with self.state.lock:
            now = utcnow()
            for file in files:
                if permanently:
                    meeting.files.remove(file)
                    del self.state.files[file.key]
                else:
                    file.deleted_time = now
            if not meeting.files:
                del self.state.meetings[meeting.uuid]
            self._emit("recording.deleted" if permanently else "recording.trashed", meeting, files, by)

    def recover_files(self, meeting: Meeting, files: list[RecordingFile], *, by: User | None = None) -> None:
        with self.state.lock:
            for file in files:
                file.deleted_time = None
            self._emit("recording.recovered", meeting, files, by)

    # -- events ----------------------------------------------------------------------------------------

    def validate_endpoint(self, client_id: str) -> Validation:
        """Send the app's event endpoint Zoom's URL-validation challenge (as when the URL is saved, and
        every 72 hours); events reach it only after it answers correctly."""
        with self.state.lock:
            app = self._app(client_id)
            if not app.event_url:
                raise ValueError(f"app {client_id} has no event endpoint")
            url, token = app.event_url, app.secret_token
        result = self.webhooks.validate(client_id, url, token)
        with self.state.lock:
            app.endpoint_status = EndpointStatus.VALIDATED if result.ok else EndpointStatus.FAILED
        return result

    def fire_event(
        self,
        name: str,
        meeting: Meeting | str,
        *,
        client_id: str | None = None,
        file_types: Iterable[str] | None = None,
    ) -> list[str]:
        """Send a recording event about ``meeting`` to the apps installed on its account (or only to
        ``client_id``). Returns the event ids (``x-zm-trackingid``) queued."""
        if name not in RECORDING_EVENTS:
            raise ValueError(
                f"unknown event {name!r}; use one of {', '.join(RECORDING_EVENTS)} or deauthorize()"
            )
        with self.state.lock:
            found = self.state.meetings[meeting] if isinstance(meeting, str) else meeting
            if name == "recording.trashed":
                files = found.trashed_files()
            elif name == "recording.transcript_completed":
                files = [f for f in found.live_files() if f.file_type == "TRANSCRIPT"]
            else:
                files = found.live_files()
            if file_types is not None:
                wanted = set(file_types)
                files = [f for f in files if f.file_type in wanted]
            if client_id is not None:
                app = self._app(client_id)
                if self.config.require_validation and app.endpoint_status is not EndpointStatus.VALIDATED:
                    raise EndpointNotValidated(f"app {client_id}: call validate_endpoint() first")
            return self._emit(name, found, files, None, only=client_id)

    def deauthorize(self, client_id: str, account_id: str, user_id: str | None = None) -> str | None:
        """The account uninstalls the app: its tokens stop working and ``app_deauthorized`` goes to the
        app's deauthorization endpoint. Returns the event id, or None when the app has no such endpoint."""
        with self.state.lock:
            app = self._app(client_id)
            for tokens in (self.state.access_tokens, self.state.refresh_tokens):
                for token in [
                    t for t, g in tokens.items() if g.client_id == client_id and g.account_id == account_id
                ]:
                    del tokens[token]
            app.installed_accounts.discard(account_id)
            if not app.deauthorization_url:
                return None
            when = iso(utcnow())
            user = user_id or self.state.accounts[account_id].owner_id or ""
            # Zoom documents ``signature`` as an opaque value; this one is an HMAC with the client secret.
            mark = hmac.new(
                app.client_secret.encode(), f"{account_id}:{user}:{when}".encode(), hashlib.sha256
            )
            payload = {
                "account_id": account_id,
                "user_id": user,
                "signature": mark.hexdigest(),
                "deauthorization_time": when,
                "client_id": client_id,
            }
            return self.webhooks.send(
                client_id, app.deauthorization_url, app.secret_token, event("app_deauthorized", payload)
            )

    def _emit(
        self,
        name: str,
        meeting: Meeting,
        files: list[RecordingFile],
        by: User | None,
        only: str | None = None,
    ) -> list[str]:
        host = self.state.users.get(meeting.host_id)
        body = event_object(meeting, files, host, self.url)
        ids = []
        for app in list(self.state.apps.values()):
            if only is not None and app.client_id != only:
                continue
            if (
                meeting.account_id not in app.installed_accounts
                or not app.event_url
                or not app.subscribed(name)
            ):
                continue
            if self.config.require_validation and app.endpoint_status is not EndpointStatus.VALIDATED:
                continue
            payload: dict[str, Any] = {"account_id": meeting.account_id, "object": body}
            extra: dict[str, Any] = {}
            if name in ("recording.completed", "recording.transcript_completed"):
                token = secrets.token_urlsafe(32)
                expires = utcnow() + timedelta(seconds=self.config.download_token_ttl)
                self.state.download_tokens[token] = DownloadGrant(meeting.uuid, expires)
                extra["download_token"] = token
            else:
                operator = by or host
                payload.update(
                    operator=operator.email if operator else "", operator_id=operator.id if operator else ""
                )
            ids.append(
                self.webhooks.send(
                    app.client_id, app.event_url, app.secret_token, event(name, payload, **extra)
                )
            )
        return ids

    # -- faults and records ----------------------------------------------------------------------------

    def inject_fault(self, kind: FaultKind | str, path: str = "*", **options: Any) -> Fault:
        """Fail the next ``count`` (default 1) requests whose path matches ``path`` (see ``faults``)."""
        return self.faults.add(Fault(FaultKind(kind), path, **options))

    def clear_faults(self) -> None:
        self.faults.clear()

    def requests(self, path: str | None = None) -> list[RequestRecord]:
        """The request log (control API calls excluded), optionally only paths starting with ``path``."""
        records = self.request_log.records()
        return [r for r in records if path is None or r.path.startswith(path)]

    def deliveries(self, event_name: str | None = None) -> list[Attempt]:
        """Every POST the webhook sender made, URL validations included, in the order they were made."""
        return [a for a in self.webhooks.attempts() if event_name is None or a.event == event_name]

    def wait_for_deliveries(self, timeout: float = 10.0) -> bool:
        """Block until every queued event was delivered or dropped after its last retry."""
        return self.webhooks.wait_idle(timeout)

    # -- helpers ---------------------------------------------------------------------------------------

    def _app(self, client_id: str) -> App:
        app = self.state.apps.get(client_id)
        if app is None:
            raise KeyError(f"no app {client_id}")
        return app

    def _user(self, user: User | str) -> User:
        found = self.find_user(user.id if isinstance(user, User) else user)
        if found is None:
            raise KeyError(f"no user {user}")
        return found
