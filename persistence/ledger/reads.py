"""Reads: a user's balance and operations, open holds, revenue."""

from __future__ import annotations

import datetime as dt

from persistence.ledger.core import Db
from persistence.ledger.sql import BALANCE, HISTORY, OPEN_HOLDS, REVENUE
from persistence.ledger.types import Balance, OpenHolds, Operation

# --- reads ---------------------------------------------------------------------------------------


async def balance(db: Db, user_id: int) -> Balance:
    row = await db.fetchrow(BALANCE, user_id)
    return Balance(row["available"], row["held"])


async def entries(db: Db, user_id: int, limit: int = 20) -> list[Operation]:
    """The user's most recent ledger transactions, newest first, with their effect on each balance."""
    rows = await db.fetch(HISTORY, user_id, limit)
    return [Operation(**dict(r)) for r in rows]


async def open_holds(db: Db, older_than: dt.timedelta = dt.timedelta(0)) -> OpenHolds:
    """Holds not ended yet (optionally only those older than `older_than`): count and kopecks."""
    row = await db.fetchrow(OPEN_HOLDS, older_than.total_seconds())
    return OpenHolds(row["count"], row["total"])


async def revenue(db: Db, since: dt.datetime | None = None) -> int:
    """Kopecks captured since `since` (all time when None)."""
    return await db.fetchval(REVENUE, since)


# The whole books' audit lives in its own module (it also reads Stars orders and job refunds).
