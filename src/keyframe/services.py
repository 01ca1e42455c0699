"""The long-lived parts one Keyframe process shares, built once by ``create_app`` or the CLI."""

from __future__ import annotations

from dataclasses import dataclass

from keyframe.auth.ks_validation import KsValidator
from keyframe.config import Settings
from keyframe.db import Database
from keyframe.storage import Storage, StorageConfig, open_storage


@dataclass
class Services:
    settings: Settings
    db: Database
    ks_validator: KsValidator
    storage: Storage

    @classmethod
    def create(cls, settings: Settings) -> Services:
        return cls(
            settings=settings,
            db=Database(settings.resolved_database_url()),
            ks_validator=KsValidator(settings.ks_cache_size),
            storage=open_storage(StorageConfig.from_settings(settings)),
        )

    def close(self) -> None:
        self.storage.close()
        self.db.dispose()
