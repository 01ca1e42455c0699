"""The ``media`` and ``baseEntry`` services (reference §3.5): entries, their content and the list filters.

Who may do what (upstream's rules, ``KalturaEntryService``): an ADMIN session works on every entry of its
partner. A USER session owns the entries whose ``userId`` is its user; it may read, update and delete only
those, unless its KS grants ``edit:<entryId>``/``edit:*`` (update, delete, read), ``sview:…`` (read) or
``list:*`` (read and list everybody's). A session without a user owns nothing. An entry a caller may not
read is reported as not found.
"""

from __future__ import annotations

import mimetypes
from collections.abc import Sequence
from urllib.parse import urlsplit

from keyframe.auth.context import RequestContext
from keyframe.auth.roles import BASE_USER_SESSION_PERMISSION, KMC_READ_ONLY, WIDGET_SESSION_PERMISSION
from keyframe.categories import entries as category_links
from keyframe.entitlement import entry_users
from keyframe.entitlement import hooks as entitlement
from keyframe.jobs import service as jobs
from keyframe.kapi import errors
from keyframe.kapi.registry import api_action
from keyframe.kapi.types import KalturaFilterPager
from keyframe.ks import KS
from keyframe.media import facts, service
from keyframe.media.models import EntryStatus, MediaEntry, MediaType, ModerationStatus
from keyframe.media.objects import (
    KalturaBaseEntry,
    KalturaBaseEntryFilter,
    KalturaBaseEntryListResponse,
    KalturaEntryStatus,
    KalturaEntryType,
    KalturaMediaEntry,
    KalturaMediaEntryFilter,
    KalturaMediaListResponse,
    KalturaResource,
    KalturaUploadedFileTokenResource,
    KalturaUrlResource,
)
from keyframe.media.tasks import IMPORT_URL
from keyframe.media.url_import import UrlRefused, check_url
from keyframe.uploads import service as uploads
from keyframe.users.objects import KalturaNullableBoolean
from keyframe.users.service import check_user_id

# Upstream's permission items (deployment/permissions/service.media.ini, service.baseentry.ini); every
# default role holds BASE_USER_SESSION_PERMISSION, so ownership (above) is what limits a USER session.
_BASE = BASE_USER_SESSION_PERMISSION
_ADD = (
    "CONTENT_INGEST_ORPHAN_VIDEO",
    "CONTENT_INGEST_ORPHAN_AUDIO",
    "CONTENT_INGEST_UPLOAD",
    "CONTENT_MANAGE_BASE",
    _BASE,
)
_INGEST = ("CONTENT_INGEST_UPLOAD", _BASE)
READ_PERMISSIONS = ("CONTENT_MANAGE_BASE", KMC_READ_ONLY, _BASE, WIDGET_SESSION_PERMISSION)
_LIST = (
    "PLAYLIST_BASE",
    "CONTENT_MODERATE_BASE",
    "CONTENT_MANAGE_BASE",
    KMC_READ_ONLY,
    _BASE,
    WIDGET_SESSION_PERMISSION,
)
_UPDATE = (
    "CONTENT_MANAGE_METADATA",
    "CONTENT_MODERATE_METADATA",
    "CONTENT_MANAGE_ASSIGN_CATEGORIES",
    "CONTENT_INGEST_UPLOAD",
    _BASE,
)
_DELETE = ("CONTENT_MANAGE_DELETE", _BASE)
MAX_IDS = 500
ATTACHED_OBJECT_TYPE = "entry"


# --- who may see and change an entry ------------------------------------------------------------


def _owns(ks: KS, entry: MediaEntry) -> bool:
    return not ks.is_anonymous and entry.user_id == ks.user_id


def may_read(ks: KS, entry: MediaEntry, *, download: bool = False) -> bool:
    if ks.is_admin or _owns(ks, entry):
        return True
    p = ks.privileges
    return (
        p.allows("list", "*")
        or p.allows("sview", entry.id)
        or p.allows("edit", entry.id)
        or (download and p.allows("download", entry.id))
    )


