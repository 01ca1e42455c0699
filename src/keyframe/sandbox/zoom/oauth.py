"""Zoom's OAuth: the ``/oauth/authorize`` approval page and the ``/oauth/token`` endpoint.

- Authorization code: the page (a form a person or a test submits) redirects to the app's registered
  redirect URI with ``code`` and ``state``; the code is single use and expires (5 minutes at Zoom).
  PKCE (``code_challenge``, S256 or plain) is honoured when the client sends it.
- Refresh tokens rotate: each refresh answers a new one and the old one stops working at once.
- ``account_credentials`` (Server-to-Server OAuth): an access token for the app's own account, no
  refresh token.
- The client authenticates with HTTP Basic; token errors are Zoom's ``{"reason", "error"}`` JSON.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import timedelta
from html import escape
from typing import TYPE_CHECKING
from urllib.parse import parse_qsl, urlencode

from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from keyframe.sandbox.zoom.state import App, AppKind, AuthCode, Grant, User, utcnow

if TYPE_CHECKING:
    from keyframe.sandbox.zoom.sandbox import ZoomSandbox

PAGE_HEADERS = {
    "content-security-policy": "default-src 'none'; style-src 'unsafe-inline'; form-action *",
    "x-frame-options": "DENY",
    "referrer-policy": "no-referrer",
}


class OAuthError(Exception):
    def __init__(self, status: int, error: str, reason: str) -> None:
        super().__init__(reason)
        self.status, self.error, self.reason = status, error, reason

    def response(self) -> JSONResponse:
        return JSONResponse({"reason": self.reason, "error": self.error}, status_code=self.status)


@dataclass(frozen=True)
class TokenSet:
    access_token: str
    expires_in: int
    scope: str
    refresh_token: str | None = None

    def as_json(self, api_url: str) -> dict[str, object]:
        data: dict[str, object] = {
            "access_token": self.access_token,
            "token_type": "bearer",
            "expires_in": self.expires_in,
            "scope": self.scope,
            "api_url": api_url,
        }
        if self.refresh_token is not None:
            data["refresh_token"] = self.refresh_token
        return data


# -- the rules, used by the routes and by the sandbox's Python API -------------------------------------


def approve(sandbox: ZoomSandbox, app: App, redirect_uri: str, user: User, challenge: Challenge) -> str:
    """The user installs the app: a fresh authorization code for ``redirect_uri``."""
    code = secrets.token_urlsafe(24)
    with sandbox.state.lock:
        sandbox.state.codes[code] = AuthCode(
            client_id=app.client_id,
            redirect_uri=redirect_uri,
            user_id=user.id,
            expires_at=utcnow() + timedelta(seconds=sandbox.config.code_ttl),
            code_challenge=challenge.value,
            code_challenge_method=challenge.method,
        )
        app.installed_accounts.add(user.account_id)
    return code


def exchange_code(
    sandbox: ZoomSandbox, app: App, code: str, redirect_uri: str, verifier: str | None
) -> TokenSet:
    state = sandbox.state
    with state.lock:
        grant = state.codes.pop(code, None)  # single use, even when the exchange fails below
        if grant is None or grant.client_id != app.client_id or grant.expires_at <= utcnow():
            raise OAuthError(400, "invalid_request", "Invalid authorization code")
        if grant.redirect_uri != redirect_uri:
            raise OAuthError(400, "invalid_request", "Redirect URI mismatch.")
        if grant.code_challenge is not None and not _pkce_ok(grant, verifier):
            raise OAuthError(400, "invalid_request", "Invalid code verifier.")
        user = state.users[grant.user_id]
        return _issue(sandbox, app, user.account_id, user.id, with_refresh=True)


def refresh(sandbox: ZoomSandbox, app: App, refresh_token: str) -> TokenSet:
    state = sandbox.state
    with state.lock:
        grant = state.refresh_tokens.get(refresh_token)
        if grant is None or grant.client_id != app.client_id or grant.expires_at <= utcnow():
            raise OAuthError(400, "invalid_request", "Invalid Token!")
        del state.refresh_tokens[refresh_token]  # rotation: the old refresh token is spent
        return _issue(sandbox, app, grant.account_id, grant.user_id, with_refresh=True)


def account_credentials(sandbox: ZoomSandbox, app: App, account_id: str) -> TokenSet:
    if app.kind is not AppKind.S2S:
        raise OAuthError(400, "unsupported_grant_type", "Unsupported grant type")
    if account_id != app.account_id:
        raise OAuthError(400, "invalid_request", "Invalid account_id.")
    with sandbox.state.lock:
        return _issue(sandbox, app, account_id, None, with_refresh=False)


def _issue(
    sandbox: ZoomSandbox, app: App, account_id: str, user_id: str | None, with_refresh: bool
) -> TokenSet:
    config, state = sandbox.config, sandbox.state
    now = utcnow()
    access = secrets.token_urlsafe(32)
    state.access_tokens[access] = Grant(
        app.client_id, account_id, user_id, list(app.scopes), now + timedelta(seconds=config.access_token_ttl)
    )
    refresh_token = None
    if with_refresh:
        refresh_token = secrets.token_urlsafe(32)
        state.refresh_tokens[refresh_token] = Grant(
            app.client_id,
            account_id,
            user_id,
            list(app.scopes),
            now + timedelta(seconds=config.refresh_token_ttl),
        )
    return TokenSet(access, config.access_token_ttl, " ".join(app.scopes), refresh_token)


@dataclass(frozen=True)
class Challenge:
    value: str | None = None
    method: str | None = None


def _pkce_ok(grant: AuthCode, verifier: str | None) -> bool:
    if not verifier or grant.code_challenge is None:
        return False
    if (grant.code_challenge_method or "plain").upper() == "S256":
        digest = hashlib.sha256(verifier.encode()).digest()
        expected = base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
    else:
        expected = verifier
    return hmac.compare_digest(expected, grant.code_challenge)


def client_from_basic(sandbox: ZoomSandbox, header: str) -> App:
    scheme, _, encoded = header.partition(" ")
    if scheme.lower() != "basic" or not encoded:
        raise OAuthError(401, "invalid_client", "Client ID or client secret is missing.")
    try:
        client_id, _, client_secret = base64.b64decode(encoded, validate=True).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError):
        raise OAuthError(401, "invalid_client", "Invalid client_id or client_secret") from None
    app = sandbox.state.apps.get(client_id)
    if app is None or not hmac.compare_digest(app.client_secret.encode(), client_secret.encode()):
        raise OAuthError(401, "invalid_client", "Invalid client_id or client_secret")
    return app


# -- routes --------------------------------------------------------------------------------------------


def routes(sandbox: ZoomSandbox) -> list[Route]:
    async def authorize_page(request: Request) -> Response:
        params = dict(request.query_params)
        if request.method == "POST":
            params = dict(parse_qsl((await request.body()).decode(), keep_blank_values=True))
        app = sandbox.state.apps.get(params.get("client_id", ""))
        if app is None or app.kind is not AppKind.OAUTH:
            return _page(
                "Invalid client_id", "This app does not exist or cannot be installed by a user.", 400
            )
        redirect_uri = params.get("redirect_uri", "")
        if redirect_uri not in app.redirect_uris:
            # Never redirect to an address the app did not register: say so on the page instead.
            return _page("Redirect URI mismatch", "The redirect_uri is not registered for this app.", 400)
        state_param = params.get("state")
        if params.get("response_type", "code") != "code":
            return _redirect(redirect_uri, {"error": "unsupported_response_type"}, state_param)
        challenge = Challenge(
            params.get("code_challenge") or None, params.get("code_challenge_method") or None
        )
        if request.method == "GET":
            return _approval_form(sandbox, app, params)
        if params.get("decision") != "allow":
            return _redirect(redirect_uri, {"error": "access_denied"}, state_param)
        with sandbox.state.lock:
            user = sandbox.find_user(params.get("user", ""))
        if user is None:
            return _page("Unknown user", "No sandbox user has that id or e-mail.", 400)
        code = approve(sandbox, app, redirect_uri, user, challenge)
        request.scope.setdefault("state", {})["log_note"] = "approved"
        return _redirect(redirect_uri, {"code": code}, state_param)

    async def token(request: Request) -> Response:
        params = dict(request.query_params)  # Zoom takes grant_type and account_id in the query too
        params.update(parse_qsl((await request.body()).decode(), keep_blank_values=True))
        grant_type = params.get("grant_type", "")
        request.scope.setdefault("state", {})["log_note"] = grant_type
        try:
            app = client_from_basic(sandbox, request.headers.get("authorization", ""))
            if grant_type == "authorization_code":
                tokens = exchange_code(
                    sandbox,
                    app,
                    params.get("code", ""),
                    params.get("redirect_uri", ""),
                    params.get("code_verifier"),
                )
            elif grant_type == "refresh_token":
                tokens = refresh(sandbox, app, params.get("refresh_token", ""))
            elif grant_type == "account_credentials":
                tokens = account_credentials(sandbox, app, params.get("account_id", ""))
            elif not grant_type:
                raise OAuthError(400, "invalid_request", "Missing grant type.")
            else:
                raise OAuthError(400, "unsupported_grant_type", "Unsupported grant type")
        except OAuthError as error:
            return error.response()
        return JSONResponse(tokens.as_json(sandbox.url), headers={"cache-control": "no-store"})

    return [
        Route("/oauth/authorize", authorize_page, methods=["GET", "POST"]),
        Route("/oauth/token", token, methods=["POST"]),
    ]


def _redirect(redirect_uri: str, params: dict[str, str], state: str | None) -> RedirectResponse:
    if state is not None:
        params = {**params, "state": state}
    separator = "&" if "?" in redirect_uri else "?"
    return RedirectResponse(redirect_uri + separator + urlencode(params), status_code=302)


def _page(title: str, message: str, status: int = 200, body: str = "") -> HTMLResponse:
    html = (
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>"
        f"<title>{escape(title)} – Zoom sandbox</title></head>"
        f"<body><h1>{escape(title)}</h1><p>{escape(message)}</p>{body}</body></html>"
    )
    return HTMLResponse(html, status_code=status, headers=PAGE_HEADERS)


def _approval_form(sandbox: ZoomSandbox, app: App, params: dict[str, str]) -> HTMLResponse:
    hidden = "".join(
        f"<input type='hidden' name='{escape(name)}' value='{escape(params[name])}'>"
        for name in (
            "client_id",
            "redirect_uri",
            "state",
            "response_type",
            "code_challenge",
            "code_challenge_method",
        )
        if name in params
    )
    with sandbox.state.lock:
        users = sorted(sandbox.state.users.values(), key=lambda u: u.email)
        options = "".join(f"<option value='{escape(u.id)}'>{escape(u.email)}</option>" for u in users)
    form = (
        "<form method='post' action='/oauth/authorize'>"
        f"{hidden}<label for='user'>Sign in as</label> <select id='user' name='user'>{options}</select>"
        "<p><button type='submit' name='decision' value='allow'>Allow</button> "
        "<button type='submit' name='decision' value='deny'>Decline</button></p></form>"
    )
    message = (
        f"The app {app.client_id} asks to access your Zoom account ({', '.join(app.scopes) or 'no scopes'})."
    )
    return _page("Allow this app?", message, body=form)
