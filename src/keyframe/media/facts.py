"""Content facts: what a stored file is (MIME type, media type) and, when Debian's ffprobe is installed, its
duration and picture size.

ffprobe reads a local file directly (it seeks, so it reads little). A storage without local files (S3) is
streamed into ffprobe's standard input a chunk at a time, at most ``max_bytes``: memory stays bounded and a
multi-gigabyte object is never copied whole. Probing never fails an upload: anything ffprobe cannot tell
is left unknown.
"""

from __future__ import annotations

import contextlib
import json
import logging
import math
import mimetypes
import os
import subprocess
import threading
from dataclasses import dataclass
from typing import Any

from keyframe.media.models import MediaType
from keyframe.storage import Storage

log = logging.getLogger(__name__)

SNIFF_BYTES = 512
DEFAULT_MIME = "application/octet-stream"
# Formats ffprobe reports for still images (a "video" stream of one frame).
_IMAGE_FORMATS = ("image2", "png_pipe", "jpeg_pipe", "gif", "webp_pipe", "bmp_pipe", "tiff_pipe")


@dataclass(frozen=True)
class ContentFacts:
    size: int
    mime_type: str
    media_type: int | None = None
    duration_ms: int | None = None
    width: int | None = None
    height: int | None = None


@dataclass(frozen=True)
class ProbeSettings:
    ffprobe_path: str = "/usr/bin/ffprobe"
    max_bytes: int = 256 * 1024 * 1024
    timeout_seconds: float = 60

    @classmethod
    def from_settings(cls, settings: Any) -> ProbeSettings:
        return cls(settings.ffprobe_path, settings.probe_max_bytes, settings.probe_timeout_seconds)


def ffprobe_available(path: str) -> bool:
    return os.path.isfile(path) and os.access(path, os.X_OK)


# --- MIME type -----------------------------------------------------------------------------------

# (offset, magic, MIME type); the first match wins.
_MAGIC: tuple[tuple[int, bytes, str], ...] = (
    (0, b"\x1a\x45\xdf\xa3", "video/x-matroska"),  # refined to video/webm below
    (0, b"OggS", "audio/ogg"),
    (0, b"fLaC", "audio/flac"),
    (0, b"ID3", "audio/mpeg"),
    (0, b"\x89PNG\r\n\x1a\n", "image/png"),
    (0, b"\xff\xd8\xff", "image/jpeg"),
    (0, b"GIF87a", "image/gif"),
    (0, b"GIF89a", "image/gif"),
    (0, b"FLV\x01", "video/x-flv"),
    (0, b"\x00\x00\x01\xba", "video/mpeg"),
    (0, b"\x30\x26\xb2\x75\x8e\x66\xcf\x11", "video/x-ms-asf"),
)


def sniff_mime(head: bytes) -> str | None:
    """The MIME type the first bytes of a file show, or None."""
    if len(head) >= 12 and head[4:8] == b"ftyp":
        brand = head[8:12]
        if brand in (b"M4A ", b"M4B "):
            return "audio/mp4"
        if brand.startswith(b"qt"):
            return "video/quicktime"
        if brand.startswith(b"3g"):
            return "video/3gpp"
        return "video/mp4"
    if head[:4] == b"RIFF" and len(head) >= 12:
        return {b"WAVE": "audio/wav", b"AVI ": "video/x-msvideo", b"WEBP": "image/webp"}.get(head[8:12])
    if len(head) >= 189 and head[0] == 0x47 and head[188] == 0x47:
        return "video/mp2t"
    if len(head) >= 2 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0:
        return "audio/mpeg"  # an MPEG audio frame sync
    for offset, magic, mime in _MAGIC:
        if head[offset : offset + len(magic)] == magic:
            if mime == "video/x-matroska" and b"webm" in head[:64]:
                return "video/webm"
            return mime
    return None


def mime_type(head: bytes, file_name: str) -> str:
    """The content's MIME type: what its bytes show, else what its name says, else octet-stream.

    Only audio, video and (raster) image types are kept: the download route serves this type, and a type
    a browser would render as a document (HTML, SVG, …) from Keyframe's origin must never be served."""
    found = sniff_mime(head) or mimetypes.guess_type(file_name)[0] or DEFAULT_MIME
    return found if is_media_mime(found) else DEFAULT_MIME


def is_media_mime(mime: str) -> bool:
    major = mime.split("/", 1)[0]
    return major in ("video", "audio") or (major == "image" and mime != "image/svg+xml")


def media_type_for_mime(mime: str) -> int | None:
    major = mime.split("/", 1)[0]
    return {"video": MediaType.VIDEO, "audio": MediaType.AUDIO, "image": MediaType.IMAGE}.get(major)


# --- ffprobe -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Probed:
    duration_ms: int | None
    width: int | None
    height: int | None
    media_type: int | None


