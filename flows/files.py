"""Files the user sent through Telegram, as flows keep them: a "tgfile:<file_id>" value in the input
and a FileRef with what Telegram said about it. The jobs layer downloads them and uploads to Kie."""

from __future__ import annotations

from typing import Any, Literal

import msgspec

TELEGRAM_FILE_PREFIX = "tgfile:"


class FileRef(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    kind: Literal["image", "video", "audio"]
    size: int | None = None
    # Seconds of video/audio as Telegram reports them (some prices are per second of input).
    duration: float | None = None
    mime_type: str | None = None


def telegram_file_value(file_id: str) -> str:
    return f"{TELEGRAM_FILE_PREFIX}{file_id}"


def telegram_file_id(value: Any) -> str | None:
    if isinstance(value, str) and value.startswith(TELEGRAM_FILE_PREFIX):
        return value[len(TELEGRAM_FILE_PREFIX) :]
    return None
