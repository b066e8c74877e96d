"""A message at a wizard step: a value for the field (then `next`), or a precise problem."""

from __future__ import annotations

import msgspec

from flows.catalog.types import FileListField
from flows.outcome import Outcome
from flows.routing.registry import Request
from flows.wizard import chart, photo_first
from flows.wizard.flow import WizardFlow, with_value
from flows.wizard.inputs import StepProblem, expected_problem, value_from_text
from flows.wizard.problems import with_problem
from flows.wizard.render import render
from flows.wizard.review import duration_fields


def on_message(flow: WizardFlow, req: Request) -> Outcome | None:
    snap, entry, ended = flow.live(req)
    if ended is not None:
        return ended
    event = req.event
    if snap is None or entry is None or snap.state in chart.FINAL_STATES:
        return None  # the registry answers with a hint
    at_input = snap.state == chart.CARD or chart.field_of(snap.state) is not None
    if event.kind == "media" and event.media is not None and at_input:
        # A file (with its caption) on the card or at any step: flows/wizard/photo_first.py.
        return photo_first.on_media(flow, req, entry, snap)
    if snap.state == chart.CARD and event.kind == "text" and event.text is not None:
        started = photo_first.on_card_text(req, entry, snap)
        if started is not None:
            return started
    field = chart.field_of(snap.state)
    if field is None:
        # Card, review, settings: nothing to type there.
        return render(req, entry, with_problem(snap, StepProblem("expect_button")))
    spec = entry.schema.properties[field]
    try:
        if event.kind == "text" and event.text is not None:
            if field in duration_fields(entry):
                raise StepProblem("need_file_for_duration")
            value = value_from_text(spec, event.text)
        else:
            raise expected_problem(spec, event)
    except StepProblem as problem:
        return render(req, entry, with_problem(snap, problem))
    snap = msgspec.structs.replace(snap, error=None, error_params={})
    if isinstance(spec, FileListField):
        # A link to one more file: the list grows at its step.
        items = list(snap.values.get(field) or [])
        if spec.max_items is not None and len(items) >= spec.max_items:
            return render(req, entry, with_problem(snap, StepProblem("too_many_files", max=spec.max_items)))
        return render(req, entry, with_value(snap, field, [*items, value]))
    return flow.fire(req, entry, with_value(snap, field, value), "next")
