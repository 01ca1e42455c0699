"""Run one api_v3 action: authenticate the KS, resolve the partner and permissions, then call the action
inside a transaction that commits only if it succeeds."""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy.exc import DBAPIError

from keyframe.auth import issue, ks_state, roles
from keyframe.auth.context import RequestContext
from keyframe.auth.ks_validation import RequestOrigin, peek_partner
from keyframe.db import is_transient_conflict, may_run_again
from keyframe.kapi import errors
from keyframe.kapi.errors import ErrorDef
from keyframe.kapi.registry import ActionSpec, KsPolicy, UploadedFile
from keyframe.ks import KS
from keyframe.partners import service as partner_service
from keyframe.partners.models import Partner, PartnerStatus
from keyframe.roles import service as role_service
from keyframe.services import Services
from keyframe.storage.base import StagedFile

log = logging.getLogger(__name__)

# A call PostgreSQL aborted to break a deadlock (or a serialization failure) runs again, up to this often.
_ATTEMPTS = 3


class _RunAgain(Exception):
    """The attempt was aborted by the database to resolve a conflict and may simply run again."""


def _has_files(params: dict[str, Any]) -> bool:
    return any(isinstance(value, UploadedFile) for value in params.values())


_BLOCKED: dict[int, ErrorDef] = {
    PartnerStatus.BLOCKED: errors.SERVICE_FORBIDDEN_CONTENT_BLOCKED,
    PartnerStatus.FULL_BLOCK: errors.SERVICE_FORBIDDEN_FULLY_BLOCKED,
    PartnerStatus.DELETED: errors.SERVICE_FORBIDDEN_PARTNER_DELETED,
}


