"""What the Zoom sandbox knows: accounts, users, apps, meetings with their recording files, and the
credentials it has issued. Plain data in memory, guarded by one lock (routes and the webhook sender run on
different threads)."""

from __future__ import annotations

import base64
import secrets
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import StrEnum

# Zoom's role permissions that a recording integration asks for (``GET /users/{id}/permissions``).
RECORDING_PERMISSIONS = ("Recording:Read", "Recording:Edit")

# The ``recording_type`` a file gets when the test does not say; Zoom's documented values.
DEFAULT_RECORDING_TYPES = {
    "MP4": "shared_screen_with_speaker_view",
    "M4A": "audio_only",
    "TRANSCRIPT": "audio_transcript",
    "CC": "closed_caption",
    "CHAT": "chat_file",
    "CSV": "poll",
}
DEFAULT_EXTENSIONS = {
    "MP4": "MP4",
    "M4A": "M4A",
    "TRANSCRIPT": "VTT",
    "CC": "VTT",
    "CHAT": "TXT",
    "CSV": "CSV",
    "TB": "JSON",
}


class AppKind(StrEnum):
    OAUTH = "oauth"  # a Marketplace OAuth app: authorization code + rotating refresh tokens
    S2S = "s2s"  # a Server-to-Server OAuth app bound to one account: account_credentials grant


class EndpointStatus(StrEnum):
    UNVALIDATED = "unvalidated"
    VALIDATED = "validated"
    FAILED = "failed"


def utcnow() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


def iso(moment: datetime) -> str:
    """Zoom's timestamp form: ``2024-05-01T10:00:05Z``."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def new_meeting_uuid() -> str:
    """An instance UUID as Zoom makes them: 16 random bytes in base64, so it may hold ``/``, ``+``, ``=``."""
    return base64.b64encode(secrets.token_bytes(16)).decode()


def new_id(length: int = 22) -> str:
    return secrets.token_urlsafe(length)[:length]


@dataclass
class Account:
    id: str
    owner_id: str | None = None  # the first user added: ``me`` for a Server-to-Server token


@dataclass
class User:
    id: str
    account_id: str
    email: str
    first_name: str = "Sandbox"
    last_name: str = "User"
    role_name: str = "Member"
    permissions: list[str] = field(default_factory=list)
    cms_user_id: str = ""
    type: int = 2  # licensed

    def as_json(self) -> dict[str, object]:
        return {
            "id": self.id,
            "first_name": self.first_name,
            "last_name": self.last_name,
            "display_name": f"{self.first_name} {self.last_name}",
            "email": self.email,
            "type": self.type,
            "role_name": self.role_name,
            "account_id": self.account_id,
            "cms_user_id": self.cms_user_id,
            "status": "active",
            "timezone": "UTC",
        }


@dataclass
class App:
    client_id: str
    client_secret: str
    kind: AppKind
    redirect_uris: list[str] = field(default_factory=list)
    secret_token: str = ""  # keys webhook signatures and URL validation
    event_url: str | None = None
    deauthorization_url: str | None = None
    account_id: str | None = None  # Server-to-Server apps belong to one account
    scopes: list[str] = field(default_factory=list)
    events: set[str] | None = None  # subscribed events; None: all
    installed_accounts: set[str] = field(default_factory=set)
    endpoint_status: EndpointStatus = EndpointStatus.UNVALIDATED

    def subscribed(self, event: str) -> bool:
        return self.events is None or event in self.events


@dataclass
class RecordingFile:
    key: str  # the sandbox's own handle: in download URLs and the seed of the file's bytes
    id: str | None  # Zoom's id; a CC or TB file may have none
    file_type: str
    file_extension: str
    size: int
    recording_type: str | None
    recording_start: datetime
    recording_end: datetime
    status: str = "completed"
    deleted_time: datetime | None = None  # set while in the trash

    @property
    def seed(self) -> str:
        return self.id or self.key


@dataclass
class Meeting:
    """One meeting instance (a ``uuid``); instances of a recurring meeting share the numeric ``id``."""

    uuid: str
    id: int
    account_id: str
    host_id: str
    topic: str
    type: int
    start_time: datetime
    duration: int  # minutes
    files: list[RecordingFile]
    password: str = ""
    alternative_hosts: list[str] = field(default_factory=list)
    tracking_fields: list[dict[str, str]] = field(default_factory=list)
    share_key: str = field(default_factory=new_id)

    def live_files(self) -> list[RecordingFile]:
        return [f for f in self.files if f.deleted_time is None]

    def trashed_files(self) -> list[RecordingFile]:
        return [f for f in self.files if f.deleted_time is not None]


@dataclass
class AuthCode:
    client_id: str
    redirect_uri: str
    user_id: str
    expires_at: datetime
    code_challenge: str | None = None
    code_challenge_method: str | None = None


@dataclass
class Grant:
    """Who a token speaks for. ``user_id`` None: a Server-to-Server (account-level) token."""

    client_id: str
    account_id: str
    user_id: str | None
    scopes: list[str]
    expires_at: datetime


@dataclass
class DownloadGrant:
    """A ``download_token`` (from an event) or ``download_access_token``: downloads of one meeting only."""

    meeting_uuid: str
    expires_at: datetime


@dataclass
class PageCursor:
    query: tuple[str, ...]  # the listing the token belongs to: another listing cannot use it
    offset: int
    expires_at: datetime


class ZoomState:
    """Everything above, keyed for the look-ups the routes make. Hold ``lock`` while reading or changing."""

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.accounts: dict[str, Account] = {}
        self.users: dict[str, User] = {}
        self.apps: dict[str, App] = {}
        self.meetings: dict[str, Meeting] = {}
        self.files: dict[str, tuple[Meeting, RecordingFile]] = {}
        self.codes: dict[str, AuthCode] = {}
        self.access_tokens: dict[str, Grant] = {}
        self.refresh_tokens: dict[str, Grant] = {}
        self.download_tokens: dict[str, DownloadGrant] = {}
        self.page_cursors: dict[str, PageCursor] = {}

    def user_by_id_or_email(self, account_id: str, ident: str) -> User | None:
        user = self.users.get(ident)
        if user is None:
            lowered = ident.lower()
            user = next((u for u in self.users.values() if u.email.lower() == lowered), None)
        return user if user is not None and user.account_id == account_id else None

    def latest_instance(self, meeting_id: int) -> Meeting | None:
        instances = [m for m in self.meetings.values() if m.id == meeting_id]
        return max(instances, key=lambda m: m.start_time) if instances else None

    def expire_access_tokens(self) -> None:
        past = utcnow() - timedelta(seconds=1)
        for grant in self.access_tokens.values():
            grant.expires_at = past
