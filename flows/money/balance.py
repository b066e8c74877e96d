"""💰 Баланс: money, today's free quota, waiting top-ups (with cancel) and the last operations."""

from __future__ import annotations

import html

from flows.incoming import Incoming
from flows.money import common as c
from flows.money.lookup import MoneyLookup, OperationView, TopupView
from flows.outcome import Outcome, show
from flows.screens import Button, Screen
from flows.session import Session
from flows.texts import t

MAX_OPERATIONS = 8


def balance_screen(incoming: Incoming, lookup: MoneyLookup, *, notice: str | None = None) -> Screen:
    lang = incoming.lang
    account = incoming.account
    lines = []
    if notice:
        lines += [notice, ""]
    available = account.available_kopecks if account else 0
    lines.append(t(lang, "balance.title", balance=c.rub(available)))
    if account and account.held_kopecks:
        lines.append(t(lang, "balance.held", held=c.rub(account.held_kopecks)))
    if account and account.free_quota:
        lines.append(t(lang, "balance.free_today", left=account.free_left, quota=account.free_quota))
    rows: list[tuple[Button, ...]] = [
        (Button(t(lang, "money.topup"), data=c.TOPUP), Button(t(lang, "history.button"), data=c.HISTORY))
    ]
    if lookup.pending:
        lines += ["", t(lang, "balance.pending_title")]
        for request in lookup.pending:
            lines.append(pending_line(lang, request))
            rows.append(
                (
                    Button(
                        t(lang, "balance.cancel_request", code=request.id), data=c.TOPUP_CANCEL + request.id
                    ),
                )
            )
    operations = lookup.operations[:MAX_OPERATIONS]
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


def show_balance(incoming: Incoming, session: Session, *, notice: str | None = None) -> Outcome:
    screen = balance_screen(incoming, c.lookup_of(incoming), notice=notice)
    return show(incoming, c.at(session, "balance"), screen)
