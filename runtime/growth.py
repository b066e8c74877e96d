"""The runtime half of referrals and promo codes: what their routes need loaded, their effects, and the
bonuses that ride on a paid top-up (and go back with its refund) — all inside the update's transaction.

Money: a top-up with bonuses moves several accounts (the invitee's, the inviter's, `topups`,
`promotions`); they are all locked up front, in id order (`ledger.lock_many`), before the first
movement, so such an update waits like any single ledger operation and never deadlocks with one.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

import asyncpg

from flows.growth.model import (
    GROWTH_EFFECTS,
    BindReferral,
    CreatePromo,
    EndPromo,
    GrowthRules,
    RecordPromoMiss,
    RedeemPromo,
    share,
)
from flows.incoming import Incoming
from flows.money.common import rub
from flows.preload import Needs
from flows.screens import Action, Screen, SendScreen
from flows.texts import t
from flows.views import PromoLookup, ReferralStart, ReferralView
from persistence import growth, ledger, users
from runtime import ids

log = logging.getLogger(__name__)

# --- preloads -------------------------------------------------------------------------------------


async def load(conn: asyncpg.Connection, event: Incoming, needs: Needs) -> dict[str, Any]:
    found: dict[str, Any] = {}
    if needs.referral:
        code = await growth.ensure_code(conn, event.user_id, lambda: ids.fresh_entropy()[:8])
        stats = await growth.stats(conn, event.user_id)
        found["referral"] = ReferralView(code, stats.invited, stats.paid, stats.earned_kopecks)
    if needs.referral_code:
        row = await growth.referral_target(conn, needs.referral_code, event.user_id)
        found["referral_start"] = ReferralStart(row["inviter_id"], bool(row["new_user"]), row["bound"])
    if needs.promo_code is not None:
        row = await growth.lock_promo(conn, needs.promo_code, event.user_id)
        found["promo"] = PromoLookup(
            needs.promo_code,
            growth.promo_row(row["promo"]),
            row["used_by_user"],
            row["topped_up"],
            row["now"],
            row["misses"],
        )
    if needs.promos and event.is_admin:
        found["promos"] = tuple(await growth.list_promos(conn))
    return found


# --- effects --------------------------------------------------------------------------------------


def is_growth_effect(effect: object) -> bool:
    return isinstance(effect, GROWTH_EFFECTS)


async def apply(conn: asyncpg.Connection, effect: Any) -> None:
    match effect:
        case BindReferral(invitee_id=invitee, inviter_id=inviter):
            # Once: a second link, a retried update or a concurrent start finds the row and binds nothing.
            await growth.bind(conn, invitee, inviter)
        case RedeemPromo(code=code, user_id=user_id, credit_kopecks=credit):
            # PromoGone (used up or used meanwhile) rolls the update back; the flow decides again.
            await growth.redeem(conn, code, user_id, "credited" if credit else "pending", credit)
            if credit:
                await ledger.bonus(
                    conn,
                    user_id,
                    credit,
                    "promo_bonus",
                    f"promo:{code}:{user_id}",
                    "promo",
                    note=f"promo {code}",
                )
        case RecordPromoMiss(user_id=user_id):
            await growth.record_miss(conn, user_id)
        case CreatePromo(promo=promo, admin_id=admin_id):
            await growth.create_promo(conn, promo, admin_id)
        case EndPromo(code=code):
            await growth.end_promo(conn, code)
        case _:
            raise TypeError(f"no handler for growth effect {type(effect).__name__}")


# --- bonuses riding on a top-up ---------------------------------------------------------------------


async def credit_paid_topup(
    conn: asyncpg.Connection,
    user_id: int,
    amount: int,
    payment_id: str,
    rules: GrowthRules,
    credit: Callable[[], Awaitable[ledger.Posting]],
    *,
    paid: int | None = None,
) -> list[Action]:
    """Credit a paid top-up (`credit`, the ledger's credit_topup) with what rides on it: the inviter's
    share (within the referral window), the invitee's welcome bonus (once ever) and pending % promo
    codes (each once). Every bonus notes the payment id, so a refund finds and reverses it. `paid`:
    the part of `amount` the user paid for (a Stars pack's bonus earns no share); all of it if None."""
    basis = amount if paid is None else paid
    inviter = await growth.inviter_of(conn, user_id, rules.referral_days)
    pending = await growth.pending_percent(conn, user_id)
    referral = share(basis, rules.referral_percent) if inviter is not None and inviter.earning else 0
    welcome = rules.welcome_kopecks if inviter is not None else 0
    if welcome and await growth.topped_up(conn, user_id):
        welcome = 0  # only with the first top-up (and once ever: its key)
    if not (referral or welcome or pending):
        await credit()
        return []
    moved = [user_id] + ([inviter.user_id] if inviter is not None else [])
    await ledger.lock_many(conn, moved, ("topups", "promotions"))
    posting = await credit()
    if not posting.applied:
        return []
    actions: list[Action] = []
    extra = 0
    if referral and inviter is not None:
        paid = await ledger.bonus(
            conn,
            inviter.user_id,
            referral,
            "referral_bonus",
            f"ref:{payment_id}",
            "referral",
            note=payment_id,
        )
        if paid.applied:
            text = t(inviter.language, "growth.bonus_earned", amount=rub(referral), topup=rub(amount))
            actions.append(SendScreen(inviter.user_id, Screen(text=text), control=False))
    if welcome:
        paid = await ledger.bonus(
            conn, user_id, welcome, "promo_bonus", f"welcome:{user_id}", "welcome", note=payment_id
        )
        extra += welcome if paid.applied else 0
    for row in pending:
        bonus = share(basis, row["percent"])
        if bonus:
            key = f"promo:{row['code']}:{user_id}"
            paid = await ledger.bonus(
                conn, user_id, bonus, "promo_bonus", key, "promo_percent", note=payment_id
            )
            extra += bonus if paid.applied else 0
        await growth.apply_use(conn, row["code"], user_id, payment_id, bonus)
    if extra:
        invitee = await users.get(conn, user_id)
        lang = invitee.language if invitee is not None else "ru"
        actions.append(
            SendScreen(user_id, Screen(text=t(lang, "growth.bonus_added", amount=rub(extra))), control=False)
        )
    return actions


async def lock_for_reversal(conn: asyncpg.Connection, payment_id: str) -> None:
    """Before a top-up is reversed: lock every account it and its bonuses' reversal will move."""
    rows = await growth.bonuses_of_payment(conn, payment_id)
    user_id = await growth.topup_user(conn, payment_id)
    if rows and user_id is not None:
        moved = [user_id, *(r["user_id"] for r in rows)]
        await ledger.lock_many(conn, moved, ("refunds", "promotions"))


async def reverse_bonuses(conn: asyncpg.Connection, payment_id: str, reversal_key: str) -> None:
    """A refunded top-up takes back the bonuses that rode on it, net of earlier reversals and restores.
    What a user already spent cannot be taken back: the reversal takes what is left (the rest is the
    operator's loss, logged)."""
    rows = await growth.bonuses_of_payment(conn, payment_id)
    if not rows:
        return
    balances = await ledger.lock_many(conn, [r["user_id"] for r in rows], ("refunds", "promotions"))
    for row in rows:
        net, user_id, family = row["net"], row["user_id"], row["family"]
        take = min(net, balances.get(user_id, 0))
        if take < net:
            log.warning(
                "bonus of %s: user %s spent %s kopecks of it; not taken back", payment_id, user_id, net - take
            )
        if take > 0:
            await ledger.bonus(
                conn,
                user_id,
                -take,
                f"{family}_bonus_reversal",
                f"{family}-rev:{reversal_key}",
                "refund",
                note=payment_id,
            )
            balances[user_id] -= take


async def restore_bonuses(
    conn: asyncpg.Connection, user_id: int, reversal_key: str, credit: Callable[[], Awaitable[Any]]
) -> None:
    """Telegram refused the refund whose reversal took bonuses back: `credit` gives the top-up back and
    this gives back exactly what the reversal took from each bonus (accounts locked first, in id order)."""
    keys = [f"referral-rev:{reversal_key}", f"promo-rev:{reversal_key}"]
    rows = await growth.reversals_of(conn, keys)
    if rows:
        await ledger.lock_many(conn, [user_id, *(r["user_id"] for r in rows)], ("topups", "promotions"))
    await credit()
    for row in rows:
        family = row["family"]
        await ledger.bonus(
            conn,
            row["user_id"],
            row["amount"],
            f"{family}_bonus",
            f"{family}-restore:{reversal_key}",
            "refund_failed",
            note=row["note"],
        )
