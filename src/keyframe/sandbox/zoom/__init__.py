"""The Zoom sandbox: Zoom's OAuth, REST API (``/v2``), recording downloads and webhooks, on loopback.

Start it with ``ZoomSandbox`` (a context manager; ``.url`` once started) or
``keyframe sandbox zoom --port P``. It implements the simulator checklist of the Zoom reference (§2.11);
``sandbox.py`` shows the Python control API, ``control.py`` the same as JSON.
"""

from keyframe.sandbox.zoom.content import read as file_bytes
from keyframe.sandbox.zoom.faults import Fault, FaultKind, RetryAfterFormat
from keyframe.sandbox.zoom.oauth import TokenSet
from keyframe.sandbox.zoom.sandbox import (
    DEFAULT_SCOPES,
    EndpointNotValidated,
    FileSpec,
    ZoomSandbox,
    ZoomSandboxConfig,
)
from keyframe.sandbox.zoom.state import AppKind, EndpointStatus, Meeting, RecordingFile, User
from keyframe.sandbox.zoom.webhooks import Attempt, encrypted_token, signature

__all__ = [
    "DEFAULT_SCOPES",
    "AppKind",
    "Attempt",
    "EndpointNotValidated",
    "EndpointStatus",
    "Fault",
    "FaultKind",
    "FileSpec",
    "Meeting",
    "RecordingFile",
    "RetryAfterFormat",
    "TokenSet",
    "User",
    "ZoomSandbox",
    "ZoomSandboxConfig",
    "encrypted_token",
    "file_bytes",
    "signature",
]
