"""What the user sent at an input step → a value for the field, or a precise problem.

Texts are validated by the catalog's rules; files are checked here against the field's documented
limits as Telegram reports them (kind, size, format, length — Telegram lets a bot download at most
20 MB) and kept as references until the jobs layer downloads, measures and uploads them to Kie.
"""

from __future__ import annotations

from typing import Any

from flows.catalog.limits import MediaFacts, file_problem, format_names, seconds_text
from flows.catalog.types import (
    BooleanField,
    EnumField,
    Field,
    FileField,
    FileListField,
)
from flows.catalog.validate import InputError, check_url, validate_value
from flows.files import FileRef, telegram_file_id, telegram_file_value
from flows.incoming import Incoming, MediaInput
from flows.states import WizardSnapshot
from flows.texts import t

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
    # Telegram re-encodes every photo as JPEG and names no type for it.
    mime = "image/jpeg" if media.kind == "photo" else media.mime_type
    facts = MediaFacts(size_bytes=media.file_size, mime_type=mime, seconds=media.duration)
    # The loader keeps every field's max_bytes within the Bot API's 20 MB download limit.
    error = file_problem(spec, facts)
    if error is not None:
        raise StepProblem(error.code, **error.params)
    ref = FileRef(kind=kind, size=media.file_size, duration=media.duration, mime_type=mime)
    return telegram_file_value(media.file_id), ref


def file_limits_text(spec: FileField | FileListField, lang: str) -> str | None:
    """The documented limits a file step states up front: formats and length ("JPEG, PNG · до 300 с")."""
    parts = []
    if spec.formats:
        parts.append(t(lang, "step.limit_formats", formats=format_names(spec.formats)))
    low, high = spec.min_seconds, spec.max_seconds
    if high is not None and spec.max_seconds_exclusive:
        parts.append(t(lang, "step.limit_seconds_below", max=seconds_text(high)))
    elif low and high is not None:
        parts.append(t(lang, "step.limit_seconds_range", min=seconds_text(low), max=seconds_text(high)))
    elif high is not None:
        parts.append(t(lang, "step.limit_seconds_max", max=seconds_text(high)))
    elif low:
        parts.append(t(lang, "step.limit_seconds_min", min=seconds_text(low)))
    return t(lang, "step.limit_file", parts=" · ".join(parts)) if parts else None


def media_facts(snap: WizardSnapshot) -> dict[str, list[MediaFacts]]:
    """What Telegram reported about the files collected so far, per field (for the review's checks)."""
    out: dict[str, list[MediaFacts]] = {}
    for name, value in snap.values.items():
        items = value if isinstance(value, list) else [value]
        refs = [snap.files.get(fid) for v in items if (fid := telegram_file_id(v))]
        facts = [MediaFacts(size_bytes=r.size, mime_type=r.mime_type, seconds=r.duration) for r in refs if r]
        if facts:
            out[name] = facts
    return out


def expected_problem(spec: Field, incoming: Incoming) -> StepProblem:
    """The hint for input that does not fit the step at all (a sticker where text is wanted …)."""
    if isinstance(spec, FileField | FileListField):
        return StepProblem("expect_file", accept=spec.accept)
    if isinstance(spec, EnumField | BooleanField):
        return StepProblem("expect_choice")
    return StepProblem("expect_text")
