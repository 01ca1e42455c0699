"""Small helpers for calling api_v3 in tests."""

from __future__ import annotations

import json
import threading
import xml.etree.ElementTree as ET
from collections.abc import Callable
from typing import Any

from starlette.testclient import TestClient


def call(client: TestClient, service: str, action: str, **params: Any) -> Any:
    """POST a JSON body as the official client does, ask for JSON back, and return the decoded result."""
    body = {"format": "1", **{k: v for k, v in params.items()}}
    response = client.post(f"/api_v3/service/{service}/action/{action}", json=body)
    assert response.status_code == 200, response.text
    return json.loads(response.content)


def call_xml(client: TestClient, service: str, action: str, **params: Any) -> ET.Element:
    """POST a JSON body and return the parsed ``<result>`` element of the XML answer."""
    response = client.post(f"/api_v3/service/{service}/action/{action}", json=params)
    assert response.status_code == 200, response.text
    root = ET.fromstring(response.content)
    result = root.find("result")
    assert result is not None
    return result


def error_code(result: Any) -> str | None:
    """The Kaltura error code of a JSON result, or None when it is not an error."""
    if isinstance(result, dict) and result.get("objectType") == "KalturaAPIException":
        return str(result["code"])
    return None


def start_session(
    client: TestClient, partner_id: int, secret: str, *, type: int = 2, user: str = "", privileges: str = ""
) -> str:
    result = call(
        client,
        "session",
        "start",
        secret=secret,
        partnerId=str(partner_id),
        type=str(type),
        userId=user,
        privileges=privileges,
    )
    assert isinstance(result, str), result
    return result


def at_once(*calls: Callable[[], Any]) -> list[Any]:
    """Run each call in its own thread, released together; their results (or the exceptions raised)."""
    barrier = threading.Barrier(len(calls))
    results: list[Any] = [None] * len(calls)

    def run(index: int) -> None:
        barrier.wait()
        try:
            results[index] = calls[index]()
        except Exception as error:  # reported to the test
            results[index] = error

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return results
