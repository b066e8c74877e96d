"""The wizard of one model, driven by its chart: a button is a chart event, a message is a value
followed by `next`, and the state the chart lands in picks the screen (flows/wizard/render.py) or,
for a final state, how the wizard ends (EXITS below)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import msgspec
from statemachine.exceptions import TransitionNotAllowed

from flows import ids
from flows.catalog.follow_ups import is_follow_up
from flows.catalog.types import BooleanField, EnumField, ModelEntry
from flows.catalog.validate import build_request_input
from flows.files import FileRef, telegram_file_id
from flows.jobs.model import CreateJob, Job
from flows.menus import browse, sections
from flows.menus.screens import main_menu, place_screen
from flows.outcome import Outcome, show
from flows.payloads.wizard import WizardButton
from flows.routing.registry import Request
from flows.screens import AnswerCallback
from flows.session import Session
from flows.states import WizardSnapshot
from flows.texts import t
from flows.wizard import chart
from flows.wizard.render import current_snapshot, follow, keep, render, review_and_charge
from flows.wizard.review import kie_credits
from flows.wizard.screens.review import submitted_screen

# How the wizard hands over when it reaches the top-up final state (the money flows provide it).
TopupExit = Callable[[Request, WizardSnapshot], Outcome]


class WizardFlow:
    def __init__(self, to_topup: TopupExit) -> None:
        self._exits: dict[str, Callable[[Request, ModelEntry, WizardSnapshot, str], Outcome]] = {
            chart.SUBMITTED: self._submit,
            chart.CANCELLED: _cancelled,
            chart.CLOSED: _closed,
            chart.TOPUP: lambda req, entry, snap, event: to_topup(
                req, msgspec.structs.replace(snap, state=chart.REVIEW)
            ),
        }

    # --- ways in ----------------------------------------------------------------------------------

    def open_card(self, req: Request, entry: ModelEntry, *, note: str | None = None) -> Outcome:
        snap = WizardSnapshot(
            model_id=entry.id,
            schema_hash=req.ctx.book.entry_hash(entry),
            state=chart.CARD,
            version=req.session.seq + 1,
        )
        return render(req, entry, snap, note=note)

    def open_review(
        self,
        req: Request,
        entry: ModelEntry,
        values: dict[str, Any],
        files: dict[str, FileRef],
        parent: str | None = None,
    ) -> Outcome:
        """Straight to the confirm step with values filled in (🔁 Сделать ещё раз, back from a top-up)."""
        # A field the model no longer has (deprecated since the job ran, e.g. Nano Banana image_size) is
        # neither asked nor sent any more: drop it rather than refuse the repeat.
        kept = {name: value for name, value in values.items() if name in entry.schema.properties}
        snap = WizardSnapshot(
            model_id=entry.id,
            schema_hash=req.ctx.book.entry_hash(entry),
            state=chart.REVIEW,
            values=kept,
            files=dict(files),
            version=req.session.seq + 1,
            parent=parent,
        )
        return render(req, entry, snap)

    # --- buttons ------------------------------------------------------------------------------------

    def on_button(self, req: Request) -> Outcome | None:
        button: WizardButton = req.payload
        snap, entry, ended = self.live(req)
        if ended is not None:
            return ended
        if snap is None or entry is None:
            return None  # the registry answers: stale button
        if snap.state in chart.FINAL_STATES:
            lang = req.event.lang
            screen = place_screen(req.session.place, lang, req.ctx)
            return show(req.event, req.session, screen, notice=t(lang, "wizard.finished"))
        if button.version != snap.version:
            return None
        snap = msgspec.structs.replace(snap, error=None, error_params={})
        field = chart.field_of(snap.state)
        params: dict[str, Any] = {}
        match button.event:
            case "choose":
                spec = entry.schema.properties.get(field or "")
                if not isinstance(spec, EnumField) or button.arg is None or button.arg >= len(spec.values):
                    return None
                snap = with_value(snap, field or "", spec.values[button.arg])
            case "edit":
                names = chart.ask_order(entry) + chart.advanced_order(entry)
                if button.arg is None or button.arg >= len(names):
                    return None
                params["field_name"] = names[button.arg]
            case "page":
                if button.arg is None:
                    return None
                params["page"] = button.arg
        return self.fire(req, entry, snap, button.event, **params)

    def fire(
        self, req: Request, entry: ModelEntry, snap: WizardSnapshot, event: str, **params: Any
    ) -> Outcome:
        guards: dict[str, bool] = {}
        if snap.state == chart.REVIEW:
            verdict, charge = review_and_charge(req, entry, snap)
            guards = {"ready": verdict.ready, "funds": bool(charge and charge.enough)}
        try:
            target = follow(req, entry, snap, event, **guards, **params)
        except TransitionNotAllowed:
            if event == "next" and chart.field_of(snap.state):
                # Continue on an empty required step: stay and say what is missing.
                return render(req, entry, msgspec.structs.replace(snap, error="required"))
            return redraw(req, notice=t(req.event.lang, "stale.button"))
        if target in self._exits:
            return self._exits[target](req, entry, snap, event)
        snap = msgspec.structs.replace(snap, state=target)
        field = chart.field_of(target)
        if event == "toggle" and field:
            spec = entry.schema.properties[field]
            current = snap.values.get(field)
            if current is None and isinstance(spec, BooleanField):
                current = bool(spec.default)
            snap = with_value(snap, field, not current)
        elif event == "page" and field:
            snap = msgspec.structs.replace(snap, enum_page=(field, int(params.get("page", 0))))
        elif event == "clear" and field:
            snap = without_value(snap, field)
        return render(req, entry, snap)

    def live(self, req: Request) -> tuple[WizardSnapshot | None, ModelEntry | None, Outcome | None]:
        """The session's wizard and its model, or the way out when the model is gone or changed."""
        snap = current_snapshot(req.session)
        if snap is None:
            return None, None, None
        catalog = req.ctx.catalog
        entry = catalog.get(snap.model_id) if catalog is not None else None
        lang = req.event.lang
        if entry is None or not entry.enabled:
            screen = main_menu(lang, req.ctx, notice=t(lang, "browse.unknown_model"))
            return snap, None, show(req.event, leave(req.session, "menu", snap.version), screen)
        known = req.ctx.book.chart(entry).states_map
        if req.ctx.book.entry_hash(entry) != snap.schema_hash or snap.state not in known:
            if snap.parent is not None or is_follow_up(entry):
                # Its parent's values cannot be derived again here: the action is opened anew from the result.
                screen = main_menu(lang, req.ctx, notice=t(lang, "follow.schema_changed"))
                return snap, None, show(req.event, leave(req.session, "menu", snap.version), screen)
            # The catalog changed under a live session: start the card again rather than guess.
            return snap, entry, self.open_card(req, entry, note=t(lang, "card.schema_changed"))
        return snap, entry, None

    # --- how it ends ------------------------------------------------------------------------------------

    def _submit(self, req: Request, entry: ModelEntry, snap: WizardSnapshot, event: str) -> Outcome:
        verdict, charge = review_and_charge(req, entry, snap)
        assert verdict.price_kopecks is not None and charge is not None
        event_ = req.event
        request_id = ids.request_id(event_.entropy)
        job = Job(
            request_id=request_id,
            user_id=event_.user_id,
            chat_id=event_.chat_id,
            model_id=entry.id,
            input=build_request_input(entry, snap.values),
            files={fid: ref for fid, ref in snap.files.items() if _file_in_use(snap, fid)},
            price_kopecks=charge.charged_kopecks,
            wizard_values=dict(snap.values),
            lang=event_.lang,
            free=charge.kind == "free",
            kie_credits=kie_credits(entry, snap),
            parent_job_id=snap.parent,
        )
        snap = msgspec.structs.replace(
            snap, state=chart.SUBMITTED, request_id=request_id, version=snap.version + 1
        )
        outcome = show(event_, keep(req.session, snap), submitted_screen(entry, snap, event_.lang))
        return Outcome(session=outcome.session, actions=outcome.actions, effects=(CreateJob(job),))


