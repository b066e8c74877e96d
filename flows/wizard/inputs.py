"""What the user sent at an input step → a value for the field, or a precise problem.

Texts are validated by the catalog's rules; files are checked for kind and size here (Telegram lets a
bot download at most 20 MB) and kept as references until the jobs layer uploads them to Kie.
"""

from __future__ import annotations

from typing import Any

from flows.catalog.types import (
    BooleanField,
    EnumField,
    Field,
    FileField,
    FileListField,
)
from flows.catalog.validate import InputError, check_url, validate_value
from flows.files import FileRef, telegram_file_value
from flows.incoming import Incoming, MediaInput

TELEGRAM_DOWNLOAD_LIMIT = 20 * 1024 * 1024
MB = 1024 * 1024

_KIND_OF_MEDIA = {
    "photo": "image",
    "video": "video",
    "animation": "video",
    "video_note": "video",
    "audio": "audio",
    "voice": "audio",
}


class StepProblem(Exception):
    """Why the input does not fit this step: a text key under error.* and its parameters."""

    def __init__(self, code: str, **params: Any) -> None:
        super().__init__(code)
        self.code = code
        self.params = params


def media_kind(media: MediaInput) -> str | None:
    if media.kind in _KIND_OF_MEDIA:
        return _KIND_OF_MEDIA[media.kind]
    mime = (media.mime_type or "").lower()
    for prefix in ("image", "video", "audio"):
        if mime.startswith(prefix + "/"):
            return prefix
    return None


def value_from_text(spec: Field, text: str) -> Any:
    """A typed value from a typed message; file fields take a public link instead of a file."""
    try:
        if isinstance(spec, FileField | FileListField):
            return check_url(text.strip())
        return validate_value(spec, text)
    except InputError as error:
        raise StepProblem(error.code, **error.params) from None


def file_from_media(spec: FileField | FileListField, media: MediaInput) -> tuple[str, FileRef]:
    kind = media_kind(media)
    if kind is None or kind not in spec.accept:
        raise StepProblem("wrong_kind", accept=spec.accept)
    limit = min(spec.max_bytes, TELEGRAM_DOWNLOAD_LIMIT)
    if media.file_size is not None and media.file_size > limit:
        raise StepProblem("too_big", size_mb=_mb(media.file_size), max_mb=limit // MB)
    ref = FileRef(kind=kind, size=media.file_size, duration=media.duration, mime_type=media.mime_type)
    return telegram_file_value(media.file_id), ref


def _mb(size: int) -> str:
    return f"{size / MB:.1f}".replace(".", ",")


def expected_problem(spec: Field, incoming: Incoming) -> StepProblem:
    """The hint for input that does not fit the step at all (a sticker where text is wanted …)."""
    if isinstance(spec, FileField | FileListField):
        return StepProblem("expect_file", accept=spec.accept)
    if isinstance(spec, EnumField | BooleanField):
        return StepProblem("expect_choice")
    return StepProblem("expect_text")
