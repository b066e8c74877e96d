"""Whether the collected input can run, and its exact price (the chart's `input_valid` guard).

Problems stay language-free here; flows/wizard/problems.py puts them into words.
"""

from __future__ import annotations

from typing import Any

import msgspec

from flows.catalog.pricing import MediaDurationNeeded, NoPrice, PricingError, credits_for, price_kopecks
from flows.catalog.types import FileField, FileListField, ModelEntry
from flows.catalog.validate import Problem, validate_input
from flows.files import telegram_file_id
from flows.states import WizardSnapshot
from flows.wizard.inputs import media_facts

# Stands in for a Telegram file in validation: the real URL exists only after the upload to Kie.
_PENDING_UPLOAD = "https://telegram-upload.invalid/"


class Review(msgspec.Struct, frozen=True):
    price_kopecks: int | None
    problems: list[Problem]

    @property
    def ready(self) -> bool:
        return self.price_kopecks is not None and not self.problems


def duration_fields(entry: ModelEntry) -> list[str]:
    """File fields whose media length sets the price: they must come as files, whose length is known."""
    pricing = entry.pricing
    props = entry.schema.properties
    names = [pricing.unit_field] if pricing.unit_field else []
    names += list(pricing.plus_media_seconds_of)
    return [n for n in names if n in props and isinstance(props[n], FileField | FileListField)]


def values_for_validation(snap: WizardSnapshot) -> dict[str, Any]:
    def stand_in(value: Any) -> Any:
        file_id = telegram_file_id(value)
        if file_id is not None:
            return _PENDING_UPLOAD + file_id
        if isinstance(value, list):
            return [stand_in(v) for v in value]
        return value

    return {name: stand_in(value) for name, value in snap.values.items()}


def media_seconds(snap: WizardSnapshot) -> dict[str, float]:
    seconds: dict[str, float] = {}
    for name, value in snap.values.items():
        items = value if isinstance(value, list) else [value]
        durations = [
            snap.files[fid].duration for v in items if (fid := telegram_file_id(v)) and fid in snap.files
        ]
        if durations and all(d is not None for d in durations):
            seconds[name] = float(sum(durations))
    return seconds


def review(entry: ModelEntry, snap: WizardSnapshot, policy: Any) -> Review:
    values = values_for_validation(snap)
    # Telegram's facts about the files let the review check totals and rules on media length.
    problems = validate_input(entry, values, media_facts(snap))
    price = None
    if not problems:
        try:
            price = price_kopecks(entry, values, policy, media_seconds(snap))
        except MediaDurationNeeded:
            problems.append(Problem(None, "need_duration", {"fields": duration_fields(entry)}))
        except NoPrice:
            problems.append(Problem(None, "no_price", {"fields": list(entry.pricing.by)}))
    return Review(price, problems)


def kie_credits(entry: ModelEntry, snap: WizardSnapshot) -> float | None:
    """What Kie bills for this input (credits, the price row × units): the margin report's Kie cost."""
    try:
        return round(float(credits_for(entry, values_for_validation(snap), media_seconds(snap))), 6)
    except PricingError:
        return None
