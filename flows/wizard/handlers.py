"""Wizard handlers: turn a button press or a message into a chart event or a value, and pick the
screen of the state the chart lands in. The chart (flows/wizard/chart.py) is the navigation truth;
these handlers only validate values and decide what to show."""

from __future__ import annotations

import html
from typing import Any

import msgspec
from statemachine.exceptions import TransitionNotAllowed

from flows import browse, menus
from flows.catalog.human import enum_label, field_label
from flows.catalog.pricing import MediaDurationNeeded, NoPrice, price_kopecks
from flows.catalog.types import BooleanField, EnumField, FileField, FileListField, ModelEntry
from flows.catalog.validate import Problem, build_request_input, validate_input
from flows.context import FlowContext
from flows.ids import new_request_id
from flows.incoming import Incoming
from flows.jobs import CreateJob, GenerationRequest
from flows.numbers import ascii_uint
from flows.outcome import Outcome, show
from flows.session import Session
from flows.texts import t
from flows.wizard import chart, screens
from flows.wizard.inputs import StepProblem, expected_problem, file_from_media, value_from_text
from flows.wizard.snapshot import (
    FileRef,
    WizardSnapshot,
    snapshot_from_state,
    snapshot_to_state,
    telegram_file_id,
)

PLACE = "wizard"
PREFIX = "w"
# Stands in for a Telegram file in validation: the real URL exists only after the upload to Kie.
_PENDING_UPLOAD = "https://telegram-upload.invalid/"


# --- entry points ------------------------------------------------------------------------------------


def open_card(
    incoming: Incoming, session: Session, ctx: FlowContext, entry: ModelEntry, *, note: str | None = None
) -> Outcome:
    snap = WizardSnapshot(
        model_id=entry.id, schema_hash=chart.entry_hash(entry), state=chart.CARD, version=session.seq + 1
    )
    return _render(incoming, session, ctx, entry, snap, note=note)


def open_review(
    incoming: Incoming,
    session: Session,
    ctx: FlowContext,
    entry: ModelEntry,
    values: dict[str, Any],
    files: dict[str, FileRef],
) -> Outcome:
    """Straight to the confirm step with values filled in (🔁 Сделать ещё раз)."""
    snap = WizardSnapshot(
        model_id=entry.id,
        schema_hash=chart.entry_hash(entry),
        state=chart.REVIEW,
        values=dict(values),
        files=dict(files),
        version=session.seq + 1,
    )
    return _render(incoming, session, ctx, entry, snap)


def current_snapshot(session: Session) -> WizardSnapshot | None:
    return snapshot_from_state(session.flow) if session.place == PLACE else None


def is_wizard_callback(data: str) -> bool:
    return data.startswith(PREFIX) and ":" in data and ascii_uint(data[1 : data.index(":")]) is not None


def handle(incoming: Incoming, session: Session, ctx: FlowContext) -> Outcome | None:
    """Handle an update for the active wizard; None when the update is not the wizard's business."""
    snap = current_snapshot(session)
    data = incoming.callback_data or ""
    if incoming.kind == "callback" and not is_wizard_callback(data):
        return None
    if snap is None:
        if incoming.kind == "callback":
            return _stale(incoming, session, ctx)
        return None
    entry = ctx.catalog.get(snap.model_id) if ctx.catalog else None
    if entry is None or not entry.enabled:
        return show(
            incoming,
            _leave(session, "menu"),
            menus.main_menu(incoming.lang, ctx, notice=t(incoming.lang, "browse.unknown_model")),
        )
    if chart.entry_hash(entry) != snap.schema_hash:
        # The catalog changed under a live session: start the card again rather than guess.
        return open_card(incoming, session, ctx, entry, note=t(incoming.lang, "card.schema_changed"))
    if snap.state in chart.FINAL_STATES or snap.state == chart.SUBMITTED:
        if incoming.kind == "callback":
            return _stale(incoming, session, ctx, finished=True)
        return None
    if incoming.kind == "callback":
        version, _, rest = data[1:].partition(":")
        if ascii_uint(version) != snap.version:
            return _stale(incoming, session, ctx)
        event, _, arg = rest.partition(":")
        return _on_button(incoming, session, ctx, entry, snap, event, arg)
    if incoming.kind in ("text", "media", "other"):
        return _on_message(incoming, session, ctx, entry, snap)
    return None


