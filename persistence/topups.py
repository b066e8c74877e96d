"""Top-up requests (bank transfer) and Telegram Stars orders: the rows around a ledger credit.

The ledger credits (persistence/ledger/) are keyed by the request id or "stars:<charge id>", so
these rows only record the story; a status change and its credit commit together. Reads that an
action depends on lock the row (FOR UPDATE) so that two admins' taps are decided one after the other.
Lock order everywhere: the session row (the processor), then the request/order row, then the ledger.
"""

from __future__ import annotations

import asyncpg
import msgspec

from persistence.ledger import Db

TTL_HOURS = 24

TOPUP_COLUMNS = """
r.id, r.user_id, u.username, r.amount_kopecks, r.status, r.created_at, r.screenshot_file_id,
r.decided_by, d.username AS decided_by_name, r.reason, u.language AS user_lang
"""

# Lazy expiry: a request older than a day expires when it is shown or acted on (and in the sweep).
EXPIRE = f"""
UPDATE topup_requests SET status = 'expired', decided_at = now()
WHERE status IN ('open', 'submitted') AND created_at <= now() - interval '{TTL_HOURS} hours'
  AND ($1::text IS NULL OR id = $1) AND ($2::bigint IS NULL OR user_id = $2)
"""

LOCK_TOPUP = f"""
SELECT {TOPUP_COLUMNS}
FROM topup_requests r JOIN users u ON u.id = r.user_id LEFT JOIN users d ON d.id = r.decided_by
WHERE r.id = $1
FOR UPDATE OF r
"""

WAITING = f"""
SELECT {TOPUP_COLUMNS}
FROM topup_requests r JOIN users u ON u.id = r.user_id LEFT JOIN users d ON d.id = r.decided_by
WHERE r.status IN ('open', 'submitted') AND ($1::bigint IS NULL OR r.user_id = $1)
  AND ($2::boolean OR r.status = 'submitted' OR r.created_at <= now() - interval '5 minutes')
ORDER BY r.created_at
LIMIT $3
"""

COUNT_WAITING = "SELECT count(*) FROM topup_requests WHERE status = 'submitted'"

CREATE = "INSERT INTO topup_requests (id, user_id, amount_kopecks) VALUES ($1, $2, $3)"

SUBMIT = """
UPDATE topup_requests SET status = 'submitted', submitted_at = now(), screenshot_file_id = $2
WHERE id = $1 AND status = 'open'
"""

CANCEL = """
UPDATE topup_requests SET status = 'cancelled', decided_at = now()
WHERE id = $1 AND user_id = $2 AND status IN ('open', 'submitted')
"""

DECIDE = """
UPDATE topup_requests SET status = $2, decided_by = $3, reason = $4, decided_at = now()
WHERE id = $1 AND status IN ('open', 'submitted')
RETURNING user_id, amount_kopecks
"""

ORDER_COLUMNS = "id, user_id, amount_kopecks, stars, status, charge_id, kind"

LOCK_ORDER = f"SELECT {ORDER_COLUMNS} FROM stars_orders WHERE id = $1 FOR UPDATE"

CHARGED = "SELECT EXISTS (SELECT 1 FROM stars_orders WHERE charge_id = $1)"

CREATE_ORDER = """
INSERT INTO stars_orders (id, user_id, amount_kopecks, stars, kind) VALUES ($1, $2, $3, $4, $5)
"""

PAY_ORDER = """
UPDATE stars_orders SET status = 'paid', charge_id = $2, paid_at = now()
WHERE id = $1 AND status = 'open'
"""

# A second charge of an already paid order gets an order row of its own (same user, amount, Stars).
ADD_PAID_ORDER = """
INSERT INTO stars_orders (id, user_id, amount_kopecks, stars, status, charge_id, paid_at, kind)
SELECT $2, user_id, amount_kopecks, stars, 'paid', $3, now(), kind FROM stars_orders WHERE id = $1
ON CONFLICT (id) DO NOTHING
RETURNING id
"""

REFUND_ORDER = """
UPDATE stars_orders
SET status = 'refunded', refunded_at = now(), refunded_by = $2, refund_attempts = refund_attempts + 1
WHERE id = $1 AND status = 'paid'
RETURNING charge_id, refund_attempts
"""