def may_change(ks: KS, entry: MediaEntry) -> bool:
    return ks.is_admin or _owns(ks, entry) or ks.privileges.allows("edit", entry.id)


def _readable(ctx: RequestContext, entry_id: str) -> MediaEntry:
    entry = service.get(ctx.db, ctx.require_partner().id, entry_id)
    if not may_read(ctx.require_ks(), entry) or not entitlement.may_get(ctx, entry):
        raise errors.ENTRY_ID_NOT_FOUND(entry_id[:64])
    return entry


def _changeable(ctx: RequestContext, entry_id: str) -> MediaEntry:
    entry = service.get(ctx.db, ctx.require_partner().id, entry_id, for_update=True)
    ks = ctx.require_ks()
    if not entitlement.may_get(ctx, entry):
        raise errors.ENTRY_ID_NOT_FOUND(entry_id[:64])
    if not may_change(ks, entry):
        if not may_read(ks, entry):
            raise errors.ENTRY_ID_NOT_FOUND(entry_id[:64])
        raise errors.PERMISSION_DENIED_TO_UPDATE_ENTRY()
    return entry


# --- API view ------------------------------------------------------------------------------------


def _extension(mime: str) -> str:
    guessed = mimetypes.guess_extension(mime or "") if mime else None
    return (guessed or ".mp4").lstrip(".")


def play_path(entry: MediaEntry) -> str:
    """Upstream's playManifest form; the caller adds ``/ks/<ks>`` before the file name (or ``?ks=``)."""
    pid = entry.partner_id
    return (
        f"/p/{pid}/sp/{pid}00/playManifest/entryId/{entry.id}/format/url/protocol/{{protocol}}"
        f"/a.{_extension(entry.content_type)}"
    )


def raw_path(entry: MediaEntry) -> str:
    pid = entry.partner_id
    return f"/p/{pid}/sp/{pid}00/raw/entry_id/{entry.id}/version/{entry.version}"


def to_api(
    entry: MediaEntry, public_url: str, categories: Sequence[tuple[int, str]] = ()
) -> KalturaMediaEntry:
    """``categories``: the entry's ACTIVE categories as (id, full name)."""
    base = public_url.rstrip("/")
    protocol = urlsplit(base).scheme or "http"
    duration_ms = entry.duration_ms
    obj = KalturaMediaEntry(
        id=entry.id,
        name=entry.name,
        description=entry.description,
        partnerId=entry.partner_id,
        userId=entry.user_id,
        creatorId=entry.creator_id,
        tags=entry.tags,
        adminTags=entry.admin_tags,
        categoriesIds=",".join(str(i) for i, _ in categories),
        categories=",".join(name for _, name in categories),
        status=KalturaEntryStatus(str(entry.status)),
        moderationStatus=ModerationStatus(entry.moderation_status),
        moderationCount=0,
        type=KalturaEntryType(entry.type),
        createdAt=entry.created_at,
        updatedAt=entry.updated_at,
        partnerData=entry.partner_data,
        downloadUrl=base + raw_path(entry),
        searchText=" ".join(t for t in (entry.name, entry.tags, entry.description) if t),
        version=entry.version,
        accessControlId=entry.access_control_id,
        startDate=entry.start_date,
        endDate=entry.end_date,
        referenceId=entry.reference_id,
        partnerSortValue=entry.partner_sort_value,
        conversionProfileId=entry.conversion_profile_id,
        rootEntryId=entry.id,
        plays=0,
        views=0,
        width=entry.width,
        height=entry.height,
        duration=round(duration_ms / 1000) if duration_ms is not None else 0,
        msDuration=duration_ms if duration_ms is not None else 0,
        mediaType=MediaType(entry.media_type) if entry.media_type is not None else None,
        sourceType=entry.source_type or None,
        creditUserName=entry.credit_user_name,
        creditUrl=entry.credit_url,
        dataUrl=base + play_path(entry).replace("{protocol}", protocol),
        entitledUsersEdit=entry_users.api_text(entry, "edit"),
        entitledUsersPublish=entry_users.api_text(entry, "publish"),
        entitledUsersView=entry_users.api_text(entry, "view"),
    )
    return obj


