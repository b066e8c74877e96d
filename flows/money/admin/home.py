"""The panel's home (figures) and the list of top-ups waiting for an admin."""

from __future__ import annotations

import html

from flows.money import common as c
from flows.money.admin.common import LANG, home_row, panel
from flows.outcome import Outcome, show
from flows.payloads.broadcast import BcStart
from flows.payloads.growth import AdminPromos
from flows.payloads.margin import MarginReport
from flows.payloads.money import AdminFindJob, AdminFindUser, AdminPending, AdminTopup
from flows.preload import Loaded
from flows.routing.registry import Request
from flows.screens import Button, Screen
from flows.texts import t


def home_screen(loaded: Loaded, *, notice: str | None = None) -> Screen:
    stats = loaded.stats
    lines = [notice, ""] if notice else []
    lines.append(t(LANG, "admin.title"))
    if stats is not None:
        jobs = ", ".join(f"{k}: {v}" for k, v in sorted(stats.jobs_today.items())) or "0"
        kie = f"{stats.kie_credits:g}" if stats.kie_credits is not None else "—"
        lines.append(
            t(
                LANG,
                "admin.stats",
                users=stats.users,
                active=stats.active_today,
                jobs=jobs,
                revenue_today=c.rub(stats.revenue_today),
                revenue_30d=c.rub(stats.revenue_30d),
                holds=stats.open_holds,
                holds_sum=c.rub(stats.open_holds_kopecks),
                kie=kie,
            )
        )
    pending = stats.pending_topups if stats is not None else len(loaded.pending)
    return Screen(
        text="\n".join(lines),
        buttons=(
            (Button(t(LANG, "admin.pending_button", count=pending), data=AdminPending().data()),),
            (
                Button(t(LANG, "admin.find_user"), data=AdminFindUser().data()),
                Button(t(LANG, "admin.find_job"), data=AdminFindJob().data()),
            ),
            (Button(t(LANG, "margin.button"), data=MarginReport(7).data()),),
            (Button(t(LANG, "growth.admin_button"), data=AdminPromos().data()),),
            (Button(t(LANG, "bc.open"), data=BcStart().data()),),
            c.menu_row(LANG),
        ),
    )


def open_home(req: Request, *, notice: str | None = None) -> Outcome:
    return show(req.event, panel(req.session), home_screen(req.loaded, notice=notice))


def pending_screen(loaded: Loaded) -> Screen:
    pending = loaded.pending
    if not pending:
        return Screen(text=t(LANG, "admin.pending_empty"), buttons=(home_row(),))
    lines = [t(LANG, "admin.pending_title")]
    buttons = []
    for request in pending[:20]:
        lines.append(
            t(
                LANG,
                "admin.pending_line",
                code=request.id,
                amount=c.rub(request.amount_kopecks),
                who=html.escape(c.who(request.user_id, request.username)),
                status=c.status_text(LANG, request.status),
                at=c.when(request.created_at),
            )
        )
        label = f"{request.id} · {c.rub(request.amount_kopecks)}"
        buttons.append((Button(label, data=AdminTopup(request.id).data()),))
    buttons.append(home_row())
    return Screen(text="\n".join(lines), buttons=tuple(buttons))


def open_pending(req: Request) -> Outcome:
    return show(req.event, panel(req.session), pending_screen(req.loaded))
