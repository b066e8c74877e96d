"""Holds: money reserved for a job or a chat answer, then captured (charged), released (given back)
or settled (charged in part, the rest given back) — once, whatever repeats."""

from __future__ import annotations

import asyncpg

from persistence.ledger.core import (
    NOT_READ_COMMITTED,
    Db,
    atomic,
    checked_key,
    checked_kopecks,
    lock_accounts,
    post,
)
from persistence.ledger.sql import END_HOLD, FIND_HOLD, INSERT_HOLD, INSERT_TRANSACTION
from persistence.ledger.types import (
    USER_KINDS,
    AmountError,
    Hold,
    HoldStatus,
    IdempotencyConflict,
    InsufficientFunds,
    LedgerError,
    UnknownHold,
    UnknownUser,
)

# --- holds ---------------------------------------------------------------------------------------


def _hold(row: asyncpg.Record) -> Hold:
    return Hold(row["id"], row["key"], row["user_id"], row["amount"], row["status"])


def _same_hold(existing: Hold, user_id: int, amount: int) -> Hold:
    if existing.user_id != user_id or existing.amount != amount:
        raise IdempotencyConflict(
            "hold",
            existing.key,
            f"user {existing.user_id} amount {existing.amount}",
            f"user {user_id} amount {amount}",
        )
    return existing


async def hold(db: Db, user_id: int, amount_kopecks: int, key: str) -> Hold:
    """Reserve money for a run (available -> held). Idempotent by key: a repeated call, even a
    concurrent one, returns the existing hold (whatever its status) and moves nothing.

    Raises InsufficientFunds (and changes nothing) when available < amount. A zero amount (free or
    admin run) records an open hold and moves no money.
    """
    amount = checked_kopecks(amount_kopecks, zero=True)
    key = checked_key(key, "hold key")
    async with atomic(db) as conn:
        row = await conn.fetchrow(FIND_HOLD, key)
        if row is not None:
            return _same_hold(_hold(row), user_id, amount)
        accounts = await lock_accounts(conn, user_id, USER_KINDS, ()) if amount else {}
        try:
            row = await conn.fetchrow(INSERT_HOLD, key, user_id, amount)
        except asyncpg.ForeignKeyViolationError as exc:
            raise UnknownUser(user_id) from exc
        if row is None:  # a concurrent call with this key won
            row = await conn.fetchrow(FIND_HOLD, key)
            if row is None:
                raise LedgerError(NOT_READ_COMMITTED)
            return _same_hold(_hold(row), user_id, amount)
        created = _hold(row)
        if amount == 0:
            return created
        available = accounts["available"]
        if available["balance"] < amount:
            raise InsufficientFunds(available["balance"], amount)
        tx_id = await conn.fetchval(
            INSERT_TRANSACTION, "hold", key, user_id, created.id, amount, None, None, None
        )
        await post(conn, (available["id"], accounts["held"]["id"]), (-amount, amount), tx_id)
        return created


async def _end_hold(db: Db, key: str, status: HoldStatus) -> Hold:
    key = checked_key(key, "hold key")
    async with atomic(db) as conn:
        row = await conn.fetchrow(FIND_HOLD, key)
        if row is None:
            raise UnknownHold(key)
        found = _hold(row)
        if found.status != "held":
            return found
        accounts: dict[str, asyncpg.Record] = {}
        if found.amount:
            system = ("revenue",) if status == "captured" else ()
            accounts = await lock_accounts(conn, found.user_id, USER_KINDS, system)
        row = await conn.fetchrow(END_HOLD, key, status)
        if row is None:  # ended concurrently while we waited for the locks
            return _hold(await conn.fetchrow(FIND_HOLD, key))
        ended = _hold(row)
        if ended.amount:
            kind, target = ("capture", "revenue") if status == "captured" else ("release", "available")
            tx_id = await conn.fetchval(
                INSERT_TRANSACTION, kind, key, ended.user_id, ended.id, ended.amount, None, None, None
            )
            await post(
                conn, (accounts["held"]["id"], accounts[target]["id"]), (-ended.amount, ended.amount), tx_id
            )
        return ended


async def capture(db: Db, key: str) -> Hold:
    """Charge an open hold (held -> revenue). Returns the hold in its final status.

    Idempotent and exclusive with release: a hold ends exactly once; on an already ended hold this
    changes nothing and returns it as it is (status 'captured' or 'released' — check it). Raises
    UnknownHold for an unknown key.
    """
    return await _end_hold(db, key, "captured")


async def release(db: Db, key: str) -> Hold:
    """Give an open hold back (held -> available). Same contract as capture()."""
    return await _end_hold(db, key, "released")


async def settle(db: Db, key: str, charge_kopecks: int) -> Hold:
    """End an open hold charging only part of it (a chat answer costs what it used, not what was
    reserved): `charge` moves held -> revenue and the rest held -> available, in ONE ledger
    transaction of kind 'release' (the user sees the unused part come back; the revenue entry sits in
    the same transaction). Charging all is a capture, nothing a release. The hold ends 'captured'
    when anything was charged. Same contract as capture() for an ended or unknown hold; a charge
    above the hold raises AmountError.
    """
    key = checked_key(key, "hold key")
    charge = checked_kopecks(charge_kopecks, zero=True)
    async with atomic(db) as conn:
        row = await conn.fetchrow(FIND_HOLD, key)
        if row is None:
            raise UnknownHold(key)
        found = _hold(row)
        if found.status != "held":
            return found
        if charge > found.amount:
            raise AmountError(f"charge {charge} is above the hold {found.amount} ({key!r})")
        if charge in (0, found.amount):
            return await _end_hold(conn, key, "captured" if charge else "released")
        accounts = await lock_accounts(conn, found.user_id, USER_KINDS, ("revenue",))
        row = await conn.fetchrow(END_HOLD, key, "captured")
        if row is None:  # ended concurrently while we waited for the locks
            return _hold(await conn.fetchrow(FIND_HOLD, key))
        ended = _hold(row)
        note = f"charged {charge} of {ended.amount}"
        tx_id = await conn.fetchval(
            INSERT_TRANSACTION, "release", key, ended.user_id, ended.id, ended.amount, None, note, None
        )
        ids = (accounts["held"]["id"], accounts["revenue"]["id"], accounts["available"]["id"])
        await post(conn, ids, (-ended.amount, charge, ended.amount - charge), tx_id)
        return ended


async def get_hold(db: Db, key: str) -> Hold | None:
    row = await db.fetchrow(FIND_HOLD, key)
    return _hold(row) if row else None
