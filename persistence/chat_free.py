"""Free text answers: a daily quota of their own (Moscow day), separate from the generations' free
tier but counted the same way (see persistence/free_tier.py): a unit per answer key, taken in the
update's transaction with the turn, given back when the answer fails."""

from __future__ import annotations

import asyncpg

from persistence.free_tier import MOSCOW_TODAY
from persistence.ledger import Db, LedgerError, UnknownUser, atomic

FIND_USE = "SELECT user_id, day, given_back_at IS NOT NULL AS given_back FROM free_text_uses WHERE key = $1"
ENSURE_DAY = f"INSERT INTO free_text_days (user_id, day) VALUES ($1, {MOSCOW_TODAY}) ON CONFLICT DO NOTHING"
LOCK_TODAY = f"SELECT day, used FROM free_text_days WHERE user_id = $1 AND day = {MOSCOW_TODAY} FOR UPDATE"
LOCK_DAY = "SELECT used FROM free_text_days WHERE user_id = $1 AND day = $2 FOR UPDATE"
INSERT_USE = "INSERT INTO free_text_uses (key, user_id, day) VALUES ($1, $2, $3) ON CONFLICT (key) DO NOTHING"
COUNT_UP = "UPDATE free_text_days SET used = used + 1 WHERE user_id = $1 AND day = $2"
GIVE_BACK = "UPDATE free_text_uses SET given_back_at = now() WHERE key = $1 AND given_back_at IS NULL"
COUNT_DOWN = "UPDATE free_text_days SET used = used - 1 WHERE user_id = $1 AND day = $2"
USED_TODAY = f"SELECT coalesce(max(used), 0) FROM free_text_days WHERE user_id = $1 AND day = {MOSCOW_TODAY}"


def _owned(row: asyncpg.Record, user_id: int, key: str) -> bool:
    if row["user_id"] != user_id:
        raise LedgerError(f"free text key {key!r} belongs to user {row['user_id']}, not {user_id}")
    return not row["given_back"]


async def take(db: Db, user_id: int, key: str, quota: int) -> bool:
    """Take today's free answer for `key`; False when the quota is used up (or the unit was given
    back: a new answer needs a new key). Idempotent by key."""
    async with atomic(db) as conn:
        row = await conn.fetchrow(FIND_USE, key)
        if row is not None:
            return _owned(row, user_id, key)
        today = await conn.fetchrow(LOCK_TODAY, user_id)
        if today is None:
            try:
                await conn.execute(ENSURE_DAY, user_id)
            except asyncpg.ForeignKeyViolationError as exc:
                raise UnknownUser(user_id) from exc
            today = await conn.fetchrow(LOCK_TODAY, user_id)
        row = await conn.fetchrow(FIND_USE, key)  # taken concurrently while we waited for the lock?
        if row is not None:
            return _owned(row, user_id, key)
        if today["used"] >= quota:
            return False
        await conn.execute(INSERT_USE, key, user_id, today["day"])
        await conn.execute(COUNT_UP, user_id, today["day"])
        return True


async def give_back(db: Db, key: str) -> bool:
    """Return the unit of a failed answer to its day; True when this call did. Idempotent."""
    async with atomic(db) as conn:
        row = await conn.fetchrow(FIND_USE, key)
        if row is None or row["given_back"]:
            return False
        await conn.fetchrow(LOCK_DAY, row["user_id"], row["day"])
        if (await conn.execute(GIVE_BACK, key)).endswith(" 0"):
            return False
        await conn.execute(COUNT_DOWN, row["user_id"], row["day"])
        return True


async def left(db: Db, user_id: int, quota: int) -> int:
    """Free text answers left today under `quota`."""
    return max(0, quota - await db.fetchval(USED_TODAY, user_id))