def _cancelled(req: Request, entry: ModelEntry, snap: WizardSnapshot, event: str) -> Outcome:
    lang = req.event.lang
    screen = main_menu(lang, req.ctx, notice=t(lang, "cancel.done"), recent=req.loaded.recent)
    return show(req.event, leave(req.session, "menu", snap.version), screen)


def _closed(req: Request, entry: ModelEntry, snap: WizardSnapshot, event: str) -> Outcome:
    """Back from the card: the model's family (its other versions), else its section's list; a
    follow-up, which is in no list, goes back to the menu."""
    lang, ctx = req.event.lang, req.ctx
    if is_follow_up(entry):
        return show(req.event, leave(req.session, "menu", snap.version), main_menu(lang, ctx))
    family = ctx.catalog.families.of_model(entry.id) if ctx.catalog is not None else None
    if family is not None and sections.shown_versions(family, ctx):
        screen = sections.family_screen(family, lang, ctx)
    else:
        screen = browse.model_list_screen(entry.type, 0, lang, ctx)
    return show(req.event, leave(req.session, "browse", snap.version), screen)


def redraw(req: Request, *, notice: str) -> Outcome | None:
    """The wizard's current screen again (after a stale tap), with the notice on the spinner."""
    snap = current_snapshot(req.session)
    catalog = req.ctx.catalog
    entry = catalog.get(snap.model_id) if snap is not None and catalog is not None else None
    if snap is None or entry is None or snap.state in chart.FINAL_STATES:
        return None
    if snap.state not in req.ctx.book.chart(entry).states_map:
        return None
    outcome = render(req, entry, snap)
    return Outcome(session=outcome.session, actions=with_notice(outcome, notice), effects=outcome.effects)


def with_notice(outcome: Outcome, notice: str) -> tuple:
    return tuple(
        AnswerCallback(a.callback_query_id, text=notice) if isinstance(a, AnswerCallback) else a
        for a in outcome.actions
    )


def leave(session: Session, place: str, seq: int | None = None) -> Session:
    return Session(place=place, control_message_id=session.control_message_id, seq=max(session.seq, seq or 0))


def with_value(snap: WizardSnapshot, field: str, value: Any, ref: FileRef | None = None) -> WizardSnapshot:
    files = dict(snap.files)
    if ref is not None:
        items = value if isinstance(value, list) else [value]
        file_id = telegram_file_id(items[-1])
        if file_id:
            files[file_id] = ref
    return msgspec.structs.replace(
        snap, values={**snap.values, field: value}, files=files, error=None, error_params={}
    )


def without_value(snap: WizardSnapshot, field: str) -> WizardSnapshot:
    values = {k: v for k, v in snap.values.items() if k != field}
    return msgspec.structs.replace(snap, values=values, error=None, error_params={})


def _file_in_use(snap: WizardSnapshot, file_id: str) -> bool:
    for value in snap.values.values():
        items = value if isinstance(value, list) else [value]
        if any(telegram_file_id(v) == file_id for v in items):
            return True
    return False
