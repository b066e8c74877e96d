"""The runtime half of the money flows: load what `flows.money.wants` asks for (in the update's
transaction, locking the request or order acted on) and apply the money effects.

Each effect makes at most one ledger write and records an audit row for admin actions, all in the
update's transaction: a failure rolls the whole update back and the flow decides again on fresh data.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import Awaitable, Callable
from typing import Any

import asyncpg
import msgspec

from flows import money as money_flows
from flows.ids import normalize_request_id
from flows.incoming import Incoming
from flows.money.common import new_code
from flows.money.effects import (
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
from flows.money.lookup import (
    AdminStats,
    JobView,
    MoneyLookup,
    OperationView,
    OrderView,
    TopupView,
    UserView,
    Want,
)
from flows.session import Session
from persistence import audit, ledger, topups
from persistence import history as queries

log = logging.getLogger(__name__)

KIE_BALANCE_TIMEOUT = 2.0
MAX_OPERATIONS = 10


class MoneyRuntime:
    """Holds the one I/O handle the admin stats need (Kie's credit balance); set by the app."""

    def __init__(self, kie_balance: Callable[[], Awaitable[float]] | None = None) -> None:
        self.kie_balance = kie_balance

    async def preload(
        self, conn: asyncpg.Connection, incoming: Incoming, session: Session, *, blocked: bool | None = None
    ) -> Incoming:
        want = money_flows.wants(incoming, session)
        lookup = await load(conn, incoming, want, self._kie if want.stats else None, blocked=blocked)
        return msgspec.structs.replace(incoming, lookup=lookup)

    async def refund_rejected(self, pool: asyncpg.Pool, user_id: int, charge_id: str, reason: str) -> None:
        """Telegram refused a Stars refund whose credit was already reversed: give the credit back (once)
        and put the order back to paid, so the user never loses both the Stars and the rubles."""
        async with pool.acquire() as conn, conn.transaction():
            order = await topups.undo_refund(conn, charge_id)
            if order is None:
                return
            # Keyed by the attempt: each refused attempt gives back exactly what its reversal took.
            await ledger.credit_topup(
                conn,
                user_id,
                order["amount_kopecks"],
                topups.attempt_key(f"stars-refund-failed:{charge_id}", order["refund_attempts"]),
                "stars",
                note=order["id"],
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

    async def _kie(self) -> float | None:
        if self.kie_balance is None:
            return None
        try:
            return await asyncio.wait_for(self.kie_balance(), KIE_BALANCE_TIMEOUT)
        except Exception as exc:  # a display value: the panel shows "—"
            log.info("Kie credit balance unavailable: %s", type(exc).__name__)
            return None


# --- loading ---------------------------------------------------------------------------------------


def _topup(row: asyncpg.Record | None) -> TopupView | None:
    return TopupView(**dict(row)) if row is not None else None


def _order(row: asyncpg.Record | None) -> OrderView | None:
    return OrderView(**dict(row)) if row is not None else None


def _job(row: asyncpg.Record | None) -> JobView | None:
    if row is None:
        return None
    data: dict[str, Any] = dict(row)
    file_ids = data.pop("result_file_ids") or []
    return JobView(**data, result_file_ids=tuple(str(f) for f in file_ids))


async def operations(conn: asyncpg.Connection, user_id: int) -> tuple[OperationView, ...]:
    """The user's money movements; captures move nothing on the available balance and are left out."""
    found = await ledger.entries(conn, user_id, limit=MAX_OPERATIONS + 5)
    return tuple(
        OperationView(op.kind, op.available_change, op.reference, op.created_at)
        for op in found
        if op.available_change
    )[:MAX_OPERATIONS]


async def user_view(conn: asyncpg.Connection, row: asyncpg.Record | None) -> UserView | None:
    if row is None:
        return None
    balance = await ledger.balance(conn, row["id"])
    orders = tuple(OrderView(**dict(r)) for r in await topups.user_orders(conn, row["id"]))
    return UserView(
        id=row["id"],
        username=row["username"],
        first_name=row["first_name"],
        blocked=row["blocked"],
        available_kopecks=balance.available,
        held_kopecks=balance.held,
        operations=await operations(conn, row["id"]),
        stars_orders=orders,
    )


async def admin_stats(
    conn: asyncpg.Connection, kie: Callable[[], Awaitable[float | None]] | None
) -> AdminStats:
    row, jobs = await queries.stats(conn)
    holds = await ledger.open_holds(conn)
    day_start: dt.datetime = row["day_start"]
    return AdminStats(
        users=row["users"],
        active_today=row["active_today"],
        jobs_today=jobs,
        revenue_today=await ledger.revenue(conn, day_start),
        revenue_30d=await ledger.revenue(conn, day_start - dt.timedelta(days=29)),
        open_holds=holds.count,
        open_holds_kopecks=holds.total,
        pending_topups=await topups.count_waiting(conn),
        kie_credits=await kie() if kie is not None else None,
    )


async def load(
    conn: asyncpg.Connection,
    incoming: Incoming,
    want: Want,
    kie: Callable[[], Awaitable[float | None]] | None = None,
    *,
    blocked: bool | None = None,
) -> MoneyLookup:
    user_id = incoming.user_id
    if blocked is None:
        blocked = await queries.is_blocked(conn, user_id)
    found: dict[str, Any] = {"blocked": blocked}
    # The row an action changes is locked first (session → request/order → ledger, everywhere).
    if want.topup_id:
        found["topup"] = _topup(await topups.lock(conn, want.topup_id))
    if want.order_id:
        order = _order(await topups.lock_order(conn, want.order_id[:64]))
        found["order"] = order
        if order is not None and incoming.is_admin and incoming.kind == "callback":
            found["user"] = await user_view(conn, await queries.find_user(conn, str(order.user_id)))
    if want.charge_id:
        found["order_charged"] = await topups.charged(conn, want.charge_id)
    if want.account:
        waiting = await topups.waiting(conn, user_id)
        found["pending"] = tuple(TopupView(**dict(r)) for r in waiting)
        found["operations"] = await operations(conn, user_id)
    if want.jobs:
        found["jobs"] = tuple(_job(r) for r in await queries.user_jobs(conn, user_id))
    if want.job_id:
        request_id = normalize_request_id(want.job_id)
        found["job"] = _job(await queries.job(conn, request_id)) if request_id else None
    if incoming.is_admin:
        if want.user_ref:
            found["user"] = await user_view(conn, await queries.find_user(conn, want.user_ref))
        if want.pending:
            found["pending"] = tuple(TopupView(**dict(r)) for r in await topups.waiting(conn))
        if want.stats:
            found["stats"] = await admin_stats(conn, kie)
    return MoneyLookup(**found)


# --- effects ---------------------------------------------------------------------------------------


def is_money_effect(effect: object) -> bool:
    return isinstance(effect, money_flows.MONEY_EFFECTS)


async def apply(conn: asyncpg.Connection, effect: Any) -> None:
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
                return  # decided meanwhile: the row lock makes this unreachable, the credit key too
            await ledger.credit_topup(
                conn,
                decided["user_id"],
                decided["amount_kopecks"],
                topup_id,
                "transfer",
                note=f"admin {admin_id}",
            )
            await audit.record(
                conn,
                admin_id,
                "topup_approve",
                target_user_id=decided["user_id"],
                target=topup_id,
                amount_kopecks=decided["amount_kopecks"],
            )
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
            await ledger.credit_topup(conn, user_id, amount, f"stars:{charge_id}", "stars", note=order_id)
        case RefundStarsOrder(order_id=order_id, admin_id=admin_id):
            attempt = await topups.refund_order(conn, order_id, admin_id)
            if attempt is None:
                return
            # All or nothing: InsufficientFunds rolls the update back and the flow decides again.
            posting = await ledger.reverse_topup(
                conn,
                f"stars:{attempt.charge_id}",
                f"stars refund by admin {admin_id}",
                key=attempt.reversal_key,
            )
            if not posting.applied:
                raise ledger.LedgerError(f"stars refund {attempt.reversal_key} reversed nothing")
            await audit.record(
                conn,
                admin_id,
                "stars_refund",
                target_user_id=posting.user_id,
                target=order_id,
                amount_kopecks=-posting.amount,
            )
        case SetBlocked(user_id=user_id, blocked=blocked, admin_id=admin_id):
            await queries.set_blocked(conn, user_id, blocked, admin_id)
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
            if not await queries.record_job_refund(conn, request_id, user_id, admin_id, how, amount):
                return  # refunded once already
            job = await queries.job(conn, request_id)
            key = ledger.hold_key(request_id, user_id, job["model_id"]) if job else None
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


async def _order_for_second_charge(conn: asyncpg.Connection, order_id: str, charge_id: str) -> str:
    """Telegram took a second payment for one order (two pre-checkouts answered before either paid):
    it is credited all the same and linked to an order row of its own, so the panel can refund it."""
    for _ in range(5):
        new_id = await topups.add_paid_order(conn, order_id, new_code("S"), charge_id)
        if new_id is not None:
            log.warning("Stars order %s was paid twice; charge linked to order %s", order_id, new_id)
            return new_id
    raise RuntimeError(f"no free order id for a second charge of {order_id}")


async def sweep_expired(pool: asyncpg.Pool) -> int:
    """Expire every request older than a day (a periodic job may call this; reads expire lazily too)."""
    return await topups.expire(pool)
