"""Background work on entries: the ``media.import_url`` job runs ``import_entry_from_url`` for an entry that
``media.addContent`` left in IMPORT with a ``KalturaUrlResource``.

The fetch and the probe run outside any transaction (they may take minutes); the entry is re-read and
locked only to record the outcome, and only if it still waits for the same URL (it may have been deleted or
given other content meanwhile, in which case the fetched bytes are dropped).
"""

from __future__ import annotations

import logging

from keyframe.jobs.kinds import PermanentFailure, RetryLater, job_kind
from keyframe.jobs.runner import JobRun
from keyframe.jobs.service import kind_of
from keyframe.media import facts, service
from keyframe.media.models import EntryStatus, MediaEntry
from keyframe.media.url_import import UrlImportError, UrlRefused, fetch_into_storage
from keyframe.services import Services
from keyframe.storage import StorageError

log = logging.getLogger(__name__)

IMPORT_URL = "media.import_url"


@job_kind(IMPORT_URL, max_attempts=5)
def run_url_import(run: JobRun) -> None:
    """A failed fetch is retried with backoff (the server may be down for a while); a refused URL, or the
    last attempt's failure, leaves the entry in ERROR_IMPORTING."""
    last_attempt = run.attempt >= kind_of(run.kind).max_attempts
    failure = import_failure(run.services, run.subject_id, retry_failures=not last_attempt)
    if failure is not None:
        raise PermanentFailure(failure)  # the job shows why; the entry is in ERROR_IMPORTING


def import_entry_from_url(services: Services, entry_id: str, *, retry_failures: bool = False) -> bool:
    """Fetch the entry's URL into storage, probe it, and make the entry READY (True), or ERROR_IMPORTING
    when the fetch is refused or fails (False). Does nothing (False) if the entry no longer waits.

    With ``retry_failures``, a failure that may pass (not a refusal) raises ``RetryLater`` instead."""
    outcome = _import(services, entry_id, retry_failures=retry_failures)
    return outcome is True


def import_failure(services: Services, entry_id: str, *, retry_failures: bool = False) -> str | None:
    """As ``import_entry_from_url``; returns why the import failed for good, or None."""
    outcome = _import(services, entry_id, retry_failures=retry_failures)
    return outcome if isinstance(outcome, str) else None


def _waiting(entry: MediaEntry | None, url: str) -> bool:
    return entry is not None and entry.status == EntryStatus.IMPORT and entry.source_url == url


def _import(services: Services, entry_id: str, *, retry_failures: bool) -> bool | str:
    """True when imported, False when nothing waits, the reason when the import failed for good."""
    with services.db.transaction() as db:
        entry = db.get(MediaEntry, entry_id)
        if entry is None or entry.status != EntryStatus.IMPORT:
            return False
        url, partner_id = entry.source_url, entry.partner_id
        key = service.content_key(partner_id, entry_id, entry.version + 1)
    settings = services.settings
    storage = services.storage
    try:
        fetched = fetch_into_storage(
            url,
            storage,
            key,
            max_bytes=settings.url_import_max_bytes,
            allowed_hosts=settings.url_import_allowed_hosts,
            timeout=settings.url_import_timeout_seconds,
            max_seconds=settings.url_import_max_seconds,
        )
        found = facts.probe(
            storage,
            key,
            size=fetched.size,
            file_name=fetched.file_name,
            settings=facts.ProbeSettings.from_settings(settings),
        )
    except (UrlImportError, StorageError) as error:
        # The reason names no credentials (UrlImportError's messages never echo the URL).
        log.warning("import of entry %s failed: %s", entry_id, error)
        if retry_failures and not isinstance(error, UrlRefused):
            raise RetryLater(str(error)) from None
        with services.db.transaction() as db:
            entry = db.get(MediaEntry, entry_id, with_for_update=True)
            if entry is None or not _waiting(entry, url):
                return False
            service.fail_import(db, entry)
        return str(error)
    try:
        with services.db.transaction() as db:
            entry = db.get(MediaEntry, entry_id, with_for_update=True)
            if entry is None or not _waiting(entry, url):
                service.delete_after_commit(db, storage, key)
                return False
            service.attach_content(db, storage, entry, key, found, file_name=fetched.file_name)
    except Exception:
        # Nothing points at the fetched bytes unless the commit succeeded.
        storage.delete(key)
        raise
    return True
