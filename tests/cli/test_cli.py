"""The ``keyframe`` command against the test databases."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from keyframe.cli import app
from keyframe.ks import decode_v2, encode_v1, split_ks
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
    decoded = json.loads(run(env, "ks", "decode", ks, "--json"))
    assert decoded["userId"] == "ops" and decoded["signatureVerified"] is True and decoded["type"] == "ADMIN"


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