def _view(ctx: RequestContext, entry: MediaEntry) -> KalturaMediaEntry:
    linked = category_links.active_categories(ctx.db, [entry.id])[entry.id]
    return to_api(entry, ctx.services.settings.public_url, linked)


def _set_categories(ctx: RequestContext, obj: KalturaBaseEntry, entry: MediaEntry) -> None:
    """``categoriesIds`` / ``categories``: links made through categoryEntry's rules."""
    given: dict[str, str | None] = {
        name: ("" if name in obj.nulled else getattr(obj, name))
        for name in ("categoriesIds", "categories")
        if name in obj.provided
    }
    if given:
        from keyframe.categories.entry_actions import apply_entry_categories

        apply_entry_categories(ctx, entry, given)


# --- requests to stored fields -------------------------------------------------------------------

_TEXT = {
    "name": "name",
    "description": "description",
    "tags": "tags",
    "adminTags": "admin_tags",
    "referenceId": "reference_id",
    "partnerData": "partner_data",
    "creditUserName": "credit_user_name",
    "creditUrl": "credit_url",
}
_NUMBERS = {
    "startDate": "start_date",
    "endDate": "end_date",
    "accessControlId": "access_control_id",
    "conversionProfileId": "conversion_profile_id",
    "partnerSortValue": "partner_sort_value",
    "msDuration": "duration_ms",
}


def _fields(ctx: RequestContext, obj: KalturaBaseEntry, current: MediaEntry | None) -> service.Fields:
    """The stored fields the request sets (``<name>__null`` clears a text field)."""
    values = service.Fields()
    given = obj.provided
    for api_name, name in _TEXT.items():
        if api_name in obj.nulled:
            setattr(values, name, "")
        elif api_name in given:
            setattr(values, name, getattr(obj, api_name))
    for api_name, name in _NUMBERS.items():
        if api_name in given and api_name not in obj.nulled:
            setattr(values, name, getattr(obj, api_name))
    if "type" in given and obj.type not in (None, KalturaEntryType.MEDIA_CLIP, KalturaEntryType.AUTOMATIC):
        assert obj.type is not None
        raise errors.ENTRY_TYPE_NOT_SUPPORTED(obj.type.value)
    ks = ctx.require_ks()
    if "userId" in given and obj.userId is not None:
        owner = obj.userId.strip()
        if owner and owner != (current.user_id if current else None):
            check_user_id(owner, "userId")
        # A USER session may not give an entry to someone else (upstream: INVALID_KS, INVALID_TYPE).
        changing = current is None or owner != current.user_id
        if (
            changing
            and not ks.is_admin
            and owner != ks.user_id
            and not ks.privileges.allows("edituser", owner)
        ):
            raise errors.INVALID_KS("", -4, "INVALID_TYPE")
        values.user_id = owner
    if values.admin_tags is not None and not ks.is_admin and not ks.privileges.allows("editadmintags", "*"):
        if values.admin_tags != (current.admin_tags if current else ""):
            raise errors.PROPERTY_VALIDATION_NOT_UPDATABLE("adminTags")
        values.admin_tags = None
    if isinstance(obj, KalturaMediaEntry):
        if "mediaType" in given and obj.mediaType is not None:
            values.media_type = int(obj.mediaType)
        if "sourceType" in given and obj.sourceType:
            values.source_type = obj.sourceType
    if current is None and ks.is_admin and "creatorId" in given and obj.creatorId:
        values.creator_id = obj.creatorId
    return values


def _check_insert_only(obj: KalturaBaseEntry, entry: MediaEntry) -> None:
    """Insert-only properties: an update may repeat the current value (as a client that read the entry
    does), not change it."""
    current: dict[str, object] = {"creatorId": entry.creator_id}
    if isinstance(obj, KalturaMediaEntry):
        current["mediaType"] = entry.media_type
        current["sourceType"] = entry.source_type or None
    for name, value in current.items():
        sent = getattr(obj, name)
        if (
            name in obj.provided
            and sent is not None
            and (int(sent) if name == "mediaType" else sent) != value
        ):
            raise errors.PROPERTY_VALIDATION_NOT_UPDATABLE(name)
    for name in (
        "conversionQuality",
        "sourceVersion",
        "searchProviderType",
        "searchProviderId",
        "templateEntryId",
        "application",
        "applicationVersion",
    ):
        if name in obj.provided and getattr(obj, name, None) not in (None, ""):
            raise errors.PROPERTY_VALIDATION_NOT_UPDATABLE(name)


