"""A user in the panel: balance, operations, block/unblock, credit/debit (typed, then confirmed),
and refunds of their Stars payments."""

from __future__ import annotations

import html

import msgspec

from flows import ids
from flows.money import common as c
from flows.money.admin.common import LANG, MAX_ADJUST, MAX_REASON, home_row, panel
from flows.money.admin.home import open_home
from flows.money.balance import operation_line
from flows.money.effects import AdjustBalance, RefundStarsOrder, SetBlocked
from flows.outcome import Effect, Outcome, show
from flows.payloads.money import (
    AdminAdjustConfirm,
    AdminBlock,
    AdminCredit,
    AdminDebit,
    AdminHome,
    AdminStarsRefund,
    AdminUser,
)
from flows.routing.registry import Request
from flows.screens import Button, EditStarSubscription, RefundStarPayment, Screen
from flows.states import Adjustment, AdminAsk, AdminFlow
from flows.texts import t
from flows.views import UserView


def user_screen(user: UserView, *, notice: str | None = None) -> Screen:
    lines = [notice, ""] if notice else []
    lines.append(
        t(
            LANG,
            "admin.user",
            who=html.escape(c.who(user.id, user.username)),
            name=html.escape(user.first_name or "—"),
            available=c.rub(user.available_kopecks),
            held=c.rub(user.held_kopecks),
            state=t(LANG, "admin.user_blocked" if user.blocked else "admin.user_active"),
        )
    )
    if user.operations:
        lines += ["", t(LANG, "balance.operations_title")]
        lines += [operation_line(LANG, op) for op in user.operations[:10]]
    buttons: list[tuple[Button, ...]] = [
        (
            Button(t(LANG, "admin.credit"), data=AdminCredit(user.id).data()),
            Button(t(LANG, "admin.debit"), data=AdminDebit(user.id).data()),
        ),
        (
            Button(t(LANG, "admin.unblock"), data=AdminBlock(user.id, 0).data())
            if user.blocked
            else Button(t(LANG, "admin.block"), data=AdminBlock(user.id, 1).data()),
        ),
    ]
    for order in user.stars_orders:
        if order.status == "paid":
            label = t(
                LANG,
                "admin.stars_refund",
                code=order.id,
                stars=order.stars,
                amount=c.rub(order.amount_kopecks),
            )
            buttons.append((Button(label, data=AdminStarsRefund(order.id).data()),))
    buttons.append(home_row())
    return Screen(text="\n".join(lines), buttons=tuple(buttons))


def user_card(req: Request, *, notice: str | None = None) -> Outcome:
    user = req.loaded.user
    if user is None:
        return ask(req, "user", problem=t(LANG, "admin.user_not_found"))
    return show(req.event, panel(req.session), user_screen(user, notice=notice))


def set_blocked(req: Request) -> Outcome:
    user = req.loaded.user
    blocked = req.payload.block == 1
    if user is None:
        return user_card(req)
    if user.id == req.event.user_id and blocked:
        return user_card(req, notice=t(LANG, "admin.cannot_block_self"))
    shown = msgspec.structs.replace(user, blocked=blocked)
    notice = t(LANG, "admin.blocked_done" if blocked else "admin.unblocked_done")
    outcome = show(req.event, panel(req.session), user_screen(shown, notice=notice))
    effects: tuple[Effect, ...] = ()
    if user.blocked != blocked:
        effects = (SetBlocked(user.id, blocked, req.event.user_id),)
    return Outcome(session=outcome.session, actions=outcome.actions, effects=effects)


def ask(
    req: Request, what: AdminAsk, *, problem: str | None = None, user_id: int | None = None, sign: int = 1
) -> Outcome:
    """A question the admin answers by typing: which user, which job, how much to credit/debit."""
    key = {"adjust": "credit" if sign > 0 else "debit"}.get(what, what)
    extra = {"user_id": user_id} if user_id is not None else {}
    text = t(LANG, f"admin.ask_{key}", **extra)
    if problem:
        text = f"⚠️ {problem}\n\n{text}"
    back = AdminUser(user_id).data() if user_id is not None else AdminHome().data()
    flow = AdminFlow(ask=what, user_id=user_id, sign=1 if sign > 0 else -1)
    screen = Screen(text=text, buttons=((Button(t(LANG, "nav.back"), data=back),),))
    return show(req.event, panel(req.session, flow), screen)


def ask_credit(req: Request) -> Outcome:
    return ask(req, "adjust", user_id=req.payload.user_id, sign=1)


