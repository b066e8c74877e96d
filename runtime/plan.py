"""The runtime half of the monthly plan (flows/money/plan.py): apply its effects inside the update's
transaction. Every period is a Stars order and one ledger credit keyed "stars:<charge id>", so a
repeated update credits it once; a refund reverses exactly that credit and ends the plan."""

from __future__ import annotations

import logging
from typing import Any

import asyncpg

from flows.growth.model import DEFAULT_RULES, GrowthRules
from flows.money.plan_effects import (
    PLAN_EFFECTS,
    CancelPlan,
    CreatePlanOrder,
    PayPlanPeriod,
    RefundPlanPeriod,
)
from flows.screens import Action
from persistence import audit, ledger, plans, topups
from runtime import growth, ids

log = logging.getLogger(__name__)

SOURCE = "stars_plan"  # the ledger's source of a plan period's credit (packs: "stars")
BY_USER = 0  # refunded_by / the audit's admin id of a refund the user asked for in /paysupport


def is_plan_effect(effect: object) -> bool:
    return isinstance(effect, PLAN_EFFECTS)


async def apply(conn: asyncpg.Connection, effect: Any, rules: GrowthRules = DEFAULT_RULES) -> list[Action]:
    """Apply one plan effect; returns the notices of the referral bonus a paid period earned."""
    match effect:
        case CreatePlanOrder(order_id=order_id, user_id=user_id, amount_kopecks=amount, stars=stars):
            await topups.create_order(conn, order_id, user_id, amount, stars, kind="plan")
        case PayPlanPeriod(
            order_id=order_id, user_id=user_id, charge_id=charge_id, amount_kopecks=amount, paid_until=until
        ):
            if not await topups.pay_order(conn, order_id, charge_id):
                order_id = await _renewal_order(conn, order_id, charge_id)
            # A paid period is a paid top-up: the inviter earns their share of it (runtime/growth.py).
            credited: list[ledger.Posting] = []

            async def credit() -> ledger.Posting:
                posting = await ledger.credit_topup(
                    conn, user_id, amount, f"stars:{charge_id}", SOURCE, note=order_id
                )
                credited.append(posting)
                return posting

            notices = await growth.credit_paid_topup(
                conn, user_id, amount, f"stars:{charge_id}", rules, credit
            )
            if credited and credited[0].applied:
                await plans.paid(conn, user_id, until, order_id, charge_id)
            return notices
        case CancelPlan(user_id=user_id):
            await plans.cancel(conn, user_id)
        case RefundPlanPeriod(user_id=user_id, order_id=order_id):
            attempt = await topups.refund_order(conn, order_id, BY_USER)
            if attempt is None:
                return []  # refunded already
            # All or nothing: InsufficientFunds rolls the update back and the flow decides again.
            await growth.lock_for_reversal(conn, f"stars:{attempt.charge_id}")
            posting = await ledger.reverse_topup(
                conn, f"stars:{attempt.charge_id}", "plan refund via /paysupport", key=attempt.reversal_key
            )
            if not posting.applied:
                raise ledger.LedgerError(f"plan refund {attempt.reversal_key} reversed nothing")
            await growth.reverse_bonuses(conn, f"stars:{attempt.charge_id}", attempt.reversal_key)
            await plans.end_refunded(conn, user_id, order_id)
            await audit.record(
                conn,
                BY_USER,
                "plan_refund",
                target_user_id=user_id,
                target=order_id,
                amount_kopecks=-posting.amount,
                reason="/paysupport",
            )
        case _:
            raise TypeError(f"no handler for plan effect {type(effect).__name__}")
    return []


async def _renewal_order(conn: asyncpg.Connection, order_id: str, charge_id: str) -> str:
    """A renewal: a paid copy of the subscription's order for this charge (refundable on its own)."""
    for _ in range(5):
        new_id = await topups.add_paid_order(conn, order_id, ids.new_code("S"), charge_id)
        if new_id is not None:
            return new_id
    raise RuntimeError(f"no free order id for a renewal of {order_id}")
