"""The Zoom sandbox over real sockets: OAuth, the /v2 API, downloads, webhooks and faults, each checked
against Zoom's documented protocol (signatures recomputed here, not with the sandbox's own helpers)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import parse_qs, quote, urlsplit

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from typer.testing import CliRunner

from keyframe import cli
from keyframe.sandbox.server import BackgroundServer
from keyframe.sandbox.zoom import (
    AppKind,
    EndpointNotValidated,
    FaultKind,
    FileSpec,
    RetryAfterFormat,
    ZoomSandbox,
)
from keyframe.sandbox.zoom.state import App, User

REDIRECT = "http://127.0.0.1:9/zoom/oauth"  # never fetched: the tests read the Location header


# -- fixtures --------------------------------------------------------------------------------------------


@pytest.fixture
def zoom() -> Iterator[ZoomSandbox]:
    with ZoomSandbox(time_scale=0.0001) as sandbox:
        yield sandbox


@pytest.fixture
def http() -> Iterator[httpx.Client]:
    with httpx.Client(timeout=10, trust_env=False) as client:
        yield client


@dataclass
class Receiver:
    """An event endpoint: answers URL validation with ``secret_token`` (wrongly when ``answer_wrong``) and
    events with the next of ``statuses`` (then 200), recording what arrived."""

    secret_token: str = ""
    statuses: list[int] = field(default_factory=list)
    answer_wrong: bool = False
    received: list[tuple[dict[str, str], bytes]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle(self, request: Request) -> Response:
        body = await request.body()
        with self.lock:
            self.received.append((dict(request.headers), body))
            data = json.loads(body)
            if data["event"] == "endpoint.url_validation":
                plain = data["payload"]["plainToken"]
                key = b"wrong" if self.answer_wrong else self.secret_token.encode()
                encrypted = hmac.new(key, plain.encode(), hashlib.sha256).hexdigest()
                return JSONResponse({"plainToken": plain, "encryptedToken": encrypted})
            status = self.statuses.pop(0) if self.statuses else 200
        return Response(status_code=status)

    def events(self, name: str) -> list[tuple[dict[str, str], bytes]]:
        with self.lock:
            return [(h, b) for h, b in self.received if json.loads(b)["event"] == name]


@pytest.fixture
def receiver() -> Iterator[tuple[Receiver, str]]:
    target = Receiver()
    app = Starlette(
        routes=[
            Route("/events", target.handle, methods=["POST"]),
            Route("/deauth", target.handle, methods=["POST"]),
        ]
    )
    with BackgroundServer(app) as server:
        yield target, server.url


def basic(app: App) -> dict[str, str]:
    pair = base64.b64encode(f"{app.client_id}:{app.client_secret}".encode()).decode()
    return {"Authorization": f"Basic {pair}"}


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def oauth_app(zoom: ZoomSandbox, **options: Any) -> App:
    return zoom.register_app(redirect_uri=REDIRECT, **options)


def code_via_page(zoom: ZoomSandbox, http: httpx.Client, app: App, user: User, state: str = "xyz") -> str:
    """The authorize page as a browser sees it: GET the form, submit it as the user, follow nothing."""
    query = {"response_type": "code", "client_id": app.client_id, "redirect_uri": REDIRECT, "state": state}
    page = http.get(f"{zoom.url}/oauth/authorize", params=query)
    assert page.status_code == 200 and "<form" in page.text and user.email in page.text
    answer = http.post(f"{zoom.url}/oauth/authorize", data={**query, "user": user.email, "decision": "allow"})
    assert answer.status_code == 302
    location = urlsplit(answer.headers["location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == REDIRECT
    params = parse_qs(location.query)
    assert params["state"] == [state]
    return params["code"][0]


def exchange(zoom: ZoomSandbox, http: httpx.Client, app: App, **form: str) -> httpx.Response:
    return http.post(f"{zoom.url}/oauth/token", data=form, headers=basic(app))


# -- OAuth -----------------------------------------------------------------------------------------------


def test_authorization_code_flow_through_the_approval_page(zoom: ZoomSandbox, http: httpx.Client) -> None:
    admin = zoom.add_user("admin@example.com")
    app = oauth_app(zoom)
    code = code_via_page(zoom, http, app, admin)

    answer = exchange(zoom, http, app, grant_type="authorization_code", code=code, redirect_uri=REDIRECT)
    assert answer.status_code == 200
    tokens = answer.json()
    assert tokens["token_type"] == "bearer" and tokens["expires_in"] == 3599
    assert tokens["refresh_token"] and "recording:read:admin" in tokens["scope"].split()
    me = http.get(f"{zoom.url}/v2/users/me", headers=bearer(tokens["access_token"]))
    assert me.status_code == 200
    assert me.json()["email"] == "admin@example.com" and me.json()["account_id"] == admin.account_id

    # A code is single use.
    again = exchange(zoom, http, app, grant_type="authorization_code", code=code, redirect_uri=REDIRECT)
    assert again.status_code == 400 and again.json()["error"] == "invalid_request"


def test_authorize_refuses_unknown_clients_and_unregistered_redirects(
    zoom: ZoomSandbox, http: httpx.Client
) -> None:
    user = zoom.add_user("u@example.com")
    app = oauth_app(zoom)
    unknown = http.get(f"{zoom.url}/oauth/authorize", params={"client_id": "nope", "redirect_uri": REDIRECT})
    assert unknown.status_code == 400 and "location" not in unknown.headers
    elsewhere = {
        "client_id": app.client_id,
        "redirect_uri": "http://127.0.0.1:9/evil",
        "response_type": "code",
    }
    refused = http.get(f"{zoom.url}/oauth/authorize", params=elsewhere)
    assert refused.status_code == 400 and "location" not in refused.headers
    assert "Redirect URI mismatch" in refused.text

    declined = http.post(
        f"{zoom.url}/oauth/authorize",
        data={
            "client_id": app.client_id,
            "redirect_uri": REDIRECT,
            "state": "s",
            "user": user.id,
            "decision": "deny",
        },
    )
    assert declined.status_code == 302
    assert parse_qs(urlsplit(declined.headers["location"]).query) == {
        "error": ["access_denied"],
        "state": ["s"],
    }


def test_token_endpoint_needs_basic_client_authentication(zoom: ZoomSandbox, http: httpx.Client) -> None:
    user = zoom.add_user("u@example.com")
    app = oauth_app(zoom)
    code = zoom.authorize(app.client_id, user)
    form = {"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT}

    missing = http.post(f"{zoom.url}/oauth/token", data=form)
    assert missing.status_code == 401 and missing.json()["error"] == "invalid_client"
    wrong = base64.b64encode(f"{app.client_id}:not-the-secret".encode()).decode()
    bad = http.post(f"{zoom.url}/oauth/token", data=form, headers={"Authorization": f"Basic {wrong}"})
    assert bad.status_code == 401 and bad.json() == {
        "reason": "Invalid client_id or client_secret",
        "error": "invalid_client",
    }
    unsupported = exchange(zoom, http, app, grant_type="password")
    assert unsupported.status_code == 400 and unsupported.json()["error"] == "unsupported_grant_type"
    mismatch = exchange(
        zoom, http, app, grant_type="authorization_code", code=code, redirect_uri=REDIRECT + "x"
    )
    assert mismatch.status_code == 400 and mismatch.json()["reason"] == "Redirect URI mismatch."


def test_refresh_tokens_rotate_and_a_used_one_is_refused(zoom: ZoomSandbox, http: httpx.Client) -> None:
    user = zoom.add_user("u@example.com")
    app = oauth_app(zoom)
    first = zoom.issue_tokens(app.client_id, user)
    assert first.refresh_token is not None

    rotated = exchange(zoom, http, app, grant_type="refresh_token", refresh_token=first.refresh_token)
    assert rotated.status_code == 200
    second = rotated.json()
    assert second["refresh_token"] != first.refresh_token and second["access_token"] != first.access_token

    reused = exchange(zoom, http, app, grant_type="refresh_token", refresh_token=first.refresh_token)
    assert reused.status_code == 400 and reused.json() == {
        "reason": "Invalid Token!",
        "error": "invalid_request",
    }

    third = exchange(zoom, http, app, grant_type="refresh_token", refresh_token=second["refresh_token"])
    assert third.status_code == 200
    assert (
        http.get(f"{zoom.url}/v2/users/me", headers=bearer(third.json()["access_token"])).status_code == 200
    )

    # Another app cannot spend this app's refresh token.
    other = oauth_app(zoom)
    stolen = exchange(
        zoom, http, other, grant_type="refresh_token", refresh_token=third.json()["refresh_token"]
    )
    assert stolen.status_code == 400


def test_parallel_refreshes_of_one_token_have_one_winner(zoom: ZoomSandbox) -> None:
    user = zoom.add_user("u@example.com")
    app = oauth_app(zoom)
    refresh_token = zoom.issue_tokens(app.client_id, user).refresh_token
    assert refresh_token is not None
    barrier = threading.Barrier(8)
    statuses: list[int] = []

    def spend() -> None:
        with httpx.Client(trust_env=False) as client:
            barrier.wait()
            form = {"grant_type": "refresh_token", "refresh_token": refresh_token}
            statuses.append(client.post(f"{zoom.url}/oauth/token", data=form, headers=basic(app)).status_code)

    threads = [threading.Thread(target=spend) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(statuses) == [200] + [400] * 7


def test_pkce_is_checked_when_the_client_sent_a_challenge(zoom: ZoomSandbox, http: httpx.Client) -> None:
    user = zoom.add_user("u@example.com")
    app = oauth_app(zoom)
    verifier = "a-verifier-long-enough-for-rfc-7636-0123456789abcdef"
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    code = zoom.authorize(app.client_id, user, code_challenge=challenge, code_challenge_method="S256")
    wrong = exchange(
        zoom,
        http,
        app,
        grant_type="authorization_code",
        code=code,
        redirect_uri=REDIRECT,
        code_verifier="nope",
    )
    assert wrong.status_code == 400
    code = zoom.authorize(app.client_id, user, code_challenge=challenge, code_challenge_method="S256")
    right = exchange(
        zoom,
        http,
        app,
        grant_type="authorization_code",
        code=code,
        redirect_uri=REDIRECT,
        code_verifier=verifier,
    )
    assert right.status_code == 200


def test_account_credentials_give_an_account_token_without_refresh(
    zoom: ZoomSandbox, http: httpx.Client
) -> None:
    owner = zoom.add_user("owner@example.com")
    zoom.add_user("second@example.com", account_id=owner.account_id)
    s2s = zoom.register_app(kind=AppKind.S2S, account_id=owner.account_id)

    # Zoom documents the parameters in the query; Kaltura sends them in the body. Both work.
    in_query = http.post(
        f"{zoom.url}/oauth/token",
        params={"grant_type": "account_credentials", "account_id": owner.account_id},
        headers=basic(s2s),
    )
    in_body = exchange(zoom, http, s2s, grant_type="account_credentials", account_id=owner.account_id)
    for answer in (in_query, in_body):
        assert answer.status_code == 200
        assert "refresh_token" not in answer.json()
    token = in_body.json()["access_token"]
    assert http.get(f"{zoom.url}/v2/users/me", headers=bearer(token)).json()["id"] == owner.id
    second = http.get(f"{zoom.url}/v2/users/second@example.com", headers=bearer(token))
    assert second.status_code == 200 and second.json()["email"] == "second@example.com"

    elsewhere = exchange(zoom, http, s2s, grant_type="account_credentials", account_id="another")
    assert elsewhere.status_code == 400
    user_app = oauth_app(zoom)
    refused = exchange(zoom, http, user_app, grant_type="account_credentials", account_id=owner.account_id)
    assert refused.status_code == 400 and refused.json()["error"] == "unsupported_grant_type"


# -- the API ---------------------------------------------------------------------------------------------


def test_every_api_call_needs_a_live_bearer_token(zoom: ZoomSandbox, http: httpx.Client) -> None:
    user = zoom.add_user("u@example.com")
    tokens = zoom.issue_tokens(oauth_app(zoom).client_id, user)
    url = f"{zoom.url}/v2/users/me"
    for headers in ({}, bearer("not-a-token"), {"Authorization": "Basic abc"}):
        answer = http.get(url, headers=headers)
        assert answer.status_code == 401
        assert answer.json() == {"code": 124, "message": "Invalid access token."}
    assert http.get(url, headers=bearer(tokens.access_token)).status_code == 200
    zoom.expire_access_tokens()
    expired = http.get(url, headers=bearer(tokens.access_token))
    assert expired.status_code == 401 and expired.json()["code"] == 124


def test_users_and_their_role_permissions(zoom: ZoomSandbox, http: httpx.Client) -> None:
    admin = zoom.add_user("admin@example.com", permissions=["Recording:Read", "Recording:Edit", "User:Read"])
    member = zoom.add_user(
        "member@example.com", account_id=admin.account_id, permissions=[], role_name="Member"
    )
    outsider = zoom.add_user("outsider@example.com")
    token = zoom.issue_tokens(oauth_app(zoom).client_id, admin).access_token

    permissions = http.get(f"{zoom.url}/v2/users/me/permissions", headers=bearer(token)).json()
    assert permissions == {"permissions": ["Recording:Read", "Recording:Edit", "User:Read"]}
    by_id = http.get(f"{zoom.url}/v2/users/{member.id}", headers=bearer(token)).json()
    assert by_id["email"] == "member@example.com" and by_id["role_name"] == "Member"
    assert http.get(f"{zoom.url}/v2/users/{member.id}/permissions", headers=bearer(token)).json() == {
        "permissions": []
    }
    foreign = http.get(f"{zoom.url}/v2/users/{outsider.id}", headers=bearer(token))
    assert foreign.status_code == 404 and foreign.json()["code"] == 1001


def _list(http: httpx.Client, url: str, token: str, **params: Any) -> list[dict[str, Any]]:
    """Every page of a recordings listing, checking the paging fields on the way."""
    pages = []
    while True:
        answer = http.get(url, params=params, headers=bearer(token))
        assert answer.status_code == 200, answer.text
        page = answer.json()
        pages.append(page)
        if not page["next_page_token"]:
            return pages
        params = {**params, "next_page_token": page["next_page_token"]}


def test_recordings_listing_pages_with_next_page_token(zoom: ZoomSandbox, http: httpx.Client) -> None:
    host = zoom.add_user("host@example.com")
    colleague = zoom.add_user("colleague@example.com", account_id=host.account_id)
    now = datetime.now(UTC)
    mine = [zoom.add_meeting(host, topic=f"m{i}", start_time=now - timedelta(hours=i + 1)) for i in range(7)]
    theirs = zoom.add_meeting(colleague, start_time=now - timedelta(hours=2))
    zoom.add_meeting(host, start_time=now - timedelta(days=10))  # outside the default range
    token = zoom.issue_tokens(oauth_app(zoom).client_id, host).access_token

    pages = _list(http, f"{zoom.url}/v2/users/me/recordings", token, page_size=3)
    assert [len(p["meetings"]) for p in pages] == [3, 3, 1]
    assert all(p["total_records"] == 7 and p["page_count"] == 3 and p["page_size"] == 3 for p in pages)
    listed = [m["uuid"] for p in pages for m in p["meetings"]]
    assert listed == [m.uuid for m in mine]  # newest first, each once

    account = _list(http, f"{zoom.url}/v2/accounts/me/recordings", token, page_size=300)
    assert {m["uuid"] for p in account for m in p["meetings"]} == {m.uuid for m in mine} | {theirs.uuid}

    # A page token belongs to its listing, and is spent once used.
    first = http.get(
        f"{zoom.url}/v2/users/me/recordings", params={"page_size": 3}, headers=bearer(token)
    ).json()
    other = http.get(
        f"{zoom.url}/v2/accounts/me/recordings",
        params={"page_size": 3, "next_page_token": first["next_page_token"]},
        headers=bearer(token),
    )
    assert other.status_code == 400 and other.json()["code"] == 300

    day = (now - timedelta(days=10)).date().isoformat()
    old = http.get(
        f"{zoom.url}/v2/users/me/recordings", params={"from": day, "to": day}, headers=bearer(token)
    ).json()
    assert old["total_records"] == 1 and old["from"] == day
    reversed_range = http.get(
        f"{zoom.url}/v2/users/me/recordings",
        params={"from": "2024-05-02", "to": "2024-05-01"},
        headers=bearer(token),
    )
    assert reversed_range.status_code == 400 and reversed_range.json()["code"] == 300


def test_recording_listing_shapes(zoom: ZoomSandbox, http: httpx.Client) -> None:
    host = zoom.add_user("host@example.com")
    start = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=1)
    meeting = zoom.add_meeting(
        host,
        type=5,  # a webinar
        start_time=start,
        files=[
            FileSpec("MP4", 1000),
            FileSpec("M4A", 500),
            FileSpec("CC", 200, with_id=False),
            FileSpec("MP4", 800, status="processing", recording_start=start + timedelta(minutes=10)),
        ],
    )
    token = zoom.issue_tokens(oauth_app(zoom).client_id, host).access_token
    page = http.get(f"{zoom.url}/v2/users/me/recordings", headers=bearer(token)).json()
    (listed,) = page["meetings"]
    assert listed["uuid"] == meeting.uuid and listed["type"] == 5 and listed["recording_count"] == 4
    files = listed["recording_files"]
    assert [f["file_type"] for f in files] == ["MP4", "M4A", "CC", "MP4"]
    assert files[0]["recording_type"] == "shared_screen_with_speaker_view" and files[0]["file_size"] == 1000
    assert "id" not in files[2] and "status" not in files[2] and files[2]["file_extension"] == "VTT"
    assert files[3]["status"] == "processing" and files[3]["recording_start"] != files[0]["recording_start"]
    assert all(f["download_url"].startswith(zoom.url + "/rec/download/") for f in files)


def test_meeting_uuids_that_need_double_encoding(zoom: ZoomSandbox, http: httpx.Client) -> None:
    host = zoom.add_user("host@example.com")
    awkward = zoom.add_meeting(host, uuid="/ab//cd+ef==", meeting_id=123456789)
    plain = zoom.add_meeting(host, uuid="ab/cd+ef==")
    token = zoom.issue_tokens(oauth_app(zoom).client_id, host).access_token

    def get(segment: str) -> httpx.Response:
        return http.get(f"{zoom.url}/v2/meetings/{segment}/recordings", headers=bearer(token))

    once = quote(awkward.uuid, safe="")
    assert get(once).status_code == 404  # Zoom cannot route it encoded once
    twice = get(quote(once, safe=""))
    assert twice.status_code == 200 and twice.json()["uuid"] == awkward.uuid
    assert get(quote(plain.uuid, safe="")).json()["uuid"] == plain.uuid  # no leading / nor //: once is enough
    assert get(quote(quote(plain.uuid, safe=""), safe="")).json()["uuid"] == plain.uuid
    assert get("123456789").json()["uuid"] == awkward.uuid  # the numeric id: the latest instance
    details = http.get(f"{zoom.url}/v2/meetings/123456789", headers=bearer(token))
    assert details.json()["uuid"] == awkward.uuid and "settings" in details.json()
    unknown = http.get(f"{zoom.url}/v2/meetings/42", headers=bearer(token))
    assert unknown.status_code == 404 and unknown.json()["code"] == 3001
    missing = get("nope")
    assert missing.status_code == 404 and missing.json() == {
        "code": 3301,
        "message": "This recording does not exist.",
    }
    logged = [r.path for r in zoom.requests("/v2/meetings/")]
    assert f"/v2/meetings/{quote(once, safe='')}/recordings" in logged  # the log keeps the raw path


def test_trash_delete_and_recover(zoom: ZoomSandbox, http: httpx.Client) -> None:
    host = zoom.add_user("host@example.com")
    meeting = zoom.add_meeting(host, files=[FileSpec("MP4", 100), FileSpec("M4A", 50), FileSpec("CHAT", 80)])
    mp4, m4a, chat = meeting.files
    token = zoom.issue_tokens(oauth_app(zoom).client_id, host).access_token
    base = f"{zoom.url}/v2/meetings/{quote(quote(meeting.uuid, safe=''), safe='')}/recordings"

    def live_ids() -> list[str]:
        answer = http.get(base, headers=bearer(token))
        return [f["id"] for f in answer.json()["recording_files"]] if answer.status_code == 200 else []

    assert (
        http.delete(f"{base}/{mp4.id}", params={"action": "trash"}, headers=bearer(token)).status_code == 204
    )
    assert live_ids() == [m4a.id, chat.id]
    trash = http.get(
        f"{zoom.url}/v2/users/me/recordings", params={"trash": "true"}, headers=bearer(token)
    ).json()
    (trashed,) = trash["meetings"][0]["recording_files"]
    assert trashed["id"] == mp4.id and "deleted_time" in trashed

    recover = http.put(f"{base}/{mp4.id}/status", json={"action": "recover"}, headers=bearer(token))
    assert recover.status_code == 204 and live_ids() == [mp4.id, m4a.id, chat.id]
    assert http.put(f"{base}/status", json={"action": "undo"}, headers=bearer(token)).status_code == 400

    assert (
        http.delete(f"{base}/{m4a.id}", params={"action": "delete"}, headers=bearer(token)).status_code == 204
    )
    assert live_ids() == [mp4.id, chat.id]
    gone = http.put(f"{base}/{m4a.id}/status", json={"action": "recover"}, headers=bearer(token))
    assert gone.status_code == 404  # deleted for good, not in the trash

    assert http.delete(base, headers=bearer(token)).status_code == 204  # default action: trash, all files
    assert http.get(base, headers=bearer(token)).status_code == 404
    assert http.put(f"{base}/status", json={"action": "recover"}, headers=bearer(token)).status_code == 204
    assert live_ids() == [mp4.id, chat.id]


def test_someone_elses_recordings_need_role_permissions(zoom: ZoomSandbox, http: httpx.Client) -> None:
    host = zoom.add_user("host@example.com")
    reader = zoom.add_user("reader@example.com", account_id=host.account_id, permissions=["Recording:Read"])
    nobody = zoom.add_user("nobody@example.com", account_id=host.account_id, permissions=[])
    meeting = zoom.add_meeting(host)
    app = oauth_app(zoom)
    segment = quote(quote(meeting.uuid, safe=""), safe="")
    for user, can_read in ((reader, True), (nobody, False)):
        token = zoom.issue_tokens(app.client_id, user).access_token
        listing = http.get(f"{zoom.url}/v2/users/{host.id}/recordings", headers=bearer(token))
        assert listing.status_code == (200 if can_read else 400)
        trash = http.delete(f"{zoom.url}/v2/meetings/{segment}/recordings", headers=bearer(token))
        assert trash.status_code == 400 and trash.json() == {"code": 200, "message": "No permission."}


# -- downloads -------------------------------------------------------------------------------------------


def test_download_url_redirects_to_the_file_which_serves_ranges(
    zoom: ZoomSandbox, http: httpx.Client
) -> None:
    host = zoom.add_user("host@example.com")
    meeting = zoom.add_meeting(host, files=[FileSpec("MP4", 300_000), FileSpec("TRANSCRIPT", 5_000)])
    mp4, vtt = meeting.files
    token = zoom.issue_tokens(oauth_app(zoom).client_id, host).access_token
    listed = http.get(f"{zoom.url}/v2/users/me/recordings", headers=bearer(token)).json()
    mp4_url, vtt_url = (f["download_url"] for f in listed["meetings"][0]["recording_files"])

    redirect = http.get(mp4_url, headers=bearer(token))
    assert redirect.status_code == 302
    file_url = redirect.headers["location"]
    assert "access_token" not in file_url

    whole = http.get(mp4_url, headers=bearer(token), follow_redirects=True)
    assert whole.status_code == 200 and whole.headers["content-type"] == "video/mp4"
    assert whole.content == zoom.file_bytes(mp4) and len(whole.content) == 300_000
    assert whole.content[4:8] == b"ftyp"
    assert http.get(mp4_url, headers=bearer(token), follow_redirects=True).content == whole.content

    part = http.get(file_url, headers={**bearer(token), "Range": "bytes=70000-70999"})
    assert part.status_code == 206 and part.headers["content-range"] == "bytes 70000-70999/300000"
    assert part.content == whole.content[70_000:71_000]
    tail = http.get(file_url, headers={**bearer(token), "Range": "bytes=-10"})
    assert tail.status_code == 206 and tail.content == whole.content[-10:]
    beyond = http.get(file_url, headers={**bearer(token), "Range": "bytes=300000-"})
    assert beyond.status_code == 416 and beyond.headers["content-range"] == "bytes */300000"

    transcript = http.get(vtt_url, params={"access_token": token}, follow_redirects=True)
    assert transcript.status_code == 200 and transcript.text.startswith("WEBVTT\n\n")
    assert transcript.content == zoom.file_bytes(vtt) and len(transcript.content) == 5_000

    for url in (mp4_url, file_url):
        refused = http.get(url)
        assert refused.status_code == 401 and refused.json()["code"] == 124
    stranger = zoom.issue_tokens(oauth_app(zoom).client_id, zoom.add_user("x@example.com")).access_token
    assert http.get(file_url, headers=bearer(stranger)).status_code == 401
    assert all(r.query.get("access_token") in (None, "***") for r in zoom.requests())


def test_multi_gigabyte_files_are_generated_not_stored(zoom: ZoomSandbox, http: httpx.Client) -> None:
    host = zoom.add_user("host@example.com")
    size = 5 * 2**30
    meeting = zoom.add_meeting(host, files=[FileSpec("MP4", size)])
    (file,) = meeting.files
    token = zoom.issue_tokens(oauth_app(zoom).client_id, host).access_token
    url = f"{zoom.url}/rec/storage/{file.key}"

    head = http.head(url, headers=bearer(token))
    assert head.status_code == 200 and int(head.headers["content-length"]) == size
    header = http.get(url, headers={**bearer(token), "Range": "bytes=0-39"}).content
    assert header[4:8] == b"ftyp" and header[28:32] == b"mdat"
    assert int.from_bytes(header[32:40], "big") == size - 24  # the 64-bit mdat size a 5 GiB file needs
    end = http.get(url, headers={**bearer(token), "Range": f"bytes={size - 100_000}-"})
    assert end.status_code == 206 and len(end.content) == 100_000
    assert end.content == zoom.file_bytes(file, size - 100_000, size)


# -- webhooks --------------------------------------------------------------------------------------------


def _expected_signature(secret: str, headers: dict[str, str], body: bytes) -> str:
    message = f"v0:{headers['x-zm-request-timestamp']}:".encode() + body
    return "v0=" + hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def _subscribed_app(zoom: ZoomSandbox, receiver: tuple[Receiver, str], host: User) -> App:
    target, url = receiver
    app = oauth_app(zoom, event_url=f"{url}/events", deauthorization_url=f"{url}/deauth")
    target.secret_token = app.secret_token
    zoom.authorize(app.client_id, host)  # installs the app on the host's account
    assert zoom.validate_endpoint(app.client_id).ok
    return app


def test_url_validation_and_signed_recording_events(
    zoom: ZoomSandbox, http: httpx.Client, receiver: tuple[Receiver, str]
) -> None:
    target, _ = receiver
    host = zoom.add_user("host@example.com")
    meeting = zoom.add_meeting(host, files=[FileSpec("MP4", 2_000), FileSpec("TRANSCRIPT", 300)])
    app = _subscribed_app(zoom, receiver, host)

    (ids,) = [zoom.fire_event("recording.completed", meeting)]
    assert len(ids) == 1
    assert zoom.wait_for_deliveries()
    (validation,) = target.events("endpoint.url_validation")
    assert validation[0]["x-zm-signature"] == _expected_signature(app.secret_token, *validation)
    ((headers, body),) = target.events("recording.completed")
    assert headers["x-zm-signature"] == _expected_signature(app.secret_token, headers, body)
    assert headers["x-zm-trackingid"] == ids[0] and headers["clientid"] == app.client_id
    assert headers["content-type"].startswith("application/json")

    sent = json.loads(body)
    assert isinstance(sent["event_ts"], int) and sent["download_token"]
    assert sent["payload"]["account_id"] == host.account_id
    obj = sent["payload"]["object"]
    assert obj["uuid"] == meeting.uuid and obj["host_email"] == "host@example.com"
    assert [f["file_type"] for f in obj["recording_files"]] == ["MP4", "TRANSCRIPT"]

    # The event's download_token downloads that meeting's files.
    download = http.get(obj["recording_files"][0]["download_url"], headers=bearer(sent["download_token"]))
    assert download.status_code == 302
    other = zoom.add_meeting(host)
    assert (
        http.get(
            f"{zoom.url}/rec/storage/{other.files[0].key}", headers=bearer(sent["download_token"])
        ).status_code
        == 401
    )

    zoom.fire_event("recording.transcript_completed", meeting)
    assert zoom.wait_for_deliveries()
    ((_, transcript),) = target.events("recording.transcript_completed")
    assert [f["file_type"] for f in json.loads(transcript)["payload"]["object"]["recording_files"]] == [
        "TRANSCRIPT"
    ]


def test_a_wrong_validation_answer_keeps_events_away(
    zoom: ZoomSandbox, receiver: tuple[Receiver, str]
) -> None:
    target, url = receiver
    target.answer_wrong = True
    host = zoom.add_user("host@example.com")
    app = oauth_app(zoom, event_url=f"{url}/events")
    zoom.authorize(app.client_id, host)
    result = zoom.validate_endpoint(app.client_id)
    assert not result.ok and "encryptedToken" in result.reason
    meeting = zoom.add_meeting(host)
    with pytest.raises(EndpointNotValidated):
        zoom.fire_event("recording.completed", meeting, client_id=app.client_id)
    assert zoom.fire_event("recording.completed", meeting) == []


def test_failed_deliveries_follow_zooms_retry_schedule(
    zoom: ZoomSandbox, receiver: tuple[Receiver, str]
) -> None:
    target, _ = receiver
    host = zoom.add_user("host@example.com")
    _subscribed_app(zoom, receiver, host)
    meeting = zoom.add_meeting(host)

    target.statuses = [500, 503]  # two failures, then success
    (recovered,) = zoom.fire_event("recording.completed", meeting)
    assert zoom.wait_for_deliveries()
    attempts = [a for a in zoom.deliveries("recording.completed") if a.event_id == recovered]
    assert [(a.attempt, a.zoom_offset, a.status, a.delivered) for a in attempts] == [
        (1, 0, 500, False),
        (2, 300, 503, False),
        (3, 1500, 200, True),
    ]
    assert [a.sent_at for a in attempts] == sorted(a.sent_at for a in attempts)
    # Each attempt is signed afresh (its own timestamp).
    assert all(
        a.headers["x-zm-signature"] == _expected_signature(target.secret_token, a.headers, a.body)
        for a in attempts
    )

    target.statuses = [500, 500, 500, 500, 500]
    (dropped,) = zoom.fire_event("recording.completed", meeting)
    assert zoom.wait_for_deliveries()
    attempts = [a for a in zoom.deliveries() if a.event_id == dropped]
    # 5 minutes after the first attempt, 20 after the first retry, 60 after the second.
    assert [a.zoom_offset for a in attempts] == [0, 300, 300 + 1200, 300 + 1200 + 3600]
    assert not any(a.delivered for a in attempts)
    assert target.statuses == [500]  # nothing after the third retry


def test_trashing_through_the_api_sends_recording_trashed(
    zoom: ZoomSandbox, http: httpx.Client, receiver: tuple[Receiver, str]
) -> None:
    target, _ = receiver
    host = zoom.add_user("host@example.com")
    app = _subscribed_app(zoom, receiver, host)
    meeting = zoom.add_meeting(host, files=[FileSpec("MP4", 10), FileSpec("M4A", 10)])
    audio_id = meeting.files[1].id
    token = zoom.issue_tokens(app.client_id, host).access_token
    base = f"{zoom.url}/v2/meetings/{quote(quote(meeting.uuid, safe=''), safe='')}/recordings"
    http.delete(f"{base}/{audio_id}", params={"action": "trash"}, headers=bearer(token))
    http.put(f"{base}/status", json={"action": "recover"}, headers=bearer(token))
    http.delete(base, params={"action": "delete"}, headers=bearer(token))
    assert zoom.wait_for_deliveries()
    names = [json.loads(b)["event"] for _, b in target.received[1:]]
    assert sorted(names) == ["recording.deleted", "recording.recovered", "recording.trashed"]
    ((_, trashed),) = target.events("recording.trashed")
    payload = json.loads(trashed)["payload"]
    assert payload["operator"] == "host@example.com" and payload["operator_id"] == host.id
    assert [f["id"] for f in payload["object"]["recording_files"]] == [audio_id]


def test_deauthorization_revokes_tokens_and_tells_the_app(
    zoom: ZoomSandbox, http: httpx.Client, receiver: tuple[Receiver, str]
) -> None:
    target, _ = receiver
    host = zoom.add_user("host@example.com")
    app = _subscribed_app(zoom, receiver, host)
    tokens = zoom.issue_tokens(app.client_id, host)
    assert zoom.deauthorize(app.client_id, host.account_id, host.id)
    assert zoom.wait_for_deliveries()
    ((headers, body),) = target.events("app_deauthorized")
    assert headers["x-zm-signature"] == _expected_signature(app.secret_token, headers, body)
    payload = json.loads(body)["payload"]
    assert payload["account_id"] == host.account_id and payload["user_id"] == host.id
    assert payload["client_id"] == app.client_id and payload["deauthorization_time"]
    assert http.get(f"{zoom.url}/v2/users/me", headers=bearer(tokens.access_token)).status_code == 401
    assert tokens.refresh_token is not None
    refresh = exchange(zoom, http, app, grant_type="refresh_token", refresh_token=tokens.refresh_token)
    assert refresh.status_code == 400


# -- faults ----------------------------------------------------------------------------------------------


def test_rate_limit_faults_with_each_kind_of_retry_after(zoom: ZoomSandbox, http: httpx.Client) -> None:
    host = zoom.add_user("host@example.com")
    token = zoom.issue_tokens(oauth_app(zoom).client_id, host).access_token
    url = f"{zoom.url}/v2/users/me/recordings"
    zoom.inject_fault(FaultKind.RATE_LIMIT, "/v2/users/*/recordings", retry_after=7)
    zoom.inject_fault(
        FaultKind.RATE_LIMIT, "/v2/users/*/recordings", retry_after_format=RetryAfterFormat.HTTP_DATE
    )
    zoom.inject_fault(
        FaultKind.RATE_LIMIT,
        "/v2/users/*/recordings",
        retry_after=3600,
        retry_after_format=RetryAfterFormat.ISO,
        daily=True,
    )

    seconds = http.get(url, headers=bearer(token))
    assert seconds.status_code == 429 and seconds.headers["retry-after"] == "7"
    assert seconds.headers["x-ratelimit-type"] == "QPS" and seconds.json()["code"] == 429
    dated = http.get(url, headers=bearer(token))
    assert dated.status_code == 429
    assert parsedate_to_datetime(dated.headers["retry-after"]).tzinfo is not None
    daily = http.get(url, headers=bearer(token))
    assert daily.status_code == 429 and daily.headers["x-ratelimit-type"] == "Daily-limit"
    moment = datetime.strptime(daily.headers["retry-after"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    assert moment > datetime.now(UTC)
    assert "GMT 00:00:00" in daily.json()["message"]
    assert http.get(url, headers=bearer(token)).status_code == 200  # each fault fired once
    assert [r.fault.split("#")[0] for r in zoom.requests("/v2/users/me/recordings")] == [
        "rate_limit",
        "rate_limit",
        "rate_limit",
        "",
    ]


def test_token_and_server_error_faults_target_paths_and_methods(
    zoom: ZoomSandbox, http: httpx.Client
) -> None:
    host = zoom.add_user("host@example.com")
    token = zoom.issue_tokens(oauth_app(zoom).client_id, host).access_token
    zoom.inject_fault(FaultKind.INVALID_TOKEN, "/v2/users/me", count=2)
    zoom.inject_fault(FaultKind.SERVER_ERROR, "/v2/users/*/permissions", method="GET", status=502)
    for _ in range(2):
        refused = http.get(f"{zoom.url}/v2/users/me", headers=bearer(token))
        assert refused.status_code == 401 and refused.json() == {
            "code": 124,
            "message": "Invalid access token.",
        }
    assert http.get(f"{zoom.url}/v2/users/me", headers=bearer(token)).status_code == 200
    assert http.get(f"{zoom.url}/v2/users/me/permissions", headers=bearer(token)).status_code == 502
    assert http.get(f"{zoom.url}/v2/users/me/permissions", headers=bearer(token)).status_code == 200


def test_connection_reset_mid_file(zoom: ZoomSandbox, http: httpx.Client) -> None:
    host = zoom.add_user("host@example.com")
    meeting = zoom.add_meeting(host, files=[FileSpec("MP4", 1_000_000)])
    (file,) = meeting.files
    token = zoom.issue_tokens(oauth_app(zoom).client_id, host).access_token
    url = f"{zoom.url}/rec/storage/{file.key}"
    zoom.inject_fault(FaultKind.RESET, "/rec/storage/*", after_bytes=150_000)

    received = bytearray()
    with pytest.raises(httpx.RemoteProtocolError), http.stream("GET", url, headers=bearer(token)) as response:
        assert response.status_code == 200 and response.headers["content-length"] == "1000000"
        for chunk in response.iter_bytes():
            received += chunk
    assert bytes(received) == zoom.file_bytes(file, 0, 150_000)

    # The client resumes where the connection broke.
    rest = http.get(url, headers={**bearer(token), "Range": f"bytes={len(received)}-"})
    assert rest.status_code == 206 and bytes(received) + rest.content == zoom.file_bytes(file)


# -- the control API and the request log -----------------------------------------------------------------


def test_the_json_control_api_drives_the_same_sandbox(
    zoom: ZoomSandbox, http: httpx.Client, receiver: tuple[Receiver, str]
) -> None:
    target, url = receiver
    control = f"{zoom.url}/_sandbox"
    user = http.post(
        f"{control}/users", json={"email": "json@example.com", "permissions": ["Recording:Read"]}
    ).json()
    app = http.post(
        f"{control}/apps", json={"redirect_uris": [REDIRECT], "event_url": f"{url}/events"}
    ).json()
    target.secret_token = app["secret_token"]
    meeting = http.post(
        f"{control}/meetings",
        json={"host": "json@example.com", "uuid": "/x//y==", "files": [{"file_type": "MP4", "size": 1234}]},
    ).json()
    assert meeting["uuid"] == "/x//y==" and meeting["recording_files"][0]["file_size"] == 1234

    zoom.authorize(app["client_id"], user["id"])
    assert http.post(f"{control}/apps/{app['client_id']}/validate").json() == {"ok": True, "reason": ""}
    fired = http.post(
        f"{control}/events", json={"event": "recording.completed", "meeting_uuid": "/x//y=="}
    ).json()
    deliveries = http.get(f"{control}/deliveries", params={"wait": 5, "event": "recording.completed"}).json()
    assert [d["eventId"] for d in deliveries] == fired["event_ids"] and deliveries[0]["delivered"]

    fault = http.post(
        f"{control}/faults", json={"kind": "server_error", "path": "/v2/*", "status": 500}
    ).json()
    assert fault["kind"] == "server_error" and fault["count"] == 1
    assert http.get(f"{zoom.url}/v2/users/me").status_code == 500
    assert http.post(f"{control}/users", json={}).status_code == 400
    assert http.post(f"{control}/users", content=b"[").status_code == 400


def test_the_request_log_holds_no_secrets(zoom: ZoomSandbox, http: httpx.Client) -> None:
    user = zoom.add_user("u@example.com")
    app = oauth_app(zoom)
    code = zoom.authorize(app.client_id, user)
    tokens = exchange(
        zoom, http, app, grant_type="authorization_code", code=code, redirect_uri=REDIRECT
    ).json()
    http.post(
        f"{zoom.url}/oauth/token",
        params={"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]},
        headers=basic(app),
    )
    http.get(f"{zoom.url}/v2/users/me", params={"access_token": tokens["access_token"]})
    http.get(f"{zoom.url}/_sandbox/requests")
    records = zoom.requests()
    assert [(r.method, r.path, r.note, r.credential) for r in records] == [
        ("POST", "/oauth/token", "authorization_code", "basic"),
        ("POST", "/oauth/token", "refresh_token", "basic"),
        ("GET", "/v2/users/me", "", "query"),
    ]
    text = repr(records)
    for secret in (code, tokens["access_token"], tokens["refresh_token"], app.client_secret):
        assert secret not in text


def test_the_command_is_registered() -> None:
    result = CliRunner().invoke(cli.app, ["sandbox", "zoom", "--help"])
    assert result.exit_code == 0 and "--port" in result.output and "--time-scale" in result.output
