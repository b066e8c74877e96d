"""Conditions over a model's values: what a value is, which value a field has now, and whether a rule's
condition holds. Shared by validation, limits and pricing (no imports of theirs)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flows.catalog.types import EMPTY, NONEMPTY, Condition, Field, ModelEntry


def same_value(a: Any, b: Any) -> bool:
    """Equality that keeps Kie's types apart: True is not 1 and "5" is not 5."""
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool) and a == b
    if isinstance(a, str) or isinstance(b, str):
        return isinstance(a, str) and isinstance(b, str) and a == b
    return a == b


def is_set(value: Any) -> bool:
    return value is not None and value != "" and not (isinstance(value, list | tuple | dict) and not value)


def field_default(field: Field) -> Any:
    return getattr(field, "default", None)


def resolved_values(entry: ModelEntry, values: Mapping[str, Any]) -> dict[str, Any]:
    """User values, else field defaults, plus fixed values: what conditions and prices look at."""
    out: dict[str, Any] = {}
    for name, field in entry.schema.properties.items():
        if is_set(values.get(name)):
            out[name] = values[name]
        elif field_default(field) is not None:
            out[name] = field_default(field)
    for name, value in entry.fixed.items():
        out.setdefault(name, value)
    return out


def condition_holds(when: Condition, resolved: Mapping[str, Any]) -> bool:
    for name, expected in when.items():
        actual = resolved.get(name)
        if expected in (NONEMPTY, EMPTY):
            # `actual` may itself be a marker when price combinations are enumerated
            present = actual == NONEMPTY or (actual != EMPTY and is_set(actual))
            if present != (expected == NONEMPTY):
                return False
        elif not same_value(actual, expected):
            return False
    return True
