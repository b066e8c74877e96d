"""Loading what a route needs before it decides (`flows.preload.Needs` → `Loaded`), inside the
update's transaction. The row an action changes is locked first (session → request/order → ledger,
everywhere), so two admins tapping at once are decided one after the other."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import Awaitable, Callable
from decimal import Decimal
from fractions import Fraction
from typing import Any

import asyncpg

from flows.catalog.pricing import cost_kopecks_per_credit
from flows.catalog.text import NO_TEXT, TextCatalog
from flows.ids import normalize_request_id
from flows.incoming import AccountView, Incoming
from flows.margin import export as margin_export
from flows.preload import Loaded, Needs
from flows.views import AdminStats, OperationView, OrderView, PlanView, TopupView, UserView
from persistence import broadcasts, inbox, jobs, ledger, margin, plans, topups, users
from runtime import growth
from runtime.chat import effects as chat_effects
from runtime.popular import PopularModels

log = logging.getLogger(__name__)

KIE_BALANCE_TIMEOUT = 2.0
MAX_OPERATIONS = 10

KieBalance = Callable[[], Awaitable[float]]


class Preloader:
    """Holds the one I/O handle the admin figures need (Kie's credit balance; the app sets it), the
    popular models, counted every few minutes (runtime/popular.py) rather than per screen, and what the
    chat loads need to know (the chat catalog, the free text quota)."""

    def __init__(
        self,
        kie_balance: KieBalance | None = None,
        popular: PopularModels | None = None,
        *,
        text: TextCatalog = NO_TEXT,
        text_quota: int = 0,
        policy: Any = None,
    ) -> None:
        self.kie_balance = kie_balance
        self.popular = popular or PopularModels()
        # 💬 Тексты: the chat models (a deep link names one by its slug) and the free answers a day.
        self.text = text
        self.text_quota = text_quota
        # 📊 Маржа: what one Kie credit costs in kopecks (usd_per_credit × rub_per_usd × 100, no markup).
        rate = cost_kopecks_per_credit(policy) if policy is not None else Fraction(0)
        self.kopecks_per_credit = Decimal(rate.numerator) / Decimal(rate.denominator)

    async def load(
        self,
        conn: asyncpg.Connection,
        event: Incoming,
        needs: Needs,
        *,
        account: AccountView,
        blocked: bool,
        chat_key: int,
        update_id: int,
        recent: tuple[str, ...] = (),
    ) -> Loaded:
        found: dict[str, Any] = {"account": account, "blocked": blocked, "recent": recent}
        if needs.popular:
            found["popular"] = self.popular.ranking
        if needs.album:
            found["album_pending"] = await inbox.more_of_album_waiting(conn, chat_key, update_id, needs.album)
        if needs.topup_id:
            found["topup"] = _topup(await topups.lock(conn, needs.topup_id))
        if needs.order_id:
            order = _order(await topups.lock_order(conn, needs.order_id[:64]))
            found["order"] = order
            if order is not None and event.is_admin and event.kind == "callback":
                found["user"] = await user_view(conn, await users.find_user(conn, str(order.user_id)))
        if needs.charge_id:
            found["order_charged"] = await topups.charged(conn, needs.charge_id)
        if needs.plan:
            plan = await plans.lock(conn, event.user_id)
            found["plan"] = PlanView(**dict(plan)) if plan is not None else None
        if needs.account:
            found["pending"] = tuple(TopupView(**dict(r)) for r in await topups.waiting(conn, event.user_id))
            found["operations"] = await operations(conn, event.user_id)
        if needs.jobs:
            found["jobs"] = tuple(await jobs.of_user(conn, event.user_id))
        if needs.job_id:
            request_id = normalize_request_id(needs.job_id)
            found["job"] = await jobs.with_money(conn, request_id) if request_id else None
        if needs.chat_model or needs.chat_slug or needs.chat_account:
            found.update(await self._chat(conn, event.user_id, needs, account))
        if needs.dialogs:
            found["dialogs"] = await chat_effects.dialog_items(conn, event.user_id)
        if needs.dialog_id:
            found["dialog_item"] = await chat_effects.dialog_item(conn, event.user_id, needs.dialog_id)
        if needs.referral or needs.referral_code or needs.promo_code is not None or needs.promos:
            found.update(await growth.load(conn, event, needs))
        if event.is_admin:
            if needs.user_ref:
                found["user"] = await user_view(conn, await users.find_user(conn, needs.user_ref))
            if needs.pending:
                found["pending"] = tuple(TopupView(**dict(r)) for r in await topups.waiting(conn))
            if needs.stats:
                found["stats"] = await admin_stats(conn, self._kie)
            if needs.margin_days:
                found["margin"] = await margin.report(
                    conn, needs.margin_days, self.kopecks_per_credit, now=event.now
                )
            if needs.ledger_days:
                # One row more than the file takes: the caption then says the file was cut.
                found["ledger"] = await margin.export(
                    conn, needs.ledger_days, margin_export.MAX_ROWS + 1, now=event.now
                )
            if needs.audiences:
                found["audiences"] = await broadcasts.audience_counts(conn)
        return Loaded(**found)

    async def _chat(
        self, conn: asyncpg.Connection, user_id: int, needs: Needs, account: AccountView
    ) -> dict[str, Any]:
        """💬 Тексты: the free answers left today and, for a model, the open dialog with it."""
        found: dict[str, Any] = {
            "chat": await chat_effects.chat_account(conn, user_id, account.available_kopecks, self.text_quota)
        }
        model_id = needs.chat_model
        if model_id is None and needs.chat_slug is not None:
            model = self.text.by_slug(needs.chat_slug)
            model_id = model.id if model is not None else None
        if model_id is not None:
            found["dialog"] = await chat_effects.dialog_view(conn, user_id, model_id)
        return found

    async def _kie(self) -> float | None:
        if self.kie_balance is None:
            return None
        try:
            return await asyncio.wait_for(self.kie_balance(), KIE_BALANCE_TIMEOUT)
        except Exception as exc:  # a display value: the panel shows "—"
            log.info("Kie credit balance unavailable: %s", type(exc).__name__)
            return None


def _topup(row: asyncpg.Record | None) -> TopupView | None:
    return TopupView(**dict(row)) if row is not None else None


def _order(row: asyncpg.Record | None) -> OrderView | None:
    return OrderView(**dict(row)) if row is not None else None


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
    row = await users.figures(conn)
    holds = await ledger.open_holds(conn)
    day_start: dt.datetime = row["day_start"]
    return AdminStats(
        users=row["users"],
        active_today=row["active_today"],
        jobs_today=await jobs.count_today_by_state(conn),
        revenue_today=await ledger.revenue(conn, day_start),
        revenue_30d=await ledger.revenue(conn, day_start - dt.timedelta(days=29)),
        open_holds=holds.count,
        open_holds_kopecks=holds.total,
        pending_topups=await topups.count_waiting(conn),
        kie_credits=await kie() if kie is not None else None,
    )