def ask_debit(req: Request) -> Outcome:
    return ask(req, "adjust", user_id=req.payload.user_id, sign=-1)


def on_adjust_text(req: Request, flow: AdminFlow) -> Outcome:
    assert flow.user_id is not None
    amount_text, _, reason = (req.event.text or "").strip().partition(" ")
    amount = c.parse_amount(amount_text)
    reason = reason.strip()[:MAX_REASON]
    if amount is None or not 0 < amount <= MAX_ADJUST or not reason:
        return ask(req, "adjust", problem=t(LANG, "admin.adjust_bad"), user_id=flow.user_id, sign=flow.sign)
    signed = amount * flow.sign
    token = ids.token(req.event.entropy)
    key = f"adj:{req.event.user_id}:{token}"
    pending = Adjustment(flow.user_id, signed, reason, key)
    what = "credit" if signed > 0 else "debit"
    text = t(
        LANG,
        f"admin.adjust_confirm_{what}",
        amount=c.rub(amount),
        user_id=flow.user_id,
        reason=html.escape(reason),
    )
    buttons = (
        (
            Button(
                t(LANG, "admin.approve") + " · " + c.signed_rub(signed), data=AdminAdjustConfirm(token).data()
            ),
        ),
        (Button(t(LANG, "nav.cancel"), data=AdminUser(flow.user_id).data()),),
    )
    flow = AdminFlow(ask="confirm", adjustment=pending)
    return show(req.event, panel(req.session, flow), Screen(text=text, buttons=buttons))


def pending_adjustment(req: Request) -> Adjustment | None:
    flow = req.session.flow
    if req.session.place != c.ADMIN_PLACE or not isinstance(flow, AdminFlow):
        return None
    return flow.adjustment


def adjust(req: Request) -> Outcome:
    pending = pending_adjustment(req)
    if pending is None or not pending.key.endswith(":" + req.payload.token):
        return open_home(req, notice=t(LANG, "admin.adjust_stale"))
    user = req.loaded.user
    amount = pending.amount_kopecks
    if user is None:
        return open_home(req, notice=t(LANG, "admin.user_not_found"))
    if amount < 0 and user.available_kopecks < -amount:
        notice = t(LANG, "admin.adjust_too_much", available=c.rub(user.available_kopecks))
        return show(req.event, panel(req.session), user_screen(user, notice=notice))
    shown = msgspec.structs.replace(user, available_kopecks=user.available_kopecks + amount)
    notice = t(LANG, "admin.adjust_done", amount=c.signed_rub(amount))
    outcome = show(req.event, panel(req.session), user_screen(shown, notice=notice))
    effect = AdjustBalance(user.id, amount, pending.reason, req.event.user_id, pending.key)
    return Outcome(session=outcome.session, actions=outcome.actions, effects=(effect,))


def refund_stars(req: Request) -> Outcome:
    order, user = req.loaded.order, req.loaded.user
    if order is None or user is None:
        return open_home(req, notice=t(LANG, "admin.unknown_order"))
    if order.status != "paid" or not order.charge_id:
        return show(
            req.event,
            panel(req.session),
            user_screen(user, notice=t(LANG, "admin.order_not_paid", code=order.id)),
        )
    if user.available_kopecks < order.amount_kopecks:
        notice = t(
            LANG,
            "admin.refund_spent",
            code=order.id,
            amount=c.rub(order.amount_kopecks),
            available=c.rub(user.available_kopecks),
        )
        return show(req.event, panel(req.session), user_screen(user, notice=notice))
    shown = msgspec.structs.replace(
        user,
        available_kopecks=user.available_kopecks - order.amount_kopecks,
        stars_orders=tuple(o for o in user.stars_orders if o.id != order.id),
    )
    notice = t(LANG, "admin.stars_refunded", code=order.id, stars=order.stars)
    outcome = show(req.event, panel(req.session), user_screen(shown, notice=notice))
    refund = RefundStarPayment(order.user_id, order.charge_id)
    # A monthly plan's period: its renewals stop too (runtime/money.py ends the plan if it was the last).
    stop = (
        (EditStarSubscription(order.user_id, order.charge_id, is_canceled=True),)
        if order.kind == "plan"
        else ()
    )
    return Outcome(
        session=outcome.session,
        actions=(*outcome.actions, *stop, refund),
        effects=(RefundStarsOrder(order.id, req.event.user_id),),
    )
