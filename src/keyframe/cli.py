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
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table
from sqlalchemy.orm import Session

from keyframe import crypto
from keyframe.config import Settings
from keyframe.kapi.errors import KalturaAPIException

app = typer.Typer(help="Keyframe: a Kaltura API v3–compatible server for a video platform's Integration tab.")
db_app = typer.Typer(help="Database schema.")
partner_app = typer.Typer(help="Partner accounts.")
ks_app = typer.Typer(help="KS session tokens.")
jobs_app = typer.Typer(help="Background jobs.")
media_app = typer.Typer(help="Media entries.")
app.add_typer(db_app, name="db")
app.add_typer(media_app, name="media")
app.add_typer(partner_app, name="partner")
app.add_typer(ks_app, name="ks")
app.add_typer(jobs_app, name="jobs")
sandbox_app = typer.Typer(help="Vendor sandboxes (Zoom …) for tests and development, on loopback.")
app.add_typer(sandbox_app, name="sandbox")
dev_app = typer.Typer(help="Development and benchmark data.")
app.add_typer(dev_app, name="dev")
zoom_app = typer.Typer(help="Zoom integration: what to register with Zoom, per-partner limits.")
app.add_typer(zoom_app, name="zoom")

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
    """Apply migrations and run the server (and the jobs, unless KEYFRAME_QUEUE_URL names Redis)."""
    import uvicorn

    from keyframe.app import create_app
    from keyframe.jobs.queue import is_redis

    settings = _settings()
    logging.basicConfig(level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    logging.getLogger("alembic").setLevel(logging.WARNING)  # its per-start chatter is not news
    _upgrade(settings)
    try:
        server = create_app(settings, run_jobs=not is_redis(settings))  # with Redis, `keyframe worker`s do
    except crypto.SecretKeyError as error:
        raise _fail(str(error)) from error
    uvicorn.run(
        server,
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


# --- jobs ----------------------------------------------------------------------------------------


@app.command()
def worker(
    concurrency: Annotated[
        int | None, typer.Option(min=1, help="Jobs run at once (default: KEYFRAME_JOBS_CONCURRENCY).")
    ] = None,
) -> None:
    """Run background jobs from the Redis queue (KEYFRAME_QUEUE_URL) until SIGTERM or Ctrl-C; running
    jobs finish (or are released for another worker) before it exits."""
    from keyframe.jobs.queue import is_redis
    from keyframe.jobs.runtime import run_worker
    from keyframe.services import Services

    settings = _settings()
    logging.basicConfig(level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    try:
        crypto.master_key(settings)  # jobs decrypt vendor tokens: a bad key stops the worker now
    except crypto.SecretKeyError as error:
        raise _fail(str(error)) from error
    if not is_redis(settings):
        raise _fail(
            "KEYFRAME_QUEUE_URL names no Redis queue: `keyframe serve` runs the embedded queue's jobs"
        )
    _upgrade(settings)
    services = Services.create(settings)
    try:
        run_worker(services, concurrency)
    finally:
        services.close()


class JobStatusName(StrEnum):
    pending = "pending"
    running = "running"
    succeeded = "succeeded"
    failed = "failed"


def _job_json(job: Any) -> dict[str, Any]:
    def seconds(ms: int | None) -> float | None:
        return None if ms is None else ms / 1000

    return {
        "id": job.id,
        "kind": job.kind,
        "subjectId": job.subject_id,
        "partnerId": job.partner_id,
        "status": job.status,
        "attempts": job.attempts,
        "maxAttempts": job.max_attempts,
        "nextAttemptAt": seconds(job.next_attempt_at_ms),
        "leaseOwner": job.lease_owner,
        "leaseExpiresAt": seconds(job.lease_expires_at_ms),
        "heartbeatAt": seconds(job.heartbeat_at_ms),
        "progress": job.progress,
        "progressNote": job.progress_note,
        "lastError": job.last_error,
        "payload": job.payload,
        "steps": job.steps,
        "createdAt": seconds(job.created_at_ms),
        "startedAt": seconds(job.started_at_ms),
        "finishedAt": seconds(job.finished_at_ms),
    }


def _when(seconds: float | None) -> str:
    return "" if seconds is None else time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(seconds))


@jobs_app.command("list")
def jobs_list(
    kind: Annotated[str | None, typer.Option(help="Only this kind, e.g. auth.purge_ks_states.")] = None,
    status: Annotated[JobStatusName | None, typer.Option(help="Only jobs in this status.")] = None,
    partner: Annotated[int | None, typer.Option(help="Only this partner's jobs.")] = None,
    limit: Annotated[int, typer.Option(min=1, max=10_000, help="At most this many, newest first.")] = 50,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON lines.")] = False,
) -> None:
    """List jobs, newest first."""
    from keyframe.jobs import service

    query = service.JobQuery(kind=kind, status=status.value if status else None, partner_id=partner)
    with _transaction() as db:
        jobs, total = service.list_jobs(db, query, limit, 0)
        rows = [_job_json(job) for job in jobs]
    if as_json:
        for row in rows:
            typer.echo(json.dumps(row))
        return
    table = Table(
        "id", "kind", "subject", "partner", "status", "attempts", "next attempt (UTC)", "last error"
    )
    for row in rows:
        table.add_row(
            str(row["id"]),
            row["kind"],
            row["subjectId"],
            "" if row["partnerId"] is None else str(row["partnerId"]),
            row["status"],
            f"{row['attempts']}/{row['maxAttempts']}",
            _when(row["nextAttemptAt"]) if row["status"] == "pending" else "",
            row["lastError"][:60],
        )
    console.print(table)
    console.print(f"{len(rows)} of {total}")


@jobs_app.command("show")
def jobs_show(
    job_id: Annotated[int, typer.Argument(help="Job id.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Show one job: status, attempts, lease, progress, last error, payload and completed steps."""
    from keyframe.jobs.models import Job

    with _transaction() as db:
        job = db.get(Job, job_id)
        if job is None:
            raise _fail(f"no job {job_id}")
        data = _job_json(job)
    _print_partner(data, as_json)


@jobs_app.command("retry")
def jobs_retry(job_id: Annotated[int, typer.Argument(help="Job id.")]) -> None:
    """Run a failed (or waiting) job now, with a fresh set of attempts."""
    from keyframe.jobs import service
    from keyframe.jobs.models import Job
    from keyframe.jobs.runtime import load_job_kinds
    from keyframe.services import Services

    load_job_kinds()
    services = Services.create(_settings())
    try:
        with service.work(services) as unit:
            job = unit.db.get(Job, job_id)
            if job is None:
                raise _fail(f"no job {job_id}")
            service.retry(unit, job)
    except service.NotRetryable as error:
        raise _fail(f"{error}: only failed or waiting jobs can be retried") from None
    finally:
        services.close()
    console.print(f"job {job_id} will run again")


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


class TrueFalse(StrEnum):
    true = "true"
    false = "false"


@partner_app.command("set")
def partner_set(
    partner_id: Annotated[int, typer.Argument(help="Partner ID.")],
    default_entitlement_enforcement: Annotated[
        TrueFalse | None,
        typer.Option(
            "--default-entitlement-enforcement",
            help="Whether sessions are entitled by default (needs FEATURE_ENTITLEMENT to matter).",
        ),
    ] = None,
) -> None:
    """Change partner settings that only an operator may change (read-only in the API)."""
    from keyframe.audit import service as audit
    from keyframe.partners import service

    with _transaction() as db:
        partner = service.get(db, partner_id)
        if default_entitlement_enforcement is not None:
            before = partner.default_entitlement_enforcement
            enforce = default_entitlement_enforcement is TrueFalse.true
            partner.default_entitlement_enforcement = enforce
            if before != enforce:
                audit.record(
                    db,
                    partner_id=partner.id,
                    action="partner.settings.changed",
                    object_type="KalturaPartner",
                    object_id=str(partner.id),
                    data={"defaultEntitlementEnforcement": enforce, "via": "cli"},
                )
        value = partner.default_entitlement_enforcement
    console.print(f"defaultEntitlementEnforcement: {'true' if value else 'false'}")


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


# --- media ---------------------------------------------------------------------------------------


@media_app.command("upload")
def media_upload(
    file: Annotated[Path, typer.Argument(help="The file to upload.", exists=True, dir_okay=False)],
    partner: Annotated[int, typer.Option(help="Partner ID.")],
    name: Annotated[str | None, typer.Option(help="Entry name (default: the file name).")] = None,
    url: Annotated[
        str | None, typer.Option(help="The server's address (default: KEYFRAME_PUBLIC_URL).")
    ] = None,
    chunk_mib: Annotated[int, typer.Option(help="Chunk size in MiB.", min=1, max=1024)] = 10,
) -> None:
    """Upload a file as a new media entry, in chunks; run it again after an interruption to resume.

    The command signs an admin KS with the partner's secret from the database, so it runs where the
    server's database is reachable (KEYFRAME_DATABASE_URL); the bytes go over HTTP to the server."""
    import httpx
    from rich.progress import (
        BarColumn,
        DownloadColumn,
        Progress,
        TimeRemainingColumn,
        TransferSpeedColumn,
    )

    from keyframe import upload_client

    settings = _settings()
    service_url = url or settings.public_url
    ks = _admin_ks(partner, privileges="disableentitlement", expiry=86_400)
    state_file = upload_client.StateFile(settings.data_dir / "cli-uploads", file, service_url, partner)
    api = upload_client.ApiClient(service_url, ks)
    columns = (BarColumn(), DownloadColumn(), TransferSpeedColumn(), TimeRemainingColumn())
    try:
        with Progress(*columns, console=err, transient=False) as progress:
            task = progress.add_task("upload", total=file.stat().st_size)
            result = upload_client.upload_file(
                api,
                file,
                state_file,
                name=name,
                chunk_size=chunk_mib * 1024 * 1024,
                on_progress=lambda done, total: progress.update(task, completed=done, total=total),
            )
    except upload_client.UploadError as error:
        raise _fail(f"{error} (run the same command again to resume)") from None
    except httpx.HTTPError as error:
        raise _fail(f"cannot reach {service_url}: {error} (run the same command again to resume)") from None
    finally:
        api.close()
    if result.resumed_from:
        err.print(f"Resumed at byte {result.resumed_from:,}.")
    typer.echo(result.entry_id)


def _admin_ks(partner_id: int, *, privileges: str, expiry: int) -> str:
    from keyframe.auth import issue
    from keyframe.ks import SessionType
    from keyframe.partners import service
    from keyframe.partners.models import PartnerStatus

    with _transaction() as db:
        account = service.get(db, partner_id)
        if account.status != PartnerStatus.ACTIVE:
            raise _fail(f"partner {partner_id} is {PartnerStatus(account.status).name}")
        return issue.issue(
            account,
            type=SessionType.ADMIN,
            user_id=account.admin_user_id or "",
            privileges=issue.validate_privileges(db, account, privileges),
            expiry=issue.capped_expiry(account, expiry),
        )


# --- sandboxes -----------------------------------------------------------------------------------


@sandbox_app.command("zoom")
def sandbox_zoom(
    port: Annotated[int, typer.Option(help="Port to listen on (127.0.0.1).")] = 8100,
    time_scale: Annotated[
        float, typer.Option(help="Webhook retry delays times this (0.001: Zoom's 5 minutes take 0.3 s).")
    ] = 1.0,
    access_token_ttl: Annotated[int, typer.Option(help="Access token lifetime in seconds.")] = 3599,
) -> None:
    """Serve the Zoom sandbox: OAuth, /v2 API, recording downloads and signed webhooks, state in memory.
    Set it up through its control API (JSON under /_sandbox: users, apps, meetings, events, faults)."""
    from keyframe.sandbox.zoom import ZoomSandbox

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    sandbox = ZoomSandbox(port=port, time_scale=time_scale, access_token_ttl=access_token_ttl)
    console.print(f"Zoom sandbox on {sandbox.url} (control API: {sandbox.url}/_sandbox/…)")
    sandbox.serve_forever()


@dev_app.command("seed")
def dev_seed(
    entries: Annotated[int, typer.Option(help="Media entries.")] = 10_000,
    categories: Annotated[int, typer.Option(help="Categories (three top-level branches).")] = 2_000,
    users: Annotated[int, typer.Option(help="Users.")] = 5_000,
    members_per_user: Annotated[int, typer.Option(help="Category memberships per user.")] = 50,
    depth: Annotated[int, typer.Option(help="Depth of the category tree.")] = 6,
) -> None:
    """A new partner with entitlement (enforced by default) and an account of the given size."""
    from rich.progress import Progress

    from keyframe.entitlement.seed import SeedSize, seed_new_partner

    size = SeedSize(entries, categories, users, members_per_user, depth)
    started = time.monotonic()
    with Progress(console=err) as bar:
        tasks: dict[str, Any] = {}

        def report(step: str, done: int, total: int) -> None:
            if step not in tasks:
                tasks[step] = bar.add_task(step, total=max(total, 1))
            bar.update(tasks[step], completed=done)

        partner_id, _ = seed_new_partner(_services(), size, report)
    console.print(f"partner {partner_id} seeded in {time.monotonic() - started:.0f} s")


@zoom_app.command("app-info")
def zoom_app_info() -> None:
    """The URLs to register in the Zoom app (from KEYFRAME_PUBLIC_URL) and whether its secrets are set."""
    from keyframe.zoom.pages import ACTION_PATH

    settings = _settings()
    base = settings.public_url.rstrip("/") + ACTION_PATH
    # Plain echo: the URLs are copied into Zoom, so they must never be wrapped.
    typer.echo(f"OAuth redirect URL:          {base}oauthValidation")
    typer.echo(f"Event notification endpoint: {base}recordingComplete")
    typer.echo(f"Deauthorization endpoint:    {base}deAuthorization")
    typer.echo(f"Install (authorize) URL:     {base}preOauthValidation")
    typer.echo(f"Zoom: {settings.zoom_base_url} (REST {settings.zoom_api_url})")
    configured = {
        "KEYFRAME_ZOOM_CLIENT_ID": bool(settings.zoom_client_id),
        "KEYFRAME_ZOOM_CLIENT_SECRET": bool(settings.zoom_client_secret.get_secret_value()),
        "KEYFRAME_ZOOM_WEBHOOK_SECRET_TOKEN": bool(settings.zoom_webhook_secret_token.get_secret_value()),
    }
    for name, present in configured.items():
        typer.echo(f"{name}: {'set' if present else 'NOT SET'}")


@zoom_app.command("limit")
def zoom_limit(
    partner_id: int,
    accounts: Annotated[
        int | None, typer.Argument(help="Zoom accounts the partner may link; omit for the default.")
    ] = None,
) -> None:
    """How many Zoom accounts a partner may link (no number: KEYFRAME_ZOOM_ACCOUNTS_LIMIT again)."""
    from keyframe.partners import service as partner_service

    if accounts is not None and accounts < 0:
        err.print("the limit cannot be negative")
        raise typer.Exit(2)
    with _transaction() as db:
        partner = partner_service.find(db, partner_id)
        if partner is None:
            err.print(f"no partner {partner_id}")
            raise typer.Exit(1)
        partner.zoom_accounts_limit = accounts
    console.print(f"partner {partner_id}: {accounts if accounts is not None else 'default'} Zoom accounts")
