"""What a model's wizard treats as the description and whether it takes a photo — read off field kinds,
for the card's hints (flows/wizard/screens/card.py) and photo-first input (flows/wizard/photo_first.py)."""

from __future__ import annotations

from typing import Any

from flows.catalog.types import FileField, FileListField, ModelEntry, TextField
from flows.catalog.validate import hidden_fields
from flows.wizard import chart

DESCRIPTION = "prompt"


def description_field(entry: ModelEntry, values: dict[str, Any]) -> str | None:
    """The field a caption or a text on the card fills: `prompt` when the wizard asks it, else the
    first text field it asks (ElevenLabs' `text`)."""
    hidden = hidden_fields(entry, values)
    asked = [n for n in chart.ask_order(entry) if n not in hidden]
    props = entry.schema.properties
    if DESCRIPTION in asked and isinstance(props[DESCRIPTION], TextField):
        return DESCRIPTION
    return next((n for n in asked if isinstance(props[n], TextField)), None)


def takes_photo(entry: ModelEntry) -> bool:
    """Whether a photo sent on the card has somewhere to go."""
    props = entry.schema.properties
    return any(
        isinstance(props[name], FileField | FileListField) and "image" in props[name].accept  # type: ignore[union-attr]
        for name in chart.ask_order(entry)
    )