# --- buttons ----------------------------------------------------------------------------------------


def _on_button(
    incoming: Incoming,
    session: Session,
    ctx: FlowContext,
    entry: ModelEntry,
    snap: WizardSnapshot,
    event: str,
    arg: str,
) -> Outcome:
    snap = msgspec.structs.replace(snap, error=None, error_params={})
    field = chart.field_of(snap.state)
    if event == "set" and field is not None:
        spec = entry.schema.properties[field]
        index = ascii_uint(arg)
        if not isinstance(spec, EnumField) or index is None or index >= len(spec.values):
            return _stale(incoming, session, ctx)
        snap = _with_value(snap, field, spec.values[index])
        return _fire(incoming, session, ctx, entry, snap, "next")
    if event == "tog" and field is not None:
        spec = entry.schema.properties[field]
        if not isinstance(spec, BooleanField):
            return _stale(incoming, session, ctx)
        current = snap.values.get(field)
        if current is None:
            current = bool(spec.default)
        return _render(incoming, session, ctx, entry, _with_value(snap, field, not current))
    if event == "pg" and field is not None and (page := ascii_uint(arg)) is not None:
        return _render(incoming, session, ctx, entry, msgspec.structs.replace(snap, enum_page=(field, page)))
    if event == "clr" and field is not None:
        return _render(incoming, session, ctx, entry, _without_value(snap, field))
    if event == "edit":
        names = chart.ask_order(entry) + chart.advanced_order(entry)
        index = ascii_uint(arg)
        if index is None or index >= len(names):
            return _stale(incoming, session, ctx)
        snap = msgspec.structs.replace(snap, editing=True)
        return _fire(incoming, session, ctx, entry, snap, "edit", field_name=names[index])
    if event in ("next", "back", "cancel", "more"):
        return _fire(incoming, session, ctx, entry, snap, event)
    if event == "show":
        return _render(incoming, session, ctx, entry, snap)
    return _stale(incoming, session, ctx)


def _fire(
    incoming: Incoming,
    session: Session,
    ctx: FlowContext,
    entry: ModelEntry,
    snap: WizardSnapshot,
    event: str,
    **params: Any,
) -> Outcome:
    machine, model = chart.machine_for(entry, dict(snap.values), snap.state, snap.editing)
    review = _review(entry, snap, ctx) if snap.state == chart.REVIEW else None
    if event == "next" and review is not None and review.ready:
        charge = charge_for(incoming, entry, review.price_kopecks)
        if not charge.enough:
            # Nothing is lost: the wizard stays at the review; after a top-up one tap starts it.
            screen = screens.insufficient_screen(entry, snap, incoming.lang, charge)
            return show(incoming, _keep(session, _bumped(session, snap)), screen)
    try:
        machine.send(event, ready=bool(review and review.ready), **params)
    except TransitionNotAllowed:
        # Continue on an empty required step (or launch with problems): stay and say what is missing.
        snap = msgspec.structs.replace(snap, error="required") if chart.field_of(snap.state) else snap
        return _render(incoming, session, ctx, entry, snap)
    target = model.state
    if target == chart.CANCELLED:
        if event == "back":
            screen = browse.category_screen(entry.type, 0, incoming.lang, ctx)
            return show(incoming, _leave(session, "browse", snap.version), screen)
        screen = menus.main_menu(incoming.lang, ctx, notice=t(incoming.lang, "cancel.done"))
        return show(incoming, _leave(session, "menu", snap.version), screen)
    editing = snap.editing and target != chart.REVIEW and target != chart.SETTINGS
    snap = msgspec.structs.replace(snap, state=target, editing=editing)
    if target == chart.SUBMITTED:
        return _submit(incoming, session, ctx, entry, snap, review)
    return _render(incoming, session, ctx, entry, snap)


