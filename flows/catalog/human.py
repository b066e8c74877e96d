"""Human words for the catalog: model titles and descriptions, field labels and hints, enum labels.

Kept in data files (flows/catalog/data/texts/), ru and en, so the wizard code has no per-model words.
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Any

_TEXTS = resources.files("flows.catalog").joinpath("data", "texts")


@cache
def _load(name: str) -> dict[str, Any]:
    return json.loads(_TEXTS.joinpath(name).read_text(encoding="utf-8"))


def _pick(pair: dict[str, str] | None, lang: str, fallback: str) -> str:
    if not pair:
        return fallback
    return pair.get(lang) or pair.get("ru") or fallback


def model_title(model_id: str, lang: str) -> str:
    return _pick((_load("models.json").get(model_id) or {}).get("title"), lang, model_id)


def model_description(model_id: str, lang: str) -> str:
    return _pick((_load("models.json").get(model_id) or {}).get("description"), lang, "")


def model_example(model_id: str, lang: str) -> str:
    return _pick((_load("models.json").get(model_id) or {}).get("example"), lang, "")


def field_label(name: str, lang: str) -> str:
    return _pick((_load("fields.json").get(name) or {}).get("label"), lang, name)


def field_hint(name: str, lang: str) -> str:
    return _pick((_load("fields.json").get(name) or {}).get("hint"), lang, "")


def value_key(value: Any) -> str:
    """Enum values as the label files key them: whole numbers without a decimal point."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def enum_label(field: str, value: Any, lang: str) -> str:
    key = value_key(value)
    enums = _load("enums.json")
    by_field = (enums.get("by_field") or {}).get(field) or {}
    if key in by_field:
        return _pick(by_field[key], lang, key)
    return _pick((enums.get("by_value") or {}).get(key), lang, key)
