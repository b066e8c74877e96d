"""The downloaded files, as measured, against the catalog: what is priced and enforced.

Telegram's file sizes are its own, but durations in a message are set by the sending client, so the
step only pre-checks them. Once the jobs layer has the bytes, a media probe measures each file (MIME by
content, duration and pixels from the container) and these pure functions say whether the input still
fits Kie's documented limits, and for how many seconds it is priced. The runtime decides what to do
with a problem (release the hold, tell the user the real length and price, ask again).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from flows.catalog.limits import Media, MediaFacts, file_problem, list_problem
from flows.catalog.problems import Problem
from flows.catalog.types import FileField, FileListField, ModelEntry, RangeWhen, RequireSameSize, SumMax
from flows.catalog.validate import validate_input


def check_measured(
    entry: ModelEntry, field_name: str, facts: MediaFacts | Sequence[MediaFacts]
) -> list[Problem]:
    """Whether the measured files of one field fit its limits (each file, then the list's totals).

    A fact the limits or the price need but the probe could not read (no duration, a zero duration,
    no pixel size, no content type) is itself a problem: `media_unreadable`.
    """
    field = entry.schema.properties.get(field_name)
    if not isinstance(field, FileField | FileListField):
        raise ValueError(f"{entry.id}: {field_name!r} is not a file field")
    items = [facts] if isinstance(facts, MediaFacts) else list(facts)
    needs = needed_facts(entry, field_name)
    problems = []
    for item in items:
        missing = _missing(item, needs)
        if missing:
            problems.append(Problem(field_name, "media_unreadable", {"missing": missing}))
            continue
        error = file_problem(field, item)
        if error is not None:
            problems.append(Problem(field_name, error.code, error.params))
    if isinstance(field, FileListField) and not problems:
        error = list_problem(field, items)
        if error is not None:
            problems.append(Problem(field_name, error.code, error.params))
    return problems


def check_measured_input(entry: ModelEntry, values: Mapping[str, Any], media: Media) -> list[Problem]:
    """The whole input with its measured files: every field's limits and the rules across fields
    (total seconds, ranges that depend on other options, an image and its mask of the same size)."""
    problems: list[Problem] = []
    for name, facts in media.items():
        if name in entry.schema.properties:
            problems += check_measured(entry, name, facts)
    if problems:
        return problems
    return validate_input(entry, values, media)


def measured_seconds(media: Media) -> dict[str, float]:
    """Seconds per file field (a list's items added up): what a per-second price is computed from."""
    out: dict[str, float] = {}
    for name, facts in media.items():
        seconds = [f.seconds for f in facts]
        if seconds and all(s is not None for s in seconds):
            out[name] = float(sum(s for s in seconds if s is not None))
    return out


def needed_facts(entry: ModelEntry, field_name: str) -> tuple[str, ...]:
    """The facts about this field's files that its limits, the rules or the price depend on."""
    field = entry.schema.properties[field_name]
    assert isinstance(field, FileField | FileListField)
    needs: list[str] = []
    pricing = entry.pricing
    timed_rules = any(
        (isinstance(r, SumMax) and r.measure == "seconds" and field_name in r.fields)
        or (isinstance(r, RangeWhen) and r.of == "seconds" and r.field == field_name)
        for r in entry.schema.rules
    )
    priced_by_seconds = pricing.unit == "second" and (
        pricing.unit_field == field_name or field_name in pricing.plus_media_seconds_of
    )
    if field.min_seconds is not None or field.max_seconds is not None or timed_rules or priced_by_seconds:
        needs.append("seconds")
    sized_rules = any(isinstance(r, RequireSameSize) and field_name in r.fields for r in entry.schema.rules)
    if sized_rules or any(
        limit is not None
        for limit in (
            field.min_side_px,
            field.max_side_px,
            field.max_megapixels,
            field.min_aspect,
            field.max_aspect,
        )
    ):
        needs.append("pixels")
    if field.formats:
        needs.append("mime_type")
    return tuple(needs)


def _missing(facts: MediaFacts, needs: Sequence[str]) -> list[str]:
    missing = []
    if "seconds" in needs and not facts.seconds:
        missing.append("seconds")
    if "pixels" in needs and not (facts.width and facts.height):
        missing.append("pixels")
    if "mime_type" in needs and not facts.mime_type:
        missing.append("mime_type")
    return missing
