"""Tokens are encrypted bound to their integration (AES-GCM associated data: what the value is and which
row it belongs to): a ciphertext copied into another row does not decrypt, and that integration asks to be
authorized again instead of failing. Tokens stored before binding are read once and written again bound."""

from __future__ import annotations

import base64
import os
import time
from pathlib import Path
from types import SimpleNamespace

import pytest
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy import update

from keyframe.config import Settings
from keyframe.crypto import LEGACY_PREFIX, DecryptionError, TokenCipher, derive
from keyframe.zoom import tasks, tokens
from keyframe.zoom.models import AuthStatus, AuthType, IntegrationStatus, VendorIntegration, VendorType
from keyframe.zoom.service import ACCESS, REFRESH, read_token
from tests.conftest import PartnerInfo
from tests.zoom.conftest import Browser, ZoomWorld
from tests.zoom.support import linked_account


def legacy(settings: Settings, plaintext: str, context: str) -> str:
    """A value as Keyframe stored it before binding: the context alone as associated data."""
    nonce = os.urandom(12)
    sealed = AESGCM(derive(settings, "vendor-tokens")).encrypt(nonce, plaintext.encode(), context.encode())
    return LEGACY_PREFIX + base64.urlsafe_b64encode(nonce + sealed).decode()


def test_a_value_decrypts_only_for_its_context_and_record(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path)
    cipher = TokenCipher(settings)
    stored = cipher.encrypt("secret-token", "zoom:access", bound_to="vendor_integrations:1:100:acct")
    assert stored.startswith("v2:") and "secret-token" not in stored
    assert cipher.decrypt(stored, "zoom:access", bound_to="vendor_integrations:1:100:acct") == "secret-token"
    for context, bound_to in (
        ("zoom:access", "vendor_integrations:1:101:acct"),  # another partner
        ("zoom:access", "vendor_integrations:1:100:other"),  # another account
        ("zoom:refresh", "vendor_integrations:1:100:acct"),  # another column
        ("zoom:access:vendor_integrations:1:100", "acct"),  # the same characters split elsewhere
    ):
        with pytest.raises(DecryptionError):
            cipher.decrypt(stored, context, bound_to=bound_to)
    # Legacy values (context only) are still read, and said to be legacy.
    old = legacy(settings, "old-token", "zoom:access")
    assert TokenCipher.is_legacy(old) and not TokenCipher.is_legacy(stored)
    assert cipher.decrypt(old, "zoom:access", bound_to="anything") == "old-token"
    with pytest.raises(DecryptionError):
        cipher.decrypt(old, "zoom:refresh", bound_to="anything")
    assert cipher.encrypt("", "zoom:access", bound_to="x") == ""


def test_a_token_copied_from_another_integration_needs_reauthorization(
    world: ZoomWorld, acme: PartnerInfo, browser: Browser
) -> None:
    _, donor = linked_account(world, browser, acme, "a@zoom-a.example")
    _, target = linked_account(world, browser, acme, "b@zoom-b.example")
    with world.services.db.transaction() as db:
        source = db.get_one(VendorIntegration, donor)
        db.execute(
            update(VendorIntegration)
            .where(VendorIntegration.id == target)
            .values(access_token=source.access_token, refresh_token=source.refresh_token)
        )
    with pytest.raises(tokens.NeedsReauthorization):
        tokens.access_token(world.services, target)
    tasks.refresh_tokens(SimpleNamespace(services=world.services))  # type: ignore[arg-type]

    shown = {o["id"]: o for o in world.api("vendor_zoomvendor", "list", ks=world.admin_ks(acme))["objects"]}
    assert shown[target]["authorizationStatus"] == "needsReauthorization"
    assert "cannot be decrypted for this integration" in shown[target]["lastError"]
    assert shown[donor]["authorizationStatus"] == "authorized"
    assert tokens.access_token(world.services, donor)  # the original is untouched


def test_legacy_tokens_are_rebound_by_the_refresh_job_without_calling_zoom(
    world: ZoomWorld, acme: PartnerInfo, browser: Browser
) -> None:
    _, integration_id = linked_account(world, browser, acme, "a@zoom-a.example")
    settings, cipher = world.services.settings, TokenCipher(world.services.settings)
    with world.services.db.transaction() as db:
        row = db.get_one(VendorIntegration, integration_id)
        access, refresh = read_token(row, cipher, ACCESS), read_token(row, cipher, REFRESH)
        row.access_token = legacy(settings, access, ACCESS)
        row.refresh_token = legacy(settings, refresh, REFRESH)
    # Still read as they are (no write from an unlocked read).
    assert tokens.access_token(world.services, integration_id) == access
    grants = len(world.zoom.requests("/oauth/token"))
    tasks.refresh_tokens(SimpleNamespace(services=world.services))  # type: ignore[arg-type]
    assert len(world.zoom.requests("/oauth/token")) == grants
    with world.services.db.transaction() as db:
        row = db.get_one(VendorIntegration, integration_id)
        assert not TokenCipher.is_legacy(row.access_token) and not TokenCipher.is_legacy(row.refresh_token)
        assert (read_token(row, cipher, ACCESS), read_token(row, cipher, REFRESH)) == (access, refresh)
    assert tokens.legacy(world.services) == []  # nothing left to rebind
    # The rebound refresh token works at Zoom.
    assert tokens.refresh(world.services, integration_id, force=True).refreshed


