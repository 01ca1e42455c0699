"""Zoom's OAuth token endpoint and the REST calls linking needs (reference §2.7–2.9), over httpx.

Errors say what happened without the credentials: ``ZoomError.permanent`` is True when retrying cannot
help (a refused grant, a revoked token), False for rate limits, 5xx and network trouble.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import httpx

from keyframe.config import Settings

# A token's expiry is kept this much short of what Zoom says (upstream: 120 s), so a request made just
# before the saved expiry still finds it valid at Zoom.
EXPIRY_MARGIN = 120


class ZoomError(Exception):
    def __init__(self, message: str, *, status: int = 0, permanent: bool = False) -> None:
        super().__init__(message)
        self.status = status
        self.permanent = permanent


@dataclass(frozen=True)
class Tokens:
    access_token: str
    refresh_token: str  # "" for Server-to-Server tokens
    expires_at: int  # epoch seconds, already shortened by EXPIRY_MARGIN

    @classmethod
    def from_response(cls, data: dict[str, Any], now: float | None = None) -> Tokens:
        access = data.get("access_token")
        if not isinstance(access, str) or not access:
            raise ZoomError("Zoom's token answer has no access token", permanent=True)
        expires_in = data.get("expires_in")
        lifetime = (
            int(expires_in)
            if isinstance(expires_in, int | float | str) and str(expires_in).isdigit()
            else 3599
        )
        issued = time.time() if now is None else now
        refresh = data.get("refresh_token")
        return cls(
            access, refresh if isinstance(refresh, str) else "", int(issued) + lifetime - EXPIRY_MARGIN
        )


@dataclass(frozen=True)
class AppCredentials:
    client_id: str
    client_secret: str


class ZoomClient:
    def __init__(self, settings: Settings) -> None:
        self.base_url = settings.zoom_base_url.rstrip("/")
        self.api_url = settings.zoom_api_url.rstrip("/")
        self.timeout = settings.zoom_http_timeout

    # -- OAuth ---------------------------------------------------------------------------------------------

    def exchange_code(self, app: AppCredentials, code: str, redirect_uri: str) -> Tokens:
        return self._token(
            app, {"grant_type": "authorization_code", "code": code, "redirect_uri": redirect_uri}
        )

    def refresh(self, app: AppCredentials, refresh_token: str) -> Tokens:
        return self._token(app, {"grant_type": "refresh_token", "refresh_token": refresh_token})

    def account_credentials(self, app: AppCredentials, account_id: str) -> Tokens:
        return self._token(app, {"grant_type": "account_credentials", "account_id": account_id})

    def _token(self, app: AppCredentials, form: dict[str, str]) -> Tokens:
        if not app.client_id or not app.client_secret:
            raise ZoomError("the Zoom app's client id and secret are not configured", permanent=True)
        try:
            response = httpx.post(
                f"{self.base_url}/oauth/token",
                data=form,
                auth=(app.client_id, app.client_secret),
                timeout=self.timeout,
                trust_env=False,
            )
        except httpx.HTTPError as error:
            raise ZoomError(f"Zoom's token endpoint could not be reached ({type(error).__name__})") from None
        if response.status_code == 200:
            return Tokens.from_response(_json(response))
        # 4xx: the grant or the client was refused and will be again; 429/5xx: try later.
        permanent = 400 <= response.status_code < 500 and response.status_code != 429
        reason = _json(response).get("reason") if _is_json(response) else None
        message = f"Zoom refused the token request (HTTP {response.status_code}"
        message += f": {reason})" if isinstance(reason, str) else ")"
        raise ZoomError(message, status=response.status_code, permanent=permanent)

    # -- REST ----------------------------------------------------------------------------------------------

    def get(self, access_token: str, path: str) -> dict[str, Any]:
        try:
            response = httpx.get(
                f"{self.api_url}{path}",
                headers={"authorization": f"Bearer {access_token}"},
                timeout=self.timeout,
                trust_env=False,
            )
        except httpx.HTTPError as error:
            raise ZoomError(f"Zoom could not be reached ({type(error).__name__})") from None
        if response.status_code != 200:
            permanent = response.status_code in (400, 401, 403, 404)
            raise ZoomError(
                f"Zoom answered HTTP {response.status_code} to {path.split('?', maxsplit=1)[0]}",
                status=response.status_code,
                permanent=permanent,
            )
        return _json(response)

    def me(self, access_token: str) -> dict[str, Any]:
        return self.get(access_token, "/users/me")

    def permissions(self, access_token: str, user_id: str = "me") -> list[str]:
        found = self.get(access_token, f"/users/{user_id}/permissions").get("permissions")
        return [p for p in found if isinstance(p, str)] if isinstance(found, list) else []


def _is_json(response: httpx.Response) -> bool:
    return str(response.headers.get("content-type", "")).startswith("application/json")


def _json(response: httpx.Response) -> dict[str, Any]:
    try:
        data = response.json()
    except ValueError:
        raise ZoomError("Zoom's answer is not JSON") from None
    if not isinstance(data, dict):
        raise ZoomError("Zoom's answer is not a JSON object")
    return data
