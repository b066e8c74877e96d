"""What a media file really is, read from its own bytes: kind, MIME type, container, length, size.

Telegram's `duration`, `mime_type`, `width` and `height` are whatever the sending client wrote, so
anything that money or a limit depends on (prices per second of input, formats, resolutions) is read
here instead. The reader is MediaInfo through pymediainfo, whose wheels bundle the library: no ffmpeg,
no download at run time. It reads the container headers (MP4/MOV, WebM/MKV, MP3, M4A, Ogg/Opus, WAV,
images…), not the whole stream, so a 20 MB file takes milliseconds.

The parse is blocking C code: `probe` runs it in a worker thread so the event loop keeps serving.
"""

from __future__ import annotations

import asyncio
import io
import logging
import math
from typing import Any, Literal

import msgspec
from pymediainfo import MediaInfo

log = logging.getLogger(__name__)

MediaKind = Literal["video", "audio", "image", "unknown"]

# MediaInfo's container names → the MIME type we report when it gives none (Matroska) or a rare one.
_MIME_BY_FORMAT = {
    "QuickTime": "video/quicktime",
    "Matroska": "video/x-matroska",
    "WebM": "video/webm",
    "MPEG Audio": "audio/mpeg",
    "Wave": "audio/wav",
    "Ogg": "audio/ogg",
    "FLAC": "audio/flac",
    "JPEG": "image/jpeg",
    "PNG": "image/png",
    "WebP": "image/webp",
    "GIF": "image/gif",
}
_MIME_ALIASES = {"audio/vnd.wave": "audio/wav", "audio/x-wav": "audio/wav"}


class MediaFacts(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """Facts measured from the file itself (None: the file does not say, or it is not media)."""

    kind: MediaKind
    mime_type: str | None = None
    container: str | None = None
    duration_seconds: float | None = None
    width: int | None = None
    height: int | None = None

    @property
    def has_length(self) -> bool:
        return self.duration_seconds is not None and self.duration_seconds > 0


UNREADABLE = MediaFacts(kind="unknown")


def probe_bytes(data: bytes) -> MediaFacts:
    """The facts of one file's bytes; UNREADABLE when it is not a container MediaInfo knows."""
    if not data:
        return UNREADABLE
    try:
        info = MediaInfo.parse(io.BytesIO(data))
    except Exception as exc:  # a broken file must read as "unreadable", never crash a job
        log.info("media probe failed: %s", type(exc).__name__)
        return UNREADABLE
    assert isinstance(info, MediaInfo)
    general = info.general_tracks[0] if info.general_tracks else None
    videos, audios, images = info.video_tracks, info.audio_tracks, info.image_tracks
    if general is None or not (videos or audios or images):
        return UNREADABLE
    kind: MediaKind = "video" if videos else "audio" if audios else "image"
    container = general.format
    mime = _mime(container, general.internet_media_type, kind)
    # The longest of the container's and the tracks' lengths: a header that claims less than a
    # stream holds must not make the file cheaper.
    lengths = [ms for t in (general, *videos, *audios) if (ms := _number(t.duration)) is not None]
    duration = max(lengths) / 1000 if lengths and kind != "image" else None
    picture = (videos or images or [None])[0]
    width = _int(picture.width) if picture is not None else None
    height = _int(picture.height) if picture is not None else None
    return MediaFacts(kind, mime, container, duration, width, height)


async def probe(data: bytes) -> MediaFacts:
    return await asyncio.to_thread(probe_bytes, data)


def _mime(container: str | None, reported: str | None, kind: MediaKind) -> str | None:
    if reported:
        return _MIME_ALIASES.get(reported, reported)
    if container == "MPEG-4":
        return "video/mp4" if kind == "video" else "audio/mp4"
    if container == "Ogg" and kind == "video":
        return "video/ogg"
    return _MIME_BY_FORMAT.get(container or "")


def _number(value: Any) -> float | None:
    """MediaInfo gives numbers as int, float or text ("3000.000000"); anything else is unknown."""
    if isinstance(value, bool):
        return None
    number: float | None = None
    if isinstance(value, int | float):
        number = float(value)
    elif isinstance(value, str):
        try:
            number = float(value.split(" / ", 1)[0])
        except ValueError:
            return None
    return number if number is not None and math.isfinite(number) else None


def _int(value: Any) -> int | None:
    number = _number(value)
    return int(number) if number is not None else None
