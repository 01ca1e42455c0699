"""The linking pages and Zoom's endpoints, at upstream's paths under
``/api_v3/service/vendor_zoomvendor/action/…`` (reference §1.4, §1.5.1):

- ``oauthValidation`` — Zoom's OAuth redirect: asks for the integration code (the OAuth ``code`` rides along
  in a hidden field). ``preOauthValidation`` without a code sends the browser to Zoom's authorize page with
  a ``state`` bound to this browser; with one it is the redirect (a code is only ever taken by POST, with
  the CSRF token). The redirect and the linking POST both need the ``state`` the browser's own cookie
  vouches for, so a code obtained in someone else's browser (login CSRF, code injection) links nothing.
- ``fetchRegistrationPage`` (POST) — with ``code`` and ``integrationCode``: links the account
  (``linking.py``) and shows the registration (settings) form; with the form's own ``ks`` and ``accountId``:
  saves the settings (what upstream's page does with ``submitRegistration``) and shows the form again.
- ``localRegistrationPage`` — on-premises Server-to-Server set-up: GET shows a form, which POSTs an
  administrator's KS (never in a URL, where history, referrers and proxy logs would keep it).
- ``recordingComplete``, ``deAuthorization`` — Zoom's signed events (``webhooks.py``).

Pages are server-rendered HTML with a strict CSP (nothing inline, nothing from elsewhere, no framing),
``Cache-Control: no-store`` (they hold a session), readable messages, and a CSRF token: a random
HttpOnly SameSite cookie plus its HMAC in every form.
"""

from __future__ import annotations

import logging
import re
import secrets
import time
from collections.abc import Awaitable, Callable
from html import escape
from typing import Any
from urllib.parse import urlencode

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.types import ASGIApp, Receive, Scope, Send

from keyframe.audit.service import record_for
from keyframe.auth.context import RequestContext
from keyframe.auth.ks_validation import RequestOrigin
from keyframe.crypto import Signer
from keyframe.kapi import errors
from keyframe.kapi.errors import KalturaAPIException
from keyframe.services import Services
from keyframe.zoom import codes, linking, service, webhooks
from keyframe.zoom import settings as zoom_settings
from keyframe.zoom.linking import Linked, LinkRefused
from keyframe.zoom.models import IntegrationStatus

log = logging.getLogger(__name__)

ACTION_PATH = "/api_v3/service/vendor_zoomvendor/action/"
_PATH = re.compile(r"^/api_v3(?:/index\.php)?/service/vendor_zoomvendor/action/([A-Za-z]+)/?$", re.IGNORECASE)
CSRF_COOKIE = "keyframe_zoom_csrf"
STATE_COOKIE = "keyframe_zoom_oauth_state"
STATE_TTL = 600  # seconds from leaving for Zoom to linking (Zoom's code itself lasts five minutes)
STATE_CLOCK_SKEW = 60  # a state issued by another server of this installation, a little ahead
_STATE = re.compile(r"([0-9]{1,12})\.[A-Za-z0-9_-]{43}")  # issue time (epoch seconds), 32 random bytes
COOKIE_PATH = "/api_v3/service/vendor_zoomvendor/"
MAX_FORM_FIELDS = 64
HEADERS = {
    "content-security-policy": (
        "default-src 'none'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; img-src 'self'"
    ),
    "x-frame-options": "DENY",
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "cache-control": "no-store",
}
PARTICIPANT_MODES = [("0", "Add as co-publishers"), ("1", "Add as co-viewers"), ("2", "Ignore participants")]
HOST_MODES = [
    ("2", "None"),
    ("1", "Co-Viewer"),
    ("0", "Co-Publisher"),
    ("3", "Co-Editor"),
    ("4", "Co-Editor & Co-Publisher"),
]
MATCHING = [
    ("0", "Zoom user: do not modify"),
    ("1", "Zoom user: add postfix"),
    ("2", "Zoom user: remove postfix"),
    ("3", "CMS user (cms_user_id, SAML mapping)"),
]
SEARCH = [("0", "Email"), ("1", "External ID (Use with SSO)")]
GROUPS = [("0", "Upload all recordings"), ("1", "Opt-in groups"), ("2", "Opt-out groups")]
TEXTS = ("zoomAccountDescription", "defaultUserId", "zoomCategory", "zoomWebinarCategory", "zoomUserPostfix")
SWITCHES = {
    "enableRecordingUpload": "Enable integration",
    "enableMeetingUpload": "Upload meeting recordings",
    "enableWebinarUploads": "Upload webinar recordings",
    "createUserIfNotExist": "Create new user based on Zoom user if no match is found",
    "deletionPolicy": "Delete content from Zoom after upload",
    "enableZoomTranscription": "Import Zoom transcription",
}
CHOICES = {
    "handleParticipantsMode": PARTICIPANT_MODES,
    "handleCohostsMode": HOST_MODES,
    "handleAlternativeHostsMode": HOST_MODES,
    "zoomUserMatchingMode": MATCHING,
    "userSearchMethod": SEARCH,
    "groupParticipationType": GROUPS,
}
# What a newly linked account's form proposes (upstream's page defaults).
FRESH = {"enableRecordingUpload": True, "createUserIfNotExist": True, "handleParticipantsMode": 2}

