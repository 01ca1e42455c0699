"""``keyframe zoom app-info`` and ``keyframe zoom limit``."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from keyframe.cli import app
from keyframe.partners.models import Partner
from keyframe.services import Services
from tests.conftest import PartnerInfo

runner = CliRunner()


def test_app_info_prints_the_urls_to_register_with_zoom(tmp_path: Path) -> None:
    env = {"KEYFRAME_PUBLIC_URL": "https://video.example.org/", "KEYFRAME_DATA_DIR": str(tmp_path)}
    result = runner.invoke(app, ["zoom", "app-info"], env=env)
    assert result.exit_code == 0, result.output
    base = "https://video.example.org/api_v3/service/vendor_zoomvendor/action/"
    assert f"OAuth redirect URL:          {base}oauthValidation" in result.output
    assert f"{base}recordingComplete" in result.output and f"{base}deAuthorization" in result.output
    assert "KEYFRAME_ZOOM_CLIENT_SECRET: NOT SET" in result.output


def test_limit_sets_and_resets_a_partners_zoom_accounts(
    services: Services, partner: PartnerInfo, tmp_path: Path
) -> None:
    env = {"KEYFRAME_DATABASE_URL": services.db.url, "KEYFRAME_DATA_DIR": str(tmp_path)}
    assert runner.invoke(app, ["zoom", "limit", str(partner.id), "5"], env=env).exit_code == 0
    with services.db.transaction() as db:
        assert db.get(Partner, partner.id).zoom_accounts_limit == 5  # type: ignore[union-attr]
    assert runner.invoke(app, ["zoom", "limit", str(partner.id)], env=env).exit_code == 0
    with services.db.transaction() as db:
        assert db.get(Partner, partner.id).zoom_accounts_limit is None  # type: ignore[union-attr]
    assert runner.invoke(app, ["zoom", "limit", "99999", "1"], env=env).exit_code == 1