# Telegram refused the Stars refund after the ledger was reversed: the order is paid again.
UNDO_REFUND = """
UPDATE stars_orders o SET status = 'paid', refunded_at = NULL, refunded_by = NULL
FROM (SELECT id, refunded_by FROM stars_orders WHERE charge_id = $1 AND status = 'refunded' FOR UPDATE) old
WHERE o.id = old.id
RETURNING o.id, o.user_id, o.amount_kopecks, old.refunded_by, o.refund_attempts
"""

USER_ORDERS = f"""
SELECT {ORDER_COLUMNS} FROM stars_orders WHERE user_id = $1 AND status <> 'open'
ORDER BY created_at DESC LIMIT $2
"""


async def expire(db: Db, *, topup_id: str | None = None, user_id: int | None = None) -> int:
    """Expire waiting requests older than a day (all of them, one, or one user's); returns how many."""
    result = await db.execute(EXPIRE, topup_id, user_id)
    return int(result.split()[-1])


async def lock(conn: asyncpg.Connection, topup_id: str) -> asyncpg.Record | None:
    await expire(conn, topup_id=topup_id)
    return await conn.fetchrow(LOCK_TOPUP, topup_id)


async def waiting(
    db: Db, user_id: int | None = None, *, include_fresh_open: bool = True, limit: int = 20
) -> list[asyncpg.Record]:
    await expire(db, user_id=user_id)
    return await db.fetch(WAITING, user_id, include_fresh_open, limit)


async def count_waiting(db: Db) -> int:
    return await db.fetchval(COUNT_WAITING)


async def create(db: Db, topup_id: str, user_id: int, amount_kopecks: int) -> None:
    await db.execute(CREATE, topup_id, user_id, amount_kopecks)


async def submit(db: Db, topup_id: str, screenshot_file_id: str | None) -> bool:
    return (await db.execute(SUBMIT, topup_id, screenshot_file_id)).endswith(" 1")


async def cancel(db: Db, topup_id: str, user_id: int) -> bool:
    return (await db.execute(CANCEL, topup_id, user_id)).endswith(" 1")


async def decide(
    db: Db, topup_id: str, status: str, admin_id: int, reason: str | None
) -> asyncpg.Record | None:
    """approved/rejected, once: None when the request was no longer waiting."""
    return await db.fetchrow(DECIDE, topup_id, status, admin_id, reason)


async def lock_order(conn: asyncpg.Connection, order_id: str) -> asyncpg.Record | None:
    return await conn.fetchrow(LOCK_ORDER, order_id)


async def charged(db: Db, charge_id: str) -> bool:
    return await db.fetchval(CHARGED, charge_id)


async def create_order(
    db: Db, order_id: str, user_id: int, amount_kopecks: int, stars: int, kind: str = "pack"
) -> None:
    await db.execute(CREATE_ORDER, order_id, user_id, amount_kopecks, stars, kind)


async def pay_order(db: Db, order_id: str, charge_id: str) -> bool:
    return (await db.execute(PAY_ORDER, order_id, charge_id)).endswith(" 1")


class RefundAttempt(msgspec.Struct, frozen=True):
    charge_id: str
    attempt: int

    @property
    def reversal_key(self) -> str:
        """The ledger key of this attempt's reversal (the first keeps the historical `stars:<charge>`)."""
        return attempt_key(f"stars:{self.charge_id}", self.attempt)


def attempt_key(base: str, attempt: int) -> str:
    return base if attempt <= 1 else f"{base}#{attempt}"


async def add_paid_order(db: Db, order_id: str, new_order_id: str, charge_id: str) -> str | None:
    """A paid copy of `order_id` for another charge; None when `new_order_id` is taken (pick another)."""
    return await db.fetchval(ADD_PAID_ORDER, order_id, new_order_id, charge_id)


async def refund_order(db: Db, order_id: str, admin_id: int) -> RefundAttempt | None:
    """Mark a paid order refunded; the attempt (1, 2, …) keys its own ledger reversal."""
    row = await db.fetchrow(REFUND_ORDER, order_id, admin_id)
    return RefundAttempt(row["charge_id"], row["refund_attempts"]) if row is not None else None


async def undo_refund(db: Db, charge_id: str) -> asyncpg.Record | None:
    return await db.fetchrow(UNDO_REFUND, charge_id)


async def user_orders(db: Db, user_id: int, limit: int = 5) -> list[asyncpg.Record]:
    return await db.fetch(USER_ORDERS, user_id, limit)
