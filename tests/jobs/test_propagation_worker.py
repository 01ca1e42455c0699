"""Privacy-context propagation run by a real worker: labels set and removed through the API, the
``categories.propagate_contexts`` job taken from the queue by an in-process worker (Huey threads) or by a
``keyframe worker`` process; SQLite with the embedded queue, PostgreSQL with Redis (see conftest)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import select
from starlette.testclient import TestClient

from keyframe.categories.api import PROPAGATE_CONTEXTS
from keyframe.jobs.models import Job, JobStatus
from keyframe.services import Services
from tests.api.category_support import add, admin_ks, entitled_partner, get, update
from tests.chaos.conftest import spawn_worker
from tests.conftest import PartnerInfo
from tests.helpers import call
from tests.jobs.support import wait_for

__all__ = ["admin_ks", "entitled_partner", "spawn_worker"]


@pytest.fixture(params=["in-process", "process"])
def worker(request: pytest.FixtureRequest, job_services: Services) -> str:
    """A worker on the test's database and queue: the job runtime's threads, or a worker process."""
    if request.param == "in-process":
        request.getfixturevalue("runtime")
    else:
        spawn: Callable[..., Any] = request.getfixturevalue("spawn_worker")
        spawn()
    return str(request.param)


def wait_propagated(services: Services, root_id: int) -> None:
    """Until the subtree's job has succeeded (the call that scheduled it has committed, so it is pending,
    running or done: never a stale success). A failed job fails the test with its error."""

    def done() -> bool:
        with services.db.transaction() as db:
            job = db.scalar(select(Job).where(Job.kind == PROPAGATE_CONTEXTS, Job.subject_id == str(root_id)))
            assert job is not None, "no propagation job was scheduled"
            assert job.status != JobStatus.FAILED, job.last_error
            return job.status == JobStatus.SUCCEEDED and not job.rerun

    wait_for(done, timeout=60)


def member_ids(client: TestClient, ks: str, category_id: int) -> list[str]:
    result = call(
        client,
        "categoryUser",
        "list",
        ks=ks,
        filter={"objectType": "KalturaCategoryUserFilter", "categoryIdEqual": category_id},
    )
    return sorted(o["userId"] for o in result.get("objects") or [])


def test_labels_reach_the_subtree_and_removing_the_last_resets_it(
    job_services: Services,
    worker: str,
    client: TestClient,
    admin_ks: str,
    entitled_partner: PartnerInfo,
) -> None:
    admin_user = entitled_partner.admin_email.lower()
    root = add(client, admin_ks, name="Root")["id"]
    a = add(client, admin_ks, name="A", parentId=root)["id"]
    a1 = add(client, admin_ks, name="A1", parentId=a)["id"]
    b = add(client, admin_ks, name="B", parentId=root, privacyContext="LMSApp")["id"]  # its own label
    b1 = add(client, admin_ks, name="B1", parentId=b)["id"]
    call(
        client,
        "categoryUser",
        "add",
        ks=admin_ks,
        categoryUser={
            "objectType": "KalturaCategoryUser",
            "categoryId": b,
            "userId": "ben",
            "permissionLevel": 3,
        },
    )

    update(client, admin_ks, root, privacyContext="MediaSpace")
    wait_propagated(job_services, root)
    contexts = {c: get(client, admin_ks, c)["privacyContexts"] for c in (root, a, a1, b, b1)}
    assert contexts == {
        root: "MediaSpace",
        a: "MediaSpace",
        a1: "MediaSpace",
        b: "MediaSpace,LMSApp",
        b1: "MediaSpace,LMSApp",
    }

    # Entitlement values the branch may now hold: A private with an owner and a member, A1 inheriting.
    update(client, admin_ks, a, privacy=3, appearInList=3, contributionPolicy=2, owner="olga")
    call(
        client,
        "categoryUser",
        "add",
        ks=admin_ks,
        categoryUser={
            "objectType": "KalturaCategoryUser",
            "categoryId": a,
            "userId": "mia",
            "permissionLevel": 3,
        },
    )
    assert update(client, admin_ks, a1, inheritanceType=1)["inheritedParentId"] == a
    assert member_ids(client, admin_ks, a) == ["mia", "olga"]

    # Removing the last label of Root's branch: it reverts to the defaults and loses its members; B keeps
    # its own label, and with it its values and members.
    update(client, admin_ks, root, privacyContext="")
    wait_propagated(job_services, root)
    reset = get(client, admin_ks, a)
    assert (
        reset["privacyContexts"],
        reset["privacy"],
        reset["appearInList"],
        reset["contributionPolicy"],
        reset["owner"],
        reset["membersCount"],
    ) == ("", 1, 1, 1, "", 0)
    assert member_ids(client, admin_ks, a) == []
    manual = get(client, admin_ks, a1)
    assert (manual["privacyContexts"], manual["inheritanceType"], manual["inheritedParentId"]) == ("", 2, a1)
    kept = get(client, admin_ks, b)
    assert (kept["privacyContexts"], kept["owner"]) == ("LMSApp", admin_user)
    assert member_ids(client, admin_ks, b) == sorted(["ben", admin_user])
    assert get(client, admin_ks, b1)["privacyContexts"] == "LMSApp"
    assert get(client, admin_ks, root)["privacyContexts"] == ""
