"""/admin → 📊 Маржа: the report for 1, 7 or 30 days, and the ledger of the period as a CSV document.
Admins only (for anyone else the buttons are stale). The runtime loads the rows (runtime/preload.py,
persistence/margin.py: one query each); everything here is pure."""

from __future__ import annotations

from flows.incoming import Incoming
from flows.margin.report import build
from flows.margin.screens import csv_document, report_screen
from flows.money.admin.common import LANG, edit_or_show, panel
from flows.outcome import Outcome
from flows.payloads.margin import MarginCsv, MarginReport
from flows.preload import Needs
from flows.routing.registry import Declaration, OnCallback, Request, Route
from flows.screens import Action, AnswerCallback
from flows.session import Session
from flows.texts import t


def _report_needs(event: Incoming, payload: MarginReport, session: Session) -> Needs:
    return Needs(margin_days=payload.days)


def _csv_needs(event: Incoming, payload: MarginCsv, session: Session) -> Needs:
    return Needs(ledger_days=payload.days)


def open_report(req: Request) -> Outcome:
    payload = req.payload
    assert isinstance(payload, MarginReport)
    report = build(payload.days, req.loaded.margin)
    screen = report_screen(LANG, report, req.event.now, req.ctx.policy)
    return edit_or_show(req, panel(req.session), screen)


def send_csv(req: Request) -> Outcome:
    payload = req.payload
    assert isinstance(payload, MarginCsv)
    event, lines = req.event, req.loaded.ledger
    actions: list[Action] = []
    if not lines:
        if event.callback_id:
            actions.append(AnswerCallback(event.callback_id, text=t(LANG, "margin.csv_empty"), alert=True))
        return Outcome(session=panel(req.session), actions=tuple(actions))
    if event.callback_id:
        actions.append(AnswerCallback(event.callback_id, text=t(LANG, "margin.csv_sent")))
    actions.append(csv_document(event.chat_id, LANG, payload.days, lines, event.now))
    return Outcome(session=panel(req.session), actions=tuple(actions))


DECLARATIONS: tuple[Declaration, ...] = (
    OnCallback(MarginReport, Route("margin_report", open_report, needs=_report_needs, admin_only=True)),
    OnCallback(MarginCsv, Route("margin_csv", send_csv, needs=_csv_needs, admin_only=True)),
)
