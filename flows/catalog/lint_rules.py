"""Kie's documented rules across fields, checked by behaviour: for each input the docs say Kie refuses,
build it from the model's example and require the catalog to refuse it too (at the review, so no
hold is taken and nothing is priced). Rules whose fields the catalog does not offer cannot be broken
and are skipped; rules that only say Kie ignores a field are advice, not refusals.

Doc `when` notation (constraints.json): a scalar equals, a list is any of, null is "not sent", "*" is
"sent / non-empty", {"count": n} is a list of n items.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Mapping
from typing import Any

from flows.catalog.conditions import is_set, same_value
from flows.catalog.gaps import Gap
from flows.catalog.limits import MediaFacts
from flows.catalog.lint_situations import (
    PRESENT,
    SAMPLE_URL,
    Impossible,
    apply,
    assignments,
    base_name,
    base_values,
    derived,
    offered,
    refused,
    rule_fields,
    sample,
    sent_anyway,
    shown,
    situation,
)
from flows.catalog.types import (
    BooleanField,
    EnumField,
    Field,
    FileField,
    FileListField,
    IntegerField,
    ModelEntry,
    NumberField,
    RequireSameSize,
    SumMax,
)
from flows.catalog.validate import build_request_input, required_fields, validate_input

# Kinds that only say Kie ignores a field or advise: nothing is refused.
ADVISORY = {"ignored_when", "only_when", "sum_equals"}


def rule_gaps(entry: ModelEntry, facts: Mapping[str, Any]) -> list[Gap]:
    gaps: list[Gap] = []
    for index, rule in enumerate(facts.get("rules", ())):
        kind = rule.get("kind")
        if kind in ADVISORY or rule.get("advisory"):
            continue
        check = _CHECKS.get(kind)
        where = f"rules[{index}] {kind}"
        if check is None:
            if offered(entry, rule_fields(rule)):
                gaps.append(Gap(entry.id, where, "a rule kind the lint cannot check: check it by hand"))
            continue
        gaps += [Gap(entry.id, where, message) for message in check(entry, rule)]
    return gaps


# --- rule kinds -----------------------------------------------------------------------------------------


def _forbid(entry: ModelEntry, rule: Mapping[str, Any]) -> Iterator[str]:
    for assignment in assignments(rule["when"]):
        try:
            values = situation(entry, assignment)
        except Impossible:
            continue
        if not refused(entry, values):
            yield f"Kie refuses {shown(assignment)}, the catalog accepts (and prices) it"


def _requires(entry: ModelEntry, rule: Mapping[str, Any]) -> Iterator[str]:
    for assignment in assignments(rule.get("when", {})):
        try:
            values = situation(entry, assignment)
        except Impossible:
            continue
        for name in rule.get("requires", ()):
            if name not in entry.schema.properties:
                if name not in entry.fixed and derived(entry, name) is None:
                    yield f"with {shown(assignment)} Kie needs {name!r}, which the catalog never sends"
                continue
            if sent_anyway(entry, name) or name in required_fields(entry, values):
                continue
            without = {k: v for k, v in values.items() if k != name}
            if not refused(entry, without) and name not in build_request_input(entry, without):
                yield f"with {shown(assignment)} Kie needs {name!r}; the catalog lets it be left out"
        for name, wanted in (rule.get("requires_values") or {}).items():
            yield from _requires_value(entry, values, assignment, name, wanted)


def _requires_value(
    entry: ModelEntry, values: dict[str, Any], assignment: Mapping[str, Any], name: str, wanted: Any
) -> Iterator[str]:
    field = entry.schema.properties.get(name)
    if field is None:
        return
    others = [PRESENT] if wanted is None else _other_values(field, wanted)
    for other in others:
        broken = dict(values)
        try:
            apply(entry, broken, name, other)
        except Impossible:
            continue
        if not refused(entry, broken) and name in build_request_input(entry, broken):
            yield f"with {shown(assignment)} Kie needs {name}={wanted!r}; the catalog sends {shown({name: other})}"


def _other_values(field: Field, wanted: Any) -> list[Any]:
    if isinstance(field, BooleanField):
        return [not wanted]
    if isinstance(field, EnumField):
        return [v for v in field.values if not same_value(v, wanted)]
    return []


def _exclusive(entry: ModelEntry, rule: Mapping[str, Any]) -> Iterator[str]:
    groups = rule.get("groups") or [[name] for name in rule.get("fields", ())]
    present = [offered(entry, [base_name(n) for n in group]) for group in groups]
    for first, second in itertools.combinations([g for g in present if g], 2):
        values = base_values(entry)
        for name in (first[0], second[0]):
            apply(entry, values, name, PRESENT)
        if not refused(entry, values):
            yield f"Kie refuses {first[0]!r} together with {second[0]!r}; the catalog accepts both"


def _at_least_one(entry: ModelEntry, rule: Mapping[str, Any]) -> Iterator[str]:
    names = offered(entry, [base_name(n) for n in rule["fields"]])
    if not names:
        return
    values = {k: v for k, v in base_values(entry).items() if k not in names}
    if not refused(entry, values) and not any(n in build_request_input(entry, values) for n in names):
        yield f"Kie needs one of {names}; the catalog accepts none"


def _allowed_combinations(entry: ModelEntry, rule: Mapping[str, Any]) -> Iterator[str]:
    allowed = [frozenset(offered(entry, s)) for s in rule["sets"]]
    universe = sorted(set().union(*allowed))
    for size in range(1, len(universe) + 1):
        for subset in itertools.combinations(universe, size):
            if frozenset(subset) in allowed:
                continue
            values = {k: v for k, v in base_values(entry).items() if k not in universe}
            for name in subset:
                apply(entry, values, name, PRESENT)
            if not refused(entry, values):
                yield f"Kie accepts only {[sorted(s) for s in allowed]}; the catalog accepts {list(subset)}"


def _allowed_values_when(entry: ModelEntry, rule: Mapping[str, Any]) -> Iterator[str]:
    field = entry.schema.properties.get(rule["field"])
    if not isinstance(field, EnumField):
        return
    for option in field.values:
        if any(same_value(option, a) for a in rule["allowed"]):
            continue
        yield from _forbid(entry, {"when": {**rule["when"], rule["field"]: option}})


def _same_size(entry: ModelEntry, rule: Mapping[str, Any]) -> Iterator[str]:
    names = offered(entry, [base_name(n) for n in rule["fields"]])
    if len(names) < 2:
        return
    if not any(isinstance(r, RequireSameSize) and set(names) <= set(r.fields) for r in entry.schema.rules):
        yield f"{names} must have the same pixel size: no require_same_size rule"


def _sum_max(entry: ModelEntry, rule: Mapping[str, Any]) -> Iterator[str]:
    measure = {"count": "count", "duration_s": "seconds"}.get(rule.get("measure", ""))
    names = offered(entry, [base_name(n) for n in rule["fields"]])
    if measure is None or not names:
        return
    limit = rule["max"]
    weights = rule.get("weights", {})
    for ours in entry.schema.rules:
        if isinstance(ours, SumMax) and ours.measure == measure and set(names) <= set(ours.fields):
            if ours.max <= limit and all(ours.weights.get(n, 1) >= weights.get(n, 1) for n in names):
                return
    props = entry.schema.properties
    if measure == "count":
        worst = sum(weights.get(n, 1) * _most_items(props[n]) for n in names)
        if worst <= limit:
            return
        yield f"{names} together: Kie takes at most {limit} items, the catalog allows {worst}"
        return
    if (
        len(names) == 1
        and _most_seconds(props[names[0]]) is not None
        and _most_seconds(props[names[0]]) <= limit
    ):
        return
    yield f"{names} together: Kie takes at most {limit} s, the catalog does not bound the total"


def _most_items(field: Field) -> int:
    if isinstance(field, FileListField):
        return field.max_items or 10**6
    return 1


def _most_seconds(field: Field) -> float | None:
    if isinstance(field, FileListField):
        return field.max_total_seconds
    if isinstance(field, FileField):
        return field.max_seconds
    if isinstance(field, IntegerField | NumberField):
        return field.maximum
    if isinstance(field, EnumField):
        return max(float(v) for v in field.values)
    return None


def _range_like(entry: ModelEntry, rule: Mapping[str, Any]) -> Iterator[str]:
    """range_when, count_limit_when, max_length_when: a narrower range while a condition holds. Probed
    just outside the documented range: the catalog must refuse each probe for which the condition
    still holds."""
    spec = rule["field"]
    name = base_name(spec)
    field = entry.schema.properties.get(name)
    if field is None or " - " in spec:
        return
    kind = rule["kind"]
    if kind == "count_limit_when":
        of, low, high = "count", rule.get("min_items"), rule.get("max_items")
    elif kind == "max_length_when":
        of, low, high = "length", None, rule["max_length"]
    else:
        of = "seconds" if spec.endswith("duration_s") else "value"
        low, high = rule["range"]
    for assignment in assignments(rule.get("when", {})):
        try:
            base = situation(entry, assignment)
        except Impossible:
            continue
        for probe in _probes(field, of, low, high):
            values, media = _probed(entry, base, name, of, probe)
            if not _still_holds(entry, assignment, values) or name not in build_request_input(entry, values):
                continue  # the situation changed, or the field is not sent in it (hidden)
            if not validate_input(entry, values, media):
                yield f"with {shown(assignment)} Kie takes {of} {_span(low, high)}; the catalog accepts {probe:g}"


def _still_holds(entry: ModelEntry, assignment: Mapping[str, Any], values: Mapping[str, Any]) -> bool:
    """A probe of a list's length can change a field derived from it (Veo's generationType)."""
    for key, wanted in assignment.items():
        rule = derived(entry, key)
        if rule is None:
            continue
        produced = rule.mapping.get(str(len(values.get(rule.count_of) or ())))
        if produced is None or not same_value(produced, wanted):
            return False
    return True


def _span(low: float | None, high: float | None) -> str:
    return f"{low if low is not None else '…'}–{high if high is not None else '…'}"


def _probes(field: Field, of: str, low: float | None, high: float | None) -> list[float]:
    if isinstance(field, EnumField) and of == "value":
        numbers = [float(v) for v in field.values if not isinstance(v, str)]
        return [v for v in numbers if (high is not None and v > high) or (low is not None and v < low)]
    whole = of in ("count", "length") or isinstance(field, IntegerField)
    out: list[float] = []
    if high is not None:
        out.append(high + 1 if whole else high + 0.5)
    if low is not None and low > 0:
        out.append(low - 1 if whole else max(low - 0.5, 0.1))
    return out


def _probed(
    entry: ModelEntry, base: Mapping[str, Any], name: str, of: str, probe: float
) -> tuple[dict[str, Any], dict[str, list[MediaFacts]]]:
    values = dict(base)
    field = entry.schema.properties[name]
    media: dict[str, list[MediaFacts]] = {}
    if of == "count":
        values[name] = [SAMPLE_URL] * int(probe)
    elif of == "length":
        values[name] = "x" * int(probe)
    elif of == "seconds":
        if not is_set(values.get(name)):
            values[name] = sample(field)
        items = values[name] if isinstance(values[name], list) else [values[name]]
        media[name] = [MediaFacts(seconds=probe)] * len(items)
    elif isinstance(field, EnumField):
        values[name] = next(v for v in field.values if not isinstance(v, str) and float(v) == probe)
    else:
        values[name] = int(probe) if isinstance(field, IntegerField) else probe
    return values, media


def _plain_range(entry: ModelEntry, rule: Mapping[str, Any]) -> Iterator[str]:
    spec = rule["field"]
    if " - " in spec or base_name(spec) not in entry.schema.properties:
        return
    yield from _range_like(entry, {**rule, "kind": "range_when", "when": {}})


def _forbid_field(entry: ModelEntry, rule: Mapping[str, Any]) -> Iterator[str]:
    name = rule["field"]
    if name in entry.schema.properties or name in entry.fixed:
        yield f"Kie refuses {name!r} on this model: it must not be offered or sent"


def _only_if_offered(entry: ModelEntry, rule: Mapping[str, Any]) -> Iterator[str]:
    names = rule_fields(rule)
    if names and all(n in entry.schema.properties for n in names):
        yield "a rule over fields the catalog offers that the lint cannot check: check it by hand"


_CHECKS = {
    "forbid_combination": _forbid,
    "requires": _requires,
    "mutually_exclusive": _exclusive,
    "at_least_one": _at_least_one,
    "allowed_combinations": _allowed_combinations,
    "allowed_values_when": _allowed_values_when,
    "same_size": _same_size,
    "sum_max": _sum_max,
    "range_when": _range_like,
    "count_limit_when": _range_like,
    "max_length_when": _range_like,
    "range": _plain_range,
    "forbid_field": _forbid_field,
    "allowed_values": _only_if_offered,
    "count_match": _only_if_offered,
    "name_match": _only_if_offered,
}
