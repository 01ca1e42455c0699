"""The permission catalogue and the default roles every partner starts with.

Names and role contents follow KMC (``youtube-entitlement-roles.md`` §4.2–4.3). NORMAL permissions are
valid for every partner; SPECIAL_FEATURE and PLUGIN permissions are partner features that the operator
enables per partner (``keyframe partner features``). A permission that depends on a feature is valid only
when the partner has that feature, so ``*`` (Publisher Administrator) grants it only then.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum


class PermissionType(IntEnum):
    NORMAL = 1
    SPECIAL_FEATURE = 2
    PLUGIN = 3
    PARTNER_GROUP = 4


@dataclass(frozen=True)
class PermissionDef:
    name: str
    friendly_name: str
    type: PermissionType = PermissionType.NORMAL
    depends_on: tuple[str, ...] = ()


def _normal(name: str, friendly: str, *depends_on: str) -> PermissionDef:
    return PermissionDef(name, friendly, PermissionType.NORMAL, depends_on)


FEATURES: tuple[PermissionDef, ...] = (
    PermissionDef("FEATURE_ENTITLEMENT", "Category entitlement", PermissionType.SPECIAL_FEATURE),
    PermissionDef("FEATURE_DISABLE_CATEGORY_LIMIT", "Disable category limit", PermissionType.SPECIAL_FEATURE),
    PermissionDef("CONTENTDISTRIBUTION_PLUGIN_PERMISSION", "Content distribution", PermissionType.PLUGIN),
    PermissionDef(
        "FEATURE_TEAMS_RECORDING_UPLOAD_PERMISSION", "Teams recordings upload", PermissionType.SPECIAL_FEATURE
    ),
    PermissionDef("FEATURE_VAST", "VAST advertising", PermissionType.SPECIAL_FEATURE),
    PermissionDef("METADATA_PLUGIN_PERMISSION", "Custom metadata", PermissionType.PLUGIN),
    PermissionDef("ZOOM_INTEGRATION_PERMISSION", "Zoom recordings import", PermissionType.PLUGIN),
    PermissionDef("WEBEX_INTEGRATION_PERMISSION", "Webex recordings import", PermissionType.PLUGIN),
)

_DISTRIBUTION = "CONTENTDISTRIBUTION_PLUGIN_PERMISSION"

NORMAL: tuple[PermissionDef, ...] = (
    _normal("ALWAYS_ALLOWED_ACTIONS", "Always allowed actions"),
    _normal("BASE_USER_SESSION_PERMISSION", "User session"),
    _normal("WIDGET_SESSION_PERMISSION", "Widget session"),
    _normal("KMC_ACCESS", "KMC access"),
    _normal("KMC_READ_ONLY", "KMC read only"),
    _normal("CONTENT_INGEST_BASE", "Content ingestion"),
    _normal("CONTENT_INGEST_UPLOAD", "Upload from desktop"),
    _normal("CONTENT_INGEST_BULK_UPLOAD", "Import files and bulk upload"),
    _normal("CONTENT_INGEST_FEED", "Feeds"),
    _normal("CONTENT_INGEST_REMOTE_STORAGE", "Set link to files on remote storage"),
    _normal("CONTENT_INGEST_EXTERNAL_SEARCH", "Import from web"),
    _normal("CONTENT_INGEST_WEBCAM", "Record from webcam"),
    _normal("CONTENT_INGEST_ORPHAN_VIDEO", "Prepare video entry"),
    _normal("CONTENT_INGEST_ORPHAN_AUDIO", "Prepare audio entry"),
    _normal("CONTENT_INGEST_REFERENCE_MODIFY", "View/modify reference name"),
    _normal("CONTENT_INGEST_INTO_ORPHAN", "Add media to an entry"),
    _normal("CONTENT_INGEST_INTO_READY", "Replace entry's media"),
    _normal("CONTENT_INGEST_REPLACE", "Approve media replacement"),
    _normal("CONTENT_INGEST_CLIP_MEDIA", "Clipping"),
    _normal("CONTENT_MANAGE_BASE", "Content management"),
    _normal("CONTENT_MANAGE_METADATA", "Modify metadata"),
    _normal("CONTENT_MANAGE_ASSIGN_CATEGORIES", "Modify entry or playlist's category"),
    _normal("CONTENT_MANAGE_THUMBNAIL", "Modify thumbnail"),
    _normal("CONTENT_MANAGE_SCHEDULE", "Modify scheduling"),
    _normal("CONTENT_MANAGE_ACCESS_CONTROL", "Modify access control"),
    _normal("CONTENT_MANAGE_CUSTOM_DATA", "Modify custom data", "METADATA_PLUGIN_PERMISSION"),
    _normal("CONTENT_MANAGE_ENTRY_USERS", "Modify entry's user settings"),
    _normal("CONTENT_MANAGE_DELETE", "Delete content"),
    _normal("CONTENT_MANAGE_EMBED_CODE", "Grab embed code"),
    _normal("CONTENT_MANAGE_RECONVERT", "Manage flavors"),
    _normal("CONTENT_MANAGE_EDIT_CATEGORIES", "Edit categories"),
    _normal("CONTENT_MANAGE_CATEGORY_USERS", "Edit category's entitlement settings", "FEATURE_ENTITLEMENT"),
    _normal("CONTENT_MANAGE_ANNOTATION", "Annotations"),
    _normal("CONTENT_MANAGE_SHARE", "Share"),
    _normal("CONTENT_MANAGE_DOWNLOAD", "Download files"),
    _normal("CONTENT_MANAGE_VIRUS_SCAN", "Virus scan"),
    _normal("CONTENT_MANAGE_MIX", "Mixes"),
    _normal("CONTENT_MANAGE_DISTRIBUTION_BASE", "Content distribution", _DISTRIBUTION),
    _normal("CONTENT_MANAGE_DISTRIBUTION_WHERE", "Select distribution points", _DISTRIBUTION),
    _normal("CONTENT_MANAGE_DISTRIBUTION_SEND", "Distribute", _DISTRIBUTION),
    _normal("CONTENT_MANAGE_DISTRIBUTION_REMOVE", "Remove distributed content", _DISTRIBUTION),
    _normal("CONTENT_MANAGE_DISTRIBUTION_PROFILE_MODIFY", "Modify distribution profiles", _DISTRIBUTION),
    _normal("LIVE_STREAM_ADD", "Prepare live stream entry"),
    _normal("LIVE_STREAM_UPDATE", "Update live stream"),
    _normal("CONTENT_MODERATE_BASE", "Content moderation"),
    _normal("CONTENT_MODERATE_METADATA", "Moderate metadata"),
    _normal("CONTENT_MODERATE_CUSTOM_DATA", "Moderate custom data"),
    _normal("CONTENT_MODERATE_APPROVE_REJECT", "Approve/reject content"),
    _normal("PLAYLIST_BASE", "Playlist management"),
    _normal("PLAYLIST_ADD", "Add playlists"),
    _normal("PLAYLIST_UPDATE", "Update playlists"),
    _normal("PLAYLIST_DELETE", "Delete playlists"),
    _normal("PLAYLIST_EMBED_CODE", "Playlist embed code"),
    _normal("SYNDICATION_BASE", "Syndication management"),
    _normal("SYNDICATION_ADD", "Add syndication feeds"),
    _normal("SYNDICATION_UPDATE", "Update syndication feeds"),
    _normal("SYNDICATION_DELETE", "Delete syndication feeds"),
    _normal("STUDIO_BASE", "Studio"),
    _normal("STUDIO_ADD_UICONF", "Add players"),
    _normal("STUDIO_UPDATE_UICONF", "Update players"),
    _normal("STUDIO_DELETE_UICONF", "Delete players"),
    _normal("STUDIO_BRAND_UICONF", "Brand players"),
    _normal("STUDIO_SELECT_CONTENT", "Select player content"),
    _normal("ADVERTISING_BASE", "Advertising"),
    _normal("ADVERTISING_UPDATE_SETTINGS", "Set advertising settings", "FEATURE_VAST"),
    _normal("ANALYTICS_BASE", "Video analytics"),
    _normal("ANALYTICS_SEND_DATA", "Send analytics data"),
    _normal("ACCOUNT_BASE", "Account settings"),
    _normal("ACCOUNT_UPDATE_SETTINGS", "Modify account settings"),
    _normal("INTEGRATION_BASE", "Integration settings"),
    _normal("INTEGRATION_UPDATE_SETTINGS", "Modify integration settings"),
    _normal("ACCESS_CONTROL_BASE", "Access control settings"),
    _normal("ACCESS_CONTROL_ADD", "Add access control profiles"),
    _normal("ACCESS_CONTROL_UPDATE", "Update access control profiles"),
    _normal("ACCESS_CONTROL_DELETE", "Delete access control profiles"),
    _normal("TRANSCODING_BASE", "Transcoding settings"),
    _normal("TRANSCODING_ADD", "Add transcoding profiles"),
    _normal("TRANSCODING_UPDATE", "Update transcoding profiles"),
    _normal("TRANSCODING_DELETE", "Delete transcoding profiles"),
    _normal("CUSTOM_DATA_PROFILE_BASE", "Custom metadata settings"),
    _normal("CUSTOM_DATA_PROFILE_ADD", "Add custom metadata profiles"),
    _normal("CUSTOM_DATA_PROFILE_UPDATE", "Update custom metadata profiles"),
    _normal("CUSTOM_DATA_PROFILE_DELETE", "Delete custom metadata profiles"),
    _normal("CUSTOM_DATA_FIELD_ADD", "Add custom metadata fields"),
    _normal("CUSTOM_DATA_FIELD_UPDATE", "Update custom metadata fields"),
    _normal("CUSTOM_DATA_FIELD_DELETE", "Delete custom metadata fields"),
    _normal("APP_TOKEN_BASE", "Application tokens"),
    _normal("WIDGET_ADMIN", "Widgets"),
    _normal("SEARCH_SERVICE", "Search"),
    _normal("AUDIT_TRAIL_BASE", "Audit trail"),
    _normal("AUDIT_TRAIL_ADD", "Add audit trail events"),
    _normal("BULK_LOG_BASE", "Bulk upload log"),
    _normal("ADMIN_BASE", "Administration"),
    _normal("ADMIN_USER_ADD", "Add users"),
    _normal("ADMIN_USER_UPDATE", "Update users"),
    _normal("ADMIN_USER_DELETE", "Delete users"),
    _normal("ADMIN_USER_BULK", "End-user bulk upload"),
    _normal("ADMIN_ROLE_ADD", "Add roles"),
    _normal("ADMIN_ROLE_UPDATE", "Update roles"),
    _normal("ADMIN_ROLE_DELETE", "Delete roles"),
    # Not in the KMC role editor: only Publisher Administrators (permission "*") hold it.
    _normal("ADMIN_PUBLISHER_MANAGE", "Publisher management"),
)

PERMISSIONS: dict[str, PermissionDef] = {p.name: p for p in (*NORMAL, *FEATURES)}
FEATURE_NAMES = frozenset(p.name for p in FEATURES)


@dataclass(frozen=True)
class DefaultRole:
    name: str
    system_name: str
    description: str
    permissions: tuple[str, ...]
    tags: str = "kmc"


_BASE = ("BASE_USER_SESSION_PERMISSION", "WIDGET_SESSION_PERMISSION", "KMC_ACCESS", "KMC_READ_ONLY")

PUBLISHER_ADMINISTRATOR = DefaultRole(
    "Publisher Administrator",
    "PARTNER_ADMIN_ROLE",
    "Full control over publisher account and user management functionalities",
    ("*",),
    "kmc,partner_admin",
)
DEFAULT_ROLES: tuple[DefaultRole, ...] = (
    PUBLISHER_ADMINISTRATOR,
    DefaultRole(
        "Manager",
        "MANAGER_ROLE",
        "Full control over publisher account functionalities",
        (
            *_BASE,
            "CONTENT_INGEST_UPLOAD",
            "CONTENT_INGEST_BULK_UPLOAD",
            "CONTENT_INGEST_FEED",
            "CONTENT_MANAGE_DISTRIBUTION_BASE",
            "CONTENT_MANAGE_DISTRIBUTION_WHERE",
            "CONTENT_MANAGE_DISTRIBUTION_SEND",
            "CONTENT_MANAGE_DISTRIBUTION_REMOVE",
            "CONTENT_MANAGE_DISTRIBUTION_PROFILE_MODIFY",
            "CONTENT_MANAGE_VIRUS_SCAN",
            "CONTENT_MANAGE_MIX",
            "CONTENT_MANAGE_BASE",
            "CONTENT_MANAGE_METADATA",
            "CONTENT_MANAGE_ASSIGN_CATEGORIES",
            "CONTENT_MANAGE_THUMBNAIL",
            "CONTENT_MANAGE_SCHEDULE",
            "CONTENT_MANAGE_ACCESS_CONTROL",
            "CONTENT_MANAGE_CUSTOM_DATA",
            "CONTENT_MANAGE_DELETE",
            "CONTENT_MANAGE_RECONVERT",
            "CONTENT_MANAGE_EDIT_CATEGORIES",
            "CONTENT_MANAGE_ANNOTATION",
            "CONTENT_MANAGE_SHARE",
            "CONTENT_MANAGE_DOWNLOAD",
            "LIVE_STREAM_ADD",
            "LIVE_STREAM_UPDATE",
            "CONTENT_MODERATE_BASE",
            "CONTENT_MODERATE_METADATA",
            "CONTENT_MODERATE_CUSTOM_DATA",
            "CONTENT_MODERATE_APPROVE_REJECT",
            "PLAYLIST_BASE",
            "PLAYLIST_ADD",
            "PLAYLIST_UPDATE",
            "PLAYLIST_DELETE",
            "SYNDICATION_BASE",
            "SYNDICATION_ADD",
            "SYNDICATION_UPDATE",
            "SYNDICATION_DELETE",
            "STUDIO_BASE",
            "STUDIO_ADD_UICONF",
            "STUDIO_UPDATE_UICONF",
            "STUDIO_DELETE_UICONF",
            "ACCOUNT_BASE",
            "INTEGRATION_BASE",
            "ACCESS_CONTROL_BASE",
            "ACCESS_CONTROL_ADD",
            "ACCESS_CONTROL_UPDATE",
            "ACCESS_CONTROL_DELETE",
            "TRANSCODING_BASE",
            "TRANSCODING_ADD",
            "TRANSCODING_UPDATE",
            "TRANSCODING_DELETE",
            "CUSTOM_DATA_PROFILE_BASE",
            "CUSTOM_DATA_PROFILE_ADD",
            "CUSTOM_DATA_PROFILE_UPDATE",
            "CUSTOM_DATA_PROFILE_DELETE",
            "CUSTOM_DATA_FIELD_ADD",
            "CUSTOM_DATA_FIELD_UPDATE",
            "CUSTOM_DATA_FIELD_DELETE",
            "ANALYTICS_BASE",
            "WIDGET_ADMIN",
            "SEARCH_SERVICE",
            "ANALYTICS_SEND_DATA",
            "AUDIT_TRAIL_BASE",
            "AUDIT_TRAIL_ADD",
            "ADVERTISING_BASE",
            "ADVERTISING_UPDATE_SETTINGS",
            "PLAYLIST_EMBED_CODE",
            "STUDIO_BRAND_UICONF",
            "STUDIO_SELECT_CONTENT",
            "CONTENT_MANAGE_EMBED_CODE",
        ),
    ),
    DefaultRole(
        "Content Uploader",
        "CONTENT_UPLOADER_ROLE",
        "Access to content ingestion and management functionalities",
        (*_BASE, "CONTENT_INGEST_UPLOAD", "CONTENT_INGEST_BULK_UPLOAD", "CONTENT_MANAGE_BASE"),
    ),
    DefaultRole(
        "Content Moderator",
        "CONTENT_MODERATOR_ROLE",
        "Access to publisher content moderation panel",
        (
            *_BASE,
            "CONTENT_MODERATE_APPROVE_REJECT",
            "CONTENT_MODERATE_BASE",
            "CONTENT_MODERATE_METADATA",
            "CONTENT_MODERATE_CUSTOM_DATA",
        ),
    ),
    DefaultRole(
        "Player Designer",
        "PLAYER_DESIGNER_ROLE",
        "Access to publisher studio",
        (
            *_BASE,
            "STUDIO_BASE",
            "STUDIO_ADD_UICONF",
            "STUDIO_UPDATE_UICONF",
            "STUDIO_DELETE_UICONF",
            "STUDIO_BRAND_UICONF",
        ),
    ),
)


def valid_permissions(features: frozenset[str]) -> frozenset[str]:
    """Every permission valid for a partner with these features: what ``*`` expands to."""
    return frozenset(
        p.name
        for p in PERMISSIONS.values()
        if (p.type is PermissionType.NORMAL or p.name in features)
        and all(d in features for d in p.depends_on)
    )
