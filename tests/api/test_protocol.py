"""The ways api_v3 requests arrive (URLs, encodings, formats) and how answers are shaped."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

from starlette.testclient import TestClient

from tests.conftest import PartnerInfo
from tests.helpers import call, call_xml, start_session


def xml_result(body: bytes) -> ET.Element:
    result = ET.fromstring(body).find("result")
    assert result is not None
    return result


def test_xml_is_the_default_and_errors_are_http_200(client: TestClient) -> None:
    response = client.post("/api_v3/service/partner/action/getInfo", json={})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/xml")
    assert response.content.startswith(b'<?xml version="1.0" encoding="utf-8"?><xml><result>')
    assert xml_result(response.content).findtext("error/code") == "MISSING_KS"


def test_object_xml_for_the_official_client(client: TestClient, partner: PartnerInfo) -> None:
    ks = start_session(client, partner.id, partner.admin_secret)
    result = call_xml(client, "partner", "getInfo", ks=ks)
    assert result.findtext("objectType") == "KalturaPartner"
    assert result.findtext("id") == str(partner.id)
    website = result.find("website")
    assert website is not None


def test_get_with_query_string_and_index_php(client: TestClient, partner: PartnerInfo) -> None:
    ks = start_session(client, partner.id, partner.admin_secret)
    response = client.get(f"/api_v3/index.php?service=partner&action=getInfo&ks={ks}&format=1")
    assert response.json()["id"] == partner.id
    response = client.get(f"/api_v3/?service=partner&action=getInfo&ks={ks}&format=1")
    assert response.json()["id"] == partner.id


def test_path_style_parameters_and_doubled_slash(client: TestClient, partner: PartnerInfo) -> None:
    ks = start_session(client, partner.id, partner.admin_secret)
    response = client.get(f"http://testserver//api_v3/service/partner/action/getInfo/ks/{ks}/format/1")
    assert response.json()["id"] == partner.id
    response = client.post(f"/api_v3/index.php/service/partner/action/getInfo/ks/{ks}?format=1")
    assert response.json()["id"] == partner.id


def test_form_urlencoded_with_flattened_names(client: TestClient, partner: PartnerInfo) -> None:
    response = client.post(
        "/api_v3/service/multirequest",
        data={
            "format": "1",
            "1:service": "session",
            "1:action": "start",
            "1:secret": partner.admin_secret,
            "1:partnerId": str(partner.id),
            "1:type": "2",
            "2:service": "partner",
            "2:action": "getInfo",
            "2:ks": "{1:result}",
        },
    )
    first, second = response.json()
    assert first.startswith("djJ8")
    assert second["id"] == partner.id


def test_multipart_with_a_json_part(client: TestClient, partner: PartnerInfo) -> None:
    body = json.dumps(
        {"format": "1", "secret": partner.admin_secret, "partnerId": str(partner.id), "type": "2"}
    )
    response = client.post(
        "/api_v3/service/session/action/start",
        files={"json": (None, body), "fileData": ("f.bin", b"hello", "application/octet-stream")},
    )
    assert response.json().startswith("djJ8")


def test_names_are_case_insensitive(client: TestClient) -> None:
    assert client.post("/api_v3/service/SYSTEM/action/PING", json={"format": "1"}).json() is True
    assert call(client, "System", "getTIME") > 0


def test_unknown_service_and_action(client: TestClient) -> None:
    assert call(client, "nope", "x")["code"] == "SERVICE_DOES_NOT_EXISTS"
    unknown = call(client, "system", "nope")
    assert unknown["message"] == 'Action "nope" does not exists for service "system"'
    assert client.post("/api_v3/", json={"format": "1"}).json()["code"] == "SERVICE_NOT_SPECIFIED"


def test_bad_parameter_values_are_kaltura_errors(client: TestClient, partner: PartnerInfo) -> None:
    bad_type = call(
        client, "session", "start", secret=partner.admin_secret, partnerId=str(partner.id), type="7"
    )
    assert bad_type["code"] == "INVALID_ENUM_VALUE"
    assert bad_type["message"] == (
        'Invalid enumeration value "7" for parameter "type", expecting enumeration type "KalturaSessionType"'
    )
    assert call(client, "session", "start", secret=partner.admin_secret, partnerId="x1")["code"] == (
        "PROPERTY_VALIDATION_NUMERIC_VALUE"
    )
    assert (
        call(client, "session", "start", partnerId=str(partner.id))["code"] == "MISSING_MANDATORY_PARAMETER"
    )


def test_booleans_and_nulls_as_the_client_sends_them(client: TestClient, partner: PartnerInfo) -> None:
    # "True"/"False" strings and "<name>__null" markers at the top level fall back to defaults.
    ks = call(
        client,
        "session",
        "start",
        secret=partner.admin_secret,
        partnerId=str(partner.id),
        type="2",
        privileges__null="",
    )
    assert call(client, "session", "get", ks=ks)["privileges"] == ""


def test_multirequest_with_errors_in_place(client: TestClient, partner: PartnerInfo) -> None:
    response = client.post(
        "/api_v3/service/multirequest",
        json={
            "format": "2",
            "0": {
                "service": "session",
                "action": "start",
                "secret": partner.admin_secret,
                "partnerId": str(partner.id),
                "type": "2",
            },
            "1": {"service": "partner", "action": "getInfo", "ks": "{1:result}"},
            "2": {"service": "partner", "action": "get", "ks": "{1:result}", "id": "1"},
            "3": {"service": "session", "action": "get", "ks": "{1:result}", "session": "{1:result}"},
        },
    )
    items = list(xml_result(response.content))
    assert [i.tag for i in items] == ["item"] * 4
    assert items[1].findtext("id") == str(partner.id)
    assert items[2].findtext("error/code") == "INVALID_PARTNER_ID"
    assert items[3].findtext("objectType") == "KalturaSessionInfo"


def test_json_multirequest_is_an_array(client: TestClient) -> None:
    response = client.post(
        "/api_v3/service/multirequest",
        json={
            "format": "1",
            "0": {"service": "system", "action": "ping"},
            "1": {"service": "x", "action": "y"},
        },
    )
    first, second = response.json()
    assert first is True
    assert second["code"] == "SERVICE_DOES_NOT_EXISTS"


def test_oversized_bodies_are_refused(client: TestClient, services: object) -> None:
    response = client.post(
        "/api_v3/service/system/action/ping",
        content=b"{" + b" " * (11 * 1024 * 1024) + b"}",
        headers={"content-type": "application/json"},
    )
    assert xml_result(response.content).findtext("error/code") == "REQUEST_TOO_LARGE"


def test_health(client: TestClient) -> None:
    assert client.get("/healthz").text == "ok"
    assert "/api_v3/" in client.get("/").text