Handler = Callable[[Request], Awaitable[Response]]


class ZoomEndpoints:
    """ASGI middleware in front of the api_v3 endpoint: the page and webhook actions of
    ``vendor_zoomvendor`` answer HTML or Zoom's JSON, not api_v3 results; every other call passes on."""

    def __init__(self, app: ASGIApp, services: Services) -> None:
        self.app = app
        self.pages = Pages(services)
        self.handlers: dict[str, Handler] = {
            "oauthvalidation": self.pages.oauth_validation,
            "preoauthvalidation": self.pages.pre_oauth_validation,
            "fetchregistrationpage": self.pages.fetch_registration_page,
            "localregistrationpage": self.pages.local_registration_page,
            "recordingcomplete": lambda r: webhooks.recording_complete(services, r),
            "deauthorization": lambda r: webhooks.deauthorization(services, r),
        }

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        match = _PATH.match(scope.get("path", "")) if scope["type"] == "http" else None
        handler = self.handlers.get(match.group(1).lower()) if match else None
        if handler is None:
            await self.app(scope, receive, send)
            return
        try:
            response = await handler(Request(scope, receive))
        except Exception:
            # As api_v3 never answers 500: logged with its trace (which holds no form values), and the
            # person gets a readable page.
            log.exception("a Zoom page or event failed")
            response = HTMLResponse(
                "<!doctype html><html lang='en'><head><meta charset='utf-8'>"
                "<title>Try again – Keyframe</title></head><body><main><h1>Something went wrong</h1>"
                "<p role='alert'>Keyframe could not finish this step. Please try again in a moment.</p>"
                "</main></body></html>",
                status_code=503,
                headers=HEADERS,
            )
        await response(scope, receive, send)


