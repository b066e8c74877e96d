"""The free tier: a few free generations per user per Moscow calendar day, counted exactly.

The day is the database's (`now() AT TIME ZONE 'Europe/Moscow'`), so every instance agrees whatever
its clock or TZ. The quota is the caller's setting, passed on every call, so changing it takes effect
at once (a lowered quota refuses new takes; units already taken stay taken).

Meant to run in the same transaction as the hold of the run, e.g. in the wizard:

    async with conn.transaction():
        free = await free_tier.take_free(conn, user_id, key, quota)
        held = await ledger.hold(conn, user_id, 0 if free else price, key)

so a failed hold rolls the free unit back too. Each function opens `conn.transaction()` (a savepoint
inside the caller's). Lock order: the user's day row, then the use row — the same in every function.
"""

from __future__ import annotations

import datetime as dt

import asyncpg
import msgspec

from persistence.ledger import Db, LedgerError, UnknownUser, atomic

MOSCOW_TODAY = "(now() AT TIME ZONE 'Europe/Moscow')::date"


class FreeUse(msgspec.Struct, frozen=True):
    key: str
    user_id: int
    day: dt.date
    given_back: bool


FIND_USE = (
    "SELECT key, user_id, day, given_back_at IS NOT NULL AS given_back FROM free_tier_uses WHERE key = $1"
)

ENSURE_DAY = f"""
INSERT INTO free_tier_days (user_id, day) VALUES ($1, {MOSCOW_TODAY})
ON CONFLICT DO NOTHING
"""

LOCK_TODAY = f"SELECT day, used FROM free_tier_days WHERE user_id = $1 AND day = {MOSCOW_TODAY} FOR UPDATE"

LOCK_DAY = "SELECT used FROM free_tier_days WHERE user_id = $1 AND day = $2 FOR UPDATE"

INSERT_USE = """
INSERT INTO free_tier_uses (key, user_id, day) VALUES ($1, $2, $3)
ON CONFLICT (key) DO NOTHING
RETURNING key, user_id, day, false AS given_back
"""

COUNT_UP = "UPDATE free_tier_days SET used = used + 1 WHERE user_id = $1 AND day = $2"

GIVE_BACK = """
UPDATE free_tier_uses SET given_back_at = now()
WHERE key = $1 AND given_back_at IS NULL
RETURNING key, user_id, day, true AS given_back
"""

COUNT_DOWN = "UPDATE free_tier_days SET used = used - 1 WHERE user_id = $1 AND day = $2"

USED_TODAY = f"SELECT coalesce(max(used), 0) FROM free_tier_days WHERE user_id = $1 AND day = {MOSCOW_TODAY}"


def _use(row: asyncpg.Record) -> FreeUse:
    return FreeUse(row["key"], row["user_id"], row["day"], row["given_back"])


def _check_key(key: object) -> str:
    if not isinstance(key, str) or not key.strip():
        raise LedgerError(f"free-tier key must be a non-empty string, got {key!r}")
    return key


async def take_free(db: Db, user_id: int, key: str, quota: int) -> FreeUse | None:
    """Take one free unit of today's quota for this key, or None when today's quota is used up.

    Idempotent by key: a repeated call returns the unit already taken (even on a later day) without
    counting again. A unit that was given back stays given back: taking its key again returns None —
    a new run needs a new key (a new request id).
    """
    key = _check_key(key)
    async with atomic(db) as conn:
        row = await conn.fetchrow(FIND_USE, key)
        if row is not None:
            return _existing(_use(row), user_id)
        today = await conn.fetchrow(LOCK_TODAY, user_id)
        if today is None:  # the user's first take today
            try:
                await conn.execute(ENSURE_DAY, user_id)
            except asyncpg.ForeignKeyViolationError as exc:
                raise UnknownUser(user_id) from exc
            today = await conn.fetchrow(LOCK_TODAY, user_id)
        row = await conn.fetchrow(FIND_USE, key)  # taken concurrently while we waited for the lock?
        if row is not None:
            return _existing(_use(row), user_id)
        if today["used"] >= quota:
            return None
        row = await conn.fetchrow(INSERT_USE, key, user_id, today["day"])
        if row is None:  # the same key taken for another day's row concurrently
            return _existing(_use(await conn.fetchrow(FIND_USE, key)), user_id)
        await conn.execute(COUNT_UP, user_id, today["day"])
        return _use(row)


def _existing(use: FreeUse, user_id: int) -> FreeUse | None:
    if use.user_id != user_id:
        raise LedgerError(f"free-tier key {use.key!r} belongs to user {use.user_id}, not {user_id}")
    return None if use.given_back else use


async def give_back_free(db: Db, key: str) -> bool:
    """Return a run's free unit to its day's quota (the run failed). True when this call gave it
    back; False when it was already given back or never taken. Idempotent."""
    key = _check_key(key)
    async with atomic(db) as conn:
        row = await conn.fetchrow(FIND_USE, key)
        if row is None or row["given_back"]:
            return False
        await conn.fetchrow(LOCK_DAY, row["user_id"], row["day"])
        if await conn.fetchrow(GIVE_BACK, key) is None:
            return False
        await conn.execute(COUNT_DOWN, row["user_id"], row["day"])
        return True


async def free_left(db: Db, user_id: int, quota: int) -> int:
    """Free units left today (Moscow day) under `quota`."""
    used = await db.fetchval(USED_TODAY, user_id)
    return max(0, quota - used)
