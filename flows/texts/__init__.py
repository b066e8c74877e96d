"""User-facing texts in data files (ru first, en second), looked up by key."""

from __future__ import annotations

import json
from functools import cache
from importlib import resources

LANGUAGES = ("ru", "en")


@cache
def _table(lang: str) -> dict[str, str]:
    return json.loads(resources.files(__name__).joinpath(f"{lang}.json").read_text(encoding="utf-8"))


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
