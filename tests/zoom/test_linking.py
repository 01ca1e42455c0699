"""The linking journey over real sockets: Keyframe's pages, the Zoom sandbox's OAuth, the API."""

from __future__ import annotations

import time

import httpx
from sqlalchemy import select

from keyframe.auth.issue import issue
from keyframe.ks import Privileges, decode_v2, split_ks
from keyframe.partners.models import Partner
from keyframe.sandbox.zoom.state import User
from keyframe.zoom.codes import CODE_URIS, CodeProblem
from keyframe.zoom.models import VendorIntegration
from tests.conftest import PartnerInfo, make_partner
from tests.zoom.conftest import Browser, ZoomWorld, hidden_fields, notice


def zoom_admin(world: ZoomWorld, email: str) -> User:
    return world.zoom.add_user(email)


def listed(world: ZoomWorld, partner: PartnerInfo) -> dict:  # type: ignore[type-arg]
    result = world.api("vendor_zoomvendor", "list", ks=world.admin_ks(partner))
    assert result["objectType"] == "KalturaZoomIntegrationSettingResponse", result
    return result  # type: ignore[no-any-return]


def test_the_full_linking_journey(world: ZoomWorld, acme: PartnerInfo, browser: Browser) -> None:
    admin = zoom_admin(world, "owner@zoom-a.example")
    code = world.api("vendor_zoomvendor", "generateIntegrationCode", ks=world.admin_ks(acme))
    assert code["expiresIn"] == 86_400 and code["expiresAt"] > time.time() + 86_000

    page = browser.install(admin.id)
    assert "Integration code" in page.text
    assert "default-src 'none'" in page.headers["content-security-policy"]
    assert page.headers["cache-control"] == "no-store"

    registration = browser.enter_code(page, code["code"])
    assert registration.status_code == 200, notice(registration.text)
    assert "Zoom account settings" in registration.text and admin.account_id in registration.text

    saved = browser.submit_settings(
        registration,
        zoomAccountDescription="Main Zoom account",
        defaultUserId="zoom-owner",
        zoomCategory="Zoom>Meetings, Archive",
        zoomWebinarCategory="Zoom>Webinars",
        handleCohostsMode="3",
    )
    assert saved.status_code == 200, notice(saved.text)
    assert notice(saved.text) == "Saved Successfully"

    result = listed(world, acme)
    assert (result["totalCount"], result["accountsUsed"], result["accountsLimit"]) == (1, 1, 3)
    (integration,) = result["objects"]
    assert integration["accountId"] == admin.account_id
    assert integration["status"] == 2 and integration["enableRecordingUpload"] == 1
    assert integration["zoomAccountDescription"] == "Main Zoom account"
    assert integration["zoomCategory"] == "Zoom>Meetings,Archive"
    assert integration["handleCohostsMode"] == 3
    assert integration["authorizationStatus"] == "authorized"
    # The categories exist, nested.
    ks = world.admin_ks(acme)
    names = {c["fullName"] for c in world.api("category", "list", ks=ks)["objects"]}
    assert {"Zoom", "Zoom>Meetings", "Zoom>Webinars", "Archive"} <= names
    # And the default user.
    assert world.api("user", "get", ks=ks, userId="zoom-owner")["id"] == "zoom-owner"
    # Every step is in the audit trail.
    actions = [e["action"] for e in world.api("auditTrail", "list", ks=ks)["objects"]]
    assert {"zoom.integrationCode.generate", "zoom.link", "zoom.settings.update"} <= set(actions)


