"""A Keyframe served on a real socket whose Zoom app is registered in a running Zoom sandbox, plus a
browser-like client that walks the linking pages."""

from __future__ import annotations

import html
import re
import socket
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from pydantic import SecretStr

from keyframe.app import create_app
from keyframe.auth.ks_validation import KsValidator
from keyframe.config import Settings
from keyframe.db import Database
from keyframe.sandbox.zoom import ZoomSandbox
from keyframe.sandbox.zoom.state import App
from keyframe.services import Services
from keyframe.storage import LocalStorage
from keyframe.zoom.pages import ACTION_PATH
from tests.conftest import LiveServer, PartnerInfo, _clean, make_partner


class PortServer(LiveServer):
    """LiveServer on a port chosen before the app exists (the app's settings name its own URL)."""

    def __init__(self, app: Any, port: int) -> None:
        super().__init__(app)
        self.port = port
        self.server.config.port = port


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class ZoomWorld:
    zoom: ZoomSandbox
    app: App
    services: Services
    url: str

    def page(self, action: str) -> str:
        return f"{self.url}{ACTION_PATH}{action}"

    def api(self, service: str, action: str, **params: Any) -> Any:
        response = httpx.post(
            f"{self.url}/api_v3/service/{service}/action/{action}", json={"format": 1, **params}, timeout=30
        )
        assert response.status_code == 200, response.text
        return response.json()

    def admin_ks(self, partner: PartnerInfo) -> str:
        ks = self.api(
            "session",
            "start",
            secret=partner.admin_secret,
            partnerId=partner.id,
            type=2,
            userId=partner.admin_email,
        )
        assert isinstance(ks, str), ks
        return ks

    def integration_code(self, partner: PartnerInfo) -> str:
        result = self.api("vendor_zoomvendor", "generateIntegrationCode", ks=self.admin_ks(partner))
        assert result["objectType"] == "KalturaZoomIntegrationCode", result
        return str(result["code"])


@pytest.fixture
def world(database: Database, tmp_path: Path) -> Iterator[ZoomWorld]:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    with ZoomSandbox(time_scale=0.001) as zoom:
        app = zoom.register_app(
            redirect_uri=f"{url}{ACTION_PATH}oauthValidation",
            event_url=f"{url}{ACTION_PATH}recordingComplete",
            deauthorization_url=f"{url}{ACTION_PATH}deAuthorization",
        )
        settings = Settings(
            data_dir=tmp_path,
            database_url=database.url,
            public_url=url,
            zoom_client_id=app.client_id,
            zoom_client_secret=SecretStr(app.client_secret),
            zoom_webhook_secret_token=SecretStr(app.secret_token),
            zoom_base_url=zoom.url,
            zoom_api_url=f"{zoom.url}/v2",
        )
        _clean(database)
        services = Services(
            settings=settings,
            db=database,
            ks_validator=KsValidator(settings.ks_cache_size),
            storage=LocalStorage(tmp_path / "storage"),
        )
        with PortServer(create_app(settings, services), port):
            yield ZoomWorld(zoom, app, services, url)


@pytest.fixture
def acme(world: ZoomWorld) -> PartnerInfo:
    return make_partner(world.services, "Acme")


# -- the browser's side of the linking flow ------------------------------------------------------------

_INPUT = re.compile(r"<input type='hidden' name='([^']+)' value='([^']*)'>")


def hidden_fields(page: str) -> dict[str, str]:
    return {name: html.unescape(value) for name, value in _INPUT.findall(page)}


def notice(page: str) -> str:
    found = re.search(r"<p role='(?:alert|status)'[^>]*>(.*?)</p>", page, re.DOTALL)
    return html.unescape(found.group(1)) if found else ""


class Browser:
    """A person's browser: keeps cookies, follows redirects, submits the pages' forms."""

    def __init__(self, world: ZoomWorld) -> None:
        self.world = world
        self.http = httpx.Client(follow_redirects=True, timeout=30)

    def install(self, zoom_user: str) -> httpx.Response:
        """Install the app from the Marketplace as ``zoom_user``: Keyframe's install link → Zoom's approval
        page → allow → back at Keyframe's oauthValidation page (the integration-code form)."""
        approval = self.http.get(self.world.page("preOauthValidation"))
        assert approval.status_code == 200 and "Allow this app?" in approval.text, approval.text
        form = hidden_fields(approval.text)
        page = self.http.post(
            f"{self.world.zoom.url}/oauth/authorize", data={**form, "user": zoom_user, "decision": "allow"}
        )
        assert page.url.path.endswith("/oauthValidation"), page.url
        return page

    def enter_code(self, page: httpx.Response, code: str) -> httpx.Response:
        form = hidden_fields(page.text)
        return self.http.post(
            self.world.page("fetchRegistrationPage"), data={**form, "integrationCode": code}
        )

    def submit_settings(self, page: httpx.Response, **changes: str | None) -> httpx.Response:
        """Submit the registration form as shown, with ``changes`` (None unticks a box)."""
        data: dict[str, str] = hidden_fields(page.text)
        for name, value in re.findall(
            r"<input type='text' id='[^']+' name='([^']+)' value='([^']*)'", page.text
        ):
            data[name] = html.unescape(value)
        for name in re.findall(r"<input type='checkbox' id='[^']+' name='([^']+)' checked>", page.text):
            data[name] = "on"
        for name, options in re.findall(r"<select id='[^']+' name='([^']+)'>(.*?)</select>", page.text):
            selected = re.search(r"<option value='([^']*)' selected>", options)
            data[name] = selected.group(1) if selected else re.findall(r"<option value='([^']*)'", options)[0]
        for name, text in re.findall(
            r"<textarea id='[^']+' name='(opt\w+)'[^>]*>(.*?)</textarea>", page.text
        ):
            data[name] = html.unescape(text)
        for name, value in changes.items():
            if value is None:
                data.pop(name, None)
            else:
                data[name] = value
        return self.http.post(self.world.page("fetchRegistrationPage"), data=data)

    def local_registration(self, ks: str, account_id: str) -> httpx.Response:
        """The on-premises page: its form (GET), then the KS and account ID POSTed with its CSRF token."""
        page = self.http.get(self.world.page("localRegistrationPage"))
        assert page.status_code == 200, page.text
        form = hidden_fields(page.text)
        return self.http.post(
            self.world.page("localRegistrationPage"), data={**form, "ks": ks, "zoomAccountId": account_id}
        )

    def link(self, zoom_user: str, code: str) -> httpx.Response:
        return self.enter_code(self.install(zoom_user), code)

    def close(self) -> None:
        self.http.close()


@pytest.fixture
def browser(world: ZoomWorld) -> Iterator[Browser]:
    b = Browser(world)
    yield b
    b.close()