# --- messages at a step -----------------------------------------------------------------------------


def _on_message(
    incoming: Incoming, session: Session, ctx: FlowContext, entry: ModelEntry, snap: WizardSnapshot
) -> Outcome:
    field = chart.field_of(snap.state)
    if field is None:
        # Card, review or settings: nothing to type there.
        return _render(incoming, session, ctx, entry, _with_problem(snap, StepProblem("expect_button")))
    spec = entry.schema.properties[field]
    try:
        if incoming.kind == "text" and incoming.text is not None:
            if field in duration_fields(entry):
                raise StepProblem("need_file_for_duration")
            value = value_from_text(spec, incoming.text)
            ref = None
        elif (
            incoming.kind == "media"
            and incoming.media is not None
            and isinstance(spec, FileField | FileListField)
        ):
            value, ref = file_from_media(spec, incoming.media)
        else:
            raise expected_problem(spec, incoming)
    except StepProblem as problem:
        return _render(incoming, session, ctx, entry, _with_problem(snap, problem))
    snap = msgspec.structs.replace(snap, error=None, error_params={})
    if isinstance(spec, FileListField):
        items = list(snap.values.get(field) or [])
        if spec.max_items is not None and len(items) >= spec.max_items:
            return _render(
                incoming,
                session,
                ctx,
                entry,
                _with_problem(snap, StepProblem("too_many_files", max=spec.max_items)),
            )
        snap = _with_value(snap, field, [*items, value], ref)
        if incoming.batch_pending:
            # More of this album is on its way: keep the screen until the last part arrives.
            return _silent(incoming, session, snap)
        return _render(incoming, session, ctx, entry, snap)
    snap = _with_value(snap, field, value, ref)
    return _fire(incoming, session, ctx, entry, snap, "next")


# --- review --------------------------------------------------------------------------------------------


class Review(msgspec.Struct, frozen=True):
    price_kopecks: int | None
    problems: list[Problem]

    @property
    def ready(self) -> bool:
        return self.price_kopecks is not None and not self.problems


def duration_fields(entry: ModelEntry) -> list[str]:
    """File fields whose media length sets the price: they must come as files, whose length is known."""
    pricing = entry.pricing
    props = entry.schema.properties
    names = [pricing.unit_field] if pricing.unit_field else []
    names += list(pricing.plus_media_seconds_of)
    return [n for n in names if n in props and isinstance(props[n], FileField | FileListField)]


def values_for_validation(snap: WizardSnapshot) -> dict[str, Any]:
    def stand_in(value: Any) -> Any:
        file_id = telegram_file_id(value)
        if file_id is not None:
            return _PENDING_UPLOAD + file_id
        if isinstance(value, list):
            return [stand_in(v) for v in value]
        return value

    return {name: stand_in(value) for name, value in snap.values.items()}


def media_seconds(snap: WizardSnapshot) -> dict[str, float]:
    seconds: dict[str, float] = {}
    for name, value in snap.values.items():
        items = value if isinstance(value, list) else [value]
        durations = [
            snap.files[fid].duration for v in items if (fid := telegram_file_id(v)) and fid in snap.files
        ]
        if durations and all(d is not None for d in durations):
            seconds[name] = float(sum(durations))
    return seconds


