"""Wizard statecharts generated from a model's input schema — no per-model code.

States: the model card → one input step per field (required first, then optional ones; advanced
knobs are reached only from the confirm step) → review (confirm) → submitted → result / failed /
cancelled (final). Every input state has `back`, `cancel` and `next` (continue); `next` is guarded so
it fires only when the step holds a valid value, has a default, or is optional. Conditional fields
(HideWhen rules) are skipped by guarded transitions, so the chart itself shows every path.

Charts are built with python-statemachine's class factory, with errors surfacing as exceptions and
no silent events, and cached per model schema.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from functools import lru_cache
from typing import Any

import msgspec
from statemachine import StateChart
from statemachine.io.class_factory import create_machine_class_from_definition

from flows.catalog.types import FileListField, HideWhen, ModelEntry
from flows.catalog.validate import (
    field_default,
    hidden_fields,
    is_set,
    required_fields,
)

CARD = "card"
REVIEW = "review"
SETTINGS = "settings"
SUBMITTED = "submitted"
RESULT = "result"
FAILED = "failed"
CANCELLED = "cancelled"
FINAL_STATES = (RESULT, FAILED, CANCELLED)
NAVIGATION_EVENTS = ("back", "cancel", "next")

STEP_PREFIX = "f_"


def step_state(field: str) -> str:
    return f"{STEP_PREFIX}{field}"


def field_of(state: str) -> str | None:
    return state[len(STEP_PREFIX) :] if state.startswith(STEP_PREFIX) else None


def schema_hash(entry: ModelEntry) -> str:
    """Changes whenever what the wizard asks or sends changes; a live session compares it."""
    payload = msgspec.json.encode([entry.id, entry.schema, entry.fixed, entry.pricing])
    return hashlib.sha256(payload).hexdigest()[:12]


def ask_order(entry: ModelEntry) -> list[str]:
    """The fields asked step by step: required first, then optional non-advanced ones."""
    props = entry.schema.properties
    required = [name for name in props if name in entry.schema.required]
    rest = [name for name, field in props.items() if name not in entry.schema.required and not field.advanced]
    return required + rest


def advanced_order(entry: ModelEntry) -> list[str]:
    asked = set(ask_order(entry))
    return [name for name in entry.schema.properties if name not in asked]


def _hideable(entry: ModelEntry) -> set[str]:
    return {rule.field for rule in entry.schema.rules if isinstance(rule, HideWhen)}


class WizardModel:
    """What the chart's guards read: the entry, the collected values, and whether the user is editing
    one field from the review (then continue and back return to the review)."""

    def __init__(self, entry: ModelEntry, values: dict[str, Any], state: str, editing: bool = False) -> None:
        self.entry = entry
        self.values = values
        self.state = state
        self.editing = editing

    def can_continue(self, field: str) -> bool:
        spec = self.entry.schema.properties[field]
        value = self.values.get(field)
        if isinstance(spec, FileListField):
            count = len(value or ())
            needed = max(spec.min_items, 1 if field in required_fields(self.entry, self.values) else 0)
            return count >= needed
        if is_set(value) or field_default(spec) is not None:
            return True
        return field not in required_fields(self.entry, self.values)

    def is_hidden(self, field: str) -> bool:
        return field in hidden_fields(self.entry, self.values)


def _named(name: str, fn: Callable[..., bool]) -> Callable[..., bool]:
    # The name is what the exported diagram shows in [brackets].
    fn.__name__ = name
    fn.__qualname__ = name
    return fn


@lru_cache(maxsize=1024)
def _guard(kind: str, field: str = "") -> Callable[..., bool]:
    match kind:
        case "can_continue":
            return _named(f"{field}_ok", lambda model: model.can_continue(field))
        case "shown":
            return _named(f"{field}_shown", lambda model: not model.is_hidden(field))
        case "hidden":
            return _named(f"{field}_hidden", lambda model: model.is_hidden(field))
        case "editing":
            return _named("editing", lambda model: model.editing)
        case "not_editing":
            return _named("not_editing", lambda model: not model.editing)
        case "target":
            return _named(f"edit_{field}", lambda field_name=None, **_: field_name == field)
        case "ready":
            return _named("input_valid", lambda ready=False, **_: bool(ready))
    raise ValueError(kind)


def _walk(entry: ModelEntry, candidates: list[str], end: str, base: list) -> list[dict]:
    """Transitions to the first visible candidate: hideable fields get a guarded alternative."""
    hideable = _hideable(entry)
    transitions = []
    skipped: list = []
    for name in [*candidates, None]:
        target = end if name is None else step_state(name)
        conds = [*base, *skipped]
        if name is not None and name in hideable:
            conds.append(_guard("shown", name))
        transitions.append({"target": target, "cond": conds} if conds else {"target": target})
        if name is None or name not in hideable:
            break
        skipped.append(_guard("hidden", name))
    return transitions


def chart_definition(entry: ModelEntry) -> dict[str, dict]:
    order = ask_order(entry)
    advanced = advanced_order(entry)
    cancel = [{"target": CANCELLED}]
    states: dict[str, dict] = {}

    states[CARD] = {
        "initial": True,
        "name": "Model card",
        "on": {"next": _walk(entry, order, REVIEW, []), "back": cancel, "cancel": cancel},
    }
    for index, name in enumerate(order):
        ok = _guard("can_continue", name)
        forward = [{"target": REVIEW, "cond": [_guard("editing"), ok]}]
        forward += _walk(entry, order[index + 1 :], REVIEW, [_guard("not_editing"), ok])
        backward = [{"target": REVIEW, "cond": [_guard("editing")]}]
        backward += _walk(entry, list(reversed(order[:index])), CARD, [_guard("not_editing")])
        states[step_state(name)] = {"name": name, "on": {"next": forward, "back": backward, "cancel": cancel}}
    for name in advanced:
        ok = _guard("can_continue", name)
        states[step_state(name)] = {
            "name": f"{name} (optional setting)",
            "on": {
                "next": [{"target": REVIEW, "cond": [ok]}],
                "back": [{"target": REVIEW}],
                "cancel": cancel,
            },
        }
    review_on: dict[str, list] = {
        "next": [{"target": SUBMITTED, "cond": [_guard("ready")]}],
        "back": _walk(entry, list(reversed(order)), CARD, []),
        "cancel": cancel,
        "edit": [{"target": step_state(name), "cond": [_guard("target", name)]} for name in order],
    }
    if advanced:
        review_on["more"] = [{"target": SETTINGS}]
        states[SETTINGS] = {
            "name": "Optional settings",
            "on": {
                "next": [{"target": REVIEW}],
                "back": [{"target": REVIEW}],
                "cancel": cancel,
                "edit": [{"target": step_state(name), "cond": [_guard("target", name)]} for name in advanced],
            },
        }
    if not review_on["edit"]:
        del review_on["edit"]
    states[REVIEW] = {"name": "Confirm", "on": review_on}
    states[SUBMITTED] = {
        "name": "Submitted",
        "on": {"job_succeeded": [{"target": RESULT}], "job_failed": [{"target": FAILED}], "cancel": cancel},
    }
    for final in FINAL_STATES:
        states[final] = {"final": True, "name": final.capitalize()}
    return states


def _class_name(entry: ModelEntry) -> str:
    return "Wizard_" + "".join(ch if ch.isalnum() else "_" for ch in entry.id)


# Generated classes by (model id, schema hash): a catalog change builds new ones, nothing else does.
_classes: dict[tuple[str, str], type[StateChart]] = {}
# schema_hash per entry object (entries are immutable and live as long as the catalog).
_hashes: dict[int, tuple[ModelEntry, str]] = {}


def entry_hash(entry: ModelEntry) -> str:
    cached = _hashes.get(id(entry))
    if cached is None or cached[0] is not entry:
        cached = (entry, schema_hash(entry))
        _hashes[id(entry)] = cached
    return cached[1]


def chart_class(entry: ModelEntry) -> type[StateChart]:
    """The generated chart class of a model, built once per schema version."""
    key = (entry.id, entry_hash(entry))
    cls = _classes.get(key)
    if cls is None:
        cls = create_machine_class_from_definition(
            _class_name(entry),
            states=chart_definition(entry),
            catch_errors_as_events=False,
            allow_event_without_transition=False,
        )
        _classes[key] = cls
    return cls


# One machine per chart, re-pointed at each update's snapshot: building a machine costs milliseconds
# (it binds every callback), a transition a fraction of one. Safe because a transition never awaits.
_machines: dict[tuple[str, str], tuple[StateChart, WizardModel]] = {}


def machine_for(
    entry: ModelEntry, values: dict[str, Any], state: str, editing: bool
) -> tuple[StateChart, WizardModel]:
    """The chart's machine positioned at `state` with these values; read the new state from the model."""
    key = (entry.id, entry_hash(entry))
    cached = _machines.get(key)
    if cached is not None and cached[0].is_terminated:
        # A machine that entered a final state has stopped its engine: it must not be reused.
        cached = None
    if cached is None:
        model = WizardModel(entry, values, state, editing)
        cached = (chart_class(entry)(model), model)
        _machines[key] = cached
    machine, model = cached
    model.entry, model.values, model.state, model.editing = entry, values, state, editing
    return machine, model


def mermaid(entry: ModelEntry) -> str:
    from statemachine.contrib.diagram import MermaidGraphMachine

    return MermaidGraphMachine(chart_class(entry)).get_mermaid()
