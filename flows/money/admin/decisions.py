"""Decisions on transfer requests: the request's card, ✅ Подтвердить, 🚫 Отклонить with a reason.

Whether a request can still be decided is what the request chart allows from its stored status; the
row is locked for the update (runtime/preload.py), so two admins tapping at once are decided one after
the other and the second sees who was first.
"""

from __future__ import annotations

import html

from flows.money import common as c
from flows.money.admin.common import LANG, MAX_REASON, edit_or_show, home_row, panel
from flows.money.charts import REQUEST
from flows.money.effects import ApproveTopup, RejectTopup
from flows.money.topup import admin_decision_buttons, admin_request_text
from flows.outcome import Outcome, show
from flows.payloads.money import AdminPending, AdminTopup, DecideReason, OpenBalance, StartTopup
from flows.routing.registry import Request
from flows.screens import Button, Screen, SendScreen
from flows.states import AdminFlow
from flows.texts import t
from flows.views import TopupView

REASONS = ("not_found", "wrong_amount", "no_code", "duplicate")


def _handled_text(request: TopupView) -> str:
    if request.status in ("approved", "rejected"):
        by = html.escape(c.who(request.decided_by or 0, request.decided_by_name))
        key = "admin.already_approved" if request.status == "approved" else "admin.already_rejected"
        return t(LANG, key, code=request.id, by=by, reason=html.escape(request.reason or ""))
    return t(LANG, "admin.not_decidable", code=request.id, status=c.status_text(LANG, request.status))


def _decidable(request: TopupView | None) -> bool:
    return request is not None and REQUEST.allows(request.status, "approve")


def topup_card(req: Request) -> Outcome:
    request = req.loaded.topup
    if request is None:
        return edit_or_show(
            req, req.session, Screen(text=t(LANG, "admin.unknown_topup"), buttons=(home_row(),))
        )
    text = admin_request_text(LANG, request, request.username)
    # The panel asks nothing here (back from «why rejected?» must not leave that question open).
    session = panel(req.session)
    if not _decidable(request):
        text += "\n\n" + _handled_text(request)
        return show(req.event, session, Screen(text=text, buttons=(home_row(),)))
    buttons = (
        *admin_decision_buttons(request.id),
        (Button(t(LANG, "nav.back"), data=AdminPending().data()),),
    )
    return show(req.event, session, Screen(text=text, buttons=buttons))


def _already(req: Request) -> Outcome:
    """The "unknown / already handled" answers, on the message the admin tapped."""
    request = req.loaded.topup
    if request is None:
        return edit_or_show(req, req.session, Screen(text=t(LANG, "admin.unknown_topup")))
    text = admin_request_text(LANG, request, request.username) + "\n\n" + _handled_text(request)
    return edit_or_show(req, req.session, Screen(text=text), notice=t(LANG, "admin.already_notice"))


def approve(req: Request) -> Outcome:
    request = req.loaded.topup
    if request is None or not _decidable(request):
        return _already(req)
    me = html.escape(c.who(req.event.user_id, req.event.username))
    text = admin_request_text(LANG, request, request.username) + "\n\n" + t(LANG, "admin.approved_by", by=me)
    outcome = edit_or_show(
        req, req.session, Screen(text=text, buttons=(home_row(),)), notice=t(LANG, "admin.done")
    )
    user_lang = request.user_lang
    note = Screen(
        text=t(user_lang, "money.credited", amount=c.rub(request.amount_kopecks), code=request.id),
        buttons=((Button(t(user_lang, "balance.button"), data=OpenBalance().data()),), c.menu_row(user_lang)),
    )
    return Outcome(
        session=outcome.session,
        actions=(*outcome.actions, SendScreen(request.user_id, note, control=False)),
        effects=(ApproveTopup(request.id, req.event.user_id),),
    )


def ask_reason(req: Request) -> Outcome:
    request = req.loaded.topup
    if request is None or not _decidable(request):
        return _already(req)
    text = admin_request_text(LANG, request, request.username) + "\n\n" + t(LANG, "admin.reason_prompt")
    buttons = [
        (Button(t(LANG, f"admin.reason.{key}"), data=DecideReason(request.id, i).data()),)
        for i, key in enumerate(REASONS)
    ]
    buttons.append((Button(t(LANG, "nav.back"), data=AdminTopup(request.id).data()),))
    outcome = edit_or_show(req, req.session, Screen(text=text, buttons=tuple(buttons)))
    flow = AdminFlow(ask="reject", topup_id=request.id)
    return Outcome(session=panel(req.session, flow), actions=outcome.actions)


def reject(req: Request, reason_ru: str, reason_user: str | None = None) -> Outcome:
    request = req.loaded.topup
    if request is None or not _decidable(request):
        return _already(req)
    me = html.escape(c.who(req.event.user_id, req.event.username))
    text = (
        admin_request_text(LANG, request, request.username)
        + "\n\n"
        + t(LANG, "admin.rejected_by", by=me, reason=html.escape(reason_ru))
    )
    outcome = edit_or_show(
        req, panel(req.session), Screen(text=text, buttons=(home_row(),)), notice=t(LANG, "admin.done")
    )
    user_lang = request.user_lang
    note = Screen(
        text=t(
            user_lang,
            "money.rejected",
            code=request.id,
            amount=c.rub(request.amount_kopecks),
            reason=html.escape(reason_user or reason_ru),
        ),
        buttons=((Button(t(user_lang, "money.topup"), data=StartTopup().data()),), c.menu_row(user_lang)),
    )
    return Outcome(
        session=outcome.session,
        actions=(*outcome.actions, SendScreen(request.user_id, note, control=False)),
        effects=(RejectTopup(request.id, req.event.user_id, reason_ru),),
    )


def reject_with_preset(req: Request) -> Outcome:
    index = req.payload.reason
    if index >= len(REASONS):
        return ask_reason(req)
    key = f"admin.reason.{REASONS[index]}"
    request = req.loaded.topup
    user_lang = request.user_lang if request is not None else "ru"
    return reject(req, t(LANG, key), t(user_lang, key))


def reject_with_text(req: Request) -> Outcome | None:
    reason = (req.event.text or "").strip()[:MAX_REASON]
    if not reason:
        return None
    return reject(req, reason)