def test_one_job_run_leaves_no_legacy_token_whatever_the_status(world: ZoomWorld, acme: PartnerInfo) -> None:
    """A ``v1:`` value is bound to nothing, so it decrypts in any row it is copied to: the job rebinds
    every row holding one (not only live, authorized ones), and erases what does not decrypt."""
    settings, services = world.services.settings, world.services
    cipher = TokenCipher(settings)
    far = int(time.time()) + 86_400  # nothing is due for a refresh: the job must not call Zoom at all
    wrong_key = Settings(data_dir=Path(settings.data_dir) / "elsewhere")
    cases = {
        # name: (status, auth status, access value, refresh value, decrypts)
        "live": (IntegrationStatus.ACTIVE, AuthStatus.AUTHORIZED, "a1", "r1", True),
        "needs-reauth": (IntegrationStatus.DISABLED, AuthStatus.NEEDS_REAUTHORIZATION, "a2", "r2", True),
        "deleted": (IntegrationStatus.DELETED, AuthStatus.AUTHORIZED, "a3", "", True),
        "deauthorized": (IntegrationStatus.DISABLED, AuthStatus.DEAUTHORIZED, "", "r4", True),
        "other-key": (IntegrationStatus.ACTIVE, AuthStatus.AUTHORIZED, "a5", "r5", False),
        "other-key-deleted": (IntegrationStatus.DELETED, AuthStatus.NEEDS_REAUTHORIZATION, "a6", "r6", False),
    }
    ids: dict[str, int] = {}
    with services.db.transaction() as db:
        for name, (status, auth, access, refresh, readable) in cases.items():
            row = VendorIntegration(
                partner_id=acme.id,
                vendor_type=VendorType.ZOOM_ACCOUNT,
                account_id=f"acct-{name}",
                status=status,
                auth_type=AuthType.OAUTH,
                auth_status=auth,
                access_expires_at=far,
            )
            key = settings if readable else wrong_key
            row.access_token = legacy(key, access, ACCESS) if access else ""
            row.refresh_token = legacy(key, refresh, REFRESH) if refresh else ""
            db.add(row)
            db.flush()
            ids[name] = row.id
        # The live row's refresh token written with the access context: it does not decrypt there either.
        mixed = VendorIntegration(
            partner_id=acme.id,
            vendor_type=VendorType.ZOOM_ACCOUNT,
            account_id="acct-mixed",
            status=IntegrationStatus.ACTIVE,
            auth_status=AuthStatus.AUTHORIZED,
            access_expires_at=far,
            refresh_token=legacy(settings, "r7", ACCESS),
        )
        mixed.access_token = cipher.encrypt("a7", ACCESS, bound_to=mixed.token_binding)
        db.add(mixed)
        db.flush()
        ids["mixed"] = mixed.id
    assert sorted(tokens.legacy(services)) == sorted(ids.values())
    calls = len(world.zoom.requests())

    tasks.refresh_tokens(SimpleNamespace(services=services))  # type: ignore[arg-type]

    assert tokens.legacy(services) == []
    assert len(world.zoom.requests()) == calls
    with services.db.transaction() as db:
        rows = {name: db.get_one(VendorIntegration, id_) for name, id_ in ids.items()}
        for name, (status, auth, access, refresh, readable) in cases.items():
            row = rows[name]
            assert row.status == status, name
            if readable:  # rebound: the same tokens, now readable in this row only
                assert (read_token(row, cipher, ACCESS), read_token(row, cipher, REFRESH)) == (
                    access,
                    refresh,
                )
                assert all(v == "" or v.startswith("v2:") for v in (row.access_token, row.refresh_token))
                assert (row.auth_status, row.last_error) == (auth, ""), name
            else:
                assert (row.access_token, row.refresh_token, row.access_expires_at) == ("", "", 0), name
        # Erased; an authorized integration now asks to be installed again, the others keep their state.
        assert rows["other-key"].auth_status == AuthStatus.NEEDS_REAUTHORIZATION
        assert rows["other-key"].last_error == tokens.UNREADABLE_LEGACY
        assert rows["other-key-deleted"].auth_status == AuthStatus.NEEDS_REAUTHORIZATION
        assert rows["other-key-deleted"].last_error == ""
        assert (rows["mixed"].access_token, rows["mixed"].refresh_token) == ("", "")
        assert rows["mixed"].auth_status == AuthStatus.NEEDS_REAUTHORIZATION
    with pytest.raises(tokens.NeedsReauthorization):
        tokens.access_token(services, ids["other-key"])
    # A second run has nothing to do.
    assert tokens.rebind(services, ids["live"]) is None
