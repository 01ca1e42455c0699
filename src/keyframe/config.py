"""Settings, read from ``KEYFRAME_*`` environment variables. Nothing reads them at import time."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class ZoomAppCredentials(BaseModel):
    client_id: str
    client_secret: SecretStr


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="KEYFRAME_", extra="ignore")

    # Where the embedded default keeps its SQLite database and files.
    data_dir: Path = Path("var")
    # SQLAlchemy URL; defaults to SQLite under data_dir. PostgreSQL: postgresql+psycopg://user@host/db
    database_url: str | None = None
    # The address users and vendors reach Keyframe at (used in links and printed URLs).
    public_url: str = "http://127.0.0.1:8000"
    host: str = "127.0.0.1"
    port: int = 8000

    # KS handling
    ks_cache_size: int = Field(default=10_000, ge=0)
    default_ks_expiry: int = Field(default=86_400, gt=0)

    # Request limits: bodies that are not multipart uploads must fit in memory.
    max_body_bytes: int = Field(default=10 * 1024 * 1024, gt=0)
    # The largest uploaded file (FILE_SIZE_EXCEEDED beyond it): an upload token's declared size, where any
    # of its chunks may end, and any file part of an api_v3 request. It bounds what one upload can put on
    # the disk; long recordings make large files, hence 20 GiB.
    max_file_bytes: int = Field(default=20 * 1024**3, gt=0)

    # partner.register over HTTP is closed unless an operator opens it (the CLI always may register).
    allow_public_registration: bool = False

    # Forwarded-for headers are trusted only from these proxy addresses (for iprestrict and audit).
    trusted_proxies: list[str] = Field(default_factory=list)

    # Media storage: unset = files under data_dir/storage; or s3://bucket/prefix, or file:///dir.
    storage_url: str | None = None
    s3_endpoint_url: str | None = None  # MinIO and other S3-compatible stores (path-style addressing)
    s3_region: str | None = None  # us-east-1 when an endpoint is set
    s3_access_key_id: str | None = None  # unset: boto3's usual credential chain
    s3_secret_access_key: SecretStr | None = None

    # Background jobs. Unset queue_url: Huey keeps its queue in SQLite under data_dir and `keyframe serve`
    # works it in-process; redis://host:port/db: `keyframe worker` processes do the work, serve only enqueues.
    queue_url: str | None = None
    queue_name: str = "keyframe"  # the queue's key prefix in Redis: distinct per installation sharing one
    jobs_concurrency: int = Field(default=2, ge=1)  # worker threads of the embedded consumer
    jobs_lease_seconds: float = Field(default=60, gt=0)  # a running job's lease; heartbeats renew it
    jobs_sweep_seconds: float = Field(default=15, gt=0)  # how often lost and due jobs are enqueued again
    jobs_poll_seconds: float = Field(default=0.5, gt=0)  # longest wait of an idle worker on the SQLite queue
    jobs_shutdown_seconds: float = Field(default=30, ge=0)  # running jobs may finish; then they are released
    # Recurring jobs: kind → seconds between runs, overriding the kind's default; 0 turns one off.
    jobs_schedule: dict[str, float] = Field(default_factory=dict)
    # /metrics: with a token, only `Authorization: Bearer <token>`; without one, only loopback callers.
    metrics_token: SecretStr | None = None

    # Media entries. KalturaUrlResource fetches: only http(s), at most this many bytes, and never to
    # loopback/private/link-local/reserved addresses unless the URL's host is listed here (exact names).
    url_import_max_bytes: int = Field(default=10 * 1024**3, gt=0)
    url_import_allowed_hosts: list[str] = Field(default_factory=list)
    url_import_timeout_seconds: float = Field(default=30, gt=0)  # connect/read timeout, not the whole fetch
    url_import_max_seconds: float = Field(default=4 * 3600, gt=0)  # the whole fetch
    # Content facts: Debian's ffprobe (absent: size and MIME type only); it reads at most probe_max_bytes
    # when the storage has no local file (S3), streamed through a pipe.
    ffprobe_path: str = "/usr/bin/ffprobe"
    probe_max_bytes: int = Field(default=256 * 1024 * 1024, gt=0)
    probe_timeout_seconds: float = Field(default=60, gt=0)

    # Upload tokens: a token with no chunk for this long (and not yet attached to an entry) times out and
    # its bytes are deleted. Upstream keeps partial uploads about a day.
    upload_token_ttl_seconds: int = Field(default=86_400, gt=0)

    # Secrets at rest (Zoom tokens…) are encrypted with a key derived from this; unset, a random key is
    # generated once into <data_dir>/secret.key (mode 0600) and read from there.
    secret_key: SecretStr | None = None

    # Zoom integration (zoom-and-webex.md §1.2): the Marketplace OAuth app Keyframe's operator registers.
    zoom_client_id: str = ""
    zoom_client_secret: SecretStr = SecretStr("")
    zoom_webhook_secret_token: SecretStr = SecretStr("")  # the app's "Secret Token" (v0 signatures)
    zoom_base_url: str = "https://zoom.us"  # /oauth/authorize and /oauth/token
    zoom_api_url: str = "https://api.zoom.us/v2"  # the REST base
    zoom_integration_code_ttl: int = Field(default=86_400, gt=0)  # upstream: 24 h
    zoom_accounts_limit: int = Field(default=3, ge=0)  # per partner unless the partner's own column says
    zoom_token_refresh_grace: int = Field(default=600, ge=0)  # refresh this long before expiry
    zoom_webhook_tolerance: int = Field(default=300, gt=0)  # x-zm-request-timestamp window (Zoom: 5 min)
    zoom_http_timeout: float = Field(default=20, gt=0)
    # Server-to-Server OAuth for on-premises set-ups: "<zoomAccountId>" or "<zoomAccountId>:<partnerId>" →
    # {"client_id": …, "client_secret": …} (JSON in KEYFRAME_ZOOM_S2S_APPS); missing: the app above.
    zoom_s2s_apps: dict[str, ZoomAppCredentials] = Field(default_factory=dict)

    log_level: str = "INFO"

    def resolved_database_url(self) -> str:
        if self.database_url:
            return normalize_database_url(self.database_url)
        return f"sqlite:///{(self.data_dir / 'keyframe.db').resolve()}"


def normalize_database_url(url: str) -> str:
    """Accept ``postgresql://`` and ``postgres://`` and use the psycopg 3 driver for them."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url
