"""Kaltura API errors: a code, named args and a message template with ``@ARG@`` placeholders.

Every error an action raises is one of these. The catalogue mirrors upstream's ``KalturaErrors`` for the
codes Keyframe uses (``shared/reference/kaltura-api-and-ks.md`` §1.6 and §2.7).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_TAG = re.compile(r"<[^>]*>")


class KalturaAPIException(Exception):
    """An API error as the client sees it: ``code``, ``message`` and ``args`` (name → value)."""

    def __init__(self, code: str, message: str, args: dict[str, str]) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.arguments = args


@dataclass(frozen=True)
class ErrorDef:
    code: str
    arg_names: tuple[str, ...]
    template: str

    def __call__(self, *values: object) -> KalturaAPIException:
        args: dict[str, str] = {}
        message = self.template
        for index, name in enumerate(self.arg_names):
            # Like upstream: a missing arg is "N/A", HTML tags are stripped from args.
            value = _TAG.sub("", str(values[index])) if index < len(values) else "N/A"
            args[name] = value
            message = message.replace(f"@{name}@", value)
        return KalturaAPIException(self.code, message, args)


def _e(spec: str) -> ErrorDef:
    code, names, template = spec.split(";", 2)
    return ErrorDef(code, tuple(n for n in names.split(",") if n), template)


# General
INTERNAL_SERVERL_ERROR = _e("INTERNAL_SERVERL_ERROR;;Internal server error occurred")
MISSING_KS = _e("MISSING_KS;;Missing KS, session not established")
INVALID_KS = _e('INVALID_KS;KSID,ERR_CODE,ERR_DESC;Invalid KS "@KSID@", Error "@ERR_CODE@,@ERR_DESC@"')
SERVICE_NOT_SPECIFIED = _e("SERVICE_NOT_SPECIFIED;;Service name was not specified, please specify one")
SERVICE_DOES_NOT_EXISTS = _e('SERVICE_DOES_NOT_EXISTS;SRV_NAME;Service "@SRV_NAME@" does not exists')
ACTION_NOT_SPECIFIED = _e("ACTION_NOT_SPECIFIED;;Action name was not specified, please specify one")
ACTION_DOES_NOT_EXISTS = _e(
    'ACTION_DOES_NOT_EXISTS;ACTION_NAME,SERVICE_NAME;Action "@ACTION_NAME@" does not exists for service '
    '"@SERVICE_NAME@"'
)
MISSING_MANDATORY_PARAMETER = _e('MISSING_MANDATORY_PARAMETER;PARAM_NAME;Missing parameter "@PARAM_NAME@"')
INVALID_OBJECT_TYPE = _e('INVALID_OBJECT_TYPE;INVALID_OBJ_TYPE;Invalid object type "@INVALID_OBJ_TYPE@"')
INVALID_ENUM_VALUE = _e(
    'INVALID_ENUM_VALUE;ENUM_VAL,PARAM_NAME,ENUM_TYPE;Invalid enumeration value "@ENUM_VAL@" for parameter '
    '"@PARAM_NAME@", expecting enumeration type "@ENUM_TYPE@"'
)
OBJECT_TYPE_ABSTRACT = _e(
    'OBJECT_TYPE_ABSTRACT;OBJ_TYPE;The object type "@OBJ_TYPE@" is abstract, use one of the object '
    "implementations"
)
PROPERTY_VALIDATION_CANNOT_BE_NULL = _e(
    'PROPERTY_VALIDATION_CANNOT_BE_NULL;PROP_NAME;The property "@PROP_NAME@" cannot be null'
)
PROPERTY_VALIDATION_NOT_UPDATABLE = _e(
    'PROPERTY_VALIDATION_NOT_UPDATABLE;PROP_NAME;The property "@PROP_NAME@" cannot be updated'
)
PROPERTY_VALIDATION_NUMERIC_VALUE = _e(
    'PROPERTY_VALIDATION_NUMERIC_VALUE;PROP_NAME;The property "@PROP_NAME@" must be numeric'
)
PROPERTY_VALIDATION_MIN_LENGTH = _e(
    'PROPERTY_VALIDATION_MIN_LENGTH;PROP_NAME,MIN_LEN;The property "@PROP_NAME@" must have a min length of '
    "@MIN_LEN@ characters"
)
PROPERTY_VALIDATION_MAX_LENGTH = _e(
    'PROPERTY_VALIDATION_MAX_LENGTH;PROP_NAME,MAX_LEN;The property "@PROP_NAME@" cannot have more than '
    "@MAX_LEN@ characters"
)
PROPERTY_VALIDATION_WRONG_FORMAT = _e(
    'PROPERTY_VALIDATION_WRONG_FORMAT;PROP_NAME,FORMAT;The property "@PROP_NAME@" must match format @FORMAT@'
)
PROPERTY_VALIDATION_MIN_VALUE = _e(
    'PROPERTY_VALIDATION_MIN_VALUE;PROP_NAME,MIN_VAL;The property "@PROP_NAME@" must have a min value of '
    "@MIN_VAL@"
)
PROPERTY_VALIDATION_MAX_VALUE = _e(
    'PROPERTY_VALIDATION_MAX_VALUE;PROP_NAME,MAX_VAL;The property "@PROP_NAME@" must have a max value of '
    "@MAX_VAL@"
)
INVALID_PARAMETER_CHAR = _e('INVALID_PARAMETER_CHAR;XML_FIELD;Invalid char in "@XML_FIELD@" field')
REQUEST_TOO_LARGE = _e("REQUEST_TOO_LARGE;MAX_SIZE;The request body exceeds @MAX_SIZE@ bytes")

# Sessions and access
START_SESSION_ERROR = _e("START_SESSION_ERROR;PID;Error while starting session for partner [@PID@]")
SERVICE_FORBIDDEN = _e("SERVICE_FORBIDDEN;SERVICE;The access to service [@SERVICE@] is forbidden")
SERVICE_FORBIDDEN_CONTENT_BLOCKED = _e(
    "SERVICE_FORBIDDEN_CONTENT_BLOCKED;;The access to this service is forbidden since the specified partner "
    "is blocked"
)
SERVICE_FORBIDDEN_FULLY_BLOCKED = _e(
    "SERVICE_FORBIDDEN_FULLY_BLOCKED;;The access to this service is forbidden since the specified partner is "
    "fully blocked"
)
SERVICE_FORBIDDEN_PARTNER_DELETED = _e(
    "SERVICE_FORBIDDEN_PARTNER_DELETED;;The access to this service is forbidden since the specified partner "
    "is deleted"
)
UNKNOWN_ROLE_ID = _e("UNKNOWN_ROLE_ID;;Unknown role id")
INVALID_SET_ROLE = _e("INVALID_SET_ROLE;;Invalid set role id")
INVALID_ACTIONS_LIMIT = _e("INVALID_ACTIONS_LIMIT;;Invalid actions limit")
PARTNER_ACCESS_FORBIDDEN = _e(
    "PARTNER_ACCESS_FORBIDDEN;ACCESSING_PID,ACCESSED_PID;Partner [@ACCESSING_PID@] cannot access partner "
    "[@ACCESSED_PID@]"
)
INVALID_PARTNER_ID = _e('INVALID_PARTNER_ID;PID;Invalid partner id "@PID@"')
USER_DATA_ERROR = _e("USER_DATA_ERROR;;User data is not valid.")
PARTNER_REGISTRATION_ERROR = _e(
    'PARTNER_REGISTRATION_ERROR;MESSAGE;Error while registering partner with message "@MESSAGE@"'
)
USER_NOT_FOUND = _e("USER_NOT_FOUND;;User was not found")
USER_WRONG_PASSWORD = _e("USER_WRONG_PASSWORD;;Wrong password supplied")
DUPLICATE_USER_BY_LOGIN_ID = _e(
    "DUPLICATE_USER_BY_LOGIN_ID;EMAIL;Loginable user with email [@EMAIL@] already exists in system"
)

# KS failure reasons (upstream ``ks`` result codes) reported in INVALID_KS's args.
KS_INVALID_STR = (-1, "INVALID_STR")
KS_REASONS = {
    "INVALID_PARTNER": -2,
    "INVALID_USER": -3,
    "INVALID_TYPE": -4,
    "EXPIRED": -5,
    "LOGOUT": -6,
    "EXCEEDED_ACTIONS_LIMIT": -8,
    "EXCEEDED_RESTRICTED_IP": -9,
    "EXCEEDED_RESTRICTED_URI": -11,
}


def invalid_ks_unparsable(ks: str) -> KalturaAPIException:
    """The KS could not be decoded or verified: upstream puts the KS text itself in KSID."""
    return INVALID_KS(ks, KS_INVALID_STR[0], KS_INVALID_STR[1])


def invalid_ks(reason: str) -> KalturaAPIException:
    """The KS decoded but is not valid now: upstream puts the reason name in KSID."""
    assert reason in KS_REASONS, reason
    return INVALID_KS(reason, KS_INVALID_STR[0], KS_INVALID_STR[1])
