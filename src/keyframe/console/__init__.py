"""The web console: static HTML, CSS and ES modules served by Keyframe, talking to ``/api_v3`` like any other
client. Every console response carries a strict Content-Security-Policy (no inline scripts or styles)."""

from __future__ import annotations

from pathlib import Path

from starlette.requests import Request
from starlette.responses import FileResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Mount, Route, request_response
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

STATIC_DIR = Path(__file__).parent / "static"

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
    "frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
)
SECURITY_HEADERS: tuple[tuple[bytes, bytes], ...] = (
    (b"content-security-policy", CONTENT_SECURITY_POLICY.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
)

# Every console page is the same shell; the script renders the page its URL names.
PAGES = ("/", "/login", "/home", "/settings/integration")
# Settings opens on its first tab, as the gear icon does in KMC.
FIRST_SETTINGS_TAB = "/settings/integration"


class SecurityHeaders:
    """Adds the console's security headers to every response of the wrapped app."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                names = {b"content-security-policy", b"x-content-type-options", b"referrer-policy"}
                headers = [(k, v) for k, v in message.get("headers", []) if k.lower() not in names]
                message = dict(message, headers=[*headers, *SECURITY_HEADERS])
            await send(message)

        await self.app(scope, receive, send_with_headers)


async def _page(_request: Request) -> Response:
    # The shell is tiny and changes with each release; never let a browser keep a stale one.
    return FileResponse(STATIC_DIR / "index.html", headers={"cache-control": "no-cache"})


async def _settings(_request: Request) -> Response:
    return RedirectResponse(FIRST_SETTINGS_TAB, status_code=302)


def routes() -> list[BaseRoute]:
    """The console's page routes and its static files (under ``/console/static``)."""
    pages: list[BaseRoute] = [Route(path, SecurityHeaders(request_response(_page))) for path in PAGES]
    return [
        *pages,
        Route("/settings", SecurityHeaders(request_response(_settings))),
        Mount("/console/static", app=SecurityHeaders(StaticFiles(directory=STATIC_DIR))),
    ]
