"""Invariants of one catalog entry that types cannot say: every reference names a real field, every
reachable option combination has a price, defaults and examples are valid, and the documented limits
are consistent (a file never allowed above what the Bot API lets a bot download, every file list
bounded). The loader stops at the first problem; tools list them all.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator

from flows.catalog.pricing import (
    MediaDurationNeeded,
    NoPrice,
    credits_for,
    find_row,
    price_domain,
    reachable_combinations,
)
from flows.catalog.types import (
    DEFAULT_MAX_BYTES,
    EMPTY,
    MB,
    NONEMPTY,
    AtLeastOne,
    BooleanField,
    Condition,
    DeriveFromCount,
    EnumField,
    Exclusive,
    FileField,
    FileListField,
    ForbidCombination,
    HideWhen,
    IntegerField,
    ModelEntry,
    NumberField,
    RangeWhen,
    RequireSameSize,
    RequireWhen,
    SumMax,
    TextField,
)
from flows.catalog.validate import InputError, same_value, validate_input, validate_value


def check_entry(entry: ModelEntry) -> Iterator[tuple[str, str]]:
    """Yield (field path, message) for every invariant the entry breaks; the loader stops at the first."""
    yield from _check_identity(entry)
    yield from _check_schema(entry)
    yield from _check_rules(entry)
    yield from _check_pricing(entry)
    yield from _check_examples(entry)


def _check_identity(entry: ModelEntry) -> Iterator[tuple[str, str]]:
    expected = re.sub(r"[/.]", "-", entry.id)
    if entry.slug != expected:
        yield "slug", f"must be {expected!r} (the id with '/' and '.' turned into '-')"
    if entry.enabled and entry.disabled_reason:
        yield "disabled_reason", "set on an enabled model"
    if not entry.enabled and not entry.disabled_reason:
        yield "disabled_reason", "a disabled model needs a reason"
    if entry.free and not entry.enabled:
        yield "free", "a free model must be enabled"
    if entry.free and (entry.pricing.unit != "request" or entry.pricing.by):
        yield "free", "a free model must have one fixed per-request price (the quota counts runs)"
    if entry.enabled and not entry.examples:
        yield "examples", "an enabled model needs at least one example"


def _check_schema(entry: ModelEntry) -> Iterator[tuple[str, str]]:
    props = entry.schema.properties
    for name in entry.schema.required:
        if name not in props:
            yield "schema.required", f"{name!r} is not in properties"
        elif props[name].advanced:
            yield f"schema.properties.{name}.advanced", "a required field cannot be advanced"
    for name, field in props.items():
        path = f"schema.properties.{name}"
        if name in entry.fixed:
            yield f"fixed.{name}", "a fixed value cannot also be a user field"
        if isinstance(field, EnumField):
            for i, a in enumerate(field.values):
                if any(same_value(a, b) for b in field.values[i + 1 :]):
                    yield f"{path}.values", f"duplicate option {a!r}"
        if isinstance(field, IntegerField | NumberField):
            if field.minimum is not None and field.maximum is not None and field.minimum > field.maximum:
                yield path, "minimum is above maximum"
        if isinstance(field, TextField):
            if (
                field.min_length is not None
                and field.max_length is not None
                and field.min_length > field.max_length
            ):
                yield path, "min_length is above max_length"
        if isinstance(field, FileField | FileListField):
            yield from _check_file_limits(path, field)
        default = getattr(field, "default", None)
        if default is not None:
            try:
                typed = validate_value(field, default)
            except InputError as error:
                yield f"{path}.default", f"default {default!r} is invalid ({error.code} {error.params})"
            else:
                if not same_value(typed, default) and not isinstance(field, TextField | NumberField):
                    yield f"{path}.default", f"default {default!r} must have Kie's exact type"


def _check_file_limits(path: str, field: FileField | FileListField) -> Iterator[tuple[str, str]]:
    if field.max_bytes > DEFAULT_MAX_BYTES:
        yield f"{path}.max_bytes", f"above the {DEFAULT_MAX_BYTES // MB} MB a bot can download from Telegram"
    for mime in field.formats:
        if mime.split("/", 1)[0] not in field.accept:
            yield f"{path}.formats", f"{mime} is not a kind this field accepts ({list(field.accept)})"
    pairs = (
        ("min_seconds", field.min_seconds, field.max_seconds),
        ("min_side_px", field.min_side_px, field.max_side_px),
        ("min_aspect", field.min_aspect, field.max_aspect),
    )
    for name, low, high in pairs:
        if low is not None and high is not None and low > high:
            yield f"{path}.{name}", "the lower limit is above the upper one"
    if isinstance(field, FileListField):
        if field.max_items is None:
            yield f"{path}.max_items", "a file list needs a maximum (Kie's documented one, or a sane one)"
        elif field.min_items > field.max_items:
            yield path, "min_items is above max_items"


def _check_condition(entry: ModelEntry, path: str, when: Condition) -> Iterator[tuple[str, str]]:
    props = entry.schema.properties
    for name, value in when.items():
        field = props.get(name)
        if field is None:
            if name not in entry.fixed:
                yield path, f"condition on unknown field {name!r}"
            continue
        if value in (EMPTY, NONEMPTY):
            continue
        try:
            typed = validate_value(field, value)
        except InputError:
            yield path, f"{name}={value!r} is not a value of that field"
            continue
        if not same_value(typed, value):
            yield path, f"{name}={value!r} must have Kie's exact type ({typed!r})"


def _check_rules(entry: ModelEntry) -> Iterator[tuple[str, str]]:
    props = entry.schema.properties
    for i, rule in enumerate(entry.schema.rules):
        path = f"schema.rules[{i}]"
        if isinstance(rule, RequireWhen | HideWhen):
            if rule.field not in props:
                yield path, f"unknown field {rule.field!r}"
            yield from _check_condition(entry, path, rule.when)
        elif isinstance(rule, DeriveFromCount):
            if rule.field in props or rule.field in entry.fixed:
                yield path, f"derived field {rule.field!r} cannot also be a user or fixed field"
            target = props.get(rule.count_of)
            if not isinstance(target, FileListField):
                yield path, f"count_of {rule.count_of!r} must be a file_list field"
            elif target.max_items is not None:
                for count in range(target.min_items, target.max_items + 1):
                    if str(count) not in rule.mapping:
                        yield path, f"no value for {count} item(s) of {rule.count_of!r}"
        elif isinstance(rule, Exclusive | AtLeastOne):
            names = [n for g in rule.groups for n in g] if isinstance(rule, Exclusive) else list(rule.fields)
            for name in names:
                if name not in props:
                    yield path, f"unknown field {name!r}"
        elif isinstance(rule, ForbidCombination):
            yield from _check_condition(entry, path, rule.when)
            pricing = entry.pricing
            if {pricing.unit_field, pricing.count_field} & set(rule.when):
                yield path, "a forbidden combination cannot involve the unit or count field"
        elif isinstance(rule, RequireSameSize):
            for name in rule.fields:
                field = props.get(name)
                if not isinstance(field, FileField | FileListField) or "image" not in field.accept:
                    yield path, f"{name!r} must be an image file field"
        elif isinstance(rule, SumMax):
            yield from _check_sum_max(entry, path, rule)
        elif isinstance(rule, RangeWhen):
            yield from _check_range_when(entry, path, rule)


def _check_sum_max(entry: ModelEntry, path: str, rule: SumMax) -> Iterator[tuple[str, str]]:
    props = entry.schema.properties
    for name in rule.fields:
        field = props.get(name)
        if field is None:
            yield path, f"unknown field {name!r}"
        elif rule.measure == "count" and not isinstance(field, FileField | FileListField):
            yield path, f"{name!r}: only files are counted"
        elif rule.measure == "seconds" and not _timed(field):
            yield path, f"{name!r} has no length in seconds"
    for name in rule.weights:
        if name not in rule.fields:
            yield path, f"weight for {name!r}, which the rule does not add up"


def _check_range_when(entry: ModelEntry, path: str, rule: RangeWhen) -> Iterator[tuple[str, str]]:
    field = entry.schema.properties.get(rule.field)
    yield from _check_condition(entry, path, rule.when)
    if rule.minimum is None and rule.maximum is None:
        yield path, "a range needs a minimum or a maximum"
    elif rule.minimum is not None and rule.maximum is not None and rule.minimum > rule.maximum:
        yield path, "minimum is above maximum"
    fits = {
        "value": (IntegerField, NumberField, EnumField),
        "count": (FileListField,),
        "length": (TextField,),
        "seconds": (FileField, FileListField),
    }[rule.of]
    if field is None:
        yield path, f"unknown field {rule.field!r}"
    elif not isinstance(field, fits) or (rule.of == "seconds" and not _timed(field)):
        yield path, f"{rule.field!r} has no {rule.of} to bound"


def _timed(field: object) -> bool:
    """A field with a length in seconds: video/audio files, or a number of seconds."""
    if isinstance(field, FileField | FileListField):
        return bool({"video", "audio"} & set(field.accept))
    return isinstance(field, IntegerField | NumberField | EnumField)


def _check_pricing(entry: ModelEntry) -> Iterator[tuple[str, str]]:
    pricing = entry.pricing
    props = entry.schema.properties
    required = set(entry.schema.required)
    for name in pricing.by:
        field = props.get(name)
        if field is None:
            yield "pricing.by", f"{name!r} is not in properties"
            return
        if not isinstance(field, EnumField | BooleanField | FileField | FileListField):
            yield "pricing.by", f"{name!r} must be an enum, boolean or file field"
            return
        if isinstance(field, EnumField | BooleanField) and name not in required:
            if field.default is None:
                yield f"schema.properties.{name}.default", "a price option needs a default"
            elif not field.send_default:
                yield f"schema.properties.{name}.send_default", "a price option's default must be sent"
    for i, row in enumerate(pricing.table):
        if set(row.when) != set(pricing.by):
            yield f"pricing.table[{i}].when", f"keys must be exactly {list(pricing.by)}"
            return
        if entry.enabled and row.credits <= 0:
            yield f"pricing.table[{i}].credits", "an enabled model needs a positive price"
        for name, value in row.when.items():
            if not any(same_value(value, option) for option in price_domain(props[name])):
                yield f"pricing.table[{i}].when", f"{name}={value!r} is not a value of that field"
        for j in range(i):
            if all(same_value(pricing.table[j].when[k], v) for k, v in row.when.items()):
                yield f"pricing.table[{i}]", f"duplicates row {j}"
    for combo in reachable_combinations(entry):
        try:
            find_row(entry, combo)
        except NoPrice:
            shown = ", ".join(f"{k}={json.dumps(v)}" for k, v in combo.items())
            yield "pricing.table", f"no price for {shown}"
    yield from _check_units(entry)


def _check_units(entry: ModelEntry) -> Iterator[tuple[str, str]]:
    pricing = entry.pricing
    props = entry.schema.properties
    name = pricing.unit_field
    if pricing.unit == "request":
        if name or pricing.plus_media_seconds_of:
            yield "pricing.unit_field", "a per-request price takes no unit field"
    elif name is None:
        if pricing.default_units is None:
            yield "pricing.default_units", f"a per-{pricing.unit} price needs a unit_field or default_units"
    elif name not in props:
        yield "pricing.unit_field", f"{name!r} is not in properties"
    else:
        field = props[name]
        kinds: dict[str, tuple[type, ...]] = {
            "second": (EnumField, IntegerField, NumberField, FileField, FileListField),
            "1000_chars": (TextField,),
            "megapixel": (EnumField,),
            "image": (EnumField, IntegerField, NumberField),
        }
        if not isinstance(field, kinds[pricing.unit]):
            yield "pricing.unit_field", f"{name!r} cannot measure a per-{pricing.unit} price"
        elif isinstance(field, EnumField) and pricing.unit != "megapixel":
            for option in field.values:
                try:
                    float(option)
                except ValueError:
                    yield "pricing.unit_field", f"option {option!r} of {name!r} is not a number"
        if pricing.unit == "megapixel":
            table = pricing.unit_table or {}
            missing = [v for v in getattr(field, "values", ()) if str(v) not in table]
            if missing:
                yield "pricing.unit_table", f"no megapixels for {missing}"
        optional = name not in entry.schema.required
        if optional and getattr(field, "default", None) is None and pricing.default_units is None:
            if not isinstance(field, FileField | FileListField):
                yield "pricing.default_units", f"{name!r} is optional without a default: units unknown"
        if optional and getattr(field, "default", None) is not None and not field.send_default:
            yield f"schema.properties.{name}.send_default", "the unit field's default must be sent"
    for extra in (*pricing.plus_media_seconds_of, pricing.count_field):
        if extra is not None and extra not in props:
            yield "pricing", f"{extra!r} is not in properties"
    if pricing.refund_unreturned and (pricing.unit != "image" or name is None):
        yield "pricing.refund_unreturned", "needs a per-image price whose unit field bounds the outputs"


def _check_examples(entry: ModelEntry) -> Iterator[tuple[str, str]]:
    for i, example in enumerate(entry.examples):
        for problem in validate_input(entry, example):
            where = f"examples[{i}].{problem.field}" if problem.field else f"examples[{i}]"
            yield where, f"{problem.code} {problem.params or ''}".strip()
        if not entry.enabled:
            continue
        media = {
            name: 10.0
            for name, f in entry.schema.properties.items()
            if isinstance(f, FileField | FileListField)
        }
        try:
            credits_for(entry, example, media)
        except (NoPrice, MediaDurationNeeded) as error:
            yield f"examples[{i}]", f"cannot be priced: {error}"
