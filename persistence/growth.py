"""Referrals and promo codes: invite codes, who invited whom, promo codes and their uses
(persistence/sql/014_referrals_promo.sql). Money moves only through persistence/ledger."""

from __future__ import annotations

from collections.abc import Callable

import asyncpg
import msgspec

from flows.views import PromoView

Db = asyncpg.Pool | asyncpg.Connection

# --- referrals ------------------------------------------------------------------------------------

GET_CODE = "SELECT code FROM referral_codes WHERE user_id = $1"
INSERT_CODE = """
INSERT INTO referral_codes (user_id, code) VALUES ($1, $2) ON CONFLICT DO NOTHING RETURNING code
"""

# The inviter behind a code, and whether the user of this update is new: their row was inserted by
# this very transaction (created_at is the inserting transaction's now()).
REFERRAL_TARGET = """
SELECT (SELECT user_id FROM referral_codes WHERE code = $1) AS inviter_id,
       (SELECT created_at = now() FROM users WHERE id = $2) AS new_user,
       EXISTS (SELECT 1 FROM referrals WHERE invitee_id = $2) AS bound
"""

BIND = """
INSERT INTO referrals (invitee_id, inviter_id)
SELECT $1::bigint, $2::bigint WHERE $1::bigint <> $2::bigint AND EXISTS (SELECT 1 FROM users WHERE id = $2::bigint)
ON CONFLICT (invitee_id) DO NOTHING
RETURNING inviter_id
"""

# The inviter who earns from this invitee's top-ups now (bound less than `days` ago), with the
# inviter's language for the notice.
INVITER = """
SELECT r.inviter_id, u.language, r.bound_at > now() - make_interval(days => $2) AS earning
FROM referrals r JOIN users u ON u.id = r.inviter_id
WHERE r.invitee_id = $1
"""

STATS = """
SELECT (SELECT count(*) FROM referrals WHERE inviter_id = $1) AS invited,
       (SELECT count(DISTINCT t.user_id) FROM referrals r
          JOIN ledger_transactions t ON t.user_id = r.invitee_id AND t.kind = 'topup'
                                    AND t.source IN ('transfer', 'stars')
         WHERE r.inviter_id = $1) AS paid,
       (SELECT coalesce(sum(e.amount), 0) FROM ledger_transactions t
          JOIN ledger_entries e ON e.transaction_id = t.id
          JOIN ledger_accounts a ON a.id = e.account_id AND a.kind = 'available'
         WHERE t.user_id = $1 AND t.kind IN ('referral_bonus', 'referral_bonus_reversal'))::bigint AS earned
"""

# What bonuses rode on a payment, net per user and family (referral / promo), from their notes.
BONUSES_OF_PAYMENT = """
SELECT t.user_id, split_part(t.kind, '_', 1) AS family, coalesce(sum(e.amount), 0)::bigint AS net
FROM ledger_transactions t
JOIN ledger_entries e ON e.transaction_id = t.id
JOIN ledger_accounts a ON a.id = e.account_id AND a.kind = 'available'
WHERE t.note = $1 AND t.kind IN ('referral_bonus', 'referral_bonus_reversal', 'promo_bonus',
                                  'promo_bonus_reversal')
GROUP BY t.user_id, split_part(t.kind, '_', 1)
ORDER BY t.user_id
"""

TOPPED_UP = "SELECT EXISTS (SELECT 1 FROM ledger_transactions WHERE user_id = $1 AND kind = 'topup')"

TOPUP_USER = "SELECT user_id FROM ledger_transactions WHERE kind = 'topup' AND key = $1"

# The reversals posted under one refund attempt (keys "<family>-rev:<reversal key>").
REVERSALS_OF = """
SELECT t.user_id, split_part(t.kind, '_', 1) AS family, t.amount, t.note
FROM ledger_transactions t
WHERE t.kind IN ('referral_bonus_reversal', 'promo_bonus_reversal') AND t.key = ANY($1::text[])
"""


class ReferralStats(msgspec.Struct, frozen=True):
    invited: int
    paid: int
    earned_kopecks: int


class Inviter(msgspec.Struct, frozen=True):
    user_id: int
    language: str
    earning: bool


async def ensure_code(conn: asyncpg.Connection, user_id: int, make: Callable[[], str]) -> str:
    """The user's invite code, made on first use (a fresh one if a random code is taken)."""
    code = await conn.fetchval(GET_CODE, user_id)
    for _ in range(5):
        if code is not None:
            return code
        try:
            async with conn.transaction():
                code = await conn.fetchval(INSERT_CODE, user_id, make())
        except asyncpg.UniqueViolationError:
            code = None  # another user's code: draw again
            continue
        if code is None:  # written meanwhile by a concurrent update of this user
            code = await conn.fetchval(GET_CODE, user_id)
    raise RuntimeError(f"no free invite code for user {user_id}")


async def referral_target(conn: asyncpg.Connection, code: str, user_id: int) -> asyncpg.Record:
    return await conn.fetchrow(REFERRAL_TARGET, code, user_id)


async def bind(conn: asyncpg.Connection, invitee_id: int, inviter_id: int) -> bool:
    """Bind once: never to oneself, never again (the primary key)."""
    return await conn.fetchval(BIND, invitee_id, inviter_id) is not None


async def inviter_of(conn: asyncpg.Connection, invitee_id: int, days: int) -> Inviter | None:
    row = await conn.fetchrow(INVITER, invitee_id, days)
    return Inviter(row["inviter_id"], row["language"], row["earning"]) if row else None


