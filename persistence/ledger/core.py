"""What every ledger operation is built from: its transaction, argument checks, locking the accounts in
one fixed order, and posting a balanced transaction once per key."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager

import asyncpg

from persistence.ledger.sql import (
    ENSURE_SYSTEM_ACCOUNT,
    ENSURE_USER_ACCOUNTS,
    FIND_POSTING,
    INSERT_ENTRIES,
    INSERT_TRANSACTION,
    LOCK_ACCOUNTS,
    LOCK_MANY,
)
from persistence.ledger.types import (
    MAX_KOPECKS,
    AmountError,
    IdempotencyConflict,
    InsufficientFunds,
    LedgerError,
    Posting,
    UnknownUser,
)

# --- helpers -------------------------------------------------------------------------------------

Db = asyncpg.Connection | asyncpg.Pool

# After waiting out a concurrent writer of the same key, the next statement must see its row: true
# under READ COMMITTED (PostgreSQL's default), not under a caller's REPEATABLE READ snapshot.
NOT_READ_COMMITTED = "a concurrent row is invisible: run ledger operations at READ COMMITTED"


@asynccontextmanager
async def atomic(db: Db) -> AsyncIterator[asyncpg.Connection]:
    """This operation's transaction: a savepoint inside the caller's, or its own."""
    if isinstance(db, asyncpg.Pool):
        async with db.acquire() as conn, conn.transaction():
            yield conn
    else:
        async with db.transaction():
            yield db


def checked_kopecks(amount: object, *, zero: bool = False, negative: bool = False) -> int:
    if not isinstance(amount, int) or isinstance(amount, bool):
        raise AmountError(f"amount must be an int number of kopecks, got {amount!r}")
    if abs(amount) > MAX_KOPECKS:
        raise AmountError(f"amount {amount} is out of range (at most {MAX_KOPECKS} kopecks)")
    if amount == 0 and not zero:
        raise AmountError("amount must not be zero")
    if amount < 0 and not negative:
        raise AmountError(f"amount must be positive, got {amount}")
    return amount


def checked_key(value: object, what: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise LedgerError(f"{what} must be a non-empty string, got {value!r}")
    return value


async def lock_accounts(
    conn: asyncpg.Connection, user_id: int, user_kinds: Sequence[str], system_kinds: Sequence[str]
) -> dict[str, asyncpg.Record]:
    """Lock the accounts in id order, creating the missing ones first; keyed by kind.

    Creation is tried only when an account is missing (a user's first movement, or the first
    after the system accounts were set up): an upsert on an existing row would wait for whoever
    last moved its balance, outside the id order.
    """
    rows = await conn.fetch(LOCK_ACCOUNTS, user_id, list(user_kinds), list(system_kinds))
    if len(rows) < len(user_kinds) + len(system_kinds):
        try:
            await conn.execute(ENSURE_USER_ACCOUNTS, user_id)
        except asyncpg.ForeignKeyViolationError as exc:
            raise UnknownUser(user_id) from exc
        for kind in system_kinds:
            await conn.execute(ENSURE_SYSTEM_ACCOUNT, kind)
        rows = await conn.fetch(LOCK_ACCOUNTS, user_id, list(user_kinds), list(system_kinds))
    return {r["kind"]: r for r in rows}


async def post(
    conn: asyncpg.Connection, account_ids: Sequence[int], amounts: Sequence[int], transaction_id: int
) -> None:
    await conn.execute(INSERT_ENTRIES, transaction_id, list(account_ids), list(amounts))


async def find_posting(conn: asyncpg.Connection, kind: str, key: str) -> Posting | None:
    row = await conn.fetchrow(FIND_POSTING, kind, key)
    if row is None:
        return None
    return Posting(row["id"], row["kind"], row["key"], row["user_id"], row["amount"], applied=False)


def same_posting(existing: Posting, user_id: int, amount: int) -> Posting:
    if existing.user_id != user_id or existing.amount != amount:
        raise IdempotencyConflict(
            existing.kind,
            existing.key,
            f"user {existing.user_id} amount {existing.amount}",
            f"user {user_id} amount {amount}",
        )
    return existing


async def transfer(
    db: Db,
    *,
    kind: str,
    key: str,
    user_id: int,
    amount: int,
    system_kind: str,
    source: str | None = None,
    note: str | None = None,
    admin_id: int | None = None,
) -> Posting:
    """Move |amount| between the user's available account and a system account, once per key.

    amount > 0 credits the user (system -> available); amount < 0 debits (available -> system).
    """
    async with atomic(db) as conn:
        existing = await find_posting(conn, kind, key)
        if existing is not None:
            return same_posting(existing, user_id, amount)
        accounts = await lock_accounts(conn, user_id, ("available",), (system_kind,))
        tx_id = await conn.fetchval(
            INSERT_TRANSACTION, kind, key, user_id, None, abs(amount), source, note, admin_id
        )
        if tx_id is None:  # a concurrent call with this key committed while we waited for the locks
            existing = await find_posting(conn, kind, key)
            if existing is None:
                raise LedgerError(NOT_READ_COMMITTED)
            return same_posting(existing, user_id, amount)
        available = accounts["available"]
        if amount < 0 and available["balance"] < -amount:
            raise InsufficientFunds(available["balance"], -amount)
        await post(conn, (available["id"], accounts[system_kind]["id"]), (amount, -amount), tx_id)
        return Posting(tx_id, kind, key, user_id, amount, applied=True)


async def lock_many(
    conn: asyncpg.Connection, user_ids: Sequence[int], system_kinds: Sequence[str]
) -> dict[int, int]:
    """Lock the available accounts of several users and some system accounts, all in id order, before a
    composed operation moves them one by one (each later lock is then already held: no deadlock with
    any single operation). Creates missing accounts first. Returns each user's available balance."""
    users, kinds = sorted(set(user_ids)), list(system_kinds)
    rows = await conn.fetch(LOCK_MANY, users, kinds)
    if len(rows) < len(users) + len(kinds):
        for user_id in users:
            try:
                await conn.execute(ENSURE_USER_ACCOUNTS, user_id)
            except asyncpg.ForeignKeyViolationError as exc:
                raise UnknownUser(user_id) from exc
        for kind in kinds:
            await conn.execute(ENSURE_SYSTEM_ACCOUNT, kind)
        rows = await conn.fetch(LOCK_MANY, users, kinds)
    return {r["user_id"]: r["balance"] for r in rows if r["user_id"] is not None}
