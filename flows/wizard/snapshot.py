"""The persisted wizard state of one chat: which model, where in its chart, what was collected."""

from __future__ import annotations

from typing import Any, Literal

import msgspec

TELEGRAM_FILE_PREFIX = "tgfile:"


class FileRef(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """A file the user sent through Telegram; the jobs layer downloads it and uploads it to Kie."""

    kind: Literal["image", "video", "audio"]
    size: int | None = None
    # Seconds of video/audio as Telegram reports them (some prices are per second of input).
    duration: float | None = None
    mime_type: str | None = None


class WizardSnapshot(msgspec.Struct, frozen=True, forbid_unknown_fields=True, tag_field="flow", tag="wizard"):
    model_id: str
    schema_hash: str
    state: str
    # Values as Kie expects them; files are "tgfile:<file_id>" until uploaded (or a pasted https URL).
    values: dict[str, Any] = {}
    files: dict[str, FileRef] = {}
    # Bumped on every change; buttons carry it, so a tap on an old screen is recognised as stale.
    version: int = 1
    # The last problem to show on the current step (cleared by the next successful action).
    error: str | None = None
    error_params: dict[str, Any] = {}
    request_id: str | None = None
    # (field, page) of a long option list the user paged through.
    enum_page: tuple[str, int] | None = None


def telegram_file_value(file_id: str) -> str:
    return f"{TELEGRAM_FILE_PREFIX}{file_id}"


def telegram_file_id(value: Any) -> str | None:
    if isinstance(value, str) and value.startswith(TELEGRAM_FILE_PREFIX):
        return value[len(TELEGRAM_FILE_PREFIX) :]
    return None
