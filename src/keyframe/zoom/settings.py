"""A Zoom integration's settings (reference §1.3): stored as JSON under the API's field names, with
upstream's defaults for what was never set."""

from __future__ import annotations

import json
from typing import Any

from keyframe.zoom.models import VendorIntegration

# API field → default. Upstream leaves enableMeetingUpload / enableZoomTranscription / deletionPolicy unset
# until the first status change (then true / true / false); Keyframe sets them when the row is created, so
# the console always has a value to show.
DEFAULTS: dict[str, Any] = {
    "zoomAccountDescription": None,
    "defaultUserId": None,
    "createUserIfNotExist": False,
    "conversionProfileId": None,
    "handleParticipantsMode": 0,  # co-publishers
    "handleCohostsMode": 2,  # ignore
    "handleAlternativeHostsMode": 2,  # ignore
    "zoomUserMatchingMode": 0,  # do not modify
    "zoomUserPostfix": "",
    "userSearchMethod": 0,  # e-mail
    "zoomCategory": None,
    "zoomWebinarCategory": None,
    "enableMeetingUpload": True,
    "enableWebinarUploads": True,
    "enableZoomTranscription": True,
    "deletionPolicy": False,
    "enableMeetingChat": True,
    "groupParticipationType": 0,
    "optInGroupNames": "",
    "optOutGroupNames": "",
}
BOOLEANS = frozenset(k for k, v in DEFAULTS.items() if isinstance(v, bool))
MAX_TEXT = 4096


def load(row: VendorIntegration) -> dict[str, Any]:
    stored = json.loads(row.settings or "{}")
    return {name: stored.get(name, default) for name, default in DEFAULTS.items()}


def save(row: VendorIntegration, values: dict[str, Any]) -> None:
    row.settings = json.dumps({k: v for k, v in values.items() if k in DEFAULTS}, sort_keys=True)
