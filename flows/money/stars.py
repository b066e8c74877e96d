"""Telegram Stars: packs of the policy's stars_packs (their ruble value at stars_per_rub, plus a bonus
on the larger ones) → an invoice (XTR, one price, payload =
order id) → pre-checkout validated against the order → credit only on successful_payment, once per
telegram_payment_charge_id. /paysupport tells how to get help and the refund policy."""

from __future__ import annotations

import html
import math
from fractions import Fraction
from typing import NamedTuple

from flows import ids
from flows.context import FlowContext
from flows.menus.screens import support_contact_url
from flows.money import common as c
from flows.money import plan
from flows.money.effects import CreateStarsOrder, PayStarsOrder
from flows.money.topup import step_after
from flows.outcome import Outcome, show
from flows.payloads.money import OpenBalance, StartTopup, TopupStars
from flows.payloads.plan import OpenPlan, StarsOffer
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


class PackValue(NamedTuple):
    """What a pack of Stars puts on the balance: its ruble value and the bonus, in kopecks."""

    stars: int
    value_kopecks: int  # stars ÷ stars_per_rub, rounded down to a kopeck
    bonus_kopecks: int  # bonus_percent of the value, rounded down to a kopeck

    @property
    def total_kopecks(self) -> int:
        return self.value_kopecks + self.bonus_kopecks


def pack_value(stars: int, ctx: FlowContext) -> PackValue | None:
    """The policy's pack of this many Stars, or None when it offers no such pack."""
    policy = ctx.policy
    if policy is None or stars not in policy.stars_packs:
        return None
    bonus_percent = policy.stars_pack_bonus_percent[policy.stars_packs.index(stars)]
    value = math.floor(Fraction(stars * 100) / Fraction(str(policy.stars_per_rub)))
    return PackValue(stars, value, math.floor(Fraction(value * bonus_percent, 100)))


def packs_screen(lang: str, ctx: FlowContext) -> Screen:
    buttons: list[tuple[Button, ...]] = []
    for stars in ctx.policy.stars_packs if ctx.policy is not None else ():
        pack = pack_value(stars, ctx)
        assert pack is not None
        key = "stars.pack_bonus" if pack.bonus_kopecks else "stars.pack_value"
        label = t(lang, key, stars=stars, amount=c.rub(pack.value_kopecks), bonus=c.rub(pack.bonus_kopecks))
        buttons.append((Button(label, data=StarsOffer(stars).data()),))
    buttons.append((Button(t(lang, "plan.open_button"), data=OpenPlan().data()),))
    buttons.append(c.back_row(lang, StartTopup().data()))
    return Screen(text=t(lang, "stars.title"), buttons=tuple(buttons))


def open_packs(req: Request) -> Outcome:
    flow = TopupFlow(step=step_after("amount", "choose_stars"), resume=c.topup_flow(req.session).resume)
    return show(req.event, req.session.at(c.PLACE, flow), packs_screen(req.event.lang, req.ctx))


def on_offer(req: Request) -> Outcome:
    """A pack of the policy's stars_packs: its ruble value plus its bonus is what the order credits."""
    pack = pack_value(req.payload.stars, req.ctx)
    if pack is None:
        return open_packs(req)
    return _invoice(req, pack.total_kopecks, pack.stars)


def on_pack(req: Request) -> Outcome:
    """A ruble pack (buttons sent before Stars packs; still honoured): rubles × stars_per_rub, up."""
    if req.payload.rubles not in PACKS_RUB:
        return open_packs(req)
    amount = req.payload.rubles * 100
    return _invoice(req, amount, stars_for(amount, req.ctx))


def _invoice(req: Request, amount: int, stars: int) -> Outcome:
    event, lang = req.event, req.event.lang
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
    elif order.kind == "plan" and plan.renewing(req.loaded.plan):
        problem = "plan.error_active"  # an older subscription link: one renewing plan at a time
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
    if order.kind == "plan":  # a period of the monthly plan (the first or a renewal)
        return plan.on_payment(req, order)
    rows: list[tuple[Button, ...]] = [(Button(t(lang, "balance.button"), data=OpenBalance().data()),)]
    resume = c.topup_flow(session).resume
    if resume is not None:  # back to what the top-up was for, in one tap
        rows.insert(0, (Button(c.resume_label(lang, resume), data=c.resume_data(resume)),))
    screen = Screen(
        text=t(lang, "stars.credited", amount=c.rub(order.amount_kopecks), stars=payment.total_amount),
        buttons=(*rows, c.menu_row(lang)),
    )
    outcome = show(incoming, session, screen)
    pack = pack_value(order.stars, ctx)
    bonus = pack.bonus_kopecks if pack is not None and pack.total_kopecks == order.amount_kopecks else 0
    effect = PayStarsOrder(order.id, incoming.user_id, payment.charge_id, order.amount_kopecks, bonus)
    return Outcome(session=outcome.session, actions=outcome.actions, effects=(effect,))


def paysupport_screen(lang: str, ctx: FlowContext, refund: tuple[Button, ...] = ()) -> Screen:
    """/paysupport; `refund`: the button refunding the last period of the monthly plan, if any."""
    contact = ctx.support_telegram
    rows = ((Button(t(lang, "menu.support"), url=support_contact_url(contact)),), c.menu_row(lang))
    return Screen(
        text=t(lang, "stars.paysupport", contact=html.escape(contact)),
        buttons=(refund, *rows) if refund else rows,
    )
