"""The ASGI application: api_v3, health, the console, and (later) vendor pages."""

from __future__ import annotations

import importlib
import logging
import re
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import anyio.to_thread
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route, request_response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from keyframe import console, crypto
from keyframe.auth.ks_validation import RequestOrigin
from keyframe.auth.runner import ActionRunner
from keyframe.config import Settings
from keyframe.jobs import metrics
from keyframe.jobs.runtime import JobRuntime, load_job_kinds
from keyframe.kapi.dispatch import Runner
from keyframe.kapi.endpoint import ApiV3Endpoint
from keyframe.kapi.registry import REGISTRY
from keyframe.media import download as media_download
from keyframe.services import Services
from keyframe.zoom import pages as zoom_pages

access_log = logging.getLogger("keyframe.access")

_SLASHES = re.compile(r"/{2,}")
# Parameters can travel in the path (``/ks/<ks>``, ``/secret/<secret>``…): the access log keeps only what
# names the call.
_API_PATH = re.compile(r"^(/api_v3(?:/index\.php)?(?:/service/[^/]+(?:/action/[^/]+)?)?)(?:/.*)?$", re.DOTALL)
# Media URLs carry a KS as a ``/ks/<ks>`` path pair (upstream's form): every segment after a ``ks``
# segment is hidden, so ``/ks/ks/<ks>`` hides the KS too.
_PATH_KS = re.compile(r"(?<=/ks)/[^/]*", re.IGNORECASE)


# Every domain's actions module; importing one registers its actions.
ACTION_MODULES = (
    "keyframe.audit.actions",
    "keyframe.auth.actions",
    "keyframe.categories.actions",
    "keyframe.categories.entry_actions",
    "keyframe.categories.member_actions",
    "keyframe.groups.actions",
    "keyframe.jobs.actions",
    "keyframe.media.actions",
    "keyframe.partners.actions",
    "keyframe.roles.actions",
    "keyframe.system.actions",
    "keyframe.uploads.actions",
    "keyframe.users.actions",
    "keyframe.zoom.actions",
)


def load_actions() -> None:
    for name in ACTION_MODULES:
        importlib.import_module(name)


def create_app(
    settings: Settings | None = None, services: Services | None = None, *, run_jobs: bool = False
) -> Starlette:
    """``run_jobs``: also work the job queue in this process (``keyframe serve`` on the embedded queue)."""
    settings = settings or Settings()
    crypto.master_key(settings)  # a missing or short key stops the start, not the first request using it
    services = services or Services.create(settings)
    load_actions()
    load_job_kinds()
    jobs = JobRuntime(services) if run_jobs else None

    def runner_for(request: Request, header_ks: str | None) -> Runner:
        origin = RequestOrigin(
            client_ip(request, settings), api_call_path(request.url.path), request.url.query
        )
        return ActionRunner(services, origin, header_ks)

    api = ApiV3Endpoint(
        REGISTRY,
        runner_for,
        settings.max_body_bytes,
        services.storage.stage,
        max_file_bytes=settings.max_file_bytes,
    )

    @asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        if jobs is not None:
            jobs.start()
        yield
        if jobs is not None:
            await anyio.to_thread.run_sync(jobs.stop)  # running jobs may take a while to finish
        services.close()

    async def health(_request: Request) -> Response:
        return PlainTextResponse("ok")

    downloads = media_download.routes(services, lambda request: client_ip(request, settings))
    routes = [Route("/healthz", health), metrics.route(services), *console.routes(), *downloads]
    app = Starlette(routes=routes, lifespan=lifespan)
    app.state.services = services
    app.add_middleware(ApiV3Prefix, endpoint=request_response(api.handle))
    app.add_middleware(zoom_pages.ZoomEndpoints, services=services)  # Zoom's pages and webhooks under /api_v3
    app.add_middleware(AccessLog)
    app.add_middleware(CollapseSlashes)
    return app


def api_call_path(path: str) -> str:
    """The path a KS's ``urirestrict`` is matched against: up to the action, without the parameters that
    api_v3 also takes as path segments — else ``/api_v3/service/partner/action/getInfo/x/allowedPage``
    would pass a restriction to ``*allowedPage*`` (a Zoom integration code is such an admin KS)."""
    match = _API_PATH.match(path)
    return match.group(1) if match else path


def client_ip(request: Request, settings: Settings) -> str | None:
    """The caller's address; ``X-Forwarded-For`` counts only when the peer is a trusted proxy."""
    peer = request.client.host if request.client else None
    forwarded = request.headers.get("x-forwarded-for")
    if not forwarded or peer not in settings.trusted_proxies:
        return peer
    # Read from the right: each trusted proxy appended the address it saw; the first address that is not
    # a trusted proxy is the client (anything left of it the client may have made up).
    for address in reversed([a.strip() for a in forwarded.split(",")]):
        if address and address not in settings.trusted_proxies:
            return address
    return peer


class CollapseSlashes:
    """``//api_v3/…`` (as some clients build it) is the same as ``/api_v3/…``."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and "//" in scope["path"]:
            scope = dict(scope, path=_SLASHES.sub("/", scope["path"]))
        await self.app(scope, receive, send)


class ApiV3Prefix:
    """Everything under ``/api_v3`` goes to the api_v3 endpoint, whatever the path holds (a router's path
    pattern would turn an encoded newline into a plain 404 instead of a Kaltura error)."""

    def __init__(self, app: ASGIApp, endpoint: ASGIApp) -> None:
        self.app = app
        self.endpoint = endpoint

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        if scope["type"] == "http" and (path == "/api_v3" or path.startswith("/api_v3/")):
            await self.endpoint(scope, receive, send)
        else:
            await self.app(scope, receive, send)


class AccessLog:
    """One line per request, with any path KS redacted and no query string (it may carry a KS)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 0

        async def send_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(str(message["status"]))
            await send(message)

        try:
            await self.app(scope, receive, send_status)
        finally:
            if access_log.isEnabledFor(logging.INFO):
                access_log.info(
                    "%s %s %s %.1fms",
                    scope["method"],
                    _PATH_KS.sub("/***", _API_PATH.sub(r"\1", scope["path"])),
                    status,
                    (time.perf_counter() - started) * 1000,
                )