def _command(settings: ProbeSettings, source: str) -> list[str]:
    return [
        settings.ffprobe_path,
        "-v",
        "error",
        "-print_format",
        "json",
        "-show_format",
        "-show_streams",
        "-i",
        source,
    ]


def _probe_file(settings: ProbeSettings, path: str) -> dict[str, Any] | None:
    try:
        done = subprocess.run(  # noqa: S603 - a fixed program and arguments, no shell
            _command(settings, f"file:{path}"),
            capture_output=True,
            timeout=settings.timeout_seconds,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        log.warning("ffprobe could not read stored content")
        return None
    return _parse(done.stdout) if done.returncode == 0 else None


def _probe_stream(settings: ProbeSettings, storage: Storage, key: str) -> dict[str, Any] | None:
    """Stream the object into ffprobe's stdin from a thread, stopping at ``max_bytes`` or when ffprobe has
    seen enough (it closes its end)."""
    try:
        process = subprocess.Popen(  # noqa: S603 - a fixed program and arguments, no shell
            _command(settings, "pipe:0"),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
        )
    except OSError:
        return None
    # The feeder thread owns stdin; communicate() below then only reads stdout.
    stdin, process.stdin = process.stdin, None
    assert stdin is not None

    def feed() -> None:
        sent = 0
        try:
            with storage.open_read(key, 0, settings.max_bytes) as stream:
                for chunk in stream:
                    stdin.write(chunk)
                    sent += len(chunk)
                    if sent >= settings.max_bytes:
                        break
        except (BrokenPipeError, ValueError, OSError):
            pass  # ffprobe stopped reading: it has what it needs
        except Exception:
            log.warning("could not stream stored content to ffprobe", exc_info=True)
        finally:
            with contextlib.suppress(OSError):
                stdin.close()

    feeder = threading.Thread(target=feed, name="ffprobe-feed", daemon=True)
    feeder.start()
    try:
        stdout, _ = process.communicate(timeout=settings.timeout_seconds)
    except subprocess.TimeoutExpired:
        process.kill()
        process.communicate()
        log.warning("ffprobe timed out on stored content")
        return None
    finally:
        feeder.join(settings.timeout_seconds)
    return _parse(stdout) if process.returncode == 0 else None


def _parse(output: bytes) -> dict[str, Any] | None:
    try:
        data = json.loads(output or b"{}")
    except ValueError:
        return None
    return data if isinstance(data, dict) else None


def _number(value: Any) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) and number >= 0 else None


def _interpret(data: dict[str, Any]) -> _Probed:
    streams = [s for s in data.get("streams") or [] if isinstance(s, dict)]
    fmt = data.get("format") if isinstance(data.get("format"), dict) else {}
    assert isinstance(fmt, dict)
    # Cover art in an audio file is an "attached picture" video stream: not a picture of the media.
    videos = [
        s
        for s in streams
        if s.get("codec_type") == "video" and not (s.get("disposition") or {}).get("attached_pic")
    ]
    audios = [s for s in streams if s.get("codec_type") == "audio"]
    duration = _number(fmt.get("duration"))
    if duration is None:
        durations = [_number(s.get("duration")) for s in (*videos, *audios)]
        duration = max((d for d in durations if d is not None), default=None)
    width = height = None
    if videos:
        width = int(w) if (w := _number(videos[0].get("width"))) else None
        height = int(h) if (h := _number(videos[0].get("height"))) else None
    format_names = str(fmt.get("format_name") or "").split(",")
    media_type: int | None = None
    if videos and (any(n in _IMAGE_FORMATS for n in format_names) or (not audios and not duration)):
        media_type = MediaType.IMAGE
        duration = None
    elif videos:
        media_type = MediaType.VIDEO
    elif audios:
        media_type = MediaType.AUDIO
    return _Probed(round(duration * 1000) if duration else None, width, height, media_type)


def probe(storage: Storage, key: str, *, size: int, file_name: str, settings: ProbeSettings) -> ContentFacts:
    """Facts about the stored object ``key`` (``size`` bytes, uploaded as ``file_name``)."""
    with storage.open_read(key, 0, SNIFF_BYTES) as stream:
        head = stream.read_all()
    mime = mime_type(head, file_name)
    probed: _Probed | None = None
    if size > 0 and ffprobe_available(settings.ffprobe_path):
        path = storage.local_path(key)
        data = _probe_file(settings, str(path)) if path is not None else _probe_stream(settings, storage, key)
        if data is not None:
            probed = _interpret(data)
    media_type = probed.media_type if probed and probed.media_type else media_type_for_mime(mime)
    if probed is None:
        return ContentFacts(size=size, mime_type=mime, media_type=media_type)
    return ContentFacts(
        size=size,
        mime_type=mime,
        media_type=media_type,
        duration_ms=probed.duration_ms,
        width=probed.width,
        height=probed.height,
    )
