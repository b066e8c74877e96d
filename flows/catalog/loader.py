"""Load the catalog: decode every data file with one typed decoder, then check what types cannot say.

Any failure raises CatalogError naming the file, the model and the field, so a bad hand edit is found
at startup (and in CI), never by a user in the middle of a wizard.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import msgspec

from flows.catalog.pricing import (
    MediaDurationNeeded,
    NoPrice,
    credits_for,
    find_row,
    price_domain,
    reachable_combinations,
)
from flows.catalog.text import NO_TEXT, TextCatalog, load_text_models
from flows.catalog.types import (
    EMPTY,
    NONEMPTY,
    AtLeastOne,
    BooleanField,
    Condition,
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
    ModelType,
    NumberField,
    RequireWhen,
    TextField,
)
from flows.catalog.validate import InputError, same_value, validate_input, validate_value

DATA_DIR = Path(__file__).resolve().parent / "data"
DATA_FILES = ("images.json", "video.json", "audio.json", "utilities.json")
_REPO_ROOT = Path(__file__).resolve().parents[2]
_decoder = msgspec.json.Decoder(list[ModelEntry])


class CatalogError(Exception):
    """The catalog data is wrong; the message names file, model and field."""


class Catalog:
    """All entries, indexed. Immutable once loaded."""

    def __init__(self, entries: tuple[ModelEntry, ...], version: str, text: TextCatalog = NO_TEXT) -> None:
        self.entries = entries
        self.version = version
        self.text = text  # the chat models (💬 Тексты), apart from the task models
        self._by_id = {e.id: e for e in entries}
        self._by_slug = {e.slug: e for e in entries}
        # Menus ask for these on every screen: sort once (copies are handed out, so callers can't
        # disturb the order).
        ranked = sorted(entries, key=_rank_key)
        self._enabled = [e for e in ranked if e.enabled]
        self._free = [e for e in self._enabled if e.free]
        self._by_type: dict[tuple[str, bool], list[ModelEntry]] = {}
        for entry in ranked:
            self._by_type.setdefault((entry.type, True), []).append(entry)
            if entry.enabled:
                self._by_type.setdefault((entry.type, False), []).append(entry)

    def __len__(self) -> int:
        return len(self.entries)

    def __iter__(self) -> Iterator[ModelEntry]:
        return iter(self.entries)

    def __contains__(self, model_id: object) -> bool:
        return model_id in self._by_id

    def get(self, model_id: str) -> ModelEntry | None:
        return self._by_id.get(model_id)

    def by_slug(self, slug: str) -> ModelEntry | None:
        return self._by_slug.get(slug)

    def enabled(self) -> list[ModelEntry]:
        return list(self._enabled)

    def by_type(self, model_type: ModelType, *, include_disabled: bool = False) -> list[ModelEntry]:
        return list(self._by_type.get((model_type, include_disabled), ()))

    def free(self) -> list[ModelEntry]:
        return list(self._free)


def _rank_key(entry: ModelEntry) -> tuple[int, str]:
    return entry.rank, entry.id


def load_catalog(data_dir: Path | str | None = None) -> Catalog:
    directory = Path(data_dir) if data_dir is not None else DATA_DIR
    entries: list[ModelEntry] = []
    seen_ids: dict[str, str] = {}
    seen_slugs: dict[str, str] = {}
    for name in DATA_FILES:
        path = directory / name
        shown = _shown(path)
        try:
            data = path.read_bytes()
        except OSError as error:
            raise CatalogError(f"{shown}: cannot read ({error.strerror})") from None
        try:
            decoded = _decoder.decode(data)
        except msgspec.ValidationError as error:
            raise CatalogError(_decode_message(shown, data, str(error))) from None
        except msgspec.DecodeError as error:
            raise CatalogError(f"{shown}: not valid JSON ({error})") from None
        for entry in decoded:
            problem = next(iter(check_entry(entry)), None)
            if problem is not None:
                field, message = problem
                raise CatalogError(f"{shown}: model {entry.id!r}, field {field!r}: {message}")
            if entry.id in seen_ids:
                raise CatalogError(
                    f"{shown}: model {entry.id!r}, field 'id': duplicate (also in {seen_ids[entry.id]})"
                )
            if entry.slug in seen_slugs:
                raise CatalogError(
                    f"{shown}: model {entry.id!r}, field 'slug': duplicate slug {entry.slug!r} "
                    f"(also used by {seen_slugs[entry.slug]!r})"
                )
            seen_ids[entry.id] = shown
            seen_slugs[entry.slug] = entry.id
            entries.append(entry)
    version = hashlib.sha256(msgspec.json.encode(entries, order="deterministic")).hexdigest()[:12]
    return Catalog(tuple(entries), version, load_text_models(directory, seen_slugs))


def _shown(path: Path) -> str:
    try:
        return path.resolve().relative_to(_REPO_ROOT).as_posix()
    except ValueError:
        return str(path)


def _decode_message(shown: str, data: bytes, message: str) -> str:
    """'Expected `int` - at `$[3].schema.x`' → names the model at index 3 and the path inside it."""
    match = re.search(r"`\$\[(\d+)\]\.?([^`]*)`", message)
    if not match:
        return f"{shown}: {message}"
    index, inner = int(match.group(1)), match.group(2) or "(entry)"
    reason = message.split(" - at `")[0]
    model = "?"
    try:
        raw = json.loads(data)[index]
        model = str(raw.get("id", "?"))
        if inner.startswith("schema.properties[...]"):
            # msgspec does not name dict keys: find the property that fails on its own.
            for key, value in raw["schema"]["properties"].items():
                try:
                    msgspec.convert(value, Field)
                except msgspec.ValidationError as error:
                    sub = re.search(r"`\$\.?([^`]*)`", str(error))
                    tail = f".{sub.group(1)}" if sub and sub.group(1) else ""
                    inner, reason = f"schema.properties.{key}{tail}", str(error).split(" - at `")[0]
                    break
    except (ValueError, IndexError, AttributeError, TypeError, KeyError):
        pass
    return f"{shown}: model {model!r} (entry {index}), field {inner!r}: {reason}"


# --- invariants ---------------------------------------------------------------------------------------------


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
        if isinstance(field, FileListField):
            if field.max_items is not None and field.min_items > field.max_items:
                yield path, "min_items is above max_items"
        default = getattr(field, "default", None)
        if default is not None:
            try:
                typed = validate_value(field, default)
            except InputError as error:
                yield f"{path}.default", f"default {default!r} is invalid ({error.code} {error.params})"
            else:
                if not same_value(typed, default) and not isinstance(field, TextField | NumberField):
                    yield f"{path}.default", f"default {default!r} must have Kie's exact type"


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


def entry_to_builtins(entry: ModelEntry) -> dict[str, Any]:
    """The JSON shape of an entry (for tools and tests that rewrite data files)."""
    return msgspec.to_builtins(entry)
