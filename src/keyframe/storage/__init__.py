"""Where media bytes live: local files under the data directory (the default) or an S3-compatible store.

``open_storage(StorageConfig.from_settings(settings))`` picks the backend; everything else uses the
``Storage`` interface and relative keys such as ``p/100/entries/0_abcd1234/source``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from keyframe.storage.base import (
    ReadStream,
    Storage,
    StorageError,
    StorageNotFound,
    StoredObject,
    validate_key,
)
from keyframe.storage.local import LocalStorage

__all__ = [
    "LocalStorage",
    "ReadStream",
    "Storage",
    "StorageConfig",
    "StorageError",
    "StorageNotFound",
    "StoredObject",
    "open_storage",
    "validate_key",
]


@dataclass(frozen=True)
class StorageConfig:
    """What chooses and configures the backend.

    ``storage_url``: ``None`` (files under ``<data_dir>/storage``), ``file:///absolute/dir`` or
    ``s3://bucket/optional/prefix``. The ``s3_*`` values apply to ``s3://`` only; ``None`` credentials
    mean boto3's usual chain (environment variables, config files, instance roles).
    """

    data_dir: Path = Path("var")
    storage_url: str | None = None
    s3_endpoint_url: str | None = None
    s3_region: str | None = None
    s3_access_key_id: str | None = None
    s3_secret_access_key: str | None = field(default=None, repr=False)

    @classmethod
    def from_settings(cls, settings: Any) -> StorageConfig:
        """From ``keyframe.config.Settings`` (fields it does not have yet count as unset)."""

        def opt(name: str) -> str | None:
            value = getattr(settings, name, None)
            if value is None:
                return None
            # pydantic's SecretStr
            reveal = getattr(value, "get_secret_value", None)
            return str(reveal() if callable(reveal) else value) or None

        return cls(
            data_dir=Path(settings.data_dir),
            storage_url=opt("storage_url"),
            s3_endpoint_url=opt("s3_endpoint_url"),
            s3_region=opt("s3_region"),
            s3_access_key_id=opt("s3_access_key_id"),
            s3_secret_access_key=opt("s3_secret_access_key"),
        )


def open_storage(config: StorageConfig) -> Storage:
    """The backend ``config`` names. Raises ``ValueError`` for an unusable URL."""
    url = (config.storage_url or "").strip()
    if not url:
        return LocalStorage(config.data_dir / "storage")
    parts = urlsplit(url)
    if parts.scheme == "file":
        if parts.netloc not in ("", "localhost") or not parts.path.startswith("/"):
            raise ValueError("a file storage URL must be file:///absolute/path")
        return LocalStorage(Path(unquote(parts.path)))
    if parts.scheme == "s3":
        if not parts.netloc or "@" in parts.netloc or parts.query or parts.fragment:
            raise ValueError("an S3 storage URL must be s3://bucket or s3://bucket/prefix")
        from keyframe.storage.s3 import S3Config, S3Storage  # boto3 is imported only when used

        return S3Storage(
            S3Config(
                bucket=parts.netloc,
                prefix=unquote(parts.path).strip("/"),
                endpoint_url=config.s3_endpoint_url,
                region=config.s3_region,
                access_key_id=config.s3_access_key_id,
                secret_access_key=config.s3_secret_access_key,
            )
        )
    raise ValueError(f"unknown storage URL scheme {parts.scheme!r} (use s3:// or file://)")