def test_codes_and_registration_sessions_open_no_api_action(
    world: ZoomWorld, acme: PartnerInfo, browser: Browser
) -> None:
    """api_v3 reads parameters from path segments, so matching ``urirestrict:*fetchRegistrationPage*`` against
    the whole path let ``/api_v3/service/partner/action/getInfo/x/fetchRegistrationPage`` through: the code
    (an admin KS) read the partner's secrets. The restriction is matched up to the action only."""
    code = world.integration_code(acme)
    token, _ = decode_v2(acme.id, split_ks(code)[2], (acme.admin_secret,))
    # The seed's clue, safe because urirestrict is matched up to the action only.
    assert "*fetchRegistrationPage*" in token.privileges.values("urirestrict")[0].split("|")
    registration = browser.link(zoom_admin(world, "a@zoom-a.example").id, world.integration_code(acme))
    session = hidden_fields(registration.text)["ks"]
    for ks in (code, session):
        for path in (
            "/api_v3/service/partner/action/getInfo/x/fetchRegistrationPage",
            "/api_v3/service/partner/action/getInfo/fetchRegistrationPage/1",
            "/api_v3/service/user/action/list/x/preOauthValidation",
        ):
            response = httpx.post(world.url + path, json={"format": 1, "ks": ks}, timeout=30)
            assert response.status_code == 200
            answer = response.json()
            assert answer.get("code") == "INVALID_KS" and "secret" not in answer, (path, answer)
    # Still good where they belong.
    assert browser.link(zoom_admin(world, "b@zoom-b.example").id, code).status_code == 200
    saved = browser.submit_settings(registration, defaultUserId="zoom-owner")
    assert notice(saved.text) == "Saved Successfully"


def test_a_code_links_one_account_only(world: ZoomWorld, acme: PartnerInfo, browser: Browser) -> None:
    code = world.integration_code(acme)
    first = browser.link(zoom_admin(world, "a@zoom-a.example").id, code)
    assert first.status_code == 200, notice(first.text)

    again = browser.link(zoom_admin(world, "b@zoom-b.example").id, code)
    assert again.status_code == 400
    assert notice(again.text) == CodeProblem.USED.value
    assert listed(world, acme)["accountsUsed"] == 1


def test_expired_and_tampered_codes_are_refused_with_a_message(
    world: ZoomWorld, acme: PartnerInfo, browser: Browser
) -> None:
    with world.services.db.transaction() as db:
        partner = db.get(Partner, acme.id)
        assert partner is not None
        expired = issue(
            partner,
            type=2,
            user_id="",
            privileges=Privileges.parse(f"urirestrict:{CODE_URIS}"),
            expiry=60,
            now=int(time.time()) - 3600,
        )
    page = browser.install(zoom_admin(world, "a@zoom-a.example").id)
    refused = browser.enter_code(page, expired)
    assert notice(refused.text) == CodeProblem.EXPIRED.value
    # The OAuth code is not spent by a wrong integration code: the form comes back with it.
    code = world.integration_code(acme)
    tampered = code[:20] + ("A" if code[20] != "A" else "B") + code[21:]
    refused = browser.enter_code(refused, tampered)
    assert notice(refused.text) == CodeProblem.UNREADABLE.value
    assert notice(browser.enter_code(refused, "not a code at all").text) == CodeProblem.UNREADABLE.value
    # A console session is not a code either (claiming it would end the administrator's session).
    assert notice(browser.enter_code(refused, world.admin_ks(acme)).text) == CodeProblem.NOT_A_CODE.value
    # The right code, on the same OAuth approval, links.
    linked = browser.enter_code(refused, code)
    assert linked.status_code == 200 and "Zoom account settings" in linked.text


def test_the_fourth_account_is_refused_naming_the_limit(
    world: ZoomWorld, acme: PartnerInfo, browser: Browser
) -> None:
    for n in range(3):
        page = browser.link(zoom_admin(world, f"admin{n}@zoom-{n}.example").id, world.integration_code(acme))
        assert page.status_code == 200, notice(page.text)
    code = world.integration_code(acme)
    fourth = zoom_admin(world, "admin3@zoom-3.example")
    refused = browser.link(fourth.id, code)
    assert refused.status_code == 400
    assert "at most 3 Zoom accounts" in notice(refused.text)
    assert listed(world, acme)["accountsUsed"] == 3

    # The refusal did not use the code: removing an account frees a place for it.
    ks = world.admin_ks(acme)
    first = listed(world, acme)["objects"][0]
    deleted = world.api("vendor_vendorintegration", "delete", ks=ks, integrationId=first["id"])
    assert deleted["status"] == 3
    assert browser.link(fourth.id, code).status_code == 200
    assert listed(world, acme)["accountsUsed"] == 3


