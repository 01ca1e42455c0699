"""``keyframe media upload`` against a live server: chunks, a progress bar, resuming an interrupted run."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from keyframe import upload_client
from keyframe.cli import _admin_ks, app
from keyframe.media.models import EntryStatus, MediaEntry
from keyframe.services import Services
from keyframe.uploads.models import UploadToken
from tests.conftest import LiveServer, PartnerInfo

runner = CliRunner()
MB = 1024 * 1024


@pytest.fixture
def env(services: Services, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    values = {"KEYFRAME_DATABASE_URL": services.db.url, "KEYFRAME_DATA_DIR": str(tmp_path / "cli")}
    for name, value in values.items():
        monkeypatch.setenv(name, value)
    return values


def upload_args(source: Path, partner: PartnerInfo, server: LiveServer) -> list[str]:
    return ["media", "upload", str(source), "--partner", str(partner.id), "--url", server.url]


def stored_bytes(services: Services, entry_id: str) -> bytes:
    with services.db.transaction() as db:
        entry = db.get(MediaEntry, entry_id)
        assert entry is not None and entry.content_key
        key = entry.content_key
    return services.storage.read_bytes(key)


def test_upload_creates_a_ready_entry(
    env: dict[str, str], live_server: LiveServer, partner: PartnerInfo, services: Services, tmp_path: Path
) -> None:
    source = tmp_path / "keynote.mp4"
    data = os.urandom(3 * MB + 17)
    source.write_bytes(data)

    result = runner.invoke(
        app,
        [*upload_args(source, partner, live_server), "--name", "Keynote", "--chunk-mib", "1"],
    )
    assert result.exit_code == 0, result.output
    entry_id = result.stdout.strip().splitlines()[-1]
    with services.db.transaction() as db:
        entry = db.get(MediaEntry, entry_id)
        assert entry is not None
        assert (entry.name, entry.status) == ("Keynote", EntryStatus.READY)
    assert stored_bytes(services, entry_id) == data


def test_an_interrupted_upload_resumes_where_the_server_stopped(
    env: dict[str, str], live_server: LiveServer, partner: PartnerInfo, services: Services, tmp_path: Path
) -> None:
    source = tmp_path / "long.bin"
    data = os.urandom(5 * MB)
    source.write_bytes(data)

    # First run: stop after two 1 MiB chunks have reached the server (as Ctrl-C would).
    def interrupt(done: int, _total: int) -> None:
        if done >= 2 * MB:
            raise KeyboardInterrupt

    api = upload_client.ApiClient(live_server.url, _admin_ks(partner.id, privileges="", expiry=600))
    state = upload_client.StateFile(
        Path(env["KEYFRAME_DATA_DIR"]) / "cli-uploads", source, live_server.url, partner.id
    )
    with pytest.raises(KeyboardInterrupt):
        upload_client.upload_file(api, source, state, chunk_size=MB, on_progress=interrupt)
    api.close()
    assert state.path.exists()

    result = runner.invoke(
        app,
        [*upload_args(source, partner, live_server), "--chunk-mib", "1"],
    )
    assert result.exit_code == 0, result.output
    assert f"Resumed at byte {2 * MB:,}" in result.output
    entry_id = result.stdout.strip().splitlines()[-1]
    assert hashlib.sha256(stored_bytes(services, entry_id)).digest() == hashlib.sha256(data).digest()
    assert not state.path.exists()
    with services.db.transaction() as db:
        assert db.scalar(select(func.count()).select_from(UploadToken)) == 1
        assert db.scalar(select(func.count()).select_from(MediaEntry)) == 1


def test_a_refused_upload_says_why(
    env: dict[str, str], live_server: LiveServer, partner: PartnerInfo, tmp_path: Path
) -> None:
    source = tmp_path / "empty.mp4"
    source.write_bytes(b"")
    result = runner.invoke(
        app, ["media", "upload", str(source), "--partner", str(partner.id), "--url", live_server.url]
    )
    assert result.exit_code == 1
    assert "is empty" in result.output
