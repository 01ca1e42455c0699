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


# Roles and permissions
INVALID_OBJECT_ID = _e("INVALID_OBJECT_ID;ID;Invalid object id [@ID@]")
ROLE_NAME_ALREADY_EXISTS = _e("ROLE_NAME_ALREADY_EXISTS;;A role with the same name already exists")
ROLE_IS_BEING_USED = _e("ROLE_IS_BEING_USED;ID;Cannot delete role id [@ID@] that is assigned to users")
CANNOT_CHANGE_ADMIN_ROLE = _e(
    "CANNOT_CHANGE_ADMIN_ROLE;;Cannot delete or change the Publisher Administrator role"
)
PERMISSION_NOT_FOUND = _e("PERMISSION_NOT_FOUND;NAME;Permission [@NAME@] not found")
USER_BLOCKED = _e("USER_BLOCKED;;this user is blocked")
PERMISSION_NOT_ASSIGNABLE = _e(
    "PERMISSION_NOT_ASSIGNABLE;NAME;Permission [@NAME@] is held by the Publisher Administrator role only"
)

# Users
INVALID_USER_ID = _e("INVALID_USER_ID;;Invalid user id")
INVALID_FIELD_VALUE = _e("INVALID_FIELD_VALUE;FIELD_NAME;value in field [@FIELD_NAME@] is not valid")
CANNOT_RETRIEVE_ANOTHER_USER_USING_NON_ADMIN_SESSION = _e(
    'CANNOT_RETRIEVE_ANOTHER_USER_USING_NON_ADMIN_SESSION;USER_ID;cannot retrieve another user "@USER_ID@" '
    "using non-admin session"
)
DUPLICATE_USER_BY_ID = _e("DUPLICATE_USER_BY_ID;UID;User with id [@UID@] already exists in system")
LOGIN_DATA_NOT_FOUND = _e("LOGIN_DATA_NOT_FOUND;;Login id not found")
LOGIN_ID_ALREADY_USED = _e("LOGIN_ID_ALREADY_USED;;Same login id is already in use")
LOGIN_RETRIES_EXCEEDED = _e(
    "LOGIN_RETRIES_EXCEEDED;;Maximum login retries exceeded. Your account has been locked and will not be "
    "available for 24 hours"
)
USER_IS_BLOCKED = _e("USER_IS_BLOCKED;;User is blocked")
WRONG_OLD_PASSWORD = _e("WRONG_OLD_PASSWORD;;old password is wrong")
PASSWORD_STRUCTURE_INVALID = _e(
    "PASSWORD_STRUCTURE_INVALID;RULES;The password you entered has an invalid structure.\n"
    "Passwords must obey the following rules :\n@RULES@"
)
PASSWORD_ALREADY_USED = _e("PASSWORD_ALREADY_USED;;Chosen password has already been used")
USER_LOGIN_ALREADY_ENABLED = _e("USER_LOGIN_ALREADY_ENABLED;;User is already allowed to login")
USER_LOGIN_ALREADY_DISABLED = _e("USER_LOGIN_ALREADY_DISABLED;;User is already not allowed to login")
CANNOT_DELETE_OR_BLOCK_ROOT_ADMIN_USER = _e(
    "CANNOT_DELETE_OR_BLOCK_ROOT_ADMIN_USER;;Root admin user cannot be deleted"
)
CANNOT_SET_ROOT_ADMIN_AS_NO_ADMIN = _e(
    "CANNOT_SET_ROOT_ADMIN_AS_NO_ADMIN;;Root admin user cannot be set to not admin"
)
CANNOT_DISABLE_LOGIN_FOR_ADMIN_USER = _e(
    "CANNOT_DISABLE_LOGIN_FOR_ADMIN_USER;;Login cannot be disabled for admin users"
)
ACCOUNT_OWNER_NEEDS_PARTNER_ADMIN_ROLE = _e(
    "ACCOUNT_OWNER_NEEDS_PARTNER_ADMIN_ROLE;;Account owner must have a partner administrator role"
)
CANNOT_CHANGE_OWN_ROLE = _e("CANNOT_CHANGE_OWN_ROLE;;User cannot change his own role")
NOT_ALLOWED_TO_CHANGE_ROLE = _e("NOT_ALLOWED_TO_CHANGE_ROLE;;User Is not allowed change roles")
PROPERTY_VALIDATION_NO_INSERT_PERMISSION = _e(
    "PROPERTY_VALIDATION_NO_INSERT_PERMISSION;PROP;Current user does not have permission to insert property "
    '"@PROP@"'
)
PERMISSION_NOT_HELD = _e(
    "PERMISSION_NOT_HELD;NAME;You cannot grant permission [@NAME@], which you do not hold"
)

