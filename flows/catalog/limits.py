"""Kie's documented limits applied to what the user sends: one file against its field (size, format,
length, pixels), a file list's totals, and the rules spanning fields (SumMax, RangeWhen,
RequireSameSize).

The same checks run twice on different facts: at the step on what Telegram reports (sizes are
Telegram's, durations are set by the sending client, so they only pre-check), and on the downloaded
file as measured (`flows.catalog.measured`), which is what is priced and enforced. A fact that is not
known yet (None) is not judged here: the measured check decides.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import msgspec

from flows.catalog.conditions import condition_holds, is_set, resolved_values
from flows.catalog.problems import InputError, Problem
from flows.catalog.types import (
    MB,
    EnumField,
    FileField,
    FileListField,
    ForbidCombination,
    ModelEntry,
    RangeWhen,
    RequireSameSize,
    SumMax,
)


class MediaFacts(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """What is known about one file: from Telegram at the step, or measured on the downloaded bytes
    (MIME by content, duration and pixels from the container) before the task is created."""

    size_bytes: int | None = None
    mime_type: str | None = None
    seconds: float | None = None
    width: int | None = None
    height: int | None = None


# Spellings of one format that clients and libraries use; the catalog lists the canonical one.
_MIME_ALIASES = {
    "image/jpg": "image/jpeg",
    "image/pjpeg": "image/jpeg",
    "image/x-png": "image/png",
    "image/x-ms-bmp": "image/bmp",
    "audio/mp3": "audio/mpeg",
    "audio/mpeg3": "audio/mpeg",
    "audio/x-mpeg": "audio/mpeg",
    "audio/x-wav": "audio/wav",
    "audio/wave": "audio/wav",
    "audio/vnd.wave": "audio/wav",
    "audio/x-m4a": "audio/mp4",
    "audio/m4a": "audio/mp4",
    "audio/x-aac": "audio/aac",
    "audio/aacp": "audio/aac",
    "audio/opus": "audio/ogg",
    "audio/x-flac": "audio/flac",
    "video/x-quicktime": "video/quicktime",
    "video/mkv": "video/x-matroska",
}
# How a format is named to the user (the same in every language).
FORMAT_NAMES = {
    "image/jpeg": "JPEG",
    "image/png": "PNG",
    "image/webp": "WebP",
    "image/bmp": "BMP",
    "image/tiff": "TIFF",
    "image/gif": "GIF",
    "video/mp4": "MP4",
    "video/quicktime": "MOV",
    "video/x-matroska": "MKV",
    "video/webm": "WebM",
    "audio/mpeg": "MP3",
    "audio/wav": "WAV",
    "audio/aac": "AAC",
    "audio/mp4": "M4A",
    "audio/ogg": "OGG",
    "audio/flac": "FLAC",
    "audio/x-ms-wma": "WMA",
}


def canonical_mime(mime: str | None) -> str | None:
    if not mime:
        return None
    base = mime.split(";", 1)[0].strip().lower()
    return _MIME_ALIASES.get(base, base)


def format_names(mimes: Sequence[str]) -> str:
    names = [FORMAT_NAMES.get(m, m.split("/", 1)[-1].upper()) for m in mimes]
    return ", ".join(dict.fromkeys(names))


def megabytes(size: int) -> str:
    """14,2 (one decimal, comma: how sizes are written to users); whole numbers without a decimal."""
    value = size / MB
    text = f"{value:.1f}".replace(".", ",")
    return text[:-2] if text.endswith(",0") else text


def seconds_text(seconds: float) -> str:
    if float(seconds).is_integer():
        return str(int(seconds))
    return f"{seconds:.1f}".replace(".", ",")


# --- one file -----------------------------------------------------------------------------------------


def file_problem(field: FileField | FileListField, facts: MediaFacts) -> InputError | None:
    """The first documented limit this file breaks, or None (unknown facts are not judged)."""
    if facts.size_bytes is not None and facts.size_bytes > field.max_bytes:
        return InputError("too_big", size_mb=megabytes(facts.size_bytes), max_mb=megabytes(field.max_bytes))
    mime = canonical_mime(facts.mime_type)
    if field.formats and mime is not None and mime not in field.formats:
        return InputError("bad_format", got=format_names([mime]), formats=format_names(field.formats))
    if facts.seconds is not None:
        problem = duration_problem(
            field.min_seconds, field.max_seconds, facts.seconds, field.max_seconds_exclusive
        )
        if problem is not None:
            return problem
    return pixels_problem(field, facts)


def duration_problem(
    minimum: float | None, maximum: float | None, seconds: float, exclusive: bool = False
) -> InputError | None:
    too_long = maximum is not None and (seconds >= maximum if exclusive else seconds > maximum)
    too_short = minimum is not None and seconds < minimum
    if not (too_long or too_short):
        return None
    shown = {"seconds": seconds_text(seconds)}
    if minimum is not None and minimum > 0 and maximum is not None and not exclusive:
        return InputError("duration_range", min=seconds_text(minimum), max=seconds_text(maximum), **shown)
    if too_long:
        code = "duration_below" if exclusive else "duration_max"
        return InputError(code, max=seconds_text(maximum or 0), **shown)
    return InputError("duration_min", min=seconds_text(minimum or 0), **shown)


def pixels_problem(field: FileField | FileListField, facts: MediaFacts) -> InputError | None:
    if not facts.width or not facts.height:
        return None
    short, long = sorted((facts.width, facts.height))
    size = {"width": facts.width, "height": facts.height}
    if field.min_side_px is not None and short < field.min_side_px:
        return InputError("too_small_px", min=field.min_side_px, **size)
    if field.max_side_px is not None and long > field.max_side_px:
        return InputError("too_large_px", max=field.max_side_px, **size)
    if field.max_megapixels is not None and facts.width * facts.height > field.max_megapixels * 1_000_000:
        return InputError("too_many_megapixels", max=_number(field.max_megapixels), **size)
    aspect = facts.width / facts.height
    low, high = field.min_aspect, field.max_aspect
    if (low is not None and aspect < low - 1e-9) or (high is not None and aspect > high + 1e-9):
        return InputError("bad_aspect", min=_ratio(low), max=_ratio(high), **size)
    return None


def list_problem(field: FileListField, items: Sequence[MediaFacts]) -> InputError | None:
    """Totals of a file list (each item is judged by file_problem)."""
    if field.max_items is not None and len(items) > field.max_items:
        return InputError("too_many_files", max=field.max_items, count=len(items))
    sizes = [i.size_bytes for i in items]
    if field.max_total_bytes is not None and all(s is not None for s in sizes):
        total = sum(s for s in sizes if s is not None)
        if total > field.max_total_bytes:
            return InputError(
                "total_too_big", size_mb=megabytes(total), max_mb=megabytes(field.max_total_bytes)
            )
    seconds = [i.seconds for i in items]
    if field.max_total_seconds is not None and seconds and all(s is not None for s in seconds):
        total_seconds = sum(s for s in seconds if s is not None)
        if total_seconds > field.max_total_seconds:
            return InputError(
                "total_too_long",
                seconds=seconds_text(total_seconds),
                max=seconds_text(field.max_total_seconds),
            )
    return None


def _number(value: float) -> str:
    return seconds_text(value)


def _ratio(value: float | None) -> str:
    """0.4 → "1:2,5", 2.5 → "2,5:1" (how aspect ranges are written in Kie's docs)."""
    if value is None:
        return "…"
    if value >= 1:
        return f"{_number(round(value, 2))}:1"
    return f"1:{_number(round(1 / value, 2))}"


# --- rules across fields --------------------------------------------------------------------------------

Media = Mapping[str, Sequence[MediaFacts]]


def rule_problems(
    entry: ModelEntry, values: Mapping[str, Any], resolved: Mapping[str, Any], media: Media | None
) -> list[Problem]:
    """SumMax, RangeWhen and RequireSameSize over the input; media facts that are unknown are skipped."""
    problems: list[Problem] = []
    for rule in entry.schema.rules:
        problem: Problem | None = None
        if isinstance(rule, SumMax):
            problem = _sum_problem(entry, rule, resolved, media)
        elif isinstance(rule, RangeWhen) and condition_holds(rule.when, resolved):
            problem = _range_problem(entry, rule, resolved, media)
        elif isinstance(rule, RequireSameSize):
            problem = _same_size_problem(rule, media)
        if problem is not None:
            problems.append(problem)
    return problems


def refused_options(entry: ModelEntry, values: Mapping[str, Any], name: str) -> frozenset[int]:
    """Indexes of the options of enum `name` that, with the other values as they are, make a combination
    Kie refuses (GPT Image 2: 4K once 1:1 is chosen): the step does not offer them."""
    field = entry.schema.properties.get(name)
    forbids = [r for r in entry.schema.rules if isinstance(r, ForbidCombination) and name in r.when]
    if not isinstance(field, EnumField) or not forbids:
        return frozenset()
    refused = set()
    for index, option in enumerate(field.values):
        resolved = resolved_values(entry, {**values, name: option})
        if any(condition_holds(rule.when, resolved) for rule in forbids):
            refused.add(index)
    return frozenset(refused)


def count_of(value: Any) -> int:
    if isinstance(value, list | tuple):
        return len(value)
    return 1 if is_set(value) else 0


def _seconds_of(
    entry: ModelEntry, name: str, resolved: Mapping[str, Any], media: Media | None
) -> float | None:
    """Seconds a field contributes: its media's length (file fields) or its value (number fields)."""
    field = entry.schema.properties.get(name)
    value = resolved.get(name)
    if not is_set(value):
        return 0.0
    if isinstance(field, FileField | FileListField):
        facts = (media or {}).get(name)
        if not facts or any(f.seconds is None for f in facts):
            return None
        return float(sum(f.seconds or 0.0 for f in facts))
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def _sum_problem(
    entry: ModelEntry, rule: SumMax, resolved: Mapping[str, Any], media: Media | None
) -> Problem | None:
    if rule.measure == "count":
        total = sum(count_of(resolved.get(name)) * rule.weights.get(name, 1) for name in rule.fields)
        if total > rule.max:
            return Problem(
                None, "sum_too_many", {"fields": list(rule.fields), "count": total, "max": _number(rule.max)}
            )
        return None
    parts = [_seconds_of(entry, name, resolved, media) for name in rule.fields]
    if any(p is None for p in parts):
        return None  # a length is not known yet: the measured check decides
    seconds = sum(p for p in parts if p is not None)
    if seconds > rule.max + 1e-9:
        params = {"fields": list(rule.fields), "seconds": seconds_text(seconds), "max": _number(rule.max)}
        return Problem(None, "sum_too_long", params)
    return None


def _range_problem(
    entry: ModelEntry, rule: RangeWhen, resolved: Mapping[str, Any], media: Media | None
) -> Problem | None:
    value = resolved.get(rule.field)
    if not is_set(value):
        return None
    low, high = rule.minimum, rule.maximum
    when = dict(rule.when)
    if rule.of == "seconds":
        for facts in (media or {}).get(rule.field, ()):
            if facts.seconds is not None:
                error = duration_problem(low, high, facts.seconds)
                if error is not None:
                    return Problem(rule.field, error.code, {**error.params, "when": when})
        return None
    if rule.of == "count":
        measure: float = count_of(value)
    elif rule.of == "length":
        measure = len(str(value).strip())
    else:
        try:
            measure = float(value)
        except (TypeError, ValueError):
            return None
    if (low is not None and measure < low) or (high is not None and measure > high):
        params: dict[str, Any] = {"actual": _number(measure), "when": when}
        suffix = "" if low is not None and high is not None else "_max" if high is not None else "_min"
        if low is not None:
            params["min"] = _number(low)
        if high is not None:
            params["max"] = _number(high)
        return Problem(rule.field, f"range_{rule.of}{suffix}", params)
    return None


def _same_size_problem(rule: RequireSameSize, media: Media | None) -> Problem | None:
    sizes = []
    for name in rule.fields:
        facts = (media or {}).get(name) or ()
        if not facts or not facts[0].width or not facts[0].height:
            return None
        sizes.append((facts[0].width, facts[0].height))
    if len(set(sizes)) > 1:
        shown = [f"{w}×{h}" for w, h in sizes]
        return Problem(None, "not_same_size", {"fields": list(rule.fields), "sizes": " / ".join(shown)})
    return None