def _add(ctx: RequestContext, obj: KalturaBaseEntry) -> MediaEntry:
    partner = ctx.require_partner()
    ks = ctx.require_ks()
    values = _fields(ctx, obj, None)
    if values.name is None:
        values.name = ""
    caller = "" if ks.is_anonymous else ks.user_id
    entry = service.add(ctx.db, partner.id, values, owner=caller, creator=caller)
    _set_entitled_users(ctx, obj, entry)
    _set_categories(ctx, obj, entry)
    return entry


def _update(ctx: RequestContext, entry_id: str, obj: KalturaBaseEntry) -> MediaEntry:
    entry = _changeable(ctx, entry_id)
    _check_insert_only(obj, entry)
    service.update(ctx.db, entry, _fields(ctx, obj, entry))
    _set_entitled_users(ctx, obj, entry)
    _set_categories(ctx, obj, entry)
    return entry


def _set_entitled_users(ctx: RequestContext, obj: KalturaBaseEntry, entry: MediaEntry) -> None:
    """entitledUsersEdit/Publish/View: only an admin session or the entry's owner may change them."""
    names = entry_users.API_NAMES.values()
    given = {n: getattr(obj, n) for n in names if n in obj.provided or n in obj.nulled}
    if not given:
        return
    ks = ctx.require_ks()
    if not ks.is_admin and not _owns(ks, entry):
        raise errors.PERMISSION_DENIED_TO_UPDATE_ENTRY()
    entry_users.apply(ctx.db, entry, {n: None if n in obj.nulled else v for n, v in given.items()})


def _delete(ctx: RequestContext, entry_id: str) -> None:
    entry = _changeable(ctx, entry_id)
    service.delete(ctx.db, ctx.services.storage, entry)


# --- content -------------------------------------------------------------------------------------


def _attach_upload(ctx: RequestContext, entry: MediaEntry, token_id: str) -> None:
    ks = ctx.require_ks()
    claimed = uploads.claim(
        ctx.db,
        entry.partner_id,
        token_id,
        user_id=None if ks.is_admin else ks.user_id,
        attached_object_type=ATTACHED_OBJECT_TYPE,
        attached_object_id=entry.id,
    )
    settings = facts.ProbeSettings.from_settings(ctx.services.settings)
    found = facts.probe(
        ctx.services.storage, claimed.key, size=claimed.size, file_name=claimed.file_name, settings=settings
    )
    service.attach_content(
        ctx.db, ctx.services.storage, entry, claimed.key, found, file_name=claimed.file_name
    )


def _set_content(ctx: RequestContext, entry: MediaEntry, resource: KalturaResource | None) -> None:
    if isinstance(resource, KalturaUploadedFileTokenResource):
        if not resource.token:
            raise errors.PROPERTY_VALIDATION_CANNOT_BE_NULL("token")
        _attach_upload(ctx, entry, resource.token)
    elif isinstance(resource, KalturaUrlResource):
        if not resource.url:
            raise errors.PROPERTY_VALIDATION_CANNOT_BE_NULL("url")
        try:
            check_url(resource.url.strip())
        except UrlRefused:
            raise errors.PROPERTY_VALIDATION_WRONG_FORMAT("url", "http:// or https:// URL") from None
        # The fetch runs in a job (media.tasks), outside any API call, once this call has committed.
        service.start_import(ctx.db, entry, resource.url.strip())
        jobs.schedule(ctx, IMPORT_URL, entry.id, partner_id=entry.partner_id)
    elif resource is None:
        raise errors.MISSING_MANDATORY_PARAMETER("resource")
    else:
        raise errors.RESOURCE_TYPE_NOT_SUPPORTED(type(resource).__name__)


