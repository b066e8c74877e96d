"""The monthly plan: a Telegram Stars subscription (30 days a period). Each paid period credits the
policy's plan_credit_rub and, while paid, raises the free daily quota to plan_free_daily_quota.

Telegram sends a successful_payment for the first period and for every renewal (same invoice payload,
is_recurring, a new charge id) and nothing when the user cancels or a renewal fails: the plan is a row
with paid_until, active while paid_until is ahead. «Отменить подписку» cancels the renewals at Telegram
(editUserStarSubscription) and keeps the plan until paid_until. /paysupport offers a refund of the last
period (refundStarPayment + a ledger reversal of its credit) while that credit is unspent.
"""

from __future__ import annotations

import datetime as dt

from flows import ids
from flows.context import FlowContext
from flows.money import common as c
from flows.money.plan_effects import CancelPlan, CreatePlanOrder, PayPlanPeriod, RefundPlanPeriod
from flows.outcome import Outcome, show
from flows.payloads.money import OpenBalance, TopupStars
from flows.payloads.plan import (
    OpenPlan,
    PlanCancel,
    PlanCancelConfirm,
    PlanRefund,
    PlanRefundConfirm,
    PlanSubscribe,
)
from flows.routing.registry import Request
from flows.screens import Button, EditStarSubscription, RefundStarPayment, Screen, SendPlanInvoice
from flows.texts import t
from flows.views import OrderView, PlanView

PERIOD_SECONDS = 30 * 24 * 3600  # Telegram's only subscription period: 2592000 s
PERIOD = dt.timedelta(seconds=PERIOD_SECONDS)


def _date(moment: dt.datetime) -> str:
    return moment.astimezone(c.MOSCOW).strftime("%d.%m.%Y")


def credit_kopecks(ctx: FlowContext) -> int:
    return ctx.policy.plan_credit_rub * 100 if ctx.policy is not None else 0


def _quotas(ctx: FlowContext) -> dict[str, int]:
    policy = ctx.policy
    return {
        "quota": policy.free_daily_quota if policy else 0,
        "plan_quota": policy.plan_free_daily_quota if policy else 0,
    }


def renewing(plan: PlanView | None) -> bool:
    """Paid and still renewing (not cancelled, not refunded)."""
    return plan is not None and plan.active and plan.status == "active"


def plan_screen(lang: str, ctx: FlowContext, plan: PlanView | None) -> Screen:
    stars = ctx.policy.plan_stars if ctx.policy is not None else 0
    terms = t(lang, "plan.terms", stars=stars, credit=c.rub(credit_kopecks(ctx)), **_quotas(ctx))
    back = c.back_row(lang, TopupStars().data())
    if renewing(plan):
        text = t(lang, "plan.active", until=_date(plan.paid_until), stars=plan.last_stars)
        cancel = (Button(t(lang, "plan.cancel_button"), data=PlanCancel().data()),)
        return Screen(text=f"{text}\n\n{terms}", buttons=(cancel, back))
    if plan is not None and plan.active:  # canceled: runs out at paid_until
        text = t(lang, "plan.canceled", until=_date(plan.paid_until))
        return Screen(text=f"{text}\n\n{terms}", buttons=(back,))
    subscribe = (Button(t(lang, "plan.subscribe_button", stars=stars), data=PlanSubscribe().data()),)
    lapsed = t(lang, "plan.lapsed", until=_date(plan.paid_until)) + "\n\n" if plan is not None else ""
    return Screen(text=f"{lapsed}{t(lang, 'plan.title')}\n{terms}", buttons=(subscribe, back))


def open_plan(req: Request) -> Outcome:
    return show(req.event, req.session.at(c.PLACE, c.topup_flow(req.session)), _screen(req))


def _screen(req: Request) -> Screen:
    return plan_screen(req.event.lang, req.ctx, req.loaded.plan)


def on_subscribe(req: Request) -> Outcome:
    """The subscription invoice: an order of kind 'plan' whose id is the payload of every period."""
    event, lang, ctx, plan = req.event, req.event.lang, req.ctx, req.loaded.plan
    if ctx.policy is None or renewing(plan):
        return open_plan(req)  # already subscribed: nothing to buy twice
    stars, credit = ctx.policy.plan_stars, credit_kopecks(ctx)
    order_id = ids.code("S", event.entropy)
    invoice = SendPlanInvoice(
        chat_id=event.chat_id,
        title=t(lang, "plan.invoice_title"),
        description=t(lang, "plan.invoice_description", credit=c.rub(credit), **_quotas(ctx)),
        payload=order_id,
        label=t(lang, "plan.invoice_label"),
        stars=stars,
        period_seconds=PERIOD_SECONDS,
        button=t(lang, "plan.pay_button", stars=stars),
        screen=Screen(text=t(lang, "plan.invoice_text", stars=stars, credit=c.rub(credit))),
    )
    screen = Screen(
        text=t(lang, "plan.invoice_sent", stars=stars),
        buttons=(c.back_row(lang, OpenPlan().data()),),
    )
    outcome = show(event, req.session.at(c.PLACE, c.topup_flow(req.session)), screen)
    return Outcome(
        session=outcome.session,
        actions=(*outcome.actions, invoice),
        effects=(CreatePlanOrder(order_id, event.user_id, credit, stars),),
    )


