"""Wizard statecharts generated from a model's input schema — no per-model code.

States: the model card → one input step per field (`f_<field>`: required first, then optional ones;
technical knobs are reached only from the confirm step) → review (confirm) → submitted. Editing a
field from the review goes to its edit step (`e_<field>`), whose continue and back lead back to the
review: the return is a transition of the chart, not a flag. A launch without enough money goes to
`insufficient` (the funds check is a guard). Final states say how the wizard ended: `submitted` (the
job chart, flows/jobs, takes over), `cancelled` (to the menu), `closed` (back from the card to the
model list) and `topup` (to the top-up, keeping the input for the way back).

Every input state has `back`, `cancel` and `next` (continue); `next` is guarded so it fires only when
the step holds a valid value, has a default, or is optional. Value buttons are events too: `choose`
(an option), `toggle`, `page` (a long option list), `clear` (a file list). Conditional fields (HideWhen
rules) are skipped by guarded transitions, so the chart itself shows every path. The buttons a screen
shows are exactly the chart's enabled events in that state (flows/wizard/render.py).

Charts are built with python-statemachine's class factory, with errors surfacing as exceptions and
no silent events; flows.wizard.book caches them per schema.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from itertools import product
from typing import Any

import msgspec
from statemachine import StateChart
from statemachine.io.class_factory import create_machine_class_from_definition

from flows.catalog.types import (
    FILE_KINDS,
    AtLeastOne,
    BooleanField,
    EnumField,
    FileListField,
    HideWhen,
    ModelEntry,
    RequireWhen,
    TextField,
)
from flows.catalog.validate import field_default, hidden_fields, is_set, required_fields

CARD = "card"
REVIEW = "review"
SETTINGS = "settings"
INSUFFICIENT = "insufficient"
SUBMITTED = "submitted"
CANCELLED = "cancelled"
CLOSED = "closed"
TOPUP = "topping_up"
FINAL_STATES = (SUBMITTED, CANCELLED, CLOSED, TOPUP)
NAVIGATION_EVENTS = ("back", "cancel", "next")
# Every event a wizard button can carry (the payload's vocabulary).
EVENTS = ("next", "back", "cancel", "choose", "toggle", "page", "clear", "edit", "more", "topup")

STEP_PREFIX = "f_"
EDIT_PREFIX = "e_"
ENUM_PAGE = 18  # options per screen; longer lists (e.g. 67 voices) are paged


def step_state(field: str) -> str:
    return f"{STEP_PREFIX}{field}"


def edit_state(field: str) -> str:
    return f"{EDIT_PREFIX}{field}"


def field_of(state: str) -> str | None:
    """The field an input state asks for (a step or an edit of it), else None."""
    if state.startswith(STEP_PREFIX):
        return state[len(STEP_PREFIX) :]
    if state.startswith(EDIT_PREFIX):
        return state[len(EDIT_PREFIX) :]
    return None


def is_edit(state: str) -> bool:
    return state.startswith(EDIT_PREFIX)


def schema_hash(entry: ModelEntry) -> str:
    """Changes whenever what the wizard asks or sends changes; a live session compares it."""
    payload = msgspec.json.encode([entry.id, entry.schema, entry.fixed, entry.pricing])
    return hashlib.sha256(payload).hexdigest()[:12]


def ask_order(entry: ModelEntry) -> list[str]:
    """The fields asked step by step, in the order people think (derived from field kinds, no
    per-model order): switches other steps depend on, then the subject — the files to work on —,
    then the description (text fields), then the options; within each group required fields first.
    Technical (advanced) fields are not asked; a follow-up's fields filled from its parent job are never
    asked, shown or edited."""
    props = entry.schema.properties
    required = [name for name, field in props.items() if name in entry.schema.required and not field.parent]
    rest = [
        name
        for name, field in props.items()
        if name not in entry.schema.required and not field.advanced and not field.parent
    ]
    switches = _switches(entry)
    subject = _subject_files(entry)

    def group(name: str) -> int:
        if name in switches:
            return 0
        if name in subject:
            return 1
        return 2 if isinstance(props[name], TextField) else 3

    return sorted(required + rest, key=group)  # stable: schema order within a group


def _switches(entry: ModelEntry) -> set[str]:
    """Option fields that decide whether other fields are asked or required (Suno's custom mode):
    asked before the fields they govern."""
    props = entry.schema.properties
    return {
        name
        for rule in entry.schema.rules
        if isinstance(rule, HideWhen | RequireWhen)
        for name in rule.when
        if name in props and not isinstance(props[name], FILE_KINDS)
    }


def _subject_files(entry: ModelEntry) -> set[str]:
    """The files the model works on: required file fields, and file fields of which at least one is
    needed when no text can stand in for them (a first frame or a clip to continue)."""
    props = entry.schema.properties
    subject = {name for name in entry.schema.required if isinstance(props.get(name), FILE_KINDS)}
    for rule in entry.schema.rules:
        if isinstance(rule, AtLeastOne) and not any(isinstance(props.get(f), TextField) for f in rule.fields):
            subject |= {f for f in rule.fields if isinstance(props.get(f), FILE_KINDS)}
    return subject


def advanced_order(entry: ModelEntry) -> list[str]:
    asked = set(ask_order(entry))
    return [name for name, field in entry.schema.properties.items() if name not in asked and not field.parent]


def _hideable(entry: ModelEntry) -> set[str]:
    return {rule.field for rule in entry.schema.rules if isinstance(rule, HideWhen)}


class WizardModel:
    """What the chart's guards read: the entry and the values collected so far."""

    def __init__(self, entry: ModelEntry, values: dict[str, Any]) -> None:
        self.entry = entry
        self.values = values
        self.state: Any = CARD

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

    def has_files(self, field: str) -> bool:
        return bool(self.values.get(field))


def _named(name: str, fn: Callable[..., bool]) -> Callable[..., bool]:
    # The name is what the exported diagram shows in [brackets].
    fn.__name__ = name
    fn.__qualname__ = name
    return fn


def _guard(kind: str, field: str = "") -> Callable[..., bool]:
    match kind:
        case "can_continue":
            return _named(f"{field}_ok", lambda model: model.can_continue(field))
        case "shown":
            return _named(f"{field}_shown", lambda model: not model.is_hidden(field))
        case "hidden":
            return _named(f"{field}_hidden", lambda model: model.is_hidden(field))
        case "has_files":
            return _named(f"{field}_has_files", lambda model: model.has_files(field))
        case "target":
            return _named(f"edit_{field}", lambda field_name=None, **_: field_name == field)
        case "ready":
            return _named("input_valid", lambda ready=False, **_: bool(ready))
        case "funds":
            return _named("funds_ok", lambda funds=False, **_: bool(funds))
        case "no_funds":
            return _named("funds_short", lambda funds=False, **_: not funds)
    raise ValueError(kind)


def _walk(entry: ModelEntry, candidates: list[str], end: str, base: list) -> list[dict]:
    """Transitions to the first visible candidate: hideable fields get a guarded alternative. An
    alternative no values can take (say, skipping two fields hidden by opposite conditions) is left
    out, so every transition of the chart can fire."""
    hideable = _hideable(entry)
    transitions = []
    skipped: list[str] = []
    for name in [*candidates, None]:
        target = end if name is None else step_state(name)
        conds = [*base, *(_guard("hidden", s) for s in skipped)]
        if name is not None and name in hideable:
            conds.append(_guard("shown", name))
        if _possible(entry, skipped, name if name in hideable else None):
            transitions.append({"target": target, "cond": conds} if conds else {"target": target})
        if name is None or name not in hideable:
            break
        skipped.append(name)
    return transitions


def _possible(entry: ModelEntry, hidden: list[str], shown: str | None) -> bool:
    """Whether some values hide every field of `hidden` while `shown` stays visible. A HideWhen
    condition asks fields to equal values: the hidden ones must agree with each other and with the
    model's fixed values, and together they must not force a condition that hides `shown`."""
    rules: dict[str, list[dict]] = {}
    for rule in entry.schema.rules:
        if isinstance(rule, HideWhen):
            rules.setdefault(rule.field, []).append(dict(rule.when))
    for choice in product(*(rules[name] for name in hidden)):
        forced: dict[str, Any] = dict(entry.fixed)
        if not all(_agree(forced, when) for when in choice):
            continue
        if shown is None or not any(
            all(k in forced and forced[k] == v for k, v in when.items()) for when in rules[shown]
        ):
            return True
    return False


def _agree(forced: dict[str, Any], when: dict[str, Any]) -> bool:
    for key, value in when.items():
        if key in forced and forced[key] != value:
            return False
        forced[key] = value
    return True


def _value_events(entry: ModelEntry, name: str, state: str, onward: list[dict]) -> dict[str, list]:
    """The buttons that set a value: an option chosen moves on (it is a valid value, so unlike continue
    it needs no guard of its own); the rest stay on the step."""
    spec = entry.schema.properties[name]
    events: dict[str, list] = {}
    if isinstance(spec, EnumField):
        events["choose"] = onward
        if len(spec.values) > ENUM_PAGE:
            events["page"] = [{"target": state, "internal": True}]
    elif isinstance(spec, BooleanField):
        events["toggle"] = [{"target": state, "internal": True}]
    elif isinstance(spec, FileListField):
        events["clear"] = [{"target": state, "internal": True, "cond": [_guard("has_files", name)]}]
    return events


def _edit_buttons(entry: ModelEntry, names: list[str]) -> list[dict]:
    hideable = _hideable(entry)
    transitions = []
    for name in names:
        conds = [_guard("target", name)]
        if name in hideable:
            conds.append(_guard("shown", name))
        transitions.append({"target": edit_state(name), "cond": conds})
    return transitions


def chart_definition(entry: ModelEntry) -> dict[str, dict]:
    order = ask_order(entry)
    advanced = advanced_order(entry)
    cancel = [{"target": CANCELLED}]
    states: dict[str, dict] = {}

    states[CARD] = {
        "initial": True,
        "name": "Model card",
        "on": {"next": _walk(entry, order, REVIEW, []), "back": [{"target": CLOSED}], "cancel": cancel},
    }
    for index, name in enumerate(order):
        state = step_state(name)
        forward = _walk(entry, order[index + 1 :], REVIEW, [_guard("can_continue", name)])
        backward = _walk(entry, list(reversed(order[:index])), CARD, [])
        states[state] = {
            "name": name,
            "on": {
                "next": forward,
                "back": backward,
                "cancel": cancel,
                **_value_events(entry, name, state, _walk(entry, order[index + 1 :], REVIEW, [])),
            },
        }
    for name in order + advanced:
        state = edit_state(name)
        forward = [{"target": REVIEW, "cond": [_guard("can_continue", name)]}]
        states[state] = {
            "name": f"{name} (edit)" if name in order else f"{name} (optional setting)",
            "on": {
                "next": forward,
                "back": [{"target": REVIEW}],
                "cancel": cancel,
                **_value_events(entry, name, state, [{"target": REVIEW}]),
            },
        }
    review_on: dict[str, list] = {
        "next": [
            {"target": SUBMITTED, "cond": [_guard("ready"), _guard("funds")]},
            {"target": INSUFFICIENT, "cond": [_guard("ready"), _guard("no_funds")]},
        ],
        "back": _walk(entry, list(reversed(order)), CARD, []),
        "cancel": cancel,
    }
    if order:
        review_on["edit"] = _edit_buttons(entry, order)
    if advanced:
        review_on["more"] = [{"target": SETTINGS}]
        states[SETTINGS] = {
            "name": "Optional settings",
            "on": {
                "next": [{"target": REVIEW}],
                "back": [{"target": REVIEW}],
                "cancel": cancel,
                "edit": _edit_buttons(entry, advanced),
            },
        }
    states[REVIEW] = {"name": "Confirm", "on": review_on}
    states[INSUFFICIENT] = {
        "name": "Not enough money",
        "on": {"topup": [{"target": TOPUP}], "back": [{"target": REVIEW}], "cancel": cancel},
    }
    names = {
        SUBMITTED: "Submitted (the job takes over)",
        CANCELLED: "Cancelled",
        CLOSED: "Closed",
        TOPUP: "Top-up",
    }
    for final in FINAL_STATES:
        states[final] = {"final": True, "name": names[final]}
    return states


def class_name(entry: ModelEntry) -> str:
    return "Wizard_" + "".join(ch if ch.isalnum() else "_" for ch in entry.id)


def build_chart(entry: ModelEntry) -> type[StateChart]:
    return create_machine_class_from_definition(
        class_name(entry),
        states=chart_definition(entry),
        catch_errors_as_events=False,
        allow_event_without_transition=False,
    )
