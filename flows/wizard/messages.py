"""A message at a wizard step: a value for the field (then `next`), or a precise problem."""

from __future__ import annotations

import msgspec

from flows.catalog.types import FileField, FileListField
from flows.outcome import Outcome
from flows.routing.registry import Request
from flows.wizard import chart
from flows.wizard.flow import WizardFlow, keep, with_value
from flows.wizard.inputs import StepProblem, expected_problem, file_from_media, value_from_text
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
            ref = None
        elif (
            event.kind == "media" and event.media is not None and isinstance(spec, FileField | FileListField)
        ):
            value, ref = file_from_media(spec, event.media)
        else:
            raise expected_problem(spec, event)
    except StepProblem as problem:
        return render(req, entry, with_problem(snap, problem))
    snap = msgspec.structs.replace(snap, error=None, error_params={})
    if isinstance(spec, FileListField):
        items = list(snap.values.get(field) or [])
        if spec.max_items is not None and len(items) >= spec.max_items:
            return render(req, entry, with_problem(snap, StepProblem("too_many_files", max=spec.max_items)))
        snap = with_value(snap, field, [*items, value], ref)
        if req.loaded.album_pending:
            # More of this album is on its way: keep the screen until the last part arrives.
            return Outcome(session=keep(req.session, snap))
        return render(req, entry, snap)
    return flow.fire(req, entry, with_value(snap, field, value, ref), "next")