def _review(entry: ModelEntry, snap: WizardSnapshot, ctx: FlowContext) -> Review:
    """Whether the collected input can run, and its exact price; problems stay language-free here."""
    values = values_for_validation(snap)
    problems = validate_input(entry, values)
    price = None
    if not problems:
        try:
            price = price_kopecks(entry, values, ctx.policy, media_seconds(snap))
        except MediaDurationNeeded:
            problems.append(Problem(None, "need_duration", {"fields": duration_fields(entry)}))
        except NoPrice:
            problems.append(Problem(None, "no_price", {"fields": list(entry.pricing.by)}))
    return Review(price, problems)


def charge_for(incoming: Incoming, entry: ModelEntry, price_kopecks: int) -> screens.Charge:
    """Free models use today's quota first; admins run at zero price; everyone else pays from the balance.
    All three take the same path (a hold) — free and admin runs hold zero."""
    account = incoming.account
    balance = account.available_kopecks if account is not None else None
    if entry.free and account is not None and account.free_left > 0:
        return screens.Charge(price_kopecks, "free", balance, account.free_left, account.free_quota)
    if incoming.is_admin:
        return screens.Charge(price_kopecks, "admin", balance)
    return screens.Charge(price_kopecks, "paid", balance)


def _submit(
    incoming: Incoming,
    session: Session,
    ctx: FlowContext,
    entry: ModelEntry,
    snap: WizardSnapshot,
    review: Review | None,
) -> Outcome:
    assert review is not None and review.price_kopecks is not None
    charge = charge_for(incoming, entry, review.price_kopecks)
    request_id = new_request_id()
    request = GenerationRequest(
        request_id=request_id,
        user_id=incoming.user_id,
        chat_id=incoming.chat_id,
        model_id=entry.id,
        input=build_request_input(entry, snap.values),
        files={fid: ref for fid, ref in snap.files.items() if _file_in_use(snap, fid)},
        price_kopecks=charge.charged_kopecks,
        values=dict(snap.values),
        lang=incoming.lang,
        free=charge.kind == "free",
    )
    snap = msgspec.structs.replace(snap, request_id=request_id, version=snap.version + 1)
    new_session = _keep(session, snap)
    outcome = show(incoming, new_session, screens.submitted_screen(entry, snap, incoming.lang))
    return Outcome(session=outcome.session, actions=outcome.actions, effects=(CreateJob(request),))


def _file_in_use(snap: WizardSnapshot, file_id: str) -> bool:
    for value in snap.values.values():
        items = value if isinstance(value, list) else [value]
        if any(telegram_file_id(v) == file_id for v in items):
            return True
    return False


# --- rendering -------------------------------------------------------------------------------------


def _bumped(session: Session, snap: WizardSnapshot) -> WizardSnapshot:
    return msgspec.structs.replace(snap, version=max(snap.version, session.seq) + 1)


def _render(
    incoming: Incoming,
    session: Session,
    ctx: FlowContext,
    entry: ModelEntry,
    snap: WizardSnapshot,
    *,
    note: str | None = None,
) -> Outcome:
    snap = _bumped(session, snap)
    lang = incoming.lang
    field = chart.field_of(snap.state)
    if snap.state == chart.CARD:
        if snap.error:
            note = screens.error_line(_localized(entry, snap, lang), lang)
        screen = screens.card_screen(entry, snap, lang, ctx, note=note, account=incoming.account)
    elif field is not None:
        screen = screens.step_screen(entry, _localized(entry, snap, lang), field, lang)
    elif snap.state == chart.SETTINGS:
        screen = screens.settings_screen(entry, snap, lang)
    else:
        review = _review(entry, snap, ctx)
        problems = [_problem_words(entry, problem, lang) for problem in review.problems]
        charge = charge_for(incoming, entry, review.price_kopecks) if review.ready else None
        screen = screens.review_screen(
            entry, _localized(entry, snap, lang), lang, charge=charge, problems=problems
        )
    return show(incoming, _keep(session, snap), screen)


def _silent(incoming: Incoming, session: Session, snap: WizardSnapshot) -> Outcome:
    return Outcome(session=_keep(session, snap))


