"""The ``jobs`` API (Publisher Administrators, their own partner's jobs only), /metrics, the request
context's after-commit hook and the ``keyframe jobs`` commands."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from pydantic import SecretStr
from starlette.applications import Starlette
from starlette.testclient import TestClient
from typer.testing import CliRunner

from keyframe.auth.context import RequestContext
from keyframe.auth.ks_validation import RequestOrigin
from keyframe.auth.runner import ActionRunner
from keyframe.cli import app as cli
from keyframe.jobs import inbox, service
from keyframe.jobs.models import Job, JobStatus, WebhookEvent
from keyframe.jobs.runner import JobRun
from keyframe.kapi.registry import ActionSpec, KsPolicy
from keyframe.services import Services
from tests.conftest import PartnerInfo, make_partner
from tests.helpers import call, error_code, start_session
from tests.jobs.support import wait_status


def add_job(services: Services, partner_id: int | None, kind: str = "test.noop", subject: str = "s") -> int:
    with service.work(services) as unit:
        return service.schedule(unit, kind, subject, partner_id=partner_id).id


def test_list_get_and_retry_own_jobs(
    client: TestClient, job_services: Services, partner: PartnerInfo
) -> None:
    ks = start_session(client, partner.id, partner.admin_secret)
    mine = add_job(job_services, partner.id)
    failed = add_job(job_services, partner.id, "test.permanent")
    other = add_job(job_services, make_partner(job_services, "Other").id, subject="theirs")
    system = add_job(job_services, None, subject="system")
    with job_services.db.transaction() as db:
        row = db.get(Job, failed)
        assert row is not None
        row.status, row.last_error = JobStatus.FAILED, "bad credentials"

    listed = call(client, "jobs", "list", ks=ks)
    assert listed["totalCount"] == 2
    assert {j["id"] for j in listed["objects"]} == {mine, failed}
    assert "payload" not in listed["objects"][0]
    only_failed = call(client, "jobs", "list", ks=ks, filter={"statusEqual": "failed"})
    assert [j["id"] for j in only_failed["objects"]] == [failed]
    by_kind = call(client, "jobs", "list", ks=ks, filter={"kindEqual": "test.noop"})
    assert [j["id"] for j in by_kind["objects"]] == [mine]
    assert error_code(call(client, "jobs", "list", ks=ks, filter={"statusEqual": "nope"})) == (
        "INVALID_ENUM_VALUE"
    )

    got = call(client, "jobs", "get", ks=ks, id=failed)
    assert (got["objectType"], got["lastError"], got["status"]) == (
        "KalturaKeyframeJob",
        "bad credentials",
        "failed",
    )
    for hidden in (other, system, 2**40):
        assert error_code(call(client, "jobs", "get", ks=ks, id=hidden)) == "INVALID_OBJECT_ID"
        assert error_code(call(client, "jobs", "retry", ks=ks, id=hidden)) == "INVALID_OBJECT_ID"

    retried = call(client, "jobs", "retry", ks=ks, id=failed)
    assert (retried["status"], retried["attempts"]) == ("pending", 0)
    with job_services.db.transaction() as db:
        row = db.get(Job, mine)
        assert row is not None
        row.status = JobStatus.SUCCEEDED
    assert error_code(call(client, "jobs", "retry", ks=ks, id=mine)) == "JOB_NOT_RETRYABLE"


def test_after_commit_runs_only_when_the_call_committed(job_services: Services) -> None:
    ran: list[str] = []

    def ok(ctx: RequestContext) -> str:
        ctx.after_commit(lambda: ran.append("ok"))
        return "fine"

    def failing(ctx: RequestContext) -> str:
        ctx.after_commit(lambda: ran.append("failing"))
        raise RuntimeError("the action fails")

    runner = ActionRunner(job_services, RequestOrigin("127.0.0.1", "/", ""))
    assert runner(ActionSpec("t", "ok", ok, KsPolicy.IGNORED, (), ()), {}) == "fine"
    with pytest.raises(RuntimeError):
        runner(ActionSpec("t", "failing", failing, KsPolicy.IGNORED, (), ()), {})
    assert ran == ["ok"]


def test_metrics_need_a_token_or_loopback(client: TestClient, job_services: Services) -> None:
    add_job(job_services, 4242, subject="partner-secret-subject")
    assert client.get("/metrics").status_code == 404  # the test client is not a loopback address
    job_services.settings.metrics_token = SecretStr("s3cret")
    assert client.get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 404
    answer = client.get("/metrics", headers={"Authorization": "Bearer s3cret"})
    assert answer.status_code == 200
    assert 'keyframe_jobs{kind="test.noop",status="pending"} 1.0' in answer.text
    assert "4242" not in answer.text and "partner-secret-subject" not in answer.text


def test_metrics_through_a_local_reverse_proxy_are_not_loopback(app: Starlette) -> None:
    """A proxy on the same host connects from 127.0.0.1 for every outside caller."""
    with TestClient(app, client=("127.0.0.1", 40000)) as local:
        assert local.get("/metrics").status_code == 200  # a scraper on this host
        for header in ("X-Forwarded-For", "Forwarded", "X-Real-IP"):
            relayed = local.get("/metrics", headers={header: "203.0.113.9"})
            assert relayed.status_code == 404, header


@inbox.webhook_kind("testsource")
def _process(run: JobRun, event: WebhookEvent) -> None:
    _processed.append(event.payload)


_processed: list[str] = []


def test_webhook_duplicates_are_ignored_and_processing_is_a_job(
    job_services: Services, runtime: object
) -> None:
    _processed.clear()
    for _ in range(3):
        with service.work(job_services) as unit:
            accepted = inbox.accept(unit, "testsource", "evt-1", b'{"event": "recording.completed"}')
        assert accepted is (_ == 0)
    with job_services.db.transaction() as db:
        event_id = db.query(WebhookEvent.id).scalar()
        job_id = db.query(Job.id).filter(Job.kind == "webhook.testsource").scalar()
    wait_status(job_services, job_id, JobStatus.SUCCEEDED)
    assert _processed == ['{"event": "recording.completed"}']
    with job_services.db.transaction() as db:
        event = db.get(WebhookEvent, event_id)
        assert event is not None and event.processed_at_ms is not None


def test_cli_list_show_retry(job_services: Services, tmp_path: Path) -> None:
    env = {"KEYFRAME_DATABASE_URL": job_services.db.url, "KEYFRAME_DATA_DIR": str(tmp_path)}
    if job_services.settings.queue_url:
        env |= {
            "KEYFRAME_QUEUE_URL": job_services.settings.queue_url,
            "KEYFRAME_QUEUE_NAME": job_services.settings.queue_name,
        }
    job_id = add_job(job_services, None, "test.permanent")
    with job_services.db.transaction() as db:
        row = db.get(Job, job_id)
        assert row is not None
        row.status, row.last_error = JobStatus.FAILED, "bad credentials"
    runner = CliRunner()
    listed = runner.invoke(cli, ["jobs", "list", "--status", "failed", "--json"], env=env)
    assert listed.exit_code == 0, listed.output
    assert [json.loads(line)["id"] for line in listed.output.splitlines()] == [job_id]
    shown = runner.invoke(cli, ["jobs", "show", str(job_id), "--json"], env=env)
    assert json.loads(shown.output)["lastError"] == "bad credentials"
    retried = runner.invoke(cli, ["jobs", "retry", str(job_id)], env=env)
    assert retried.exit_code == 0, retried.output
    again = runner.invoke(cli, ["jobs", "retry", "999999"], env=env)
    assert again.exit_code == 1 and "no job" in again.output