class Pages:
    def __init__(self, services: Services) -> None:
        self.services = services
        self.csrf = Signer(services.settings, "zoom-pages-csrf")
        self.oauth_state = Signer(services.settings, "zoom-oauth-state")
        self.secure_cookie = services.settings.public_url.startswith("https://")

    # -- routes ------------------------------------------------------------------------------------------

    async def oauth_validation(self, request: Request) -> Response:
        code = request.query_params.get("code", "")
        if request.query_params.get("error") == "access_denied":
            return self._message(request, "Installation declined", "The app was not authorized in Zoom.", 400)
        if not code:
            return self._message(
                request,
                "Invalid authorization code",
                "Zoom sent no authorization code. Install the app again from the Zoom Marketplace.",
                400,
            )
        state = request.query_params.get("state", "")
        if not self._state_ok(request, state):
            return self._state_refused(request)
        return self._code_form(request, code, state)

    async def pre_oauth_validation(self, request: Request) -> Response:
        if "code" in request.query_params or "error" in request.query_params:
            return await self.oauth_validation(request)  # registered as the redirect URI, as upstream allows
        settings = self.services.settings
        if not settings.zoom_client_id:
            return self._message(
                request,
                "Zoom is not configured",
                "This Keyframe has no Zoom app configured (KEYFRAME_ZOOM_CLIENT_ID).",
                503,
            )
        # The state goes to Zoom and comes back on the redirect; this browser keeps only its HMAC, in a
        # short-lived cookie, so the redirect (and the link) proves it ends in the browser that started.
        # It starts with its issue time, which the HMAC covers: the server enforces STATE_TTL itself
        # rather than trusting the browser to drop the cookie on time.
        state = f"{int(time.time())}.{secrets.token_urlsafe(32)}"
        query = urlencode(
            {
                "response_type": "code",
                "client_id": settings.zoom_client_id,
                "redirect_uri": linking.redirect_uri(self.services),
                "state": state,
            }
        )
        response = RedirectResponse(
            f"{settings.zoom_base_url.rstrip('/')}/oauth/authorize?{query}", status_code=302
        )
        self._set_cookie(response, STATE_COOKIE, self.oauth_state.sign(state), max_age=STATE_TTL)
        return response

    async def fetch_registration_page(self, request: Request) -> Response:
        if request.method != "POST":
            return self._message(
                request, "Nothing to show", "Open this page from the Zoom Marketplace installation.", 405
            )
        form = await request.form(max_fields=MAX_FORM_FIELDS)
        if not self._csrf_ok(request, form):
            return self._expired(request)
        origin = _origin(request)
        if form.get("integrationCode") is not None:
            oauth_code, state = _text(form, "code"), _text(form, "state")
            if not self._state_ok(request, state):  # checked again: the code is spent only here
                return self._state_refused(request)
            try:
                linked = await run_in_threadpool(
                    linking.link_with_oauth, self.services, origin, _text(form, "integrationCode"), oauth_code
                )
            except LinkRefused as refused:
                if refused.retry_code:
                    return self._code_form(request, oauth_code, state, refused.message)
                return self._message(request, "The Zoom account was not linked", refused.message, 400)
            response = await self._linked(request, linked)
            # One installation, one state: Zoom's redirect cannot be replayed in this browser.
            response.delete_cookie(
                STATE_COOKIE, path=COOKIE_PATH, secure=self.secure_cookie, httponly=True, samesite="lax"
            )
            return response
        return await self._save(request, form, origin)

    async def local_registration_page(self, request: Request) -> Response:
        """GET: the form (``zoomAccountId`` may be given in the query); POST (with the CSRF token): link. A KS
        is taken from the POSTed form only: in a URL, history, referrers and proxy logs would keep it."""
        if request.method != "POST":
            if "ks" in request.query_params:
                return self._local_form(
                    request,
                    request.query_params.get("zoomAccountId", ""),
                    "A KS in the page address is not accepted: addresses are kept in browser history and "
                    "logs. End that session if it was recorded, and paste a KS into this form instead.",
                )
            return self._local_form(request, request.query_params.get("zoomAccountId", ""))
        form = await request.form(max_fields=MAX_FORM_FIELDS)
        if not self._csrf_ok(request, form):
            return self._expired(request)
        account_id = _text(form, "zoomAccountId")
        try:
            linked = await run_in_threadpool(
                linking.link_server_to_server, self.services, _origin(request), _text(form, "ks"), account_id
            )
        except LinkRefused as refused:
            return self._local_form(request, account_id, refused.message)
        return await self._linked(request, linked)

    async def _linked(self, request: Request, linked: Linked) -> Response:
        values = await run_in_threadpool(self._values, linked, fresh=linked.is_new)
        return self._registration(request, linked.registration_ks, linked.account_id, values, None)

    # -- saving the registration form --------------------------------------------------------------------

    async def _save(self, request: Request, form: FormData, origin: RequestOrigin) -> Response:
        ks_text, account_id = _text(form, "ks"), _text(form, "accountId")
        submitted = _submitted(form)
        try:
            given = _parse(form)
            await run_in_threadpool(self._store, origin, ks_text, account_id, given)
        except codes.CodeRefused as refused:
            return self._message(request, "The settings were not saved", refused.problem.value, 400)
        except (FormError, KalturaAPIException) as error:
            message = error.message if isinstance(error, KalturaAPIException) else str(error)
            return self._registration(
                request, ks_text, account_id, submitted, ("error", f"Data was Not Saved. {message}")
            )
        return self._registration(request, ks_text, account_id, submitted, ("status", "Saved Successfully"))

    def _store(self, origin: RequestOrigin, ks_text: str, account_id: str, given: dict[str, Any]) -> None:
        with self.services.db.transaction() as db:
            ks, partner = codes.verify(db, self.services, ks_text, origin, account_id=account_id)
            row = service.find_account(db, partner.id, account_id, for_update=True)
            if row is None:
                raise errors.NO_INTEGRATION_DATA()
            changed = service.update(db, self.services.settings, partner, row, given, caller_user_id="")
            ctx = RequestContext(db=db, services=self.services, origin=origin, ks=ks, partner=partner)
            record_for(
                ctx,
                "zoom.settings.update",
                object_type="KalturaZoomIntegrationSetting",
                object_id=str(row.id),
                data={"accountId": account_id, "changed": changed},
            )

    def _values(self, linked: Linked, *, fresh: bool) -> dict[str, Any]:
        with self.services.db.rolled_back() as db:
            row = service.find_account(db, linked.partner_id, linked.account_id)
            values = zoom_settings.load(row) if row is not None else dict(zoom_settings.DEFAULTS)
            values["enableRecordingUpload"] = row is not None and row.status == IntegrationStatus.ACTIVE
        if fresh:
            values.update(FRESH)
        return values

    # -- rendering ---------------------------------------------------------------------------------------

    def _code_form(self, request: Request, oauth_code: str, state: str, error: str | None = None) -> Response:
        cookie, token = self._csrf_pair(request)
        body = (
            "<p>Kaltura-compatible recording import from Zoom is being installed. To link this Zoom account "
            "to your account, paste the <strong>integration code</strong> an administrator generated in the "
            "console (Settings &gt; Integration &gt; Zoom integration &gt; Generate Integration Code). "
            "Each code links one Zoom account and expires.</p>"
            + _notice("error", error)
            + f"<form method='post' action='{ACTION_PATH}fetchRegistrationPage'>"
            + _hidden("csrf", token)
            + _hidden("code", oauth_code)
            + _hidden("state", state)
            + "<p><label for='integrationCode'>Integration code</label><br>"
            "<textarea id='integrationCode' name='integrationCode' rows='4' cols='60' required "
            "autocomplete='off' spellcheck='false'></textarea></p>"
            "<p><button type='submit'>Continue</button></p></form>"
        )
        return self._page(request, "Link your Zoom account", body, 400 if error else 200, cookie)

    def _local_form(self, request: Request, account_id: str, error: str | None = None) -> Response:
        cookie, token = self._csrf_pair(request)
        body = (
            "<p>Link a Zoom account whose Server-to-Server app is configured on this Keyframe "
            "(on-premises set-up). Paste a KS of an administrator of your account (one with "
            "ADMIN_PUBLISHER_MANAGE) and give the Zoom account ID.</p>"
            + _notice("error", error)
            + f"<form method='post' action='{ACTION_PATH}localRegistrationPage'>"
            + _hidden("csrf", token)
            + "<p><label for='ks'>Administrator KS</label><br>"
            "<textarea id='ks' name='ks' rows='4' cols='60' required autocomplete='off' spellcheck='false'>"
            "</textarea></p>"
            + _text_field("zoomAccountId", "Zoom account ID", {"zoomAccountId": account_id})
            + "<p><button type='submit'>Link account</button></p></form>"
        )
        return self._page(request, "Link a Zoom account", body, 400 if error else 200, cookie)

    def _registration(
        self,
        request: Request,
        ks_text: str,
        account_id: str,
        values: dict[str, Any],
        notice: tuple[str, str] | None,
    ) -> Response:
        cookie, token = self._csrf_pair(request)
        kind, text = notice if notice else ("status", None)
        fields = [
            _hidden("csrf", token),
            _hidden("ks", ks_text),
            _hidden("accountId", account_id),
            f"<p>Zoom account ID: <code>{escape(account_id)}</code></p>",
            _checkbox("enableRecordingUpload", values),
            _text_field("zoomAccountDescription", "Zoom account description", values),
            "<fieldset><legend>Recordings</legend>",
            _checkbox("enableMeetingUpload", values),
            _text_field(
                "zoomCategory", "Meeting categories (full names, comma-separated; use > to nest)", values
            ),
            _checkbox("enableWebinarUploads", values),
            _text_field(
                "zoomWebinarCategory",
                "Webinar categories (full names, comma-separated; use > to nest)",
                values,
            ),
            _select("groupParticipationType", "Upload recordings management", values),
            _textarea("optInGroupNames", "Opt-in group IDs (one per line)", values),
            _textarea("optOutGroupNames", "Opt-out group IDs (one per line)", values),
            _checkbox("deletionPolicy", values),
            _checkbox("enableZoomTranscription", values),
            "</fieldset><fieldset><legend>Configure users permissions for uploaded recordings</legend>",
            _select("handleParticipantsMode", "Participants", values),
            _select("handleCohostsMode", "Co-Hosts", values),
            _select("handleAlternativeHostsMode", "Alternative hosts", values),
            "</fieldset><fieldset><legend>Setting owner for recordings</legend>",
            _select("zoomUserMatchingMode", "Set user based on", values),
            _text_field("zoomUserPostfix", "Postfix", values),
            _select("userSearchMethod", "Find user by", values),
            _checkbox("createUserIfNotExist", values),
            _text_field("defaultUserId", "Default user ID (owner when no user matches)", values),
            "</fieldset><p><button type='submit'>Save</button></p>",
        ]
        body = (
            _notice(kind, text)
            + f"<form method='post' action='{ACTION_PATH}fetchRegistrationPage'>"
            + "".join(fields)
            + "</form>"
        )
        return self._page(request, "Zoom account settings", body, 400 if kind == "error" else 200, cookie)

    def _message(self, request: Request, title: str, message: str, status: int, extra: str = "") -> Response:
        return self._page(
            request, title, _notice("error" if status >= 400 else "status", message) + extra, status, None
        )

    def _expired(self, request: Request) -> Response:
        return self._message(
            request,
            "This form has expired",
            "The page was not sent from this site, or its cookie is gone. Install the app again from the "
            "Zoom Marketplace.",
            403,
        )

    def _state_refused(self, request: Request) -> Response:
        return self._message(
            request,
            "This installation was not started here",
            "Keyframe cannot tell that this Zoom authorization was started in this browser: its check value "
            "is missing or does not match, or more than ten minutes have passed. Nothing was linked.",
            400,
            f"<p><a href='{ACTION_PATH}preOauthValidation'>Start the installation again</a></p>",
        )

    def _page(self, request: Request, title: str, body: str, status: int, cookie: str | None) -> Response:
        html = (
            "<!doctype html><html lang='en'><head><meta charset='utf-8'>"
            "<meta name='viewport' content='width=device-width, initial-scale=1'>"
            f"<title>{escape(title)} – Keyframe</title></head><body><main>"
            f"<h1>{escape(title)}</h1>{body}</main></body></html>"
        )
        response = HTMLResponse(html, status_code=status, headers=HEADERS)
        if cookie is not None:
            self._set_cookie(response, CSRF_COOKIE, cookie)
        return response

    def _set_cookie(self, response: Response, name: str, value: str, max_age: int | None = None) -> None:
        # HttpOnly: no script reads it; SameSite=Lax: another site's form POST does not carry it, while
        # Zoom's redirect (a top-level GET) does; the path keeps it to these pages.
        response.set_cookie(
            name,
            value,
            max_age=max_age,
            httponly=True,
            samesite="lax",
            secure=self.secure_cookie,
            path=COOKIE_PATH,
        )

    # -- CSRF --------------------------------------------------------------------------------------------

    def _csrf_pair(self, request: Request) -> tuple[str, str]:
        cookie = request.cookies.get(CSRF_COOKIE, "")
        if not re.fullmatch(r"[A-Za-z0-9_-]{32,64}", cookie):
            cookie = secrets.token_urlsafe(32)
        return cookie, self.csrf.sign(cookie)

    def _state_ok(self, request: Request, state: str) -> bool:
        """``state`` (from Zoom's redirect or the code form) is the one this browser was sent to Zoom
        with — its cookie holds the HMAC, compared in constant time — and was issued at most
        ``STATE_TTL`` seconds ago (its issue time is covered by the HMAC)."""
        tag = request.cookies.get(STATE_COOKIE, "")
        issued = _STATE.fullmatch(state)
        if issued is None or not tag or not self.oauth_state.verify(state, tag):
            return False
        age = time.time() - int(issued.group(1))
        return -STATE_CLOCK_SKEW <= age <= STATE_TTL

    def _csrf_ok(self, request: Request, form: FormData) -> bool:
        cookie = request.cookies.get(CSRF_COOKIE, "")
        token = form.get("csrf")
        return bool(cookie) and isinstance(token, str) and self.csrf.verify(cookie, token)


