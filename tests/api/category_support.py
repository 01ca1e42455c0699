"""Helpers for the category tests: an entitlement partner, sessions and short calls."""

from __future__ import annotations

from typing import Any

import pytest
from starlette.testclient import TestClient

from keyframe.roles import service as roles
from keyframe.services import Services
from tests.conftest import PartnerInfo
from tests.helpers import call, error_code, start_session


@pytest.fixture
def entitled_partner(services: Services, partner: PartnerInfo) -> PartnerInfo:
    """The partner with FEATURE_ENTITLEMENT (needed to set privacy contexts)."""
    with services.db.transaction() as db:
        roles.set_features(db, partner.id, ["FEATURE_ENTITLEMENT"], [])
    return partner


@pytest.fixture
def admin_ks(client: TestClient, entitled_partner: PartnerInfo) -> str:
    """An ADMIN session of the account owner (a user with the administrator role), as KMC's."""
    p = entitled_partner
    return start_session(
        client, p.id, p.admin_secret, user=p.admin_email.lower(), privileges="disableentitlement"
    )


def add(client: TestClient, ks: str, **fields: Any) -> dict[str, Any]:
    made = call(client, "category", "add", ks=ks, category={"objectType": "KalturaCategory", **fields})
    assert made.get("objectType") == "KalturaCategory", made
    return made  # type: ignore[no-any-return]


def add_error(client: TestClient, ks: str, **fields: Any) -> str | None:
    return error_code(
        call(client, "category", "add", ks=ks, category={"objectType": "KalturaCategory", **fields})
    )


def update(client: TestClient, ks: str, category_id: int, **fields: Any) -> Any:
    return call(
        client,
        "category",
        "update",
        ks=ks,
        id=category_id,
        category={"objectType": "KalturaCategory", **fields},
    )


def get(client: TestClient, ks: str, category_id: int) -> dict[str, Any]:
    found = call(client, "category", "get", ks=ks, id=category_id)
    assert found.get("objectType") == "KalturaCategory", found
    return found  # type: ignore[no-any-return]


def listed(client: TestClient, ks: str, **f: Any) -> list[int]:
    result = call(client, "category", "list", ks=ks, filter={"objectType": "KalturaCategoryFilter", **f})
    assert result.get("objectType") == "KalturaCategoryListResponse", result
    return [o["id"] for o in result.get("objects") or []]
