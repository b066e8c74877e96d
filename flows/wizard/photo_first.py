"""Photo-first input: people send what they have, in one message.

- A photo (a video, an audio…) on the card or at any input step goes to the step's file field, or —
  at a step asking something else — to the first file field that takes it; its caption fills the
  description (the prompt) at the same time. An album with a caption fills the file list.
- A text sent on the card is the description: the wizard starts with it.
- Then the wizard moves to the next unanswered step, by firing the chart's own `next` through the
  steps already answered (so every move is a transition of the chart, and its guards still hold).
- A version with text-to-X and image-to-X variants (flows/catalog/data/families.json): a photo on
  the text variant's card (or its untouched first step) switches to the image variant.

Everything is derived from field kinds; there is no per-model code.
"""

from __future__ import annotations

from typing import Any

import msgspec
from statemachine.exceptions import TransitionNotAllowed

from flows.catalog.human import field_label
from flows.catalog.types import FileField, FileListField, ModelEntry
from flows.catalog.validate import hidden_fields, is_set
from flows.incoming import MediaInput
from flows.outcome import Outcome
from flows.routing.registry import Request
from flows.states import WizardSnapshot
from flows.texts import t
from flows.wizard import chart
from flows.wizard.flow import WizardFlow, keep, with_value
from flows.wizard.inputs import StepProblem, expected_problem, file_from_media, media_kind, value_from_text
from flows.wizard.problems import with_problem
from flows.wizard.render import follow, render
from flows.wizard.review import duration_fields
from flows.wizard.subject import description_field, takes_photo


def answered(entry: ModelEntry, values: dict[str, Any], name: str) -> bool:
    spec = entry.schema.properties[name]
    value = values.get(name)
    if isinstance(spec, FileListField):
        return len(value or ()) >= max(spec.min_items, 1)
    return is_set(value)


def file_target(entry: ModelEntry, snap: WizardSnapshot, kind: str | None) -> str | None:
    """The field a file of `kind` goes to: the current step's file field, else the first asked file
    field that takes it and has room."""
    props = entry.schema.properties
    current = chart.field_of(snap.state)
    if current is not None and isinstance(props[current], FileField | FileListField):
        return current
    hidden = hidden_fields(entry, snap.values)
    for name in chart.ask_order(entry):
        spec = props[name]
        if name in hidden or not isinstance(spec, FileField | FileListField) or kind not in spec.accept:
            continue
        value = snap.values.get(name)
        if isinstance(spec, FileField) and not is_set(value):
            return name
        if isinstance(spec, FileListField) and (spec.max_items is None or len(value or ()) < spec.max_items):
            return name
    return None


def advance(req: Request, entry: ModelEntry, snap: WizardSnapshot) -> Outcome:
    """From the card or a step, `next` through every step already answered; show where it stops."""
    for _ in range(len(entry.schema.properties) + 1):
        field = chart.field_of(snap.state)
        if snap.state != chart.CARD and (
            field is None or chart.is_edit(snap.state) or not answered(entry, snap.values, field)
        ):
            break
        try:
            target = follow(req, entry, snap, "next")
        except TransitionNotAllowed:
            break
        snap = msgspec.structs.replace(snap, state=target)
    return render(req, entry, snap)


def on_card_text(req: Request, entry: ModelEntry, snap: WizardSnapshot) -> Outcome | None:
    """A text on the card: the description, then the next unanswered step (None: nothing to fill)."""
    name = description_field(entry, snap.values)
    if name is None or name in duration_fields(entry):
        return None
    try:
        value = value_from_text(entry.schema.properties[name], req.event.text or "")
    except StepProblem as problem:
        return render(req, entry, with_problem(snap, problem))
    return advance(req, entry, with_value(snap, name, value))


def _image_variant(req: Request, entry: ModelEntry, snap: WizardSnapshot, kind: str | None):
    """The pair's image variant, when a photo arrives before anything was entered on its text variant."""
    catalog = req.ctx.catalog
    if kind != "image" or catalog is None or takes_photo(entry):
        return None
    order = chart.ask_order(entry)
    untouched = snap.state == chart.CARD or (
        bool(order) and snap.state == chart.step_state(order[0]) and not snap.values
    )
    partner_id = catalog.families.image_variant(entry.id) if untouched else None
    partner = catalog.get(partner_id) if partner_id else None
    if partner is None or not partner.enabled:
        return None
    switched = WizardSnapshot(
        model_id=partner.id,
        schema_hash=req.ctx.book.entry_hash(partner),
        state=chart.CARD,
        version=snap.version,
    )
    return partner, switched


def on_media(flow: WizardFlow, req: Request, entry: ModelEntry, snap: WizardSnapshot) -> Outcome:
    event = req.event
    media: MediaInput = event.media  # type: ignore[assignment]
    kind = media_kind(media)
    switched = _image_variant(req, entry, snap, kind)
    if switched is not None:
        entry, snap = switched
    state, current = snap.state, chart.field_of(snap.state)
    props = entry.schema.properties
    target = file_target(entry, snap, kind)
    if target is None:
        if current is not None:
            return render(req, entry, with_problem(snap, expected_problem(props[current], event)))
        has_text = description_field(entry, snap.values) is not None
        return render(
            req, entry, with_problem(snap, StepProblem("expect_text" if has_text else "expect_button"))
        )
    spec = props[target]
    assert isinstance(spec, FileField | FileListField)
    try:
        value, ref = file_from_media(spec, media)
    except StepProblem as problem:
        return render(req, entry, with_problem(snap, problem))
    snap = msgspec.structs.replace(snap, error=None, error_params={})
    if isinstance(spec, FileListField):
        items = list(snap.values.get(target) or [])
        if spec.max_items is not None and len(items) >= spec.max_items:
            return render(req, entry, with_problem(snap, StepProblem("too_many_files", max=spec.max_items)))
        snap = with_value(snap, target, [*items, value], ref)
    else:
        snap = with_value(snap, target, value, ref)
    captioned = False
    caption = (event.text or "").strip()
    description = description_field(entry, snap.values) if caption else None
    if description is not None and description != target:
        try:
            snap = with_value(snap, description, value_from_text(props[description], caption))
        except StepProblem as problem:
            return render(req, entry, with_problem(snap, problem))
        captioned = True
    group = media.media_group_id
    if captioned and group:
        snap = msgspec.structs.replace(snap, album_caption=group)
    if req.loaded.album_pending:
        # More of this album is on its way: keep the screen until the last part arrives.
        return Outcome(session=keep(req.session, snap))
    captioned = captioned or (group is not None and snap.album_caption == group)
    own_step = target == current
    if state != chart.CARD and not captioned and not (own_step and isinstance(spec, FileField)):
        # A file list grows at its step; a file for another field waits while this step is answered.
        note = None if own_step else t(event.lang, "step.photo_saved", field=field_label(target, event.lang))
        return render(req, entry, snap, note=note)
    if chart.is_edit(state) or (own_step and not captioned):
        return flow.fire(req, entry, snap, "next")
    return advance(req, entry, snap)
