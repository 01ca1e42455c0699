"""Recording file bytes, computed rather than stored: any range of any file is a pure function of the file's
seed (its id), type and size, so a multi-gigabyte recording costs neither disk nor memory and a test can
recompute what it should have received.

- MP4 / M4A: an ``ftyp`` box and an ``mdat`` box header (so type sniffers see a video or audio file),
  then pseudo-random bytes (SHAKE-256 of ``seed:block``).
- VTT (transcripts, closed captions): ``WEBVTT`` and fixed-width cues, padded with blank lines to the size.
- TXT (chat): fixed-width chat lines, padded the same way.
- Anything else: pseudo-random bytes.

Fixed-width lines make the line at any offset computable without generating what comes before it.
"""

from __future__ import annotations

import hashlib
import struct
from collections.abc import Callable, Iterator

BLOCK = 64 * 1024
_BRANDS = {"MP4": (b"mp42", b"mp42isom"), "M4A": (b"M4A ", b"M4A mp42")}
CONTENT_TYPES = {"MP4": "video/mp4", "M4A": "audio/mp4", "VTT": "text/vtt", "TXT": "text/plain"}


def read(seed: str, extension: str, size: int, start: int = 0, end: int | None = None) -> bytes:
    """Bytes ``[start, end)`` of the file (``end`` None: to its end)."""
    return b"".join(stream(seed, extension, size, start, end))


def stream(
    seed: str, extension: str, size: int, start: int = 0, end: int | None = None, chunk: int = BLOCK
) -> Iterator[bytes]:
    """The same bytes as ``read``, in pieces of at most ``chunk`` bytes."""
    end = size if end is None else min(end, size)
    piece = _piece_reader(seed, extension.upper(), size)
    for offset in range(start, end, chunk):
        yield piece(offset, min(offset + chunk, end))


def content_type(extension: str) -> str:
    return CONTENT_TYPES.get(extension.upper(), "application/octet-stream")


def _piece_reader(seed: str, extension: str, size: int) -> Callable[[int, int], bytes]:
    if extension in _BRANDS:
        return _with_header(_mp4_header(extension, size), _random_body(seed))
    if extension == "VTT":
        return _text(b"WEBVTT\n\n", _vtt_cue, size)
    if extension == "TXT":
        return _text(b"", _chat_line, size)
    return _with_header(b"", _random_body(seed))


def _mp4_header(extension: str, size: int) -> bytes:
    major, compatible = _BRANDS[extension]
    ftyp = struct.pack(">I4s4sI", 8 + 8 + len(compatible), b"ftyp", major, 0) + compatible
    rest = size - len(ftyp)
    if rest < 2**32:
        return ftyp + struct.pack(">I4s", max(rest, 8), b"mdat")
    return ftyp + struct.pack(">I4sQ", 1, b"mdat", rest)  # 64-bit "largesize" form


def _random_body(seed: str) -> Callable[[int, int], bytes]:
    def body(start: int, end: int) -> bytes:
        first, last = start // BLOCK, (end - 1) // BLOCK
        blocks = b"".join(
            hashlib.shake_256(f"{seed}:{n}".encode()).digest(BLOCK) for n in range(first, last + 1)
        )
        skip = start - first * BLOCK
        return blocks[skip : skip + end - start]

    return body


def _with_header(header: bytes, body: Callable[[int, int], bytes]) -> Callable[[int, int], bytes]:
    def piece(start: int, end: int) -> bytes:
        head = header[start:end]
        body_start, body_end = max(start, len(header)) - len(header), end - len(header)
        return head + (body(body_start, body_end) if body_end > body_start else b"")

    return piece


def _text(header: bytes, line: Callable[[int], bytes], size: int) -> Callable[[int, int], bytes]:
    width = len(line(0))
    lines = max(size - len(header), 0) // width
    lines_end = len(header) + lines * width

    def piece(start: int, end: int) -> bytes:
        out = bytearray(header[start:end])
        a, b = max(start, len(header)), min(end, lines_end)
        if a < b:
            first, last = (a - len(header)) // width, (b - 1 - len(header)) // width
            text = b"".join(line(n) for n in range(first, last + 1))
            skip = a - len(header) - first * width
            out += text[skip : skip + b - a]
        out += b"\n" * max(0, end - max(start, lines_end))  # blank lines fill up to the size
        return bytes(out)

    return piece


def _clock(second: int) -> str:
    second %= 100 * 3600  # two-digit hours keep every line the same width
    return f"{second // 3600:02d}:{second // 60 % 60:02d}:{second % 60:02d}"


def _vtt_cue(n: int) -> bytes:
    return (
        f"{n % 10**8 + 1:08d}\n{_clock(n)}.000 --> {_clock(n + 1)}.000\n"
        f"Speaker {n % 7}: sandbox transcript line {n % 10**8:08d}\n\n"
    ).encode()


def _chat_line(n: int) -> bytes:
    return f"{_clock(n)}\t From Participant {n % 7} to Everyone:\tsandbox message {n % 10**8:08d}\n".encode()