def test_the_limit_is_a_per_partner_setting(world: ZoomWorld, acme: PartnerInfo, browser: Browser) -> None:
    with world.services.db.transaction() as db:
        db.scalars(select(Partner).where(Partner.id == acme.id)).one().zoom_accounts_limit = 1
    assert (
        browser.link(zoom_admin(world, "a@zoom-a.example").id, world.integration_code(acme)).status_code
        == 200
    )
    refused = browser.link(zoom_admin(world, "b@zoom-b.example").id, world.integration_code(acme))
    assert "at most 1 Zoom accounts" in notice(refused.text)
    assert listed(world, acme)["accountsLimit"] == 1


def test_an_account_active_under_another_partner_is_refused(
    world: ZoomWorld, acme: PartnerInfo, browser: Browser
) -> None:
    admin = zoom_admin(world, "a@zoom-a.example")
    registration = browser.link(admin.id, world.integration_code(acme))
    assert notice(browser.submit_settings(registration, defaultUserId="owner").text) == "Saved Successfully"

    other = make_partner(world.services, "Other")
    refused = browser.link(admin.id, world.integration_code(other))
    assert refused.status_code == 400
    assert notice(refused.text) == (
        f'Integration already exists for partner id "{acme.id}", please disable it and try again'
    )
    assert listed(world, other)["accountsUsed"] == 0


def test_a_zoom_user_without_recording_permissions_is_refused(
    world: ZoomWorld, acme: PartnerInfo, browser: Browser
) -> None:
    member = world.zoom.add_user("member@zoom-a.example", permissions=["Recording:Read"], role_name="Member")
    code = world.integration_code(acme)
    refused = browser.link(member.id, code)
    assert refused.status_code == 400
    assert notice(refused.text).startswith("Only Zoom admins are allowed")
    # The code is still good for an admin.
    assert browser.link(zoom_admin(world, "admin@zoom-b.example").id, code).status_code == 200


def test_forms_need_their_csrf_token(world: ZoomWorld, acme: PartnerInfo, browser: Browser) -> None:
    page = browser.install(zoom_admin(world, "a@zoom-a.example").id)
    form = hidden_fields(page.text)
    forged = browser.http.post(
        world.page("fetchRegistrationPage"),
        data={**form, "csrf": "0" * 64, "integrationCode": world.integration_code(acme)},
    )
    assert forged.status_code == 403
    assert "was not sent from this site" in notice(forged.text)
    assert listed(world, acme)["accountsUsed"] == 0


def test_the_registration_form_validates_and_keeps_input(
    world: ZoomWorld, acme: PartnerInfo, browser: Browser
) -> None:
    registration = browser.link(zoom_admin(world, "a@zoom-a.example").id, world.integration_code(acme))
    refused = browser.submit_settings(registration, createUserIfNotExist=None, defaultUserId="")
    assert refused.status_code == 400
    assert notice(refused.text) == "Data was Not Saved. Default user ID is required."
    # A registration session does not link another account.
    session = hidden_fields(registration.text)["ks"]
    other = browser.link(zoom_admin(world, "b@zoom-b.example").id, session)
    assert notice(other.text) == CodeProblem.NOT_A_CODE.value


def test_stored_tokens_are_encrypted(world: ZoomWorld, acme: PartnerInfo, browser: Browser) -> None:
    admin = zoom_admin(world, "a@zoom-a.example")
    assert browser.link(admin.id, world.integration_code(acme)).status_code == 200
    with world.zoom.state.lock:
        issued = [
            t
            for tokens in (world.zoom.state.access_tokens, world.zoom.state.refresh_tokens)
            for t, grant in tokens.items()
            if grant.account_id == admin.account_id
        ]
    assert len(issued) == 2
    with world.services.db.engine.connect() as conn:
        raw = " ".join(
            str(v) for row in conn.exec_driver_sql("SELECT * FROM vendor_integrations") for v in row
        )
    assert all(token not in raw for token in issued)
    with world.services.db.transaction() as db:
        row = db.scalars(select(VendorIntegration)).one()
        assert row.access_token.startswith("v2:") and row.refresh_token.startswith("v2:")
