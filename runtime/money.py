"""The runtime half of the money flows: apply the money effects (loading what they need is
runtime/preload.py's job), and give back a Stars refund Telegram refused.

Each effect makes at most one ledger write and records an audit row for admin actions, all in the
update's transaction: a failure rolls the whole update back and the flow decides again on fresh data.
"""

from __future__ import annotations

import logging
from typing import Any

import asyncpg

from flows.growth.model import DEFAULT_RULES, GrowthRules
from flows.money.effects import (
    MONEY_EFFECTS,
    AdjustBalance,
    ApproveTopup,
    CancelTopup,
    CreateStarsOrder,
    CreateTopup,
    PayStarsOrder,
    RefundJob,
    RefundStarsOrder,
    RejectTopup,
    SetBlocked,
    SubmitTopup,
)
from flows.screens import Action
from persistence import audit, jobs, ledger, plans, topups, users
from runtime import growth, ids

log = logging.getLogger(__name__)


async def refund_rejected(pool: asyncpg.Pool, user_id: int, charge_id: str, reason: str) -> None:
    """Telegram refused a Stars refund whose credit was already reversed: give the credit back (once)
    and put the order back to paid, so the user never loses both the Stars and the rubles."""
    async with pool.acquire() as conn, conn.transaction():
        order = await topups.undo_refund(conn, charge_id)
        if order is None:
            return
        attempts = order["refund_attempts"]
        # Keyed by the attempt: each refused attempt gives back exactly what its reversal took (the
        # top-up and the bonuses that rode on it).
        await growth.restore_bonuses(
            conn,
            user_id,
            topups.attempt_key(f"stars:{charge_id}", attempts),
            lambda: ledger.credit_topup(
                conn,
                user_id,
                order["amount_kopecks"],
                topups.attempt_key(f"stars-refund-failed:{charge_id}", attempts),
                "stars",
                note=order["id"],
            ),
        )
        await audit.record(
            conn,
            order["refunded_by"] or 0,
            "stars_refund_failed",
            target_user_id=user_id,
            target=order["id"],
            amount_kopecks=order["amount_kopecks"],
            reason=reason[:200],
        )
    log.error(
        "Stars refund of order %s was refused by Telegram (%s); the credit was restored",
        order["id"],
        reason,
    )


# --- effects ---------------------------------------------------------------------------------------


def is_money_effect(effect: object) -> bool:
    return isinstance(effect, MONEY_EFFECTS)


