"""The ``keyframe`` command: serve, migrate, manage partners, inspect and mint KSs."""

from __future__ import annotations

import json
import logging
import os
import secrets
import time
from collections.abc import Iterator
from contextlib import contextmanager
from enum import StrEnum
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table
from sqlalchemy.orm import Session

from keyframe.config import Settings
from keyframe.kapi.errors import KalturaAPIException

app = typer.Typer(help="Keyframe: a Kaltura API v3–compatible server for a video platform's Integration tab.")
db_app = typer.Typer(help="Database schema.")
partner_app = typer.Typer(help="Partner accounts.")
ks_app = typer.Typer(help="KS session tokens.")
app.add_typer(db_app, name="db")
app.add_typer(partner_app, name="partner")
app.add_typer(ks_app, name="ks")

console = Console()
err = Console(stderr=True)


def main() -> None:
    app()


def _settings() -> Settings:
    return Settings()


def _services() -> Any:
    from keyframe.services import Services

    return Services.create(_settings())


@contextmanager
def _transaction() -> Iterator[Session]:
    """One database transaction for a command; a Kaltura error ends the command with its message."""
    services = _services()
    try:
        with services.db.transaction() as db:
            yield db
    except KalturaAPIException as error:
        raise _fail(error.message) from None
    finally:
        services.close()


def _fail(message: str, code: int = 1) -> typer.Exit:
    err.print(f"[red]error:[/red] {message}")
    return typer.Exit(code)