def _stale(incoming: Incoming, session: Session, ctx: FlowContext, *, finished: bool = False) -> Outcome:
    from flows import router

    lang = incoming.lang
    notice = t(lang, "wizard.finished") if finished else t(lang, "stale.button")
    snap = current_snapshot(session)
    entry = ctx.catalog.get(snap.model_id) if snap and ctx.catalog else None
    if snap is not None and entry is not None and snap.state not in (*chart.FINAL_STATES, chart.SUBMITTED):
        outcome = _render(incoming, session, ctx, entry, snap)
        return Outcome(
            session=outcome.session, actions=_with_notice(outcome, notice), effects=outcome.effects
        )
    return show(incoming, session, router.current_screen(session, lang, ctx), notice=notice)


def _with_notice(outcome: Outcome, notice: str) -> tuple:
    from flows.screens import AnswerCallback

    return tuple(
        AnswerCallback(a.callback_query_id, text=notice) if isinstance(a, AnswerCallback) else a
        for a in outcome.actions
    )


# --- snapshot helpers --------------------------------------------------------------------------------


def _keep(session: Session, snap: WizardSnapshot) -> Session:
    return Session(
        place=PLACE,
        control_message_id=session.control_message_id,
        flow=snapshot_to_state(snap),
        seq=snap.version,
    )


def _leave(session: Session, place: str, seq: int | None = None) -> Session:
    return Session(place=place, control_message_id=session.control_message_id, seq=max(session.seq, seq or 0))


def _with_value(snap: WizardSnapshot, field: str, value: Any, ref: FileRef | None = None) -> WizardSnapshot:
    files = dict(snap.files)
    if ref is not None:
        items = value if isinstance(value, list) else [value]
        file_id = telegram_file_id(items[-1])
        if file_id:
            files[file_id] = ref
    return msgspec.structs.replace(
        snap, values={**snap.values, field: value}, files=files, error=None, error_params={}
    )


def _without_value(snap: WizardSnapshot, field: str) -> WizardSnapshot:
    values = {k: v for k, v in snap.values.items() if k != field}
    return msgspec.structs.replace(snap, values=values, error=None, error_params={})


def _with_problem(snap: WizardSnapshot, problem: StepProblem) -> WizardSnapshot:
    return msgspec.structs.replace(snap, error=problem.code, error_params=_plain(problem.params))


def _plain(params: dict[str, Any]) -> dict[str, Any]:
    return msgspec.to_builtins(params)


def _localized(entry: ModelEntry, snap: WizardSnapshot, lang: str) -> WizardSnapshot:
    """The snapshot with its error parameters turned into words of the user's language."""
    if not snap.error:
        return snap
    return msgspec.structs.replace(snap, error_params=_human_params(entry, snap.error_params, lang))


def _human_params(entry: ModelEntry, params: dict[str, Any], lang: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in params.items():
        if key == "accept":
            out["kinds"] = screens.kinds_text(tuple(value), lang)
        elif key == "fields":
            out[key] = ", ".join(field_label(f, lang) for f in value)
        elif key == "groups":
            out[key] = " / ".join(", ".join(field_label(f, lang) for f in group) for group in value)
        elif key == "when":
            out["fields"] = ", ".join(
                f"{field_label(k, lang)}: {enum_label(k, v, lang)}" for k, v in value.items()
            )
        elif value is None:
            out[key] = "…"
        elif isinstance(value, float) and value.is_integer():
            out[key] = int(value)
        else:
            out[key] = html.escape(str(value)) if isinstance(value, str) else value
    out.setdefault("example", out.get("min", 1))
    return out


def _problem_words(entry: ModelEntry, problem: Problem, lang: str) -> str:
    text = t(lang, f"error.{problem.code}", **_human_params(entry, _plain(problem.params), lang))
    return f"{html.escape(field_label(problem.field, lang))}: {text}" if problem.field else text
