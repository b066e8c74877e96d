"""Documented situations as catalog inputs, for the lint's behavioural checks: a doc `when` (a scalar
equals, a list is any of, null is "not sent", "*" is "sent", {"count": n} a list of n items) turned into
the values a user could enter, starting from the model's example — or Impossible when the catalog
cannot produce that situation (a field it never offers or always sends).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Mapping
from typing import Any

from flows.catalog.conditions import field_default, is_set, same_value
from flows.catalog.types import (
    BooleanField,
    DeriveFromCount,
    EnumField,
    Field,
    FileField,
    FileListField,
    IntegerField,
    ModelEntry,
    NumberField,
    TextField,
    UrlField,
)
from flows.catalog.validate import validate_input

ABSENT = object()
PRESENT = object()
SAMPLE_URL = "https://example.com/sample.jpg"


class Impossible(Exception):
    """This documented situation cannot arise with what the catalog offers."""


def base_values(entry: ModelEntry) -> dict[str, Any]:
    return dict(entry.examples[0]) if entry.examples else {}


def sample(field: Field) -> Any:
    if isinstance(field, FileListField):
        return [SAMPLE_URL] * max(1, field.min_items)
    if isinstance(field, FileField | UrlField):
        return SAMPLE_URL
    if isinstance(field, TextField):
        return "sample " * max(1, (field.min_length or 1) // 7 + 1)
    if isinstance(field, EnumField):
        return field.values[0]
    if isinstance(field, BooleanField):
        return True
    if isinstance(field, IntegerField | NumberField):
        return field.minimum if field.minimum is not None else 1
    raise TypeError(type(field).__name__)


def sent_anyway(entry: ModelEntry, name: str) -> bool:
    field = entry.schema.properties[name]
    return field_default(field) is not None and (field.send_default or name in entry.schema.required)


def derived(entry: ModelEntry, name: str) -> DeriveFromCount | None:
    return next((r for r in entry.schema.rules if isinstance(r, DeriveFromCount) and r.field == name), None)


def apply(entry: ModelEntry, values: dict[str, Any], name: str, wanted: Any) -> None:
    """Make field `name` be `wanted` (a value, ABSENT, PRESENT or ("count", n)); Impossible if the
    catalog cannot produce it."""
    props = entry.schema.properties
    field = props.get(name)
    if field is None:
        _apply_unoffered(entry, values, name, wanted)
    elif wanted is ABSENT:
        if sent_anyway(entry, name):
            raise Impossible
        values.pop(name, None)
    elif wanted is PRESENT:
        if not is_set(values.get(name)):
            values[name] = sample(field)
    elif isinstance(wanted, tuple):
        if not isinstance(field, FileListField):
            raise Impossible
        values[name] = [SAMPLE_URL] * wanted[1]
    else:
        if isinstance(field, EnumField) and not any(same_value(v, wanted) for v in field.values):
            raise Impossible  # not an option: nobody can choose it
        values[name] = wanted


def _apply_unoffered(entry: ModelEntry, values: dict[str, Any], name: str, wanted: Any) -> None:
    if name in entry.fixed:
        present = is_set(entry.fixed[name])
        if wanted is ABSENT and present or wanted is PRESENT and not present:
            raise Impossible
        if wanted not in (ABSENT, PRESENT) and not same_value(entry.fixed[name], wanted):
            raise Impossible
        return
    rule = derived(entry, name)
    if rule is not None:
        counts = [int(n) for n, v in rule.mapping.items() if wanted is PRESENT or same_value(v, wanted)]
        if not counts:
            raise Impossible
        values[rule.count_of] = [SAMPLE_URL] * counts[0] if counts[0] else []
        return
    if wanted is not ABSENT:
        raise Impossible  # a field the catalog never sends is never present


def assignments(when: Mapping[str, Any]) -> Iterator[dict[str, Any]]:
    """Every concrete situation a doc `when` describes."""
    keys = list(when)
    options = []
    for key in keys:
        spec = when[key]
        items = spec if isinstance(spec, list) else [spec]
        options.append([_marker(item) for item in items])
    for combo in itertools.product(*options):
        yield dict(zip(keys, combo, strict=True))


def _marker(item: Any) -> Any:
    if item is None:
        return ABSENT
    if item == "*":
        return PRESENT
    if isinstance(item, dict) and "count" in item:
        return ("count", item["count"])
    return item


def situation(entry: ModelEntry, assignment: Mapping[str, Any]) -> dict[str, Any]:
    values = base_values(entry)
    for name, wanted in assignment.items():
        apply(entry, values, name, wanted)
    return values


def refused(entry: ModelEntry, values: Mapping[str, Any]) -> bool:
    return bool(validate_input(entry, values))


def shown(assignment: Mapping[str, Any]) -> str:
    def one(value: Any) -> str:
        if value is ABSENT:
            return "not sent"
        if value is PRESENT:
            return "set"
        if isinstance(value, tuple):
            return f"{value[1]} item(s)"
        return repr(value)

    return ", ".join(f"{k}={one(v)}" for k, v in assignment.items())


def base_name(spec: str) -> str:
    return spec.split("[", 1)[0].split(".", 1)[0].split(" ", 1)[0].strip()


def rule_fields(rule: Mapping[str, Any]) -> list[str]:
    names = list(rule.get("fields", ()))
    for group in rule.get("groups", ()):
        names += group
    if "field" in rule:
        names.append(rule["field"])
    return [base_name(n) for n in names if isinstance(n, str)]


def offered(entry: ModelEntry, names: list[str]) -> list[str]:
    return [n for n in names if n in entry.schema.properties]
