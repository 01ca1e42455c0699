"""Settings, read from ``KEYFRAME_*`` environment variables. Nothing reads them at import time."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


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
