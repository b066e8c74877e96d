"""The monthly plan: one row per user around the Stars subscription's periods (015_stars_plan.sql).

The money of a period is a stars_orders row and its ledger credit (persistence/topups.py, the ledger);
this row only says until when the plan is paid and whether it renews. Telegram sends no update for a
cancelled or failed renewal, so "active" is always `paid_until > now()`, read where it is needed
(persistence/update_context.py reads it with every update, for the free daily quota).
"""

from __future__ import annotations

import datetime as dt

import asyncpg

from persistence.ledger import Db

PLAN = """
SELECT p.status, p.paid_until, p.paid_until > now() AS active, p.periods,
       p.last_order_id, p.last_charge_id,
       o.amount_kopecks AS last_amount_kopecks, o.stars AS last_stars, o.status AS last_status,
       o.paid_at AS last_paid_at
FROM stars_plans p JOIN stars_orders o ON o.id = p.last_order_id
WHERE p.user_id = $1
FOR UPDATE OF p
"""

# A paid period (the first or a renewal): the plan runs until the later of its end and the new one.
PAID = """
INSERT INTO stars_plans (user_id, status, paid_until, last_order_id, last_charge_id)
VALUES ($1, 'active', $2, $3, $4)
ON CONFLICT (user_id) DO UPDATE
SET status = 'active',
    paid_until = CASE WHEN stars_plans.status = 'refunded' THEN EXCLUDED.paid_until
                      ELSE greatest(stars_plans.paid_until, EXCLUDED.paid_until) END,
    last_order_id = EXCLUDED.last_order_id, last_charge_id = EXCLUDED.last_charge_id,
    periods = stars_plans.periods + 1, updated_at = now()
"""

CANCEL = """
UPDATE stars_plans SET status = 'canceled', updated_at = now()
WHERE user_id = $1 AND status = 'active'
RETURNING last_charge_id
"""

# The last period was refunded: the plan ends now (and never renews: the subscription is cancelled).
END_REFUNDED = """
UPDATE stars_plans SET status = 'refunded', paid_until = least(paid_until, now()), updated_at = now()
WHERE user_id = $1 AND last_order_id = $2 AND status <> 'refunded'
"""


async def lock(conn: asyncpg.Connection, user_id: int) -> asyncpg.Record | None:
    """The user's plan with its last period's order, locked (None: never had one)."""
    return await conn.fetchrow(PLAN, user_id)


async def paid(db: Db, user_id: int, paid_until: dt.datetime, order_id: str, charge_id: str) -> None:
    await db.execute(PAID, user_id, paid_until, order_id, charge_id)


async def cancel(db: Db, user_id: int) -> str | None:
    """Stop renewing (kept until paid_until); the charge id to cancel at Telegram, None if not active."""
    return await db.fetchval(CANCEL, user_id)


async def end_refunded(db: Db, user_id: int, order_id: str) -> bool:
    return (await db.execute(END_REFUNDED, user_id, order_id)).endswith(" 1")
