"""Checks every chart must pass, and an explorer that fires every transition of a wizard chart.

Used by the chart tests of the wizards, the menus, the money conversations and the job lifecycle.
"""

from __future__ import annotations

import itertools
from collections import deque
from collections.abc import Iterable
from typing import Any

from statemachine import StateChart
from statemachine.exceptions import TransitionNotAllowed

from flows.book import Book
from flows.catalog.types import (
    EMPTY,
    NONEMPTY,
    BooleanField,
    EnumField,
    FileField,
    FileListField,
    HideWhen,
    IntegerField,
    ModelEntry,
    NumberField,
)
from flows.wizard import chart

Edge = tuple[str, str, str]  # (source, event, target)


def edges(cls: type[StateChart]) -> set[Edge]:
    """Every transition of a chart, compound states included (a parent's transitions count once)."""
    found: set[Edge] = set()
    for state in cls.states_map.values():
        for transition in state.transitions:
            target = transition.target.id if transition.target is not None else state.id
            for event in transition.events:
                found.add((state.id, str(event), target))
    return found


def graph(cls: type[StateChart]) -> dict[str, set[str]]:
    """state → states one transition away; a compound state's transitions leave from each child too."""
    out: dict[str, set[str]] = {s: set() for s in cls.states_map}
    for source, _, target in edges(cls):
        out[source].add(target)
        for child in _descendants(cls, source):
            out[child].add(target)
    return out


def _descendants(cls: type[StateChart], state_id: str) -> list[str]:
    state = cls.states_map[state_id]
    found = []
    for child in getattr(state, "states", []) or []:
        found.append(child.id)
        found += _descendants(cls, child.id)
    return found


def reachable(out: dict[str, set[str]], start: Iterable[str]) -> set[str]:
    seen = set(start)
    queue = deque(seen)
    while queue:
        for target in out[queue.popleft()]:
            if target not in seen:
                seen.add(target)
                queue.append(target)
    return seen


def dead_ends(cls: type[StateChart], exits: Iterable[str]) -> list[str]:
    """States from which none of `exits` (final states, or the home of a chart without one) is reachable."""
    out = graph(cls)
    reverse: dict[str, set[str]] = {s: set() for s in out}
    for source, targets in out.items():
        for target in targets:
            reverse[target].add(source)
    can_leave = reachable(reverse, exits)
    return sorted(set(out) - can_leave)


def unreachable(cls: type[StateChart], initial: str) -> list[str]:
    out = graph(cls)
    parents = {child: s for s in out for child in _descendants(cls, s)}
    seen = reachable(out, [initial])
    # A compound state is entered with its initial child; children are there once the parent is.
    seen |= {child for child, parent in parents.items() if parent in seen and cls.states_map[child].initial}
    seen |= {parents[s] for s in seen if s in parents}
    return sorted(set(out) - seen)


# --- firing every transition of a wizard chart ---------------------------------------------------


def _some_value(spec: Any) -> Any:
    if isinstance(spec, EnumField):
        return spec.default if spec.default is not None else spec.values[0]
    if isinstance(spec, BooleanField):
        return True
    if isinstance(spec, IntegerField | NumberField):
        return spec.default if spec.default is not None else (spec.minimum or 1)
    if isinstance(spec, FileListField):
        return ["tgfile:a", "tgfile:b"]
    if isinstance(spec, FileField):
        return "tgfile:a"
    return "x"


def _other_value(spec: Any, value: Any) -> Any:
    if value == NONEMPTY:
        return None
    if value == EMPTY:
        return _some_value(spec)
    if isinstance(spec, EnumField):
        others = [v for v in spec.values if str(v) != str(value)]
        return others[0] if others else None
    if isinstance(spec, BooleanField):
        return not value
    return None


def _applied(
    entry: ModelEntry, values: dict[str, Any], when: dict[str, Any], *, negate: bool
) -> dict[str, Any]:
    out = dict(values)
    props = entry.schema.properties
    for name, expected in when.items():
        spec = props.get(name)
        if negate:
            value = _other_value(spec, expected)
        elif expected == NONEMPTY:
            value = _some_value(spec)
        elif expected == EMPTY:
            value = None
        else:
            value = expected
        if value is None:
            out.pop(name, None)
        else:
            out[name] = value
    return out


def value_variants(entry: ModelEntry) -> list[dict[str, Any]]:
    """Values that make every guard of the chart both true and false somewhere."""
    full = {name: _some_value(spec) for name, spec in entry.schema.properties.items()}
    full.update({k: v for k, v in (entry.examples[0] if entry.examples else {}).items() if k in full})
    variants = [{}, full]
    rules = [rule for rule in entry.schema.rules if isinstance(rule, HideWhen)]
    for rule in rules:
        for base in ({}, full):
            variants.append(_applied(entry, base, rule.when, negate=False))
            variants.append(_applied(entry, base, rule.when, negate=True))
    for r in range(2, len(rules) + 1):
        for combo in itertools.combinations(rules, r):
            merged: dict[str, Any] = dict(full)
            for rule in combo:
                merged = _applied(entry, merged, rule.when, negate=False)
            variants.append(merged)
    return variants


def fire_everything(entry: ModelEntry) -> set[Edge]:
    """Fire every event from every state with every value variant and guard value; what moved where."""
    book = Book()
    cls = book.chart(entry)
    names = chart.ask_order(entry) + chart.advanced_order(entry)
    fired: set[Edge] = set()
    events_of = {}
    for source, event, _ in edges(cls):
        events_of.setdefault(source, set()).add(event)
    for values in value_variants(entry):
        for source, events in events_of.items():
            for event in sorted(events):
                params_list: list[dict[str, Any]] = [{}]
                if event == "edit":
                    params_list = [{"field_name": name} for name in names]
                elif source == chart.REVIEW and event == "next":
                    params_list = [{"ready": r, "funds": f} for r in (True, False) for f in (True, False)]
                for params in params_list:
                    machine, model = book.machine(entry, dict(values), source)
                    try:
                        machine.send(event, **params)
                    except TransitionNotAllowed:
                        continue
                    fired.add((source, event, str(model.state)))
    return fired