async def stats(db: Db, user_id: int) -> ReferralStats:
    row = await db.fetchrow(STATS, user_id)
    return ReferralStats(row["invited"], row["paid"], row["earned"])


async def bonuses_of_payment(conn: asyncpg.Connection, payment_id: str) -> list[asyncpg.Record]:
    return await conn.fetch(BONUSES_OF_PAYMENT, payment_id)


async def topped_up(conn: asyncpg.Connection, user_id: int) -> bool:
    return await conn.fetchval(TOPPED_UP, user_id)


async def topup_user(conn: asyncpg.Connection, payment_id: str) -> int | None:
    return await conn.fetchval(TOPUP_USER, payment_id)


async def reversals_of(conn: asyncpg.Connection, keys: list[str]) -> list[asyncpg.Record]:
    return await conn.fetch(REVERSALS_OF, keys)


# --- promo codes ----------------------------------------------------------------------------------

PROMO_COLUMNS = "code, kind, amount_kopecks, percent, max_uses, used, expires_at, new_users_only"

# The code row locked (concurrent redemptions are decided one after the other), whether this user
# used it already and whether they ever topped up. The same statement whether the code exists or
# not, so an unknown code is answered like a known one.
LOCK_PROMO = f"""
WITH p AS (SELECT {PROMO_COLUMNS} FROM promo_codes WHERE code = $1 FOR UPDATE)
SELECT (SELECT to_jsonb(p) FROM p) AS promo,
       EXISTS (SELECT 1 FROM promo_uses WHERE code = $1 AND user_id = $2) AS used_by_user,
       EXISTS (SELECT 1 FROM ledger_transactions WHERE user_id = $2 AND kind = 'topup') AS topped_up,
       (SELECT count(*) FROM promo_misses WHERE user_id = $2 AND at > now() - interval '1 hour')::int
           AS misses,
       now() AS now
"""

RECORD_MISS = "INSERT INTO promo_misses (user_id) VALUES ($1)"

TAKE_USE = """
UPDATE promo_codes SET used = used + 1
WHERE code = $1 AND (max_uses IS NULL OR used < max_uses) AND (expires_at IS NULL OR expires_at > now())
RETURNING used
"""

INSERT_USE = """
INSERT INTO promo_uses (code, user_id, status, credited_kopecks) VALUES ($1, $2, $3, $4)
ON CONFLICT DO NOTHING RETURNING code
"""

PENDING_PERCENT = """
SELECT u.code, p.percent FROM promo_uses u JOIN promo_codes p USING (code)
WHERE u.user_id = $1 AND u.status = 'pending'
ORDER BY u.used_at
FOR UPDATE OF u
"""

APPLY_USE = """
UPDATE promo_uses SET status = 'applied', payment_id = $3, credited_kopecks = $4
WHERE code = $1 AND user_id = $2 AND status = 'pending'
"""

CREATE_PROMO = """
INSERT INTO promo_codes (code, kind, amount_kopecks, percent, max_uses, expires_at, new_users_only, created_by)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
ON CONFLICT DO NOTHING RETURNING code
"""

END_PROMO = """
UPDATE promo_codes SET expires_at = now()
WHERE code = $1 AND (expires_at IS NULL OR expires_at > now())
RETURNING code
"""

LIST_PROMOS = f"SELECT {PROMO_COLUMNS} FROM promo_codes ORDER BY created_at DESC LIMIT $1"


async def lock_promo(conn: asyncpg.Connection, code: str, user_id: int) -> asyncpg.Record:
    return await conn.fetchrow(LOCK_PROMO, code, user_id)


def promo_row(data: object) -> PromoView | None:
    return msgspec.convert(data, PromoView, strict=False) if data is not None else None


class PromoGone(Exception):
    """The use the flow saw was taken meanwhile (used up, expired, used by this user): decide again."""


async def redeem(conn: asyncpg.Connection, code: str, user_id: int, status: str, credited: int) -> None:
    if await conn.fetchval(INSERT_USE, code, user_id, status, credited) is None:
        raise PromoGone(code)
    if await conn.fetchval(TAKE_USE, code) is None:
        raise PromoGone(code)


async def pending_percent(conn: asyncpg.Connection, user_id: int) -> list[asyncpg.Record]:
    return await conn.fetch(PENDING_PERCENT, user_id)


async def apply_use(
    conn: asyncpg.Connection, code: str, user_id: int, payment_id: str, credited: int
) -> None:
    await conn.execute(APPLY_USE, code, user_id, payment_id, credited)


async def create_promo(conn: asyncpg.Connection, promo: PromoView, admin_id: int) -> bool:
    return (
        await conn.fetchval(
            CREATE_PROMO,
            promo.code,
            promo.kind,
            promo.amount_kopecks,
            promo.percent,
            promo.max_uses,
            promo.expires_at,
            promo.new_users_only,
            admin_id,
        )
        is not None
    )


async def end_promo(conn: asyncpg.Connection, code: str) -> bool:
    """False when the code is unknown or already over (an ended code's expiry is never moved)."""
    return await conn.fetchval(END_PROMO, code) is not None


async def list_promos(db: Db, limit: int = 10) -> list[PromoView]:
    return [PromoView(**dict(r)) for r in await db.fetch(LIST_PROMOS, limit)]


async def record_miss(conn: asyncpg.Connection, user_id: int) -> None:
    await conn.execute(RECORD_MISS, user_id)