# Upload tokens (upstream's KalturaErrors, "Upload Token Service")
UPLOAD_ERROR = _e("UPLOAD_ERROR;;Upload failed")
UPLOAD_TOKEN_NOT_FOUND = _e("UPLOAD_TOKEN_NOT_FOUND;;Upload token not found")
UPLOAD_TOKEN_INVALID_STATUS_FOR_UPLOAD = _e(
    "UPLOAD_TOKEN_INVALID_STATUS_FOR_UPLOAD;;Upload token is in an invalid status for uploading a file, "
    "maybe the file was already uploaded"
)
UPLOAD_TOKEN_INVALID_STATUS_FOR_ADD_ENTRY = _e(
    "UPLOAD_TOKEN_INVALID_STATUS_FOR_ADD_ENTRY;;Upload token is in an invalid status for adding entry, "
    "maybe the a file was not uploaded or the token was used"
)
UPLOAD_TOKEN_CANNOT_MATCH_EXPECTED_SIZE = _e(
    "UPLOAD_TOKEN_CANNOT_MATCH_EXPECTED_SIZE;;Failed to match expected file size"
)
UPLOAD_TOKEN_MISSING_FILE_SIZE = _e(
    "UPLOAD_TOKEN_MISSING_FILE_SIZE;;FileSize is mandatory when enabling autoFinalize"
)
# Upstream's (batch service) wording, trailing space included; FILE_SIZE is the limit.
FILE_SIZE_EXCEEDED = _e('FILE_SIZE_EXCEEDED;FILE_SIZE;File size exceeded "@FILE_SIZE@" ')

# Media entries
ENTRY_ID_NOT_FOUND = _e('ENTRY_ID_NOT_FOUND;ENTRY_ID;Entry id "@ENTRY_ID@" not found')
INVALID_ENTRY_ID = _e("INVALID_ENTRY_ID;ENTRY_TYPE,ENTRY_ID;Unknown @ENTRY_TYPE@ [@ENTRY_ID@]")
ENTRY_ALREADY_WITH_CONTENT = _e("ENTRY_ALREADY_WITH_CONTENT;;Entry already associated with content")
ENTRY_TYPE_NOT_SUPPORTED = _e('ENTRY_TYPE_NOT_SUPPORTED;ENTRY_TYPE;Entry type "@ENTRY_TYPE@" not supported')
ENTRY_MEDIA_TYPE_NOT_SUPPORTED = _e(
    'ENTRY_MEDIA_TYPE_NOT_SUPPORTED;MEDIA_TYPE;Entry media type "@MEDIA_TYPE@" not supported'
)
RESOURCE_TYPE_NOT_SUPPORTED = _e(
    'RESOURCE_TYPE_NOT_SUPPORTED;RES_TYPE;Resource type "@RES_TYPE@" not supported'
)
PERMISSION_DENIED_TO_UPDATE_ENTRY = _e(
    "PERMISSION_DENIED_TO_UPDATE_ENTRY;;User can update only the entries he own, otherwise an admin session "
    "must be used"
)
INVALID_ENTRY_STATUS = _e("INVALID_ENTRY_STATUS;;Invalid entry status")