def _add_content(ctx: RequestContext, entry_id: str, resource: KalturaResource | None) -> MediaEntry:
    entry = _changeable(ctx, entry_id)
    if entry.status != EntryStatus.NO_CONTENT:
        raise errors.ENTRY_ALREADY_WITH_CONTENT()
    _set_content(ctx, entry, resource)
    return entry


# --- list ----------------------------------------------------------------------------------------


def _csv(text: str | None) -> list[str] | None:
    if text is None:
        return None
    return [part.strip() for part in text.split(",") if part.strip()]


def _ints(text: str | None) -> list[int] | None:
    items = _csv(text)
    if items is None:
        return None
    return [int(i) for i in items if i.lstrip("-").isdigit() and len(i) < 12]


def _both(first: list[str] | None, second: list[str] | None) -> list[str] | None:
    if first is None or second is None:
        return first if second is None else second
    return [item for item in first if item in second]


def _one(value: object) -> list[str] | None:
    return None if value is None else [str(value)]


def _query(ctx: RequestContext, f: KalturaBaseEntryFilter | None) -> service.EntryQuery:
    q = service.EntryQuery()
    ks = ctx.require_ks()
    if f is not None:
        q.ids = _both(_one(f.idEqual), _csv(f.idIn))
        q.ids_not = _csv(f.idNotIn)
        q.name_like, q.name_equal = f.nameLike, f.nameEqual
        q.names_any, q.names_all = _csv(f.nameMultiLikeOr), _csv(f.nameMultiLikeAnd)
        q.user_ids = _both(_one(f.userIdEqual), _csv(f.userIdIn))
        q.user_ids_not = _csv(f.userIdNotIn)
        q.creator_id = f.creatorIdEqual
        q.tags_like, q.tags_any, q.tags_all = f.tagsLike, _csv(f.tagsMultiLikeOr), _csv(f.tagsMultiLikeAnd)
        q.admin_tags_like = f.adminTagsLike
        q.admin_tags_any, q.admin_tags_all = _csv(f.adminTagsMultiLikeOr), _csv(f.adminTagsMultiLikeAnd)
        q.description_like = f.descriptionLike
        q.reference_ids = _both(_one(f.referenceIdEqual), _csv(f.referenceIdIn))
        status_equal = [int(f.statusEqual.value)] if f.statusEqual is not None else None
        status_in = _ints(f.statusIn)
        if status_equal is not None or status_in is not None:
            q.statuses = [s for s in (status_equal or status_in or []) if status_in is None or s in status_in]
        status_not = _ints(f.statusNotIn)
        if f.statusNotEqual is not None:
            status_not = [*(status_not or []), int(f.statusNotEqual.value)]
        q.statuses_not = status_not
        moderation_equal = [int(f.moderationStatusEqual)] if f.moderationStatusEqual is not None else None
        moderation_in = _ints(f.moderationStatusIn)
        if moderation_equal is not None or moderation_in is not None:
            q.moderation_statuses = [
                s
                for s in (moderation_equal or moderation_in or [])
                if moderation_in is None or s in moderation_in
            ]
        moderation_not = _ints(f.moderationStatusNotIn)
        if f.moderationStatusNotEqual is not None:
            moderation_not = [*(moderation_not or []), int(f.moderationStatusNotEqual)]
        q.moderation_statuses_not = moderation_not
        q.types = _both(_one(f.typeEqual.value if f.typeEqual else None), _csv(f.typeIn))
        q.categories_any = _category_ids(f.categoriesIdsMatchOr)
        q.categories_all = _category_ids(f.categoriesIdsMatchAnd)
        q.categories_none = _category_ids(f.categoriesIdsNotContains)
        if f.categoriesIdsEmpty not in (None, KalturaNullableBoolean.NULL_VALUE):
            q.categories_empty = f.categoriesIdsEmpty == KalturaNullableBoolean.TRUE_VALUE
        q.categories_under = _category_ids(f.categoryAncestorIdIn)
        q.created_from, q.created_to = f.createdAtGreaterThanOrEqual, f.createdAtLessThanOrEqual
        q.updated_from, q.updated_to = f.updatedAtGreaterThanOrEqual, f.updatedAtLessThanOrEqual
        q.free_text = f.freeText.strip() if f.freeText else None
        q.order = f.orderBy
        if f.partnerIdEqual is not None and f.partnerIdEqual != ctx.require_partner().id:
            q.match_nothing = True
        if isinstance(f, KalturaMediaEntryFilter):
            _playable(q, f)
    q.entitlement = entitlement.entry_list_rule(ctx)
    if not ks.is_admin and not ks.privileges.allows("list", "*"):
        # A USER session lists only its own entries.
        if ks.is_anonymous:
            q.match_nothing = True
        q.user_ids = [u for u in (q.user_ids if q.user_ids is not None else [ks.user_id]) if u == ks.user_id]
    return q