class ActionRunner:
    def __init__(self, services: Services, origin: RequestOrigin, header_ks: str | None = None) -> None:
        self.services = services
        self.origin = origin
        self.header_ks = header_ks

    def __call__(self, spec: ActionSpec, params: dict[str, Any]) -> Any:
        for _ in range(_ATTEMPTS - 1):
            try:
                return self._attempt(spec, params, last=False)
            except _RunAgain:
                log.info(
                    "%s.%s: the database aborted it to break a conflict; running it again",
                    spec.service,
                    spec.action,
                )
        return self._attempt(spec, params, last=True)

    def _attempt(self, spec: ActionSpec, params: dict[str, Any], *, last: bool) -> Any:
        ctx: RequestContext | None = None
        retryable = False
        try:
            with self.services.db.transaction() as db:
                ctx = RequestContext(db=db, services=self.services, origin=self.origin)
                # Nothing outside the database may have to be redone: no uploaded file (adopted by now),
                # no effect its rollback undoes, no write that must outlive a failure.
                retryable = not last and not _has_files(params)
                try:
                    self._authorize(ctx, spec, params)
                    result = spec.func(ctx, **spec.decode_args(params))
                finally:
                    retryable = retryable and may_run_again(db) and not ctx.failure_writes
        except DBAPIError as error:
            if retryable and is_transient_conflict(error):
                raise _RunAgain from error
            self._record_failure(ctx)
            raise
        except Exception:
            self._record_failure(ctx)
            raise
        return result

    def _record_failure(self, ctx: RequestContext | None) -> None:
        """The call's transaction is rolled back; what must outlive a failure (a use of an actionslimit KS,
        a wrong password towards a lockout) is written now, in a transaction of its own."""
        if ctx is None or not ctx.failure_writes:
            return
        try:
            with self.services.db.transaction() as db:
                for write in ctx.failure_writes:
                    write(db)
        except Exception:
            log.exception("could not record the effects of a failed call")

    def prepare_file(
        self, spec: ActionSpec, params: dict[str, Any], *, in_place: bool = True
    ) -> StagedFile | None:
        """Asked before a file part of this call is read, with the parameters that came before it: the
        call's own checks (KS, partner, permissions) in a rolled-back transaction, so that no caller the
        call would refuse puts bytes on the disk. A refusal raises the error the call itself will give.
        Then, when the action writes its file in place (``spec.in_place``; ``in_place`` is false in a
        multirequest, whose earlier items may change what it writes into), the file to write into; else
        ``None``: stage it. Nothing this check writes is kept (an actionslimit KS is counted by the call,
        once)."""
        target = None
        with self.services.db.rolled_back() as db:
            ctx = RequestContext(db=db, services=self.services, origin=self.origin)
            self._authorize(ctx, spec, params)
            if in_place and spec.in_place is not None:
                try:
                    target = spec.in_place(ctx, **spec.decode_args(params, files=False))
                except Exception as error:  # the call reports it; the file is staged meanwhile
                    log.debug("no in-place upload: %s", type(error).__name__)
        if target is None:
            return None
        try:
            # Outside the transaction: opening may wait for a seal that is being committed.
            return self.services.storage.open_in_place(target.key, target.offset)
        except Exception as error:
            log.debug("no in-place upload: %s", type(error).__name__)
            return None

    def _authorize(self, ctx: RequestContext, spec: ActionSpec, params: dict[str, Any]) -> None:
        db = ctx.db
        if spec.ks is KsPolicy.IGNORED:
            return
        text = params.get("ks")
        if not isinstance(text, str) or not text:
            text = self.header_ks
        if text:
            ks, ks_partner = self._authenticate(ctx, text)
            ctx.ks, ctx.ks_text = ks, text
            # Permissions come from the KS's own partner (its user, roles and restrictions live there), and
            # a call on another partner (a child) carries exactly those, never more.
            ctx.permissions = role_service.permissions_for(db, ks_partner.id, ks)
            requested = params.get("partnerId", params.get("p"))  # upstream accepts "p" as an alias
            ctx.partner = self._target_partner(ctx, ks_partner, requested)
        elif spec.ks is KsPolicy.REQUIRED:
            raise errors.MISSING_KS()
        if not roles.allows(ctx.permissions, spec.permissions):
            raise errors.MISSING_KS() if ctx.ks is None else errors.SERVICE_FORBIDDEN(spec.label)

    def _authenticate(self, ctx: RequestContext, text: str) -> tuple[KS, Partner]:
        db = ctx.db
        partner = partner_service.find(db, peek_partner(text))
        if partner is None:
            raise errors.invalid_ks_unparsable(text)
        validator = self.services.ks_validator
        ks = validator.validate(
            text, partner.admin_secrets, self.origin, lambda k: ks_state.is_revoked(db, k)
        )
        if ks.privileges.has("actionslimit"):
            limit = issue.positive_int(ks.privileges.first("actionslimit"))
            if limit is None or ks_state.count_action(db, ks) > limit:
                raise errors.invalid_ks("EXCEEDED_ACTIONS_LIMIT")
            # A call that then fails still used the KS once.
            ctx.after_failure(lambda failed_db: ks_state.count_action(failed_db, ks))
        blocked = _BLOCKED.get(partner.status)
        if blocked is not None:
            raise blocked()
        return ks, partner

    def _target_partner(self, ctx: RequestContext, ks_partner: Partner, requested: Any) -> Partner:
        """The partner a call operates on: ``partnerId`` if given, else the KS's. Only a full administrator
        of a parent (an admin KS holding ADMIN_PUBLISHER_MANAGE) may reach a child partner, and only an
        active one; any other mismatch is refused."""
        ks = ctx.require_ks()
        if requested in (None, "") or str(requested) == str(ks.partner_id):
            return ks_partner
        try:
            target_id = int(str(requested))
        except ValueError:
            raise errors.INVALID_PARTNER_ID(str(requested)[:64]) from None
        target = partner_service.find(ctx.db, target_id)
        if (
            target is None
            or target.parent_id != ks.partner_id
            or not ks.is_admin
            or not roles.allows(ctx.permissions, (roles.ADMIN_PUBLISHER_MANAGE,))
        ):
            raise errors.PARTNER_ACCESS_FORBIDDEN(ks.partner_id, target_id)
        blocked = _BLOCKED.get(target.status)
        if blocked is not None:
            raise blocked()
        return target
