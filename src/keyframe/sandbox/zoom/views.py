"""The JSON shapes Zoom gives meetings, recording files and events (shared by the API and the webhooks)."""

from __future__ import annotations

import time
from typing import Any

from keyframe.sandbox.zoom.state import Meeting, RecordingFile, User, iso


def file_json(meeting: Meeting, file: RecordingFile, base_url: str) -> dict[str, Any]:
    data: dict[str, Any] = {
        "meeting_id": meeting.uuid,
        "recording_start": iso(file.recording_start),
        "recording_end": iso(file.recording_end),
        "file_type": file.file_type,
        "file_extension": file.file_extension,
        "download_url": f"{base_url}/rec/download/{file.key}",
    }
    # Zoom's schema lets a file without an id (CC, TB) also lack its status, size, type and play URL;
    # the sandbox serves that worst case so clients prove they cope.
    if file.id is not None:
        data.update(
            id=file.id,
            file_size=file.size,
            play_url=f"{base_url}/rec/play/{file.key}",
            status=file.status,
        )
        if file.recording_type is not None:
            data["recording_type"] = file.recording_type
    if file.deleted_time is not None:
        data["deleted_time"] = iso(file.deleted_time)
    return data


def meeting_json(meeting: Meeting, files: list[RecordingFile], base_url: str) -> dict[str, Any]:
    return {
        "uuid": meeting.uuid,
        "id": meeting.id,
        "account_id": meeting.account_id,
        "host_id": meeting.host_id,
        "topic": meeting.topic,
        "type": meeting.type,
        "start_time": iso(meeting.start_time),
        "timezone": "UTC",
        "duration": meeting.duration,
        "total_size": sum(f.size for f in files),
        "recording_count": len(files),
        "share_url": f"{base_url}/rec/share/{meeting.share_key}",
        "recording_files": [file_json(meeting, f, base_url) for f in files],
    }


def event_object(
    meeting: Meeting, files: list[RecordingFile], host: User | None, base_url: str
) -> dict[str, Any]:
    """``payload.object`` of the recording events: the meeting as listed, plus the host's e-mail and the
    passcodes."""
    data = meeting_json(meeting, files, base_url)
    data.update(
        host_email=host.email if host else "",
        password=meeting.password,
        recording_play_passcode=meeting.password,
    )
    return data


def event(name: str, payload: dict[str, Any], **top_level: Any) -> dict[str, Any]:
    return {"event": name, "event_ts": int(time.time() * 1000), "payload": payload, **top_level}