class FormError(Exception):
    pass


def _origin(request: Request) -> RequestOrigin:
    return RequestOrigin(request.client.host if request.client else None, request.url.path, "")


def _text(form: FormData, name: str) -> str:
    value = form.get(name)
    return value if isinstance(value, str) else ""


def _submitted(form: FormData) -> dict[str, Any]:
    """The form as values to show again (after a refusal, the person's input is kept)."""
    values: dict[str, Any] = dict(zoom_settings.DEFAULTS)
    for name in TEXTS:
        values[name] = _text(form, name)
    for name in SWITCHES:
        values[name] = _text(form, name) == "on"
    for name in CHOICES:
        values[name] = _text(form, name)
    for name in ("optInGroupNames", "optOutGroupNames"):
        values[name] = _text(form, name)
    return values


def _parse(form: FormData) -> dict[str, Any]:
    given: dict[str, Any] = {name: _text(form, name).strip() or None for name in TEXTS}
    given["zoomUserPostfix"] = given["zoomUserPostfix"] or ""
    for name in SWITCHES:
        given[name] = _text(form, name) == "on"
    for name, options in CHOICES.items():
        value = _text(form, name)
        if value not in {v for v, _ in options}:
            raise FormError(f"Choose a value for {name}.")
        given[name] = int(value)
    for name in ("optInGroupNames", "optOutGroupNames"):
        given[name] = "\r\n".join(line.strip() for line in _text(form, name).splitlines() if line.strip())
    if not given["createUserIfNotExist"] and not given["defaultUserId"]:
        raise FormError("Default user ID is required.")
    kind = given["groupParticipationType"]
    if kind and not given["optInGroupNames" if kind == 1 else "optOutGroupNames"]:
        raise FormError("Give at least one group for opt-in or opt-out.")
    return given


