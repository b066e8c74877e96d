"""The catalog against Kie's documentation (`trt catalog check`): every documented limit has a rule at
least as strict, every file field has a size limit, and no input Kie documents as refused can be
priced or launched.

The documentation facts are the vendored constraints.json (flows/catalog/sources). Field limits are
compared structurally (the catalog's number against the documented one); rules spanning fields are
checked by behaviour: an input breaking the documented rule is built from the model's example and the
catalog must refuse it (flows/catalog/lint_rules.py). Only enabled models are checked: a disabled one
never takes money.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from flows.catalog.gaps import Gap
from flows.catalog.kie_sources import catalog_id, doc_url
from flows.catalog.limits import canonical_mime
from flows.catalog.lint_rules import rule_gaps
from flows.catalog.types import (
    MB,
    EnumField,
    Field,
    FileField,
    FileListField,
    IntegerField,
    ModelEntry,
    NumberField,
    TextField,
)

# Kie's docs name formats by extension; the catalog lists MIME types (what the content is).
FORMAT_MIME: dict[str, tuple[str, ...]] = {
    "jpeg": ("image/jpeg",),
    "jpg": ("image/jpeg",),
    "jfif": ("image/jpeg",),
    "pjpeg": ("image/jpeg",),
    "pjp": ("image/jpeg",),
    "png": ("image/png",),
    "webp": ("image/webp",),
    "bmp": ("image/bmp",),
    "tiff": ("image/tiff",),
    "gif": ("image/gif",),
    "hdr": ("image/vnd.radiance",),
    "mp4": ("video/mp4", "audio/mp4"),
    "mov": ("video/quicktime",),
    "mkv": ("video/x-matroska",),
    "mp3": ("audio/mpeg",),
    "wav": ("audio/wav",),
    "aac": ("audio/aac",),
    "m4a": ("audio/mp4",),
    "ogg": ("audio/ogg",),
    "flac": ("audio/flac",),
    "wma": ("audio/x-ms-wma",),
}
# Field facts that are notes, not limits a bot can hold: text for people, CJK-only lengths (users write
# Russian or English), codec details no Bot API file exposes.
_NOT_LIMITS = {
    "note",
    "resolution",
    "languages",
    "max_length_cjk",
    "fps",
    "bitrate_mbps",
    "pattern",
    "max_pages",
}


def lint(entries: Iterable[ModelEntry], constraints: Mapping[str, Any]) -> list[Gap]:
    """Every gap of every enabled entry against `constraints` (kie_sources.load_constraints())."""
    undocumented = {
        catalog_id(model): set(fields)
        for model, fields in constraints.get("_no_documented_limits", {}).get("fields", {}).items()
    }
    models = constraints.get("models", {})
    gaps: list[Gap] = []
    for entry in entries:
        if not entry.enabled:
            continue
        facts = models.get(entry.id)
        gaps += _size_gaps(entry, facts, undocumented.get(entry.id, set()))
        if facts is not None:
            gaps += field_gaps(entry, facts)
            gaps += rule_gaps(entry, facts)
    return gaps


def _size_gaps(entry: ModelEntry, facts: Mapping[str, Any] | None, undocumented: set[str]) -> list[Gap]:
    """Every file field has a size limit: Kie's documented one, or the Bot API's 20 MB where the docs
    state none (listed in constraints.json's _no_documented_limits)."""
    gaps = []
    documented = (facts or {}).get("fields", {})
    for name, field in entry.schema.properties.items():
        if not isinstance(field, FileField | FileListField):
            continue
        if "max_size_mb" in documented.get(name, {}) or name in undocumented:
            continue
        if facts is None and field.sources:
            continue  # a model the constraints capture does not cover: its own page is the source
        gaps.append(
            Gap(entry.id, name, "file field without a documented size limit (and not listed as undocumented)")
        )
    return gaps


def field_gaps(entry: ModelEntry, facts: Mapping[str, Any]) -> list[Gap]:
    gaps: list[Gap] = []
    props = entry.schema.properties
    for name, doc in facts.get("fields", {}).items():
        field = props.get(name)
        if "deprecated" in doc:
            if field is not None or name in entry.fixed:
                gaps.append(
                    Gap(entry.id, name, f"deprecated ({doc['deprecated']}): must be neither asked nor sent")
                )
            continue
        if field is None:
            continue  # not offered: nothing the user sends can break it
        found = [f"{name}: {problem}" for problem in _field_problems(field, doc)]
        limits = set(doc) - _NOT_LIMITS
        if limits and not found and not field.sources:
            found.append(f"{name}: limits {sorted(limits)} name no source (sources)")
        gaps += [Gap(entry.id, name, message.split(": ", 1)[1]) for message in found]
    return gaps


def _field_problems(field: Field, doc: Mapping[str, Any]) -> list[str]:
    problems: list[str] = []

    def at_most(what: str, ours: float | None, theirs: float | None) -> None:
        if theirs is not None and (ours is None or ours > theirs):
            problems.append(f"{what} is {_shown(ours)}, Kie documents at most {_shown(theirs)}")

    def at_least(what: str, ours: float | None, theirs: float | None) -> None:
        if theirs is not None and theirs > 0 and (ours is None or ours < theirs):
            problems.append(f"{what} is {_shown(ours)}, Kie documents at least {_shown(theirs)}")

    if isinstance(field, TextField):
        at_least("min_length", field.min_length, doc.get("min_length"))
        at_most("max_length", field.max_length, doc.get("max_length"))
    if isinstance(field, FileField | FileListField):
        problems += _file_problems(field, doc, at_most, at_least)
    if isinstance(field, IntegerField | NumberField) and "range" in doc:
        low, high = doc["range"]
        if field.minimum is None or field.minimum < low:
            problems.append(f"minimum is {_shown(field.minimum)}, Kie documents at least {_shown(low)}")
        at_most("maximum", field.maximum, high)
        if doc.get("step") and (not field.step or (field.step / doc["step"]) % 1 > 1e-9):
            problems.append(f"step is {_shown(field.step)}, Kie documents steps of {_shown(doc['step'])}")
    for key in ("range", "duration_s"):
        if isinstance(field, EnumField) and key in doc:
            low, high = doc[key]
            outside = [v for v in field.values if not low <= _as_number(v, low) <= high]
            if outside:
                problems.append(f"options {outside} are outside Kie's range {low}–{high}")
    if isinstance(field, IntegerField | NumberField) and "duration_s" in doc:
        low, high = doc["duration_s"]
        at_least("minimum", field.minimum, low)
        at_most("maximum", field.maximum, high)
    return problems


def _as_number(value: object, fallback: float) -> float:
    """Enum options are numbers or numeric strings ("10"); other strings are not ranged."""
    try:
        return float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return fallback


def _file_problems(field: FileField | FileListField, doc: Mapping[str, Any], at_most, at_least) -> list[str]:
    problems: list[str] = []
    if "max_size_mb" in doc:
        at_most("max_bytes (MB)", field.max_bytes / MB, doc["max_size_mb"])
    if doc.get("formats"):
        allowed = {mime for ext in doc["formats"] for mime in FORMAT_MIME.get(ext.lower(), ())}
        allowed = {m for m in allowed if m.split("/", 1)[0] in field.accept}
        ours = {canonical_mime(m) for m in field.formats}
        if not field.formats:
            problems.append(f"accepts any format, Kie documents {doc['formats']}")
        elif not ours <= allowed:
            problems.append(f"formats {sorted(ours - allowed)} are not among Kie's {doc['formats']}")
    if "duration_s" in doc:
        low, high = doc["duration_s"]
        at_least("min_seconds", field.min_seconds, low)
        at_most("max_seconds", field.max_seconds, high)
        if (
            doc.get("duration_exclusive_max")
            and field.max_seconds == high
            and not field.max_seconds_exclusive
        ):
            problems.append(f"Kie wants strictly less than {high} s: set max_seconds_exclusive")
    if "total_duration_s_max" in doc:
        total = field.max_total_seconds if isinstance(field, FileListField) else field.max_seconds
        at_most("total seconds", total, doc["total_duration_s_max"])
    if "total_max_size_mb" in doc:
        total_bytes = field.max_total_bytes if isinstance(field, FileListField) else field.max_bytes
        at_most("total size (MB)", total_bytes / MB if total_bytes else None, doc["total_max_size_mb"])
    at_least("min_side_px", field.min_side_px, doc.get("min_side_px"))
    at_most("max_side_px", field.max_side_px, doc.get("max_side_px"))
    at_most("max_megapixels", field.max_megapixels, doc.get("max_megapixels"))
    if "aspect_ratio_range" in doc:
        low, high = doc["aspect_ratio_range"]
        at_least("min_aspect", field.min_aspect, low)
        at_most("max_aspect", field.max_aspect, high)
    if isinstance(field, FileListField):
        at_most("max_items", field.max_items, doc.get("max_items"))
        if (doc.get("min_items") or 0) > 1:
            at_least("min_items", field.min_items, doc["min_items"])
    return problems


def _shown(value: float | None) -> str:
    if value is None:
        return "unset"
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


def source_of(facts: Mapping[str, Any]) -> str:
    return doc_url(str(facts.get("source", "")))


def report(gaps: Iterable[Gap]) -> str:
    """Gaps grouped by model, one model per paragraph (what `trt catalog check` prints)."""
    by_model: dict[str, list[Gap]] = {}
    for gap in gaps:
        by_model.setdefault(gap.model, []).append(gap)
    lines = []
    for model in sorted(by_model):
        lines.append(f"{model} ({len(by_model[model])})")
        lines += [f"  {gap.where}: {gap.message}" for gap in by_model[model]]
    return "\n".join(lines)
