"""What the wizard shows in each state of its chart: a state → screen table, fed with the events the
chart enables there (so `✅ Продолжить` exists exactly when `next` may fire, an edit button exactly
when its `edit` transition may fire, the launch button exactly when the input is valid)."""

from __future__ import annotations

from collections.abc import Callable

import msgspec

from flows.catalog.types import ModelEntry
from flows.outcome import Outcome, show
from flows.routing.registry import Request
from flows.screens import Screen
from flows.session import Session
from flows.states import WizardSnapshot
from flows.wizard import chart
from flows.wizard.charge import Charge, charge_for
from flows.wizard.problems import localized, problem_words
from flows.wizard.review import Review, review
from flows.wizard.screens.card import card_screen
from flows.wizard.screens.common import error_line
from flows.wizard.screens.review import insufficient_screen, review_screen, settings_screen
from flows.wizard.screens.step import step_screen

PLACE = "wizard"


class ChartView(msgspec.Struct, frozen=True):
    """The chart's answer for one state: enabled events, editable fields, and the review's verdict."""

    enabled: frozenset[str]
    editable: tuple[str, ...] = ()
    review: Review | None = None
    charge: Charge | None = None

    def guards(self) -> dict[str, bool]:
        return guard_values(self.review, self.charge)


def guard_values(verdict: Review | None, charge: Charge | None) -> dict[str, bool]:
    """What the review's guards read: the input is valid, the money is there."""
    return {"ready": bool(verdict and verdict.ready), "funds": bool(charge and charge.enough)}


def review_and_charge(req: Request, entry: ModelEntry, snap: WizardSnapshot) -> tuple[Review, Charge | None]:
    verdict = review(entry, snap, req.ctx.policy)
    charge = None
    if verdict.ready:
        assert verdict.price_kopecks is not None
        charge = charge_for(entry, verdict.price_kopecks, req.loaded.account, req.event.is_admin)
    return verdict, charge


def chart_view(req: Request, entry: ModelEntry, snap: WizardSnapshot) -> ChartView:
    verdict = charge = None
    if snap.state in (chart.REVIEW, chart.INSUFFICIENT):
        verdict, charge = review_and_charge(req, entry, snap)
    guards = guard_values(verdict, charge)
    machine, _ = req.ctx.book.machine(entry, dict(snap.values), snap.state)
    enabled = {event.id for event in machine.enabled_events(**guards)}
    editable: tuple[str, ...] = ()
    if snap.state in (chart.REVIEW, chart.SETTINGS):
        names = chart.ask_order(entry) if snap.state == chart.REVIEW else chart.advanced_order(entry)
        editable = tuple(
            name
            for name in names
            if "edit" in {e.id for e in machine.enabled_events(field_name=name, **guards)}
        )
        if editable:
            enabled.add("edit")
    return ChartView(frozenset(enabled), editable, verdict, charge)


Drawer = Callable[[Request, ModelEntry, WizardSnapshot, ChartView, "str | None"], Screen]


def _card(req: Request, entry: ModelEntry, snap: WizardSnapshot, view: ChartView, note: str | None) -> Screen:
    lang = req.event.lang
    if snap.error:
        note = error_line(localized(snap, lang), lang)
    return card_screen(entry, snap, lang, req.ctx, view.enabled, note=note, account=req.loaded.account)


def _step(req: Request, entry: ModelEntry, snap: WizardSnapshot, view: ChartView, note: str | None) -> Screen:
    lang = req.event.lang
    field = chart.field_of(snap.state)
    assert field is not None
    return step_screen(entry, localized(snap, lang), field, lang, view.enabled, note=note)


def _review(
    req: Request, entry: ModelEntry, snap: WizardSnapshot, view: ChartView, note: str | None
) -> Screen:
    lang = req.event.lang
    assert view.review is not None
    problems = [problem_words(problem, lang) for problem in view.review.problems]
    return review_screen(
        entry, localized(snap, lang), lang, view.enabled, view.editable, charge=view.charge, problems=problems
    )


def _settings(
    req: Request, entry: ModelEntry, snap: WizardSnapshot, view: ChartView, note: str | None
) -> Screen:
    return settings_screen(entry, snap, req.event.lang, view.enabled, view.editable)


def _insufficient(
    req: Request, entry: ModelEntry, snap: WizardSnapshot, view: ChartView, note: str | None
) -> Screen:
    assert view.charge is not None
    return insufficient_screen(entry, snap, req.event.lang, view.enabled, view.charge)


SCREENS: dict[str, Drawer] = {
    chart.CARD: _card,
    "step": _step,
    chart.REVIEW: _review,
    chart.SETTINGS: _settings,
    chart.INSUFFICIENT: _insufficient,
}


def drawer_of(state: str) -> Drawer:
    return SCREENS["step" if chart.field_of(state) is not None else state]


def render(req: Request, entry: ModelEntry, snap: WizardSnapshot, *, note: str | None = None) -> Outcome:
    """Show the screen of the snapshot's state, with a new version for its buttons."""
    snap = bumped(req.session, snap)
    view = chart_view(req, entry, snap)
    if snap.state == chart.INSUFFICIENT and view.guards()["funds"]:
        # The money arrived while this screen was away: the chart's way back leads to the confirm step.
        snap = msgspec.structs.replace(snap, state=follow(req, entry, snap, "back"))
        view = chart_view(req, entry, snap)
    screen = drawer_of(snap.state)(req, entry, snap, view, note)
    return show(req.event, keep(req.session, snap), screen)


def follow(req: Request, entry: ModelEntry, snap: WizardSnapshot, event: str, **params: object) -> str:
    """The state the chart moves to on `event` from the snapshot's state (TransitionNotAllowed if none)."""
    machine, model = req.ctx.book.machine(entry, dict(snap.values), snap.state)
    machine.send(event, **params)
    return str(model.state)


def bumped(session: Session, snap: WizardSnapshot) -> WizardSnapshot:
    return msgspec.structs.replace(snap, version=max(snap.version, session.seq) + 1)


def keep(session: Session, snap: WizardSnapshot) -> Session:
    return Session(place=PLACE, control_message_id=session.control_message_id, flow=snap, seq=snap.version)


def current_snapshot(session: Session) -> WizardSnapshot | None:
    flow = session.flow
    return flow if session.place == PLACE and isinstance(flow, WizardSnapshot) else None