# -- HTML pieces (every value escaped) -------------------------------------------------------------------


def _notice(kind: str, text: str | None) -> str:
    if not text:
        return ""
    role = "alert" if kind == "error" else "status"
    return f"<p role='{role}' class='{kind}'>{escape(text)}</p>"


def _hidden(name: str, value: str) -> str:
    return f"<input type='hidden' name='{escape(name)}' value='{escape(value)}'>"


def _text_field(name: str, label: str, values: dict[str, Any]) -> str:
    value = values.get(name) or ""
    return (
        f"<p><label for='{name}'>{escape(label)}</label><br>"
        f"<input type='text' id='{name}' name='{name}' value='{escape(str(value))}' size='60'></p>"
    )


def _textarea(name: str, label: str, values: dict[str, Any]) -> str:
    lines = str(values.get(name) or "").splitlines()
    return (
        f"<p><label for='{name}'>{escape(label)}</label><br>"
        f"<textarea id='{name}' name='{name}' rows='3' cols='60'>{escape(chr(10).join(lines))}</textarea></p>"
    )


def _checkbox(name: str, values: dict[str, Any]) -> str:
    checked = " checked" if values.get(name) else ""
    box = f"<input type='checkbox' id='{name}' name='{name}'{checked}>"
    return f"<p>{box} <label for='{name}'>{escape(SWITCHES[name])}</label></p>"


def _select(name: str, label: str, values: dict[str, Any]) -> str:
    current = str(values.get(name, ""))
    return (
        f"<p><label for='{name}'>{escape(label)}</label><br><select id='{name}' name='{name}'>"
        + "".join(_option(value, text, current) for value, text in CHOICES[name])
        + "</select></p>"
    )


def _option(value: str, text: str, current: str) -> str:
    selected = " selected" if value == current else ""
    return f"<option value='{escape(value)}'{selected}>{escape(text)}</option>"