# Categories (upstream's texts, "categroy" and "CONTIRUBUTION" included)
CATEGORY_NOT_FOUND = _e('CATEGORY_NOT_FOUND;ID;Category id "@ID@" not found')
PARENT_CATEGORY_NOT_FOUND = _e('PARENT_CATEGORY_NOT_FOUND;ID;Parent category id "@ID@" not found')
MAX_CATEGORY_DEPTH_REACHED = _e(
    'MAX_CATEGORY_DEPTH_REACHED;MAX;Category can have a max depth of "@MAX@" levels'
)
DUPLICATE_CATEGORY = _e('DUPLICATE_CATEGORY;CATEGORY;The category "@CATEGORY@" already exists')
PARENT_CATEGORY_IS_CHILD = _e(
    "PARENT_CATEGORY_IS_CHILD;PARENT_CATEGORY,OTHER_CATEGORY;The parent category "
    '"@PARENT_CATEGORY@" is one of the children for category "@OTHER_CATEGORY@"'
)
CATEGORIES_LOCKED = _e("CATEGORIES_LOCKED;;Categories are locked")
CATEGORY_NAME_CONTAINS_INVALID_CHARS = _e(
    "CATEGORY_NAME_CONTAINS_INVALID_CHARS;;Category name contains invalid chars."
)
CANNOT_INHERIT_MEMBERS_WHEN_PARENT_CATEGORY_IS_NOT_SET = _e(
    "CANNOT_INHERIT_MEMBERS_WHEN_PARENT_CATEGORY_IS_NOT_SET;;Cannot inherit members when parent category is "
    "not set"
)
NOT_ENTITLED_TO_UPDATE_CATEGORY = _e(
    "NOT_ENTITLED_TO_UPDATE_CATEGORY;;Current User is not entitled to update this category"
)
CANNOT_UPDATE_CATEGORY_PRIVACY_CONTEXT = _e(
    "CANNOT_UPDATE_CATEGORY_PRIVACY_CONTEXT;;Cannot update privacy context"
)
CANNOT_MOVE_CATEGORIES_FROM_DIFFERENT_PARENT_CATEGORY = _e(
    "CANNOT_MOVE_CATEGORIES_FROM_DIFFERENT_PARENT_CATEGORIES;;Cannot move categories from different parent "
    "categories"
)
_NO_CONTEXT = "privacy context is not set on the categroy"
CANNOT_SET_APPEAR_IN_LIST_FIELD_WITH_NO_PRIVACY_CONTEXT = _e(
    f"CANNOT_SET_APPEAR_IN_LIST_FIELD_WITH_NO_PRIVACY_CONTEXT;;Cannot set appear in list field when "
    f"{_NO_CONTEXT}"
)
CANNOT_SET_INHERITANCE_TYPE_FIELD_WITH_NO_PRIVACY_CONTEXT = _e(
    f"CANNOT_SET_INHERITANCE_TYPE_FIELD_WITH_NO_PRIVACY_CONTEXT;;Cannot set inheritance field when "
    f"{_NO_CONTEXT}"
)
CANNOT_SET_PRIVACY_FIELD_WITH_NO_PRIVACY_CONTEXT = _e(
    f"CANNOT_SET_PRIVACY_FIELD_WITH_NO_PRIVACY_CONTEXT;;Cannot set privacy field when {_NO_CONTEXT}"
)
CANNOT_SET_OWNER_FIELD_WITH_NO_PRIVACY_CONTEXT = _e(
    f"CANNOT_SET_OWNER_FIELD_WITH_NO_PRIVACY_CONTEXT;;Cannot set owner field when {_NO_CONTEXT}"
)
CANNOT_SET_USER_JOIN_POLICY_FIELD_WITH_NO_PRIVACY_CONTEXT = _e(
    f"CANNOT_SET_USER_JOIN_POLICY_FIELD_WITH_NO_PRIVACY_CONTEXT;;Cannot set user join policy field when "
    f"{_NO_CONTEXT}"
)
CANNOT_SET_CONTIRUBUTION_POLICY_FIELD_WITH_NO_PRIVACY_CONTEXT = _e(
    "CANNOT_SET_CONTIRUBUTION_POLICY_FIELD_WITH_NO_PRIVACY_CONTEXT;;Cannot set contribution policy field "
    f"when "
    f"{_NO_CONTEXT}"
)
CANNOT_SET_DEFAULT_PERMISSION_LEVEL_FIELD_WITH_NO_PRIVACY_CONTEXT = _e(
    f"CANNOT_SET_DEFAULT_PERMISSION_LEVEL_FIELD_WITH_NO_PRIVACY_CONTEXT;;Cannot set default permission level "
    f"field when {_NO_CONTEXT}"
)
CANNOT_SET_OWNER_FIELD_WITH_USER_ID = _e(
    'CANNOT_SET_OWNER_FIELD_WITH_USER_ID;ID;Cannot set owner field with user id "@ID@", user id is invalid'
)
PRIVACY_CONTEXT_INVALID_STRING = _e(
    'PRIVACY_CONTEXT_INVALID_STRING;CONTEXT;Privacy context is invalid "@CONTEXT@"'
)
CANNOT_SET_OWNER_WHEN_CATEGORY_INHERIT_MEMBERS = _e(
    "CANNOT_SET_OWNER_WHEN_CATEGORY_INHERIT_MEMBERS;;Cannot set owner when category is set to inherit"
)
CANNOT_SET_USER_JOIN_POLICY_WHEN_CATEGORY_INHERIT_MEMBERS = _e(
    "CANNOT_SET_USER_JOIN_POLICY_WHEN_CATEGORY_INHERIT_MEMBERS;;Cannot set user join policy when category is "
    "set to inherit"
)
CANNOT_SET_DEFAULT_PERMISSION_LEVEL_WHEN_CATEGORY_INHERIT_MEMBERS = _e(
    "CANNOT_SET_DEFAULT_PERMISSION_LEVEL_WHEN_CATEGORY_INHERIT_MEMBERS;;Cannot set default permission level "
    "when category is set to inherit"
)
CANNOT_SET_MULTI_PRIVACY_CONTEXT = _e(
    "CANNOT_SET_MULTI_PRIVACY_CONTEXT;; Cannot set multiple privacy context when Disable Category Limit "
    "feature is turned on"
)
# categoryUser
INVALID_CATEGORY_USER_ID = _e(
    'INVALID_CATEGORY_USER_ID;CAT,USER;Invalid CategoryUser for category ["@CAT@"] and for user ["@USER@"]'
)
CATEGORY_USER_ALREADY_EXISTS = _e("CATEGORY_USER_ALREADY_EXISTS;;CategoryUser already exists")
CATEGORY_INHERIT_MEMBERS = _e(
    "CATEGORY_INHERIT_MEMBERS;CAT;Cannot add members to this category since its inherit members from parent "
    'category ["@CAT@"]'
)
CATEGORY_USER_JOIN_NOT_ALLOWED = _e(
    'CATEGORY_USER_JOIN_NOT_ALLOWED;CAT;cannot register to this category ["@CAT@"]'
)
CANNOT_UPDATE_CATEGORY_USER = _e("CANNOT_UPDATE_CATEGORY_USER;;cannot update category user")
MUST_FILTER_USERS_OR_CATEGORY = _e("MUST_FILTER_USERS_OR_CATEGORY;;Must filter users or categories")
CANNOT_UPDATE_CATEGORY_USER_OWNER = _e(
    "CANNOT_UPDATE_CATEGORY_USER_OWNER;;Cannot change CategoryUser object for category Owner"
)
CATEGORY_MAX_USER_REACHED = _e(
    "CATEGORY_MAX_USER_REACHED;MAX;Max amount of users per category @MAX@ has been reached"
)
# categoryEntry
CANNOT_ASSIGN_ENTRY_TO_CATEGORY = _e("CANNOT_ASSIGN_ENTRY_TO_CATEGORY;;Cannot assign entry to category")
CANNOT_REMOVE_ENTRY_FROM_CATEGORY = _e("CANNOT_REMOVE_ENTRY_FROM_CATEGORY;;Cannot remove entry from category")
CANNOT_ACTIVATE_CATEGORY_ENTRY = _e("CANNOT_ACTIVATE_CATEGORY_ENTRY;;Cannot activate categoryEntry")
CANNOT_ACTIVATE_CATEGORY_ENTRY_SINCE_IT_IS_NOT_PENDING = _e(
    "CANNOT_ACTIVATE_CATEGORY_ENTRY_SINCE_IT_IS_NOT_PENDING;;Cannot activate a non pending categoryEntry"
)
CANNOT_REJECT_CATEGORY_ENTRY = _e("CANNOT_REJECT_CATEGORY_ENTRY;;Cannot reject category entry")
CANNOT_REJECT_CATEGORY_ENTRY_SINCE_IT_IS_NOT_PENDING = _e(
    "CANNOT_REJECT_CATEGORY_ENTRY_SINCE_IT_IS_NOT_PENDING;;Cannot reject a non pending categoryEntry"
)
ENTRY_IS_NOT_ASSIGNED_TO_CATEGORY = _e(
    "ENTRY_IS_NOT_ASSIGNED_TO_CATEGORY;;Entry doesn't assigned to category"
)
MUST_FILTER_ON_ENTRY_OR_CATEGORY = _e("MUST_FILTER_ON_ENTRY_OR_CATEGORY;;Must filter on entry id or category")
CATEGORY_ENTRY_ALREADY_EXISTS = _e("CATEGORY_ENTRY_ALREADY_EXISTS;;Entry already assigned to this category")
# groupUser
GROUP_NOT_FOUND = _e("GROUP_NOT_FOUND;;Group was not found")
GROUP_USER_ALREADY_EXISTS = _e("GROUP_USER_ALREADY_EXISTS;;GroupUser already exists")
GROUP_USER_DOES_NOT_EXIST = _e(
    'GROUP_USER_DOES_NOT_EXISTS;USER,GROUP;Invalid GroupUser for group ["@GROUP@"] and for user ["@USER@"]'
)
PROPERTY_VALIDATION_NO_UPDATE_PERMISSION = _e(
    "PROPERTY_VALIDATION_NO_UPDATE_PERMISSION;PROP;Current user does not have permission to update property "
    '"@PROP@"'
)
CATEGORY_DOES_NOT_HAVE_PARENT_CATEGORY = _e(
    "CATEGORY_DOES_NOT_HAVE_PARENT_CATEGORY;;Category doesn't have parent category"
)
CANNOT_OVERRIDE_MANUAL_CHANGES = _e("CANNOT_OVERRIDE_MANUAL_CHANGES;;Cannot override manual changes")
# Vendor (Zoom) integrations — zoom-and-webex.md §1.4
NO_INTEGRATION_DATA = _e("NO_INTEGRATION_DATA;;Zoom integration data does not exist for current account")
NO_VENDOR_CONFIGURATION = _e("NO_VENDOR_CONFIGURATION;;Vendor configuration file was not found!")
ZOOM_ADMIN_REQUIRED = _e(
    "ZOOM_ADMIN_REQUIRED;;Only Zoom admins are allowed to access kaltura configuration page, please check "
    "your user account"
)
UNABLE_TO_AUTHENTICATE_OAUTH = _e(
    "UNABLE_TO_AUTHENTICATE_OAUTH;;Unable to authenticate using oauth because both Refresh Token and Access "
    "Token are missing"
)
INTEGRATION_ALREADY_EXIST = _e(
    'INTEGRATION_ALREADY_EXIST;PARTNER_ID;Integration already exists for partner id "@PARTNER_ID@", please '
    "disable it and try again"
)
TOKEN_PARSING_FAILED = _e("TOKEN_PARSING_FAILED;;Parsing tokens failed")
EXCEEDED_MAX_ZOOM_DROP_FOLDERS = _e(
    "EXCEEDED_MAX_ZOOM_DROP_FOLDERS;;Amount of maximum zoom drop folders per partner exceeded"
)
# Keyframe: the account limit is enforced when an account is linked (upstream: when its folder is made).
EXCEEDED_MAX_ZOOM_ACCOUNTS = _e(
    "EXCEEDED_MAX_ZOOM_ACCOUNTS;LIMIT;This account may link at most @LIMIT@ Zoom accounts; remove one "
    "before adding another"
)