# --- serve and database --------------------------------------------------------------------------


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Address to listen on.")] = None,
    port: Annotated[int | None, typer.Option(help="Port to listen on.")] = None,
) -> None:
    """Apply migrations and run the server."""
    import uvicorn

    from keyframe.app import create_app

    settings = _settings()
    logging.basicConfig(level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    logging.getLogger("alembic").setLevel(logging.WARNING)  # its per-start chatter is not news
    _upgrade(settings)
    uvicorn.run(
        create_app(settings),
        host=host or settings.host,
        port=port or settings.port,
        access_log=False,  # our own access log redacts KSs
        log_level=settings.log_level.lower(),
    )


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Create or migrate the database schema to the newest version."""
    _upgrade(_settings())
    console.print("database is up to date")


def _upgrade(settings: Settings) -> None:
    from keyframe.migrations import upgrade

    settings.data_dir.mkdir(parents=True, exist_ok=True)
    upgrade(settings.resolved_database_url())


@app.command()
def demo() -> None:
    """Create the demo partner on first run, then say how to reach it."""
    from sqlalchemy import select

    from keyframe.partners import service
    from keyframe.partners.models import Partner

    settings = _settings()
    _upgrade(settings)
    services = _services()
    credentials = settings.data_dir / "demo-admin.txt"
    with services.db.transaction() as db:
        partner = db.scalar(select(Partner).order_by(Partner.id).limit(1))
        if partner is None:
            password = secrets.token_urlsafe(12)
            partner, _ = service.register(
                db,
                service.Registration(
                    name="Demo Partner", admin_email="admin@keyframe.local", admin_password=password
                ),
            )
            fd = os.open(credentials, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "w") as fh:
                fh.write(f"login: {partner.admin_email}\npassword: {password}\n")
            console.print("[green]Created the demo partner.[/green]")
        partner_id, login = partner.id, partner.admin_email
    services.close()
    console.print(f"Console:    {settings.public_url}/")
    console.print(f"API:        {settings.public_url}/api_v3/")
    console.print(f"Partner ID: {partner_id}")
    console.print(f"Login:      {login} (password in {credentials})")
    console.print(f"Secrets:    keyframe partner show {partner_id} --secrets")


# --- partners ------------------------------------------------------------------------------------


class StatusName(StrEnum):
    ACTIVE = "ACTIVE"
    BLOCKED = "BLOCKED"
    FULL_BLOCK = "FULL_BLOCK"
    READ_ONLY = "READ_ONLY"
    DELETED = "DELETED"


def _partner_json(partner: Any, with_secrets: bool) -> dict[str, Any]:
    from keyframe.partners.models import PartnerStatus

    data: dict[str, Any] = {
        "id": partner.id,
        "subPartnerId": partner.sub_partner_id,
        "name": partner.name,
        "status": PartnerStatus(partner.status).name,
        "adminEmail": partner.admin_email,
        "adminUserId": partner.admin_user_id,
        "parentId": partner.parent_id,
        "createdAt": partner.created_at,
    }
    if with_secrets:
        data["adminSecret"] = partner.admin_secret
        data["secret"] = partner.secret
    return data


def _print_partner(data: dict[str, Any], as_json: bool) -> None:
    if as_json:
        typer.echo(json.dumps(data))
        return
    table = Table(show_header=False)
    for key, value in data.items():
        table.add_row(key, "" if value is None else str(value))
    console.print(table)


@partner_app.command("create")
def partner_create(
    name: Annotated[str, typer.Option(help="Partner (account) name.")],
    admin_email: Annotated[str, typer.Option(help="The administrator's e-mail, also the login.")],
    admin_password: Annotated[
        str, typer.Option(help="The administrator's password.", envvar="KEYFRAME_ADMIN_PASSWORD")
    ],
    parent_id: Annotated[int | None, typer.Option(help="A parent partner that may impersonate it.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object, secrets included.")] = False,
) -> None:
    """Register a partner and its administrator."""
    from keyframe.partners import service

    _upgrade(_settings())
    with _transaction() as db:
        partner, _ = service.register(
            db,
            service.Registration(
                name=name, admin_email=admin_email, admin_password=admin_password, parent_id=parent_id
            ),
        )
        data = _partner_json(partner, with_secrets=as_json)
    _print_partner(data, as_json)


@partner_app.command("show")
def partner_show(
    partner_id: Annotated[int, typer.Argument(help="Partner ID.")],
    show_secrets: Annotated[
        bool, typer.Option("--secrets", help="Include the admin and user secrets.")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Show a partner; secrets only with --secrets."""
    from keyframe.partners import service

    with _transaction() as db:
        data = _partner_json(service.get(db, partner_id), with_secrets=show_secrets)
    _print_partner(data, as_json)


@partner_app.command("status")
def partner_status(
    partner_id: Annotated[int, typer.Argument(help="Partner ID.")],
    status: Annotated[StatusName, typer.Argument(help="New status.")],
) -> None:
    """Set a partner's status (a BLOCKED partner cannot start sessions or call the API)."""
    from keyframe.partners import service
    from keyframe.partners.models import PartnerStatus

    with _transaction() as db:
        service.set_status(db, partner_id, PartnerStatus[status.value])
    console.print(f"partner {partner_id} is now {status.value}")


@partner_app.command("features")
def partner_features(
    partner_id: Annotated[int, typer.Argument(help="Partner ID.")],
    enable: Annotated[
        list[str] | None, typer.Option("--enable", help="Feature to enable (repeatable).")
    ] = None,
    disable: Annotated[
        list[str] | None, typer.Option("--disable", help="Feature to disable (repeatable).")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Enable or disable partner features (e.g. FEATURE_ENTITLEMENT); without options, list them."""
    from keyframe.audit import service as audit
    from keyframe.partners import service
    from keyframe.roles import service as roles
    from keyframe.roles.catalogue import FEATURE_NAMES

    with _transaction() as db:
        partner = service.get(db, partner_id)
        before = roles.features(db, partner.id)
        after = roles.set_features(db, partner.id, enable or [], disable or [])
        if after != before:
            audit.record(
                db,
                partner_id=partner.id,
                action="partner.features.changed",
                object_type="KalturaPartner",
                object_id=str(partner.id),
                data={"enabled": sorted(after - before), "disabled": sorted(before - after), "via": "cli"},
            )
    if as_json:
        typer.echo(json.dumps({"partnerId": partner_id, "features": sorted(after)}))
        return
    for name in sorted(FEATURE_NAMES):
        console.print(f"{'[green]on [/green]' if name in after else 'off'}  {name}")


class AdminOrUser(StrEnum):
    """Which secret (rotate-secret) or which session type (ks generate)."""

    admin = "admin"
    user = "user"


@partner_app.command("rotate-secret")
def partner_rotate_secret(
    partner_id: Annotated[int, typer.Argument(help="Partner ID.")],
    type: Annotated[AdminOrUser, typer.Option("--type", help="Which secret to replace.")],
    grace: Annotated[
        int,
        typer.Option(
            help="Seconds the replaced secret keeps working (0 retires it at once; at most 30 days). "
            "Rotating again within this time retires the older secret at once."
        ),
    ] = 86_400,
    show: Annotated[bool, typer.Option("--show", help="Print the new secret.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON, the new secret included.")] = False,
) -> None:
    """Replace a partner's admin or user secret; the old one works for the grace period."""
    from keyframe.audit import service as audit
    from keyframe.partners import service

    with _transaction() as db:
        partner = service.get(db, partner_id)
        secret = service.rotate_secret(db, partner, type.value, grace)
        until = (
            partner.previous_admin_secret_until
            if type is AdminOrUser.admin
            else partner.previous_secret_until
        )
        audit.record(
            db,
            partner_id=partner.id,
            action="partner.secret.rotated",
            object_type="KalturaPartner",
            object_id=str(partner.id),
            data={"kind": type.value, "graceSeconds": grace, "via": "cli"},
        )
    if as_json:
        data = {
            "partnerId": partner_id,
            "type": type.value,
            "secret": secret,
            "previousValidUntil": until or None,
        }
        typer.echo(json.dumps(data))
        return
    console.print(f"Rotated the {type.value} secret of partner {partner_id}.")
    if until:
        ends = time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime(until))
        console.print(f"The previous {type.value} secret works until {ends}.")
    else:
        console.print(f"The previous {type.value} secret no longer works.")
    if show:
        typer.echo(secret)
    else:
        console.print(f"See the new secret with: keyframe partner show {partner_id} --secrets")


# --- KS ------------------------------------------------------------------------------------------


@ks_app.command("generate")
def ks_generate(
    partner: Annotated[int, typer.Option(help="Partner ID.")],
    type: Annotated[AdminOrUser, typer.Option(help="Session type.")] = AdminOrUser.user,
    user: Annotated[str, typer.Option(help="User id.")] = "",
    privileges: Annotated[str, typer.Option(help="Privileges, e.g. 'sview:*,privacycontext:X'.")] = "",
    expiry: Annotated[
        int, typer.Option(help="Lifetime in seconds (capped by the partner's maximum).")
    ] = 86_400,
) -> None:
    """Mint a KS signed with the partner's admin secret."""
    from keyframe.auth import issue
    from keyframe.ks import SessionType
    from keyframe.partners import service
    from keyframe.partners.models import PartnerStatus

    with _transaction() as db:
        account = service.get(db, partner)
        if account.status not in (PartnerStatus.ACTIVE, PartnerStatus.READ_ONLY):
            raise _fail(
                f"partner {partner} is {PartnerStatus(account.status).name}: it cannot start sessions"
            )
        text = issue.issue(
            account,
            type=SessionType.ADMIN if type is AdminOrUser.admin else SessionType.USER,
            user_id=user,
            privileges=issue.validate_privileges(db, account, privileges),
            expiry=issue.capped_expiry(account, expiry),
        )
    typer.echo(text)


@ks_app.command("decode")
def ks_decode(
    ks: Annotated[str, typer.Argument(help="The KS to decode.")],
    partner: Annotated[
        int | None, typer.Option(help="The partner the KS must belong to (read from the KS when omitted).")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Show a KS's fields. A v1 KS is readable without a secret; a v2 KS is decrypted with its partner's
    admin secret from the database (KEYFRAME_DATABASE_URL), which also verifies either version."""
    from keyframe.ks import KsDecodeError, decode_v1, decode_v2, split_ks
    from keyframe.ks.codec import read_v1_unverified

    try:
        version, partner_id, payload = split_ks(ks)
    except KsDecodeError as error:
        raise _fail(f"not a KS: {error}") from None
    if partner is not None and partner != partner_id:
        raise _fail(f"the KS belongs to partner {partner_id}, not {partner}")
    secrets_found = _admin_secrets(partner_id)
    verified = False
    try:
        if version == 2:
            if secrets_found is None:
                raise _fail(f"partner {partner_id} is not in this database; a v2 KS needs its admin secret")
            token, _ = decode_v2(partner_id, payload, secrets_found)
            verified = True
        elif secrets_found:
            try:
                token, _ = decode_v1(payload, secrets_found)
                verified = True
            except KsDecodeError:
                token = read_v1_unverified(payload)
        else:
            token = read_v1_unverified(payload)
    except KsDecodeError as error:
        raise _fail(f"the KS does not verify: {error}") from None
    data = {
        "version": token.version,
        "partnerId": token.partner_id,
        "userId": token.user_id,
        "type": "ADMIN" if token.is_admin else "USER",
        "validUntil": token.valid_until,
        "expired": token.valid_until <= time.time(),
        "privileges": str(token.privileges),
        "masterPartnerId": token.master_partner_id,
        "additionalData": token.additional_data,
        "ksId": token.ks_id,
        "signatureVerified": verified,
    }
    if as_json:
        typer.echo(json.dumps(data))
    else:
        _print_partner(data, False)


def _admin_secrets(partner_id: int) -> tuple[str, ...] | None:
    from keyframe.partners import service

    try:
        services = _services()
        try:
            with services.db.transaction() as db:
                partner = service.find(db, partner_id)
                return partner.admin_secrets if partner else None
        finally:
            services.close()
    except Exception:  # no database here: decoding a v1 KS still works
        return None


if __name__ == "__main__":  # pragma: no cover
    main()
