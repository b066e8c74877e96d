"""User values against a model's schema: one value at a time (wizard steps), a whole input (confirm),
which fields to ask, and the exact body that goes to Kie.

Errors carry a short machine code and params; user texts are made elsewhere from the code.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from flows.catalog import limits
from flows.catalog.conditions import (
    condition_holds,
    field_default,
    is_set,
    resolved_values,
    same_value,
)
from flows.catalog.hosts import ascii_host, host_problem
from flows.catalog.problems import InputError, Problem
from flows.catalog.types import (
    AtLeastOne,
    BooleanField,
    DeriveFromCount,
    EnumField,
    Exclusive,
    Field,
    FileField,
    FileListField,
    ForbidCombination,
    HideWhen,
    IntegerField,
    ModelEntry,
    NumberField,
    RequireWhen,
    TextField,
    UrlField,
)

_TRUE = {"true", "yes", "y", "on", "1", "да", "д", "вкл", "включить", "+"}
_FALSE = {"false", "no", "n", "off", "0", "нет", "н", "выкл", "выключить", "-"}


# --- one value ----------------------------------------------------------------------------------------


def validate_value(field: Field, raw: Any) -> Any:
    """The typed value Kie expects for `raw` (a user's text or an already typed value), or InputError."""
    if isinstance(field, TextField):
        return _text(field, raw)
    if isinstance(field, IntegerField):
        return _integer(field, raw)
    if isinstance(field, NumberField):
        return _number(field, raw)
    if isinstance(field, BooleanField):
        return _boolean(raw)
    if isinstance(field, EnumField):
        return _enum(field, raw)
    if isinstance(field, UrlField):
        return check_url(raw, max_length=field.max_length)
    if isinstance(field, FileField):
        return check_url(raw)
    if isinstance(field, FileListField):
        return _file_list(field, raw)
    raise TypeError(f"unknown field type {type(field).__name__}")


def _text(field: TextField, raw: Any) -> str:
    if not isinstance(raw, str):
        raise InputError("not_text")
    value = raw.strip()
    if not value:
        raise InputError("empty")
    if field.min_length is not None and len(value) < field.min_length:
        raise InputError("too_short", min=field.min_length, length=len(value))
    if field.max_length is not None and len(value) > field.max_length:
        raise InputError("too_long", max=field.max_length, length=len(value))
    return value


def _parse_number(raw: Any) -> float | int:
    if isinstance(raw, bool):
        raise InputError("not_a_number")
    if isinstance(raw, int | float):
        if isinstance(raw, float) and not math.isfinite(raw):
            raise InputError("not_a_number")
        return raw
    if not isinstance(raw, str):
        raise InputError("not_a_number")
    text = re.sub(r"[\s\u00a0\u202f]", "", raw).replace(",", ".")
    if not text:
        raise InputError("empty")
    if not re.fullmatch(r"[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)", text):
        raise InputError("not_a_number")
    return float(text) if "." in text else int(text)


def _check_range(value: float, minimum: float | None, maximum: float | None) -> None:
    if (minimum is not None and value < minimum) or (maximum is not None and value > maximum):
        raise InputError("out_of_range", min=minimum, max=maximum)


def _integer(field: IntegerField, raw: Any) -> int:
    number = _parse_number(raw)
    if isinstance(number, float):
        if not number.is_integer():
            raise InputError("not_an_integer")
        number = int(number)
    _check_range(number, field.minimum, field.maximum)
    if field.step and (number - (field.minimum or 0)) % field.step:
        raise InputError("bad_step", step=field.step, min=field.minimum)
    return number


def _number(field: NumberField, raw: Any) -> float:
    number = float(_parse_number(raw))
    _check_range(number, field.minimum, field.maximum)
    if field.step:
        offset = (number - (field.minimum or 0.0)) / field.step
        if abs(offset - round(offset)) > 1e-9:
            raise InputError("bad_step", step=field.step, min=field.minimum)
    return number


def _boolean(raw: Any) -> bool:
    if isinstance(raw, bool):
        return raw
    if isinstance(raw, str):
        word = raw.strip().casefold()
        if word in _TRUE:
            return True
        if word in _FALSE:
            return False
    raise InputError("not_a_boolean")


def _enum(field: EnumField, raw: Any) -> str | int | float:
    for option in field.values:
        if same_value(option, raw):
            return option
    if isinstance(raw, bool):
        raise InputError("not_in_enum", values=list(field.values))
    wanted = str(raw).strip().casefold()
    for option in field.values:
        if str(option).casefold() == wanted:
            return option
    # "5,0" or "5.0" for a numeric option 5
    try:
        number = _parse_number(raw)
    except InputError:
        number = None
    if number is not None:
        for option in field.values:
            if not isinstance(option, str) and option == number:
                return option
    raise InputError("not_in_enum", values=list(field.values))


def check_url(raw: Any, *, max_length: int = 2048) -> str:
    """An http(s) link to a public host; private, loopback and link-local targets are refused."""
    if not isinstance(raw, str):
        raise InputError("bad_url")
    url = raw.strip()
    if not url:
        raise InputError("empty")
    if len(url) > max_length:
        raise InputError("too_long", max=max_length, length=len(url))
    try:
        parts = urlsplit(url)
        host = parts.hostname
        parts.port  # noqa: B018 - raises ValueError on a bad port
    except ValueError:
        raise InputError("bad_url") from None
    if parts.scheme.lower() not in ("http", "https") or not host:
        raise InputError("bad_url")
    if parts.username or parts.password:
        raise InputError("bad_url")
    problem = host_problem(host)
    if problem == "private_url":
        raise InputError("private_url", host=host)
    if problem is not None:
        raise InputError(problem)
    normal = ascii_host(host)
    if normal != host and not host.isascii():
        # Kie gets the host as DNS spells it (full-width letters, Cyrillic names → ASCII/punycode).
        url = urlunsplit(parts._replace(netloc=parts.netloc.replace(_netloc_host(parts.netloc), normal, 1)))
    return url


def _netloc_host(netloc: str) -> str:
    """The host as written in the netloc (urlsplit's `hostname` is lower-cased, this is not)."""
    host = netloc.rpartition("@")[2]
    if host.startswith("["):
        return host[: host.index("]") + 1]
    return host.rsplit(":", 1)[0] if host.count(":") == 1 else host


def _file_list(field: FileListField, raw: Any) -> list[str]:
    if isinstance(raw, str):
        raw = [raw]
    if not isinstance(raw, list | tuple):
        raise InputError("not_a_list")
    urls = [check_url(item) for item in raw]
    if field.max_items is not None and len(urls) > field.max_items:
        raise InputError("too_many_files", max=field.max_items, count=len(urls))
    if len(urls) < field.min_items:
        raise InputError("too_few_files", min=field.min_items, count=len(urls))
    return urls


# --- a whole input --------------------------------------------------------------------------------------


def hidden_fields(entry: ModelEntry, values: Mapping[str, Any]) -> set[str]:
    resolved = resolved_values(entry, values)
    return {
        rule.field
        for rule in entry.schema.rules
        if isinstance(rule, HideWhen) and condition_holds(rule.when, resolved)
    }


def required_fields(entry: ModelEntry, values: Mapping[str, Any]) -> set[str]:
    """Statically required plus RequireWhen fields whose condition holds, minus hidden ones."""
    resolved = resolved_values(entry, values)
    required = set(entry.schema.required)
    for rule in entry.schema.rules:
        if isinstance(rule, RequireWhen) and condition_holds(rule.when, resolved):
            required.add(rule.field)
    return required - hidden_fields(entry, values)


def effective_fields(entry: ModelEntry, values: Mapping[str, Any]) -> list[str]:
    """Fields to ask step by step, in order: required first, then optional non-advanced ones."""
    hidden = hidden_fields(entry, values)
    required = required_fields(entry, values)
    props = entry.schema.properties
    first = [name for name in props if name in required]
    rest = [
        name for name, f in props.items() if name not in required and name not in hidden and not f.advanced
    ]
    return first + rest


def advanced_fields(entry: ModelEntry, values: Mapping[str, Any]) -> list[str]:
    """The confirm step's "optional settings": advanced fields that are not hidden now."""
    hidden = hidden_fields(entry, values)
    required = required_fields(entry, values)
    return [
        name
        for name, f in entry.schema.properties.items()
        if f.advanced and name not in hidden and name not in required
    ]


def validate_input(
    entry: ModelEntry, values: Mapping[str, Any], media: limits.Media | None = None
) -> list[Problem]:
    """Everything wrong with a complete input; an empty list means it can be sent.

    `media` (file field → facts of each of its files, as Telegram reported them or as measured) lets
    the documented file limits and the rules on media length and pixel size be checked too.
    """
    props = entry.schema.properties
    problems: list[Problem] = []
    hidden = hidden_fields(entry, values)
    for name, value in values.items():
        field = props.get(name)
        if field is None:
            problems.append(Problem(name, "unknown_field"))
            continue
        if name in hidden or not is_set(value):
            continue
        try:
            typed = validate_value(field, value)
        except InputError as error:
            problems.append(Problem(name, error.code, error.params))
            continue
        if isinstance(field, FileListField | TextField):
            continue  # lists come back as lists, texts trimmed: same meaning
        if not same_value(typed, value):
            problems.append(Problem(name, "wrong_type", {"expected": type(typed).__name__}))
    resolved = resolved_values(entry, values)
    for name in props:
        if name in required_fields(entry, values) and not is_set(resolved.get(name)):
            problems.append(Problem(name, "required"))
    for rule in entry.schema.rules:
        if isinstance(rule, AtLeastOne):
            if not any(is_set(resolved.get(name)) for name in rule.fields if name not in hidden):
                problems.append(Problem(None, "need_one_of", {"fields": list(rule.fields)}))
        elif isinstance(rule, Exclusive):
            used = [list(group) for group in rule.groups if any(is_set(values.get(n)) for n in group)]
            if len(used) > 1:
                problems.append(Problem(None, "exclusive", {"groups": used}))
        elif isinstance(rule, ForbidCombination):
            if condition_holds(rule.when, resolved):
                problems.append(
                    Problem(None, "forbidden_combination", {"message": rule.message, "when": dict(rule.when)})
                )
    problems += _media_problems(entry, values, hidden, media or {})
    sent = {name: value for name, value in resolved.items() if name not in hidden}
    return problems + limits.rule_problems(entry, values, sent, media)


def _media_problems(
    entry: ModelEntry, values: Mapping[str, Any], hidden: set[str], media: limits.Media
) -> list[Problem]:
    problems = []
    for name, facts in media.items():
        field = entry.schema.properties.get(name)
        if not isinstance(field, FileField | FileListField) or name in hidden or not is_set(values.get(name)):
            continue
        errors = [limits.file_problem(field, item) for item in facts]
        if isinstance(field, FileListField):
            errors.append(limits.list_problem(field, facts))
        error = next((e for e in errors if e is not None), None)
        if error is not None:
            problems.append(Problem(name, error.code, error.params))
    return problems


def build_request_input(entry: ModelEntry, values: Mapping[str, Any]) -> dict[str, Any]:
    """The model input Kie receives: user values, defaults that must be sent, derived and fixed values.

    Hidden fields are dropped. Values are expected to be validated already (Kie's exact types).
    """
    hidden = hidden_fields(entry, values)
    required = required_fields(entry, values)
    body: dict[str, Any] = {}
    for name, field in entry.schema.properties.items():
        if name in hidden:
            continue
        value = values.get(name)
        if is_set(value):
            body[name] = list(value) if isinstance(value, tuple) else value
        elif field_default(field) is not None and (field.send_default or name in required):
            body[name] = field_default(field)
    for rule in entry.schema.rules:
        if isinstance(rule, DeriveFromCount):
            count = str(len(values.get(rule.count_of) or ()))
            if count in rule.mapping:
                body[rule.field] = rule.mapping[count]
    body.update(entry.fixed)
    return body


def fields_named(entry: ModelEntry, names: Iterable[str]) -> list[tuple[str, Field]]:
    props = entry.schema.properties
    return [(name, props[name]) for name in names if name in props]
