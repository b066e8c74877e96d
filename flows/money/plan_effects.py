"""The monthly plan's decisions as data, applied by runtime/plan.py inside the update's transaction.

Money moves only through the ledger, keyed by the Stars charge id ("stars:<charge id>", as every
Stars payment), so a repeated update credits a period once; a refund reverses that credit.
"""

from __future__ import annotations

import datetime as dt

import msgspec


class CreatePlanOrder(msgspec.Struct, frozen=True, tag="plan.create_order"):
    """The subscription invoice's order (kind 'plan'): its id is the invoice payload of every period."""

    order_id: str
    user_id: int
    amount_kopecks: int
    stars: int


class PayPlanPeriod(msgspec.Struct, frozen=True, tag="plan.pay_period"):
    """A paid period (the first payment or a renewal): credit it once, run the plan until paid_until."""

    order_id: str
    user_id: int
    charge_id: str
    amount_kopecks: int
    paid_until: dt.datetime
    renewal: bool


class CancelPlan(msgspec.Struct, frozen=True, tag="plan.cancel"):
    """The user stopped renewing: kept until paid_until."""

    user_id: int


class RefundPlanPeriod(msgspec.Struct, frozen=True, tag="plan.refund_period"):
    """The last period refunded through /paysupport: its credit reversed, the plan ended now."""

    user_id: int
    order_id: str


PLAN_EFFECTS = (CreatePlanOrder, PayPlanPeriod, CancelPlan, RefundPlanPeriod)