def on_payment(req: Request, order: OrderView) -> Outcome:
    """A paid period: the first (the order is still open) or a renewal (a new charge, same payload)."""
    event, lang = req.event, req.event.lang
    payment = event.payment
    assert payment is not None and payment.charge_id
    renewal = order.status != "open"
    paid_until = payment.subscription_expiration or event.now + PERIOD
    key = "plan.renewed" if renewal else "plan.started"
    text = t(
        lang,
        key,
        amount=c.rub(order.amount_kopecks),
        until=_date(paid_until),
        plan_quota=_quotas(req.ctx)["plan_quota"],
    )
    buttons = ((Button(t(lang, "balance.button"), data=OpenBalance().data()),), c.menu_row(lang))
    outcome = show(event, req.session, Screen(text=text, buttons=buttons))
    effect = PayPlanPeriod(
        order.id, event.user_id, payment.charge_id, order.amount_kopecks, paid_until, renewal
    )
    return Outcome(session=outcome.session, actions=outcome.actions, effects=(effect,))


def on_cancel(req: Request) -> Outcome:
    lang, plan = req.event.lang, req.loaded.plan
    if plan is None or not renewing(plan):
        return open_plan(req)
    screen = Screen(
        text=t(lang, "plan.cancel_ask", until=_date(plan.paid_until)),
        buttons=(
            (Button(t(lang, "plan.cancel_yes"), data=PlanCancelConfirm().data()),),
            (Button(t(lang, "plan.cancel_no"), data=OpenPlan().data()),),
        ),
    )
    return show(req.event, req.session.at(c.PLACE, c.topup_flow(req.session)), screen)


def on_cancel_confirm(req: Request) -> Outcome:
    """Stop the renewals at Telegram; the plan stays until paid_until. A repeat tap changes nothing."""
    event, lang, plan = req.event, req.event.lang, req.loaded.plan
    if plan is None or not renewing(plan):
        return open_plan(req)
    screen = Screen(
        text=t(lang, "plan.cancel_done", until=_date(plan.paid_until)),
        buttons=(c.back_row(lang, OpenPlan().data()), c.menu_row(lang)),
    )
    outcome = show(event, req.session.at(c.PLACE, c.topup_flow(req.session)), screen)
    cancel = EditStarSubscription(event.user_id, plan.last_charge_id, is_canceled=True)
    return Outcome(
        session=outcome.session, actions=(*outcome.actions, cancel), effects=(CancelPlan(event.user_id),)
    )


# --- /paysupport: a refund of the last period ------------------------------------------------------


def refundable(plan: PlanView | None, now: dt.datetime, ctx: FlowContext) -> bool:
    """The last period is paid, not refunded, and paid within plan_refund_hours."""
    if plan is None or ctx.policy is None or plan.last_status != "paid" or plan.last_paid_at is None:
        return False
    return plan.status != "refunded" and now - plan.last_paid_at <= dt.timedelta(
        hours=ctx.policy.plan_refund_hours
    )


def refund_row(lang: str, plan: PlanView | None, now: dt.datetime, ctx: FlowContext) -> tuple[Button, ...]:
    """The /paysupport button, when there is a period to refund."""
    if plan is None or not refundable(plan, now, ctx):
        return ()
    return (Button(t(lang, "plan.refund_button", stars=plan.last_stars), data=PlanRefund().data()),)


def _refund_problem(req: Request) -> str | None:
    plan = req.loaded.plan
    if plan is None or not refundable(plan, req.event.now, req.ctx):
        return t(
            req.event.lang,
            "plan.refund_none",
            hours=req.ctx.policy.plan_refund_hours if req.ctx.policy else 0,
        )
    if req.loaded.account.available_kopecks < plan.last_amount_kopecks:
        # The reversal is all or nothing: part of the credit is spent, a human decides.
        return t(
            req.event.lang,
            "plan.refund_spent",
            amount=c.rub(plan.last_amount_kopecks),
            contact=req.ctx.support_telegram,
        )
    return None


def on_refund(req: Request) -> Outcome:
    lang, plan = req.event.lang, req.loaded.plan
    problem = _refund_problem(req)
    if problem is not None or plan is None:
        screen = Screen(text=problem or "", buttons=(c.menu_row(lang),))
    else:
        screen = Screen(
            text=t(lang, "plan.refund_ask", stars=plan.last_stars, amount=c.rub(plan.last_amount_kopecks)),
            buttons=(
                (Button(t(lang, "plan.refund_yes"), data=PlanRefundConfirm().data()),),
                c.menu_row(lang),
            ),
        )
    return show(req.event, req.session.at("support"), screen)


def on_refund_confirm(req: Request) -> Outcome:
    """Refund the last period's Stars, reverse its credit (exactly), end the plan and its renewals."""
    event, lang, plan = req.event, req.event.lang, req.loaded.plan
    problem = _refund_problem(req)
    if problem is not None or plan is None:
        return show(event, req.session.at("support"), Screen(text=problem or "", buttons=(c.menu_row(lang),)))
    screen = Screen(
        text=t(lang, "plan.refund_done", stars=plan.last_stars, amount=c.rub(plan.last_amount_kopecks)),
        buttons=(c.menu_row(lang),),
    )
    outcome = show(event, req.session.at("support"), screen)
    actions = [*outcome.actions]
    if plan.status == "active":  # still renewing: stop it first
        actions.append(EditStarSubscription(event.user_id, plan.last_charge_id, is_canceled=True))
    actions.append(RefundStarPayment(event.user_id, plan.last_charge_id))
    return Outcome(
        session=outcome.session,
        actions=tuple(actions),
        effects=(RefundPlanPeriod(event.user_id, plan.last_order_id),),
    )
