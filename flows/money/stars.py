"""Telegram Stars: packs priced by the policy's stars_per_rub → an invoice (XTR, one price, payload =
order id) → pre-checkout validated against the order → credit only on successful_payment, once per
telegram_payment_charge_id. /paysupport tells how to get help and the refund policy."""

from __future__ import annotations

import html
import math
from fractions import Fraction

from flows import ids
from flows.context import FlowContext
from flows.menus.screens import support_contact_url
from flows.money import common as c
from flows.money.effects import CreateStarsOrder, PayStarsOrder
from flows.money.topup import step_after
from flows.outcome import Outcome, show
from flows.payloads.money import OpenBalance, StarsPack, StartTopup, TopupStars
from flows.routing.registry import Request
from flows.screens import AnswerPreCheckout, Button, Screen, SendInvoice, SendScreen
from flows.states import TopupFlow
from flows.texts import t

PACKS_RUB = c.PRESETS_RUB
CURRENCY = "XTR"


def stars_for(kopecks: int, ctx: FlowContext) -> int:
    """Whole Stars for an amount, rounded up, at least one."""
    per_rub = Fraction(str(ctx.policy.stars_per_rub)) if ctx.policy is not None else Fraction(1)
    return max(1, math.ceil(Fraction(kopecks, 100) * per_rub))


def packs_screen(lang: str, ctx: FlowContext) -> Screen:
    buttons = [
        (
            Button(
                t(lang, "stars.pack", amount=c.rub(r * 100), stars=stars_for(r * 100, ctx)),
                data=StarsPack(r).data(),
            ),
        )
        for r in PACKS_RUB
    ]
    buttons.append(c.back_row(lang, StartTopup().data()))
    return Screen(text=t(lang, "stars.title"), buttons=tuple(buttons))


def open_packs(req: Request) -> Outcome:
    flow = TopupFlow(step=step_after("amount", "choose_stars"), resume=c.topup_flow(req.session).resume)
    return show(req.event, req.session.at(c.PLACE, flow), packs_screen(req.event.lang, req.ctx))


def on_pack(req: Request) -> Outcome:
    event, lang, ctx = req.event, req.event.lang, req.ctx
    if req.payload.rubles not in PACKS_RUB:
        return open_packs(req)
    amount = req.payload.rubles * 100
    stars = stars_for(amount, ctx)
    order_id = ids.code("S", event.entropy)
    invoice = SendInvoice(
        chat_id=event.chat_id,
        title=t(lang, "stars.invoice_title"),
        description=t(lang, "stars.invoice_description", amount=c.rub(amount)),
        payload=order_id,
        label=t(lang, "stars.invoice_label", amount=c.rub(amount)),
        stars=stars,
    )
    screen = Screen(
        text=t(lang, "stars.invoice_sent", amount=c.rub(amount), stars=stars),
        buttons=(c.back_row(lang, TopupStars().data()),),
    )
    flow = TopupFlow(step=step_after("stars", "pack"), resume=c.topup_flow(req.session).resume)
    outcome = show(event, req.session.at(c.PLACE, flow), screen)
    return Outcome(
        session=outcome.session,
        actions=(*outcome.actions, invoice),
        effects=(CreateStarsOrder(order_id, event.user_id, amount, stars),),
    )


def on_pre_checkout(req: Request) -> Outcome:
    """Answer at once: ok only for this user's open order with exactly its Stars; never to a blocked user."""
    event, session, lang = req.event, req.session, req.event.lang
    payment = event.payment
    order = req.loaded.order
    problem: str | None = None
    if payment is None or payment.query_id is None:
        return Outcome(session=session)
    if req.loaded.blocked and not event.is_admin:
        problem = "money.blocked"
    elif order is None or order.user_id != event.user_id:
        problem = "stars.error_unknown"
    elif order.status != "open":
        problem = "stars.error_paid"
    elif payment.currency != CURRENCY or payment.total_amount != order.stars:
        problem = "stars.error_amount"
    answer = AnswerPreCheckout(
        payment.query_id, ok=problem is None, error_message=t(lang, problem) if problem else None
    )
    return Outcome(session=session, actions=(answer,))


def on_payment(req: Request) -> Outcome:
    """Credit a successful Stars payment once per charge id; a repeat changes and says nothing."""
    incoming, session, ctx, lang = req.event, req.session, req.ctx, req.event.lang
    payment = incoming.payment
    if payment is None or not payment.charge_id or req.loaded.order_charged:
        return Outcome(session=session)
    order = req.loaded.order
    if order is None or order.user_id != incoming.user_id or payment.currency != CURRENCY:
        # Telegram took the Stars but the order is not ours to credit: a human looks at it.
        text = t(
            "ru",
            "admin.stars_unmatched",
            who=html.escape(c.who(incoming.user_id, incoming.username)),
            payload=html.escape(payment.payload[:64]),
            stars=payment.total_amount,
            charge=html.escape(payment.charge_id),
        )
        alerts = tuple(SendScreen(a, Screen(text=text), control=False) for a in ctx.admin_ids)
        outcome = show(
            incoming, session, Screen(text=t(lang, "stars.unmatched"), buttons=(c.menu_row(lang),))
        )
        return Outcome(session=outcome.session, actions=outcome.actions + alerts)
    rows: list[tuple[Button, ...]] = [(Button(t(lang, "balance.button"), data=OpenBalance().data()),)]
    resume = c.topup_flow(session).resume
    if resume is not None:  # back to what the top-up was for, in one tap
        rows.insert(0, (Button(c.resume_label(lang, resume), data=c.resume_data(resume)),))
    screen = Screen(
        text=t(lang, "stars.credited", amount=c.rub(order.amount_kopecks), stars=payment.total_amount),
        buttons=(*rows, c.menu_row(lang)),
    )
    outcome = show(incoming, session, screen)
    effect = PayStarsOrder(order.id, incoming.user_id, payment.charge_id, order.amount_kopecks)
    return Outcome(session=outcome.session, actions=outcome.actions, effects=(effect,))


def paysupport_screen(lang: str, ctx: FlowContext) -> Screen:
    contact = ctx.support_telegram
    return Screen(
        text=t(lang, "stars.paysupport", contact=html.escape(contact)),
        buttons=((Button(t(lang, "menu.support"), url=support_contact_url(contact)),), c.menu_row(lang)),
    )
