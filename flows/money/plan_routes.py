"""Routes of Stars packs and the monthly plan (flows/money/stars.py, flows/money/plan.py)."""

from __future__ import annotations

from flows.money import plan, stars
from flows.payloads.plan import (
    OpenPlan,
    PlanCancel,
    PlanCancelConfirm,
    PlanRefund,
    PlanRefundConfirm,
    PlanSubscribe,
    StarsOffer,
)
from flows.preload import Needs
from flows.routing.registry import Declaration, OnCallback, Route

_PLAN = Needs(plan=True)


def _plan_needs(event, payload, session) -> Needs:
    return _PLAN


def declarations() -> tuple[Declaration, ...]:
    return (
        OnCallback(StarsOffer, Route("stars_offer", stars.on_offer)),
        OnCallback(OpenPlan, Route("plan_open", plan.open_plan, needs=_plan_needs)),
        OnCallback(PlanSubscribe, Route("plan_subscribe", plan.on_subscribe, needs=_plan_needs)),
        OnCallback(PlanCancel, Route("plan_cancel", plan.on_cancel, needs=_plan_needs)),
        OnCallback(
            PlanCancelConfirm, Route("plan_cancel_confirm", plan.on_cancel_confirm, needs=_plan_needs)
        ),
        OnCallback(PlanRefund, Route("plan_refund", plan.on_refund, needs=_plan_needs)),
        OnCallback(
            PlanRefundConfirm, Route("plan_refund_confirm", plan.on_refund_confirm, needs=_plan_needs)
        ),
    )
