"""User-facing texts in data files (ru first, en second), looked up by key."""

from __future__ import annotations

import json
from functools import cache
from importlib import resources

LANGUAGES = ("ru", "en")


@cache
def _table(lang: str) -> dict[str, str]:
    return json.loads(resources.files(__name__).joinpath(f"{lang}.json").read_text(encoding="utf-8"))


def t(lang: str, key: str, **params: object) -> str:
    """The text for `key` in `lang` (ru when the language is unknown), with {placeholders} filled."""
    table = _table(lang if lang in LANGUAGES else "ru")
    template = table[key]
    return template.format(**params) if params else template


def keys(lang: str) -> set[str]:
    return set(_table(lang))