def _playable(q: service.EntryQuery, f: KalturaMediaEntryFilter) -> None:
    bounds = (
        (f.durationGreaterThanOrEqual, 0, True),
        (f.durationGreaterThan, 1, True),
        (f.durationLessThanOrEqual, 0, False),
        (f.durationLessThan, -1, False),
    )
    # Durations are filtered in whole seconds, as upstream stores them.
    for seconds, shift, lower in bounds:
        if seconds is None:
            continue
        if lower:
            bound = (seconds + shift) * 1000 - 500
            q.duration_min_ms = max(q.duration_min_ms or bound, bound)
        else:
            bound = (seconds + shift) * 1000 + 499
            q.duration_max_ms = min(q.duration_max_ms if q.duration_max_ms is not None else bound, bound)
    media_types = _both(
        _one(int(f.mediaTypeEqual) if f.mediaTypeEqual is not None else None), _csv(f.mediaTypeIn)
    )
    if media_types is not None:
        q.media_types = [int(m) for m in media_types if m.isdigit() and len(m) < 6]


def _category_ids(text: str | None) -> list[str] | None:
    items = _csv(text)
    if items is None:
        return None
    return [str(int(i)) for i in items if i.isdigit() and len(i) < 19]


def _page(
    ctx: RequestContext, f: KalturaBaseEntryFilter | None, pager: KalturaFilterPager | None
) -> tuple[list[KalturaMediaEntry], int]:
    limit, offset = (pager or KalturaFilterPager()).limit_offset()
    entries, total = service.search(ctx.db, ctx.require_partner().id, _query(ctx, f), limit, offset)
    return [_view(ctx, e) for e in entries], total


# --- media ---------------------------------------------------------------------------------------


@api_action("media", "add", permissions=_ADD)
def media_add(ctx: RequestContext, entry: KalturaMediaEntry) -> KalturaMediaEntry:
    """A new entry without content (NO_CONTENT); content comes with ``addContent``."""
    return _view(ctx, _add(ctx, entry))


@api_action("media", "addContent", permissions=_INGEST)
def media_add_content(
    ctx: RequestContext, entryId: str, resource: KalturaResource | None = None
) -> KalturaMediaEntry:
    """Attach an uploaded file (READY) or a URL to fetch (IMPORT) to an entry without content."""
    return _view(ctx, _add_content(ctx, entryId, resource))


@api_action("media", "updateContent", permissions=_INGEST)
def media_update_content(
    ctx: RequestContext,
    entryId: str,
    resource: KalturaResource,
    conversionProfileId: int | None = None,
) -> KalturaMediaEntry:
    """Replace an entry's content; the old bytes are removed once the change has committed."""
    entry = _changeable(ctx, entryId)
    if entry.status not in (EntryStatus.NO_CONTENT, EntryStatus.READY, EntryStatus.ERROR_IMPORTING):
        raise errors.INVALID_ENTRY_STATUS()
    _set_content(ctx, entry, resource)
    return _view(ctx, entry)


@api_action("media", "addFromUploadedFile", permissions=_INGEST)
def media_add_from_uploaded_file(
    ctx: RequestContext, mediaEntry: KalturaMediaEntry, uploadTokenId: str
) -> KalturaMediaEntry:
    """``add`` and ``addContent`` in one call."""
    entry = _add(ctx, mediaEntry)
    _attach_upload(ctx, entry, uploadTokenId)
    return _view(ctx, entry)