async def apply(conn: asyncpg.Connection, effect: Any, rules: GrowthRules = DEFAULT_RULES) -> list[Action]:
    """Apply one money effect; returns the notices of bonuses it paid (runtime/growth.py)."""
    match effect:
        case CreateTopup(topup_id=topup_id, user_id=user_id, amount_kopecks=amount):
            await topups.create(conn, topup_id, user_id, amount)
        case SubmitTopup(topup_id=topup_id, screenshot_file_id=shot):
            await topups.submit(conn, topup_id, shot)
        case CancelTopup(topup_id=topup_id, user_id=user_id):
            await topups.cancel(conn, topup_id, user_id)
        case ApproveTopup(topup_id=topup_id, admin_id=admin_id):
            decided = await topups.decide(conn, topup_id, "approved", admin_id, None)
            if decided is None:
                return []  # decided meanwhile: the row lock makes this unreachable, the credit key too
            notices = await growth.credit_paid_topup(
                conn,
                decided["user_id"],
                decided["amount_kopecks"],
                topup_id,
                rules,
                lambda: ledger.credit_topup(
                    conn,
                    decided["user_id"],
                    decided["amount_kopecks"],
                    topup_id,
                    "transfer",
                    note=f"admin {admin_id}",
                ),
            )
            await audit.record(
                conn,
                admin_id,
                "topup_approve",
                target_user_id=decided["user_id"],
                target=topup_id,
                amount_kopecks=decided["amount_kopecks"],
            )
            return notices
        case RejectTopup(topup_id=topup_id, admin_id=admin_id, reason=reason):
            decided = await topups.decide(conn, topup_id, "rejected", admin_id, reason)
            if decided is not None:
                await audit.record(
                    conn,
                    admin_id,
                    "topup_reject",
                    target_user_id=decided["user_id"],
                    target=topup_id,
                    amount_kopecks=decided["amount_kopecks"],
                    reason=reason,
                )
        case CreateStarsOrder(order_id=order_id, user_id=user_id, amount_kopecks=amount, stars=stars):
            await topups.create_order(conn, order_id, user_id, amount, stars)
        case PayStarsOrder(order_id=order_id, user_id=user_id, charge_id=charge_id, amount_kopecks=amount):
            if not await topups.pay_order(conn, order_id, charge_id):
                order_id = await _order_for_second_charge(conn, order_id, charge_id)
            payment_id = f"stars:{charge_id}"
            return await growth.credit_paid_topup(
                conn,
                user_id,
                amount,
                payment_id,
                rules,
                lambda: ledger.credit_topup(conn, user_id, amount, payment_id, "stars", note=order_id),
                paid=amount - effect.bonus_kopecks,
            )
        case RefundStarsOrder(order_id=order_id, admin_id=admin_id):
            attempt = await topups.refund_order(conn, order_id, admin_id)
            if attempt is None:
                return []
            # All or nothing: InsufficientFunds rolls the update back and the flow decides again.
            await growth.lock_for_reversal(conn, f"stars:{attempt.charge_id}")
            posting = await ledger.reverse_topup(
                conn,
                f"stars:{attempt.charge_id}",
                f"stars refund by admin {admin_id}",
                key=attempt.reversal_key,
            )
            if not posting.applied:
                raise ledger.LedgerError(f"stars refund {attempt.reversal_key} reversed nothing")
            await growth.reverse_bonuses(conn, f"stars:{attempt.charge_id}", attempt.reversal_key)
            # The last period of a monthly plan: the plan ends with it (no-op for any other order).
            await plans.end_refunded(conn, posting.user_id, order_id)
            await audit.record(
                conn,
                admin_id,
                "stars_refund",
                target_user_id=posting.user_id,
                target=order_id,
                amount_kopecks=-posting.amount,
            )
        case SetBlocked(user_id=user_id, blocked=blocked, admin_id=admin_id):
            await users.set_blocked(conn, user_id, blocked, admin_id)
            await audit.record(conn, admin_id, "block" if blocked else "unblock", target_user_id=user_id)
        case AdjustBalance(user_id=user_id, amount_kopecks=amount, reason=reason, admin_id=admin_id, key=key):
            posting = await ledger.adjust(conn, user_id, amount, reason, admin_id, key)
            if posting.applied:
                await audit.record(
                    conn,
                    admin_id,
                    "credit" if amount > 0 else "debit",
                    target_user_id=user_id,
                    target=key,
                    amount_kopecks=amount,
                    reason=reason,
                )
        case RefundJob(
            request_id=request_id, user_id=user_id, admin_id=admin_id, amount_kopecks=amount, how=how
        ):
            if not await jobs.record_refund(conn, request_id, user_id, admin_id, how, amount):
                return []  # refunded once already
            job = await jobs.get(conn, request_id)
            key = job.hold_key if job else None
            if how == "released" and key is not None:
                hold = await ledger.release(conn, key)
                if hold.status != "released":  # captured meanwhile: credit it instead
                    await ledger.adjust(
                        conn, user_id, amount, f"refund {request_id}", admin_id, f"jobrefund:{request_id}"
                    )
            else:
                await ledger.adjust(
                    conn, user_id, amount, f"refund {request_id}", admin_id, f"jobrefund:{request_id}"
                )
            await audit.record(
                conn,
                admin_id,
                "job_refund",
                target_user_id=user_id,
                target=request_id,
                amount_kopecks=amount,
                reason=how,
            )
        case _:
            raise TypeError(f"no handler for money effect {type(effect).__name__}")
    return []


async def _order_for_second_charge(conn: asyncpg.Connection, order_id: str, charge_id: str) -> str:
    """Telegram took a second payment for one order (two pre-checkouts answered before either paid):
    it is credited all the same and linked to an order row of its own, so the panel can refund it."""
    for _ in range(5):
        new_id = await topups.add_paid_order(conn, order_id, ids.new_code("S"), charge_id)
        if new_id is not None:
            log.warning("Stars order %s was paid twice; charge linked to order %s", order_id, new_id)
            return new_id
    raise RuntimeError(f"no free order id for a second charge of {order_id}")


async def sweep_expired(pool: asyncpg.Pool) -> int:
    """Expire every request older than a day (a periodic job may call this; reads expire lazily too)."""
    return await topups.expire(pool)
