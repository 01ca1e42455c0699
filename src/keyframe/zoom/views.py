"""Between the stored integration and its API object, both ways."""

from __future__ import annotations

from enum import IntEnum
from typing import Any

from keyframe.users.objects import KalturaNullableBoolean
from keyframe.zoom import settings as zoom_settings
from keyframe.zoom.models import IntegrationStatus, VendorIntegration
from keyframe.zoom.objects import KalturaZoomIntegrationSetting

_TRUE, _FALSE = KalturaNullableBoolean.TRUE_VALUE, KalturaNullableBoolean.FALSE_VALUE


def to_api(row: VendorIntegration) -> KalturaZoomIntegrationSetting:
    values = zoom_settings.load(row)
    fields: dict[str, Any] = {}
    for name, value in values.items():
        if name in zoom_settings.BOOLEANS:
            fields[name] = None if value is None else (_TRUE if value else _FALSE)
        else:
            fields[name] = value
    return KalturaZoomIntegrationSetting(
        id=row.id,
        status=IntegrationStatus(row.status),
        accountId=row.account_id,
        partnerId=row.partner_id,
        createdAt=str(row.created_at),
        updatedAt=str(row.updated_at),
        enableRecordingUpload=_TRUE if row.status == IntegrationStatus.ACTIVE else _FALSE,
        authorizationStatus=row.auth_status,
        lastError=row.last_error,
        **fields,
    )


def given(setting: KalturaZoomIntegrationSetting) -> dict[str, Any]:
    """The settable fields the request set, as plain values (NullableBoolean → bool, enums → int; a
    NULL_VALUE or an explicit null resets the field to its default)."""
    out: dict[str, Any] = {}
    for name in [*zoom_settings.DEFAULTS, "enableRecordingUpload"]:
        if name in setting.nulled:
            if name in zoom_settings.DEFAULTS:
                out[name] = zoom_settings.DEFAULTS[name]
            continue
        if name not in setting.provided:
            continue
        value = getattr(setting, name)
        if isinstance(value, KalturaNullableBoolean):
            if value == KalturaNullableBoolean.NULL_VALUE:
                if name in zoom_settings.DEFAULTS:
                    out[name] = zoom_settings.DEFAULTS[name]
                continue
            out[name] = value == _TRUE
        elif isinstance(value, IntEnum):
            out[name] = int(value)
        else:
            out[name] = value
    return out