@api_action("media", "get", permissions=READ_PERMISSIONS)
def media_get(ctx: RequestContext, entryId: str, version: int = -1) -> KalturaMediaEntry:
    return _view(ctx, _readable(ctx, entryId))


@api_action("media", "list", permissions=_LIST)
def media_list(
    ctx: RequestContext,
    filter: KalturaMediaEntryFilter | None = None,
    pager: KalturaFilterPager | None = None,
) -> KalturaMediaListResponse:
    """Without a status filter only READY entries (upstream's default); newest first by default."""
    objects, total = _page(ctx, filter, pager)
    return KalturaMediaListResponse(objects=objects, totalCount=total)


@api_action("media", "count", permissions=READ_PERMISSIONS)
def media_count(ctx: RequestContext, filter: KalturaMediaEntryFilter | None = None) -> int:
    return service.count(ctx.db, ctx.require_partner().id, _query(ctx, filter))


@api_action("media", "update", permissions=_UPDATE)
def media_update(ctx: RequestContext, entryId: str, mediaEntry: KalturaMediaEntry) -> KalturaMediaEntry:
    return _view(ctx, _update(ctx, entryId, mediaEntry))


@api_action("media", "delete", permissions=_DELETE)
def media_delete(ctx: RequestContext, entryId: str) -> None:
    """Soft delete: the entry becomes DELETED and its stored bytes are removed."""
    _delete(ctx, entryId)


# --- baseEntry -----------------------------------------------------------------------------------


@api_action("baseEntry", "get", permissions=READ_PERMISSIONS)
def base_get(ctx: RequestContext, entryId: str, version: int = -1) -> KalturaBaseEntry:
    return _view(ctx, _readable(ctx, entryId))


@api_action("baseEntry", "getByIds", permissions=READ_PERMISSIONS)
def base_get_by_ids(ctx: RequestContext, entryIds: str) -> list[KalturaBaseEntry]:
    """The entries (of those named, comma-separated) the caller may read; unknown ids are left out."""
    ids = (_csv(entryIds) or [])[:MAX_IDS]
    ks = ctx.require_ks()
    found = service.by_ids(ctx.db, ctx.require_partner().id, ids)
    return [_view(ctx, e) for e in entitlement.entitled(ctx, [e for e in found if may_read(ks, e)])]


@api_action("baseEntry", "list", permissions=_LIST)
def base_list(
    ctx: RequestContext, filter: KalturaBaseEntryFilter | None = None, pager: KalturaFilterPager | None = None
) -> KalturaBaseEntryListResponse:
    objects, total = _page(ctx, filter, pager)
    return KalturaBaseEntryListResponse(objects=list(objects), totalCount=total)


@api_action("baseEntry", "count", permissions=READ_PERMISSIONS)
def base_count(ctx: RequestContext, filter: KalturaBaseEntryFilter | None = None) -> int:
    return service.count(ctx.db, ctx.require_partner().id, _query(ctx, filter))


@api_action("baseEntry", "listByReferenceId", permissions=READ_PERMISSIONS)
def base_list_by_reference_id(
    ctx: RequestContext, refId: str, pager: KalturaFilterPager | None = None
) -> KalturaBaseEntryListResponse:
    """READY entries with this reference id (the filter's usual rules)."""
    objects, total = _page(ctx, KalturaBaseEntryFilter(referenceIdEqual=refId), pager)
    return KalturaBaseEntryListResponse(objects=list(objects), totalCount=total)


@api_action("baseEntry", "update", permissions=_UPDATE)
def base_update(ctx: RequestContext, entryId: str, baseEntry: KalturaBaseEntry) -> KalturaBaseEntry:
    return _view(ctx, _update(ctx, entryId, baseEntry))


@api_action("baseEntry", "delete", permissions=_DELETE)
def base_delete(ctx: RequestContext, entryId: str) -> None:
    _delete(ctx, entryId)
