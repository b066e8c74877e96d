"""User-facing texts in data files (ru first, en second), looked up by key."""

from __future__ import annotations

import json
from functools import cache
from importlib import resources

LANGUAGES = ("ru", "en")


@cache
def _table(lang: str) -> dict[str, str]:
    """All texts of a language: `<lang>.json` plus topic files `<lang>.<topic>.json` (jobs, money…)."""
    table: dict[str, str] = {}
    for item in sorted(resources.files(__name__).iterdir(), key=lambda i: i.name):
        if item.name == f"{lang}.json" or (item.name.startswith(f"{lang}.") and item.name.endswith(".json")):
            for key, value in json.loads(item.read_text(encoding="utf-8")).items():
                if key in table:
                    raise ValueError(f"text key {key!r} is defined twice for {lang!r} ({item.name})")
                table[key] = value
    return table


class _Params(dict):
    # A placeholder the caller did not fill shows as nothing rather than crashing a user's screen.
    def __missing__(self, key: str) -> str:
        return ""


def t(lang: str, key: str, **params: object) -> str:
    """The text for `key` in `lang` (ru when the language is unknown), with {placeholders} filled."""
    table = _table(lang if lang in LANGUAGES else "ru")
    template = table[key]
    return template.format_map(_Params(params)) if "{" in template else template


def keys(lang: str) -> set[str]:
    return set(_table(lang))
