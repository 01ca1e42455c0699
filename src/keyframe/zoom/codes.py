"""The integration code (reference §1.5.2): an admin KS v2 of the partner, usable only on the pages that
take it, for ``zoom_integration_code_ttl`` seconds, and — unlike upstream — **once**: linking a Zoom
account claims it (a revoked ``ks_states`` row), in the linking transaction, so a failed link leaves it
usable and two simultaneous links cannot both use it.

After linking, the registration page gets a KS of its own for saving the settings of that one account
(``zoomaccount:<id>``); such a KS is never accepted as an integration code.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from keyframe.auth import ks_state
from keyframe.auth.issue import issue
from keyframe.auth.ks_validation import RequestOrigin, peek_partner
from keyframe.auth.models import KsState
from keyframe.auth.roles import ADMIN_PUBLISHER_MANAGE, allows
from keyframe.kapi.errors import KalturaAPIException
from keyframe.ks import KS, Privileges
from keyframe.partners import service as partner_service
from keyframe.partners.models import Partner, PartnerStatus
from keyframe.roles import service as role_service
from keyframe.services import Services

ADMIN_SESSION = 2
# The pages that take a code. The first pattern is upstream's (the seed's clue); it is safe because
# ``urirestrict`` is matched against the path up to the action only (``app.api_call_path``): api_v3 also
# takes parameters as path segments, and ``/api_v3/service/partner/action/getInfo/x/fetchRegistrationPage``
# must not pass. The registration page's own session names its page exactly.
PAGE_PATH = "/api_v3/service/vendor_zoomvendor/action/"
REGISTRATION_URI = PAGE_PATH + "fetchRegistrationPage"
CODE_URIS = f"*fetchRegistrationPage*|{PAGE_PATH}preOauthValidation"
ACCOUNT_PRIVILEGE = "zoomaccount"
REGISTRATION_TTL = 3600  # the registration page's own session


class CodeProblem(StrEnum):
    """Why a code was refused, as the page tells the person holding it."""

    UNREADABLE = (
        "This integration code is not valid. Copy the whole code from the console (Settings > Integration > "
        "Zoom integration > Generate Integration Code) and try again."
    )
    EXPIRED = "This integration code has expired. Generate a new one in the console and try again."
    USED = (
        "This integration code has already been used: each code links one Zoom account. Generate a new "
        "one in the console and try again."
    )
    NOT_A_CODE = "This is not an integration code. Generate one in the console and try again."
    SESSION = "This registration page has expired. Generate a new integration code and install the app again."


class CodeRefused(Exception):
    def __init__(self, problem: CodeProblem) -> None:
        super().__init__(problem.value)
        self.problem = problem


@dataclass(frozen=True)
class IssuedCode:
    code: str
    expires_at: int
    expires_in: int


def mint(partner: Partner, ttl: int) -> IssuedCode:
    now = int(time.time())
    privileges = Privileges.parse(f"urirestrict:{CODE_URIS}")
    code = issue(partner, type=ADMIN_SESSION, user_id="", privileges=privileges, expiry=ttl, now=now)
    return IssuedCode(code, now + ttl, ttl)


def mint_registration(partner: Partner, account_id: str) -> str:
    privileges = Privileges((("urirestrict", REGISTRATION_URI), (ACCOUNT_PRIVILEGE, account_id)))
    return issue(partner, type=ADMIN_SESSION, user_id="", privileges=privileges, expiry=REGISTRATION_TTL)


def verify(
    db: Session,
    services: Services,
    text: str,
    origin: RequestOrigin,
    *,
    account_id: str | None = None,
    any_admin: bool = False,
) -> tuple[KS, Partner]:
    """Check a KS as any KS is (signature, expiry, URI restriction, revocation) and as an administrator's
    (ADMIN_PUBLISHER_MANAGE, active partner), then as what the page expects: an integration code (a KS
    restricted by URI and not a registration session), the registration session of ``account_id``, or
    (``any_admin``) any administrator KS (``localRegistrationPage``)."""
    problem = CodeProblem.UNREADABLE if account_id is None else CodeProblem.SESSION
    text = text.strip()
    try:
        partner = partner_service.find(db, peek_partner(text)) if text else None
        if partner is None:
            raise CodeRefused(problem)
        ks = services.ks_validator.validate(
            text, partner.admin_secrets, origin, lambda k: ks_state.is_revoked(db, k)
        )
    except KalturaAPIException as error:
        raise CodeRefused(_problem(error, account_id)) from None
    if partner.status != PartnerStatus.ACTIVE or not ks.is_admin:
        raise CodeRefused(CodeProblem.NOT_A_CODE)
    if not allows(role_service.permissions_for(db, partner.id, ks), (ADMIN_PUBLISHER_MANAGE,)):
        raise CodeRefused(CodeProblem.NOT_A_CODE)
    session_of = ks.privileges.first(ACCOUNT_PRIVILEGE)
    if account_id is not None:
        if session_of != account_id:
            raise CodeRefused(CodeProblem.SESSION)
    elif session_of is not None or not (any_admin or ks.privileges.has("urirestrict")):
        # A console session is not a code: claiming it would end the administrator's session.
        raise CodeRefused(CodeProblem.NOT_A_CODE)
    return ks, partner


def _problem(error: KalturaAPIException, account_id: str | None) -> CodeProblem:
    if account_id is not None:
        return CodeProblem.SESSION
    reason = error.arguments.get("KSID", "")
    return {
        "EXPIRED": CodeProblem.EXPIRED,
        "LOGOUT": CodeProblem.USED,
        "EXCEEDED_RESTRICTED_URI": CodeProblem.NOT_A_CODE,
        "EXCEEDED_RESTRICTED_IP": CodeProblem.NOT_A_CODE,
    }.get(reason, CodeProblem.UNREADABLE)


def claim(db: Session, ks: KS) -> None:
    """Use the code up, in the caller's transaction; CodeRefused(USED) if another link got it first."""
    key = ks_state.revocation_key(ks)
    insert = (
        postgresql.insert(KsState) if db.get_bind().dialect.name == "postgresql" else sqlite.insert(KsState)
    )
    claimed = db.scalar(
        insert.values(key=key, partner_id=ks.partner_id, revoked=True, expires_at=ks.valid_until)
        .on_conflict_do_nothing(index_elements=["key"])
        .returning(KsState.key)
    )
    if claimed is None and db.scalar(select(KsState.revoked).where(KsState.key == key)):
        raise CodeRefused(CodeProblem.USED)
    if claimed is None:  # a counter row without revocation (not made by Keyframe's codes): revoke it now
        ks_state.revoke(db, ks)
