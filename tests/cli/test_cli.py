"""The ``keyframe`` command against the test databases."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from keyframe.audit.models import AuditEvent
from keyframe.cli import app
from keyframe.ks import decode_v2, encode_v1, split_ks
from keyframe.partners.models import Partner
from keyframe.services import Services

runner = CliRunner()


@pytest.fixture
def env(services: Services, tmp_path: Path) -> dict[str, str]:
    return {"KEYFRAME_DATABASE_URL": services.db.url, "KEYFRAME_DATA_DIR": str(tmp_path)}


def run(env: dict[str, str], *args: str) -> str:
    result = runner.invoke(app, list(args), env=env)
    assert result.exit_code == 0, result.output
    return result.output


def create(env: dict[str, str], email: str = "owner@acme.example") -> dict[str, object]:
    out = run(
        env,
        "partner",
        "create",
        "--name",
        "Acme",
        "--admin-email",
        email,
        "--admin-password",
        "a good password",
        "--json",
    )
    return json.loads(out)


def test_partner_create_json(env: dict[str, str]) -> None:
    data = create(env)
    assert {"id", "subPartnerId", "adminSecret", "secret", "adminUserId"} <= data.keys()
    assert data["subPartnerId"] == int(str(data["id"]) + "00")
    assert data["adminUserId"] == "owner@acme.example"


def test_partner_create_refuses_a_duplicate_login(env: dict[str, str]) -> None:
    create(env)
    result = runner.invoke(
        app,
        [
            "partner",
            "create",
            "--name",
            "B",
            "--admin-email",
            "OWNER@acme.example",
            "--admin-password",
            "x" * 10,
        ],
        env=env,
    )
    assert result.exit_code == 1
    assert "already exists" in result.output


def test_partner_show_hides_secrets_unless_asked(env: dict[str, str]) -> None:
    data = create(env)
    plain = json.loads(run(env, "partner", "show", str(data["id"]), "--json"))
    assert "adminSecret" not in plain and "secret" not in plain
    revealed = json.loads(run(env, "partner", "show", str(data["id"]), "--secrets", "--json"))
    assert revealed["adminSecret"] == data["adminSecret"]
    assert data["adminSecret"] not in run(env, "partner", "show", str(data["id"]))


def test_ks_generate_and_decode(env: dict[str, str]) -> None:
    data = create(env)
    ks = run(
        env,
        "ks",
        "generate",
        "--partner",
        str(data["id"]),
        "--type",
        "admin",
        "--user",
        "ops",
        "--privileges",
        "sview:*",
    ).strip()
    _, pid, payload = split_ks(ks)
    token, _ = decode_v2(pid, payload, [str(data["adminSecret"])])
    assert (token.user_id, token.type, str(token.privileges)) == ("ops", 2, "sview:*")
    decoded = json.loads(run(env, "ks", "decode", ks, "--partner", str(data["id"]), "--json"))
    assert decoded["userId"] == "ops" and decoded["signatureVerified"] is True and decoded["type"] == "ADMIN"
    assert runner.invoke(app, ["ks", "decode", ks, "--partner", "4242"], env=env).exit_code == 1


def test_ks_decode_v1_needs_no_secret(tmp_path: Path) -> None:
    ks = encode_v1(
        "s" * 32, partner_id=4242, valid_until=2_000_000_000, type=0, user_id="bob", privileges="list:*"
    )
    env = {
        "KEYFRAME_DATABASE_URL": f"sqlite:///{tmp_path / 'missing' / 'none.db'}",
        "KEYFRAME_DATA_DIR": str(tmp_path),
    }
    decoded = json.loads(run(env, "ks", "decode", ks, "--json"))
    assert (decoded["partnerId"], decoded["userId"], decoded["privileges"]) == (4242, "bob", "list:*")
    assert decoded["signatureVerified"] is False


def test_ks_decode_rejects_garbage(env: dict[str, str]) -> None:
    result = runner.invoke(app, ["ks", "decode", "not-a-ks"], env=env)
    assert result.exit_code == 1


def test_partner_status_blocks_session_start(env: dict[str, str]) -> None:
    data = create(env)
    run(env, "partner", "status", str(data["id"]), "BLOCKED")
    result = runner.invoke(app, ["ks", "generate", "--partner", str(data["id"])], env=env)
    assert result.exit_code == 1
    assert "BLOCKED" in result.output
    assert runner.invoke(app, ["ks", "generate", "--partner", "999999"], env=env).exit_code == 1
    shown = json.loads(run(env, "partner", "show", str(data["id"]), "--json"))
    assert shown["status"] == "BLOCKED"


def test_demo_creates_the_partner_once(env: dict[str, str], tmp_path: Path) -> None:
    first = run(env, "demo")
    assert "Created the demo partner" in first
    second = run(env, "demo")
    assert "Created" not in second
    credentials = (tmp_path / "demo-admin.txt").read_text()
    assert "admin@keyframe.local" in credentials
    assert oct((tmp_path / "demo-admin.txt").stat().st_mode & 0o777) == "0o600"
    # No secret is printed by default.
    assert "Secrets:    keyframe partner show" in second


def test_partner_rotate_secret(env: dict[str, str], services: Services) -> None:
    data = create(env)
    pid = str(data["id"])
    plain = run(env, "partner", "rotate-secret", pid, "--type", "admin")
    shown = json.loads(run(env, "partner", "show", pid, "--secrets", "--json"))
    new_admin = shown["adminSecret"]
    assert new_admin != data["adminSecret"] and len(new_admin) == 32
    assert shown["secret"] == data["secret"]
    assert new_admin not in plain and "works until" in plain  # secrets are shown only on request

    shown_user = run(env, "partner", "rotate-secret", pid, "--type", "user", "--grace", "0", "--show")
    user_secret = json.loads(run(env, "partner", "show", pid, "--secrets", "--json"))["secret"]
    assert user_secret in shown_user and "no longer works" in shown_user

    rotated = json.loads(
        run(env, "partner", "rotate-secret", pid, "--type", "admin", "--grace", "60", "--json")
    )
    assert rotated["partnerId"] == data["id"] and rotated["type"] == "admin"
    assert (
        rotated["secret"]
        == json.loads(run(env, "partner", "show", pid, "--secrets", "--json"))["adminSecret"]
    )
    assert abs(rotated["previousValidUntil"] - (time.time() + 60)) < 30
    with services.db.transaction() as db:
        partner = db.get_one(Partner, data["id"])
        assert partner.admin_secrets == (rotated["secret"], new_admin)  # the first admin secret is retired
        recorded = list(db.scalars(select(AuditEvent).where(AuditEvent.action == "partner.secret.rotated")))
        assert [json.loads(e.data) for e in recorded] == [
            {"kind": "admin", "graceSeconds": 86_400, "via": "cli"},
            {"kind": "user", "graceSeconds": 0, "via": "cli"},
            {"kind": "admin", "graceSeconds": 60, "via": "cli"},
        ]


def test_partner_rotate_secret_refuses_bad_input(env: dict[str, str]) -> None:
    data = create(env)
    pid = str(data["id"])
    too_long = runner.invoke(
        app, ["partner", "rotate-secret", pid, "--type", "admin", "--grace", "2592001"], env=env
    )
    assert too_long.exit_code == 1 and "max value of 2592000" in too_long.output
    negative = runner.invoke(
        app, ["partner", "rotate-secret", pid, "--type", "user", "--grace", "-5"], env=env
    )
    assert negative.exit_code == 1 and "min value of 0" in negative.output
    assert runner.invoke(app, ["partner", "rotate-secret", pid, "--type", "partner"], env=env).exit_code == 2
    assert (
        runner.invoke(app, ["partner", "rotate-secret", "999999", "--type", "admin"], env=env).exit_code == 1
    )
    shown = json.loads(run(env, "partner", "show", pid, "--secrets", "--json"))
    assert (shown["adminSecret"], shown["secret"]) == (data["adminSecret"], data["secret"])


def test_partner_features(env: dict[str, str]) -> None:
    data = create(env)
    pid = str(data["id"])
    assert json.loads(run(env, "partner", "features", pid, "--json"))["features"] == []
    out = run(
        env,
        "partner",
        "features",
        pid,
        "--enable",
        "FEATURE_ENTITLEMENT",
        "--enable",
        "CONTENTDISTRIBUTION_PLUGIN_PERMISSION",
        "--json",
    )
    assert json.loads(out)["features"] == ["CONTENTDISTRIBUTION_PLUGIN_PERMISSION", "FEATURE_ENTITLEMENT"]
    out = run(env, "partner", "features", pid, "--disable", "FEATURE_ENTITLEMENT", "--json")
    assert json.loads(out)["features"] == ["CONTENTDISTRIBUTION_PLUGIN_PERMISSION"]
    assert "on   CONTENTDISTRIBUTION_PLUGIN_PERMISSION" in run(env, "partner", "features", pid)
    bad = runner.invoke(app, ["partner", "features", pid, "--enable", "NOPE"], env=env)
    assert bad.exit_code == 1 and "NOPE" in bad.output


@pytest.mark.parametrize("command", [["serve"], ["worker"]])
def test_a_short_secret_key_stops_the_start(env: dict[str, str], command: list[str]) -> None:
    """Before any request or job could need it (they would fail one by one)."""
    short = {**env, "KEYFRAME_SECRET_KEY": "too-short", "KEYFRAME_QUEUE_URL": "redis://127.0.0.1:6379/15"}
    result = runner.invoke(app, command, env=short)
    assert result.exit_code == 1
    assert "KEYFRAME_SECRET_KEY is 9 bytes long" in result.output
    assert "too-short" not in result.output
