"""💰 Баланс: money, today's free quota, waiting top-ups (with cancel) and the last operations."""

from __future__ import annotations

import html

from flows.money import common as c
from flows.outcome import Outcome, show
from flows.payloads.money import OpenHistory, StartTopup, TopupCancel
from flows.payloads.plan import OpenPlan
from flows.preload import Loaded
from flows.routing.registry import Request
from flows.screens import Button, Screen
from flows.texts import t
from flows.views import OperationView, TopupView

MAX_OPERATIONS = 8
PLACE = "balance"


def balance_screen(lang: str, loaded: Loaded, *, notice: str | None = None) -> Screen:
    account = loaded.account
    lines = []
    if notice:
        lines += [notice, ""]
    lines.append(t(lang, "balance.title", balance=c.rub(account.available_kopecks)))
    if account.held_kopecks:
        lines.append(t(lang, "balance.held", held=c.rub(account.held_kopecks)))
    if account.free_quota:
        lines.append(t(lang, "balance.free_today", left=account.free_left, quota=account.free_quota))
    if account.plan_until is not None:  # the monthly plan (flows/money/plan.py) is paid until then
        lines.append(
            t(lang, "plan.balance_line", until=account.plan_until.astimezone(c.MOSCOW).strftime("%d.%m.%Y"))
        )
    rows: list[tuple[Button, ...]] = [
        (
            Button(t(lang, "money.topup"), data=StartTopup().data()),
            Button(t(lang, "history.button"), data=OpenHistory().data()),
        ),
        (Button(t(lang, "plan.open_button"), data=OpenPlan().data()),),
    ]
    if loaded.pending:
        lines += ["", t(lang, "balance.pending_title")]
        for request in loaded.pending:
            lines.append(pending_line(lang, request))
            label = t(lang, "balance.cancel_request", code=request.id)
            rows.append((Button(label, data=TopupCancel(request.id).data()),))
    operations = loaded.operations[:MAX_OPERATIONS]
    lines += ["", t(lang, "balance.operations_title")]
    if operations:
        lines += [operation_line(lang, op) for op in operations]
    else:
        lines.append(t(lang, "balance.no_operations"))
    rows.append(c.menu_row(lang))
    return Screen(text="\n".join(lines), buttons=tuple(rows))


def pending_line(lang: str, request: TopupView) -> str:
    return t(
        lang,
        "balance.pending_line",
        code=request.id,
        amount=c.rub(request.amount_kopecks),
        status=c.status_text(lang, request.status),
        at=c.when(request.created_at),
    )


def operation_line(lang: str, op: OperationView) -> str:
    reference = op.reference.split(":", 1)[0] if op.kind in ("hold", "capture", "release") else op.reference
    return t(
        lang,
        "balance.operation_line",
        at=c.when(op.at),
        change=c.signed_rub(op.change_kopecks) if op.change_kopecks else "0 ₽",
        what=t(lang, f"balance.kind.{op.kind}"),
        reference=html.escape(reference),
    )


def show_balance(req: Request, *, notice: str | None = None, loaded: Loaded | None = None) -> Outcome:
    screen = balance_screen(req.event.lang, loaded or req.loaded, notice=notice)
    return show(req.event, req.session.at(PLACE), screen)
