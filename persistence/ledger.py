"""The money ledger: integer kopecks, double entry, holds, every operation idempotent by a key.

Model (docs/payments.md has the full story): each user has an `available` and a `held` account; the
system has `revenue`, `topups`, `adjustments` and `refunds`. Every movement is one ledger transaction
whose entries sum to zero; the database enforces that, keeps each balance equal to the sum of its
entries and refuses a negative user balance, so a bug here fails loudly instead of minting money.

Composition: every write accepts an `asyncpg.Connection` (or a Pool, for a standalone call) and runs
inside `conn.transaction()` — a savepoint when the caller already opened a transaction, so the wizard
can reserve money in the same transaction as its own rows. An error raised here rolls back only this
operation's savepoint.

Locking: within one operation rows are locked in one fixed order — the account rows it moves, by
ascending id, then the hold row — so concurrent operations wait for each other but never deadlock.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from typing import Literal

import asyncpg
import msgspec

from persistence import ledger_audit
from persistence.db import DatabaseError

# Beyond any real balance, and far below bigint overflow even when summed across all entries.
MAX_KOPECKS = 10**13

HoldStatus = Literal["held", "captured", "released"]
USER_KINDS = ("available", "held")
SYSTEM_KINDS = ("revenue", "topups", "adjustments", "refunds")


class LedgerError(DatabaseError):
    """Root of ledger errors."""


class AmountError(LedgerError, ValueError):
    """An amount that is not a whole number of kopecks in the allowed range."""


class InsufficientFunds(LedgerError):
    def __init__(self, available: int, needed: int) -> None:
        super().__init__(f"available {available} kopecks, needed {needed}")
        self.available = available
        self.needed = needed


class UnknownHold(LedgerError):
    def __init__(self, key: str) -> None:
        super().__init__(f"no hold with key {key!r}")
        self.key = key


class UnknownTopup(LedgerError):
    def __init__(self, payment_id: str) -> None:
        super().__init__(f"no top-up with payment id {payment_id!r}")
        self.payment_id = payment_id


class UnknownUser(LedgerError):
    def __init__(self, user_id: int) -> None:
        super().__init__(f"no user {user_id}: users are registered before they can hold money")
        self.user_id = user_id


class IdempotencyConflict(LedgerError):
    """A key reused with different parameters: a caller bug, never a retry."""

    def __init__(self, what: str, key: str, existing: str, requested: str) -> None:
        super().__init__(f"{what} {key!r} already exists as {existing}, requested {requested}")
        self.key = key


class Balance(msgspec.Struct, frozen=True):
    available: int
    held: int


class Hold(msgspec.Struct, frozen=True):
    id: int
    key: str
    user_id: int
    amount: int
    status: HoldStatus


class Posting(msgspec.Struct, frozen=True):
    """A money movement: a top-up, its reversal or an adjustment.

    `applied` is True only for the call that posted it; a repeated call (same key) returns the same
    posting with applied=False and moves nothing.
    """

    transaction_id: int
    kind: str
    key: str
    user_id: int
    amount: int  # signed for the user's available balance: + credit, - debit
    applied: bool


class Operation(msgspec.Struct, frozen=True):
    """One ledger transaction as the user sees it (the balance history screen)."""

    transaction_id: int
    kind: str  # topup, topup_reversal, hold, capture, release, adjustment
    available_change: int  # signed kopecks
    held_change: int  # signed kopecks
    reference: str  # payment id, hold key (starts with the request id) or adjustment key
    note: str | None
    created_at: dt.datetime


class OpenHolds(msgspec.Struct, frozen=True):
    count: int
    total: int


# --- SQL -----------------------------------------------------------------------------------------

ENSURE_USER_ACCOUNTS = """
INSERT INTO ledger_accounts (kind, user_id)
VALUES ('available', $1), ('held', $1)
ON CONFLICT DO NOTHING
"""

ENSURE_SYSTEM_ACCOUNT = """
INSERT INTO ledger_accounts (kind, user_id) VALUES ($1, NULL) ON CONFLICT DO NOTHING
"""

# ORDER BY before FOR UPDATE: rows are locked in id order (LockRows runs above the sort).
LOCK_ACCOUNTS = """
SELECT id, kind, user_id, balance
FROM ledger_accounts
WHERE (user_id = $1 AND kind = ANY($2::text[])) OR (user_id IS NULL AND kind = ANY($3::text[]))
ORDER BY id
FOR UPDATE
"""

INSERT_TRANSACTION = """
INSERT INTO ledger_transactions (kind, key, user_id, hold_id, amount, source, note, admin_id)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
ON CONFLICT (kind, key) DO NOTHING
RETURNING id
"""

INSERT_ENTRIES = """
INSERT INTO ledger_entries (transaction_id, account_id, amount)
SELECT $1, account_id, amount FROM unnest($2::bigint[], $3::bigint[]) AS e(account_id, amount)
"""

# The user's signed view of a top-up, reversal or adjustment, found by its idempotency key.
FIND_POSTING = """
SELECT t.id, t.kind, t.key, t.user_id,
       coalesce((SELECT sum(e.amount) FROM ledger_entries e JOIN ledger_accounts a ON a.id = e.account_id
                 WHERE e.transaction_id = t.id AND a.kind = 'available'), 0)::bigint AS amount
FROM ledger_transactions t
WHERE t.kind = $1 AND t.key = $2
"""

FIND_TOPUP = "SELECT id, user_id, amount FROM ledger_transactions WHERE kind = 'topup' AND key = $1"

HOLD_COLUMNS = "id, key, user_id, amount, status"

FIND_HOLD = f"SELECT {HOLD_COLUMNS} FROM ledger_holds WHERE key = $1"

INSERT_HOLD = f"""
INSERT INTO ledger_holds (key, user_id, amount) VALUES ($1, $2, $3)
ON CONFLICT (key) DO NOTHING
RETURNING {HOLD_COLUMNS}
"""

# Only an open hold ends; a concurrent second ending re-checks the status after the row lock and
# finds nothing to do (READ COMMITTED re-evaluates the WHERE clause on the updated row).
END_HOLD = f"""
UPDATE ledger_holds SET status = $2, finished_at = now()
WHERE key = $1 AND status = 'held'
RETURNING {HOLD_COLUMNS}
"""

BALANCE = """
SELECT coalesce(sum(balance) FILTER (WHERE kind = 'available'), 0)::bigint AS available,
       coalesce(sum(balance) FILTER (WHERE kind = 'held'), 0)::bigint AS held
FROM ledger_accounts WHERE user_id = $1
"""

HISTORY = """
SELECT t.id AS transaction_id, t.kind,
       coalesce(sum(e.amount) FILTER (WHERE a.kind = 'available' AND a.user_id = $1), 0)::bigint
           AS available_change,
       coalesce(sum(e.amount) FILTER (WHERE a.kind = 'held' AND a.user_id = $1), 0)::bigint AS held_change,
       t.key AS reference, t.note, t.created_at
FROM (SELECT * FROM ledger_transactions WHERE user_id = $1 ORDER BY id DESC LIMIT $2) t
JOIN ledger_entries e ON e.transaction_id = t.id
JOIN ledger_accounts a ON a.id = e.account_id
GROUP BY t.id, t.kind, t.key, t.note, t.created_at
ORDER BY t.id DESC
"""

OPEN_HOLDS = """
SELECT count(*) AS count, coalesce(sum(amount), 0)::bigint AS total
FROM ledger_holds
WHERE status = 'held' AND created_at <= now() - make_interval(secs => $1)
"""

REVENUE = """
SELECT coalesce(sum(e.amount), 0)::bigint
FROM ledger_entries e JOIN ledger_accounts a ON a.id = e.account_id
WHERE a.kind = 'revenue' AND a.user_id IS NULL AND ($1::timestamptz IS NULL OR e.created_at >= $1)
"""

# --- helpers -------------------------------------------------------------------------------------

Db = asyncpg.Connection | asyncpg.Pool

# After waiting out a concurrent writer of the same key, the next statement must see its row: true
# under READ COMMITTED (PostgreSQL's default), not under a caller's REPEATABLE READ snapshot.
_NOT_READ_COMMITTED = "a concurrent row is invisible: run ledger operations at READ COMMITTED"


@asynccontextmanager
async def atomic(db: Db) -> AsyncIterator[asyncpg.Connection]:
    """This operation's transaction: a savepoint inside the caller's, or its own."""
    if isinstance(db, asyncpg.Pool):
        async with db.acquire() as conn, conn.transaction():
            yield conn
    else:
        async with db.transaction():
            yield db


def _kopecks(amount: object, *, zero: bool = False, negative: bool = False) -> int:
    if not isinstance(amount, int) or isinstance(amount, bool):
        raise AmountError(f"amount must be an int number of kopecks, got {amount!r}")
    if abs(amount) > MAX_KOPECKS:
        raise AmountError(f"amount {amount} is out of range (at most {MAX_KOPECKS} kopecks)")
    if amount == 0 and not zero:
        raise AmountError("amount must not be zero")
    if amount < 0 and not negative:
        raise AmountError(f"amount must be positive, got {amount}")
    return amount


def _key(value: object, what: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise LedgerError(f"{what} must be a non-empty string, got {value!r}")
    return value


async def _lock_accounts(
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


async def _post(
    conn: asyncpg.Connection, account_ids: Sequence[int], amounts: Sequence[int], transaction_id: int
) -> None:
    await conn.execute(INSERT_ENTRIES, transaction_id, list(account_ids), list(amounts))


async def _find_posting(conn: asyncpg.Connection, kind: str, key: str) -> Posting | None:
    row = await conn.fetchrow(FIND_POSTING, kind, key)
    if row is None:
        return None
    return Posting(row["id"], row["kind"], row["key"], row["user_id"], row["amount"], applied=False)


def _same_posting(existing: Posting, user_id: int, amount: int) -> Posting:
    if existing.user_id != user_id or existing.amount != amount:
        raise IdempotencyConflict(
            existing.kind,
            existing.key,
            f"user {existing.user_id} amount {existing.amount}",
            f"user {user_id} amount {amount}",
        )
    return existing


async def _transfer(
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
        existing = await _find_posting(conn, kind, key)
        if existing is not None:
            return _same_posting(existing, user_id, amount)
        accounts = await _lock_accounts(conn, user_id, ("available",), (system_kind,))
        tx_id = await conn.fetchval(
            INSERT_TRANSACTION, kind, key, user_id, None, abs(amount), source, note, admin_id
        )
        if tx_id is None:  # a concurrent call with this key committed while we waited for the locks
            existing = await _find_posting(conn, kind, key)
            if existing is None:
                raise LedgerError(_NOT_READ_COMMITTED)
            return _same_posting(existing, user_id, amount)
        available = accounts["available"]
        if amount < 0 and available["balance"] < -amount:
            raise InsufficientFunds(available["balance"], -amount)
        await _post(conn, (available["id"], accounts[system_kind]["id"]), (amount, -amount), tx_id)
        return Posting(tx_id, kind, key, user_id, amount, applied=True)


# --- top-ups and adjustments ---------------------------------------------------------------------


async def credit_topup(
    db: Db, user_id: int, amount_kopecks: int, payment_id: str, source: str, note: str | None = None
) -> Posting:
    """Credit a confirmed payment (topups -> available). Idempotent by payment_id."""
    amount = _kopecks(amount_kopecks)
    return await _transfer(
        db,
        kind="topup",
        key=_key(payment_id, "payment_id"),
        user_id=user_id,
        amount=amount,
        system_kind="topups",
        source=_key(source, "source"),
        note=note,
    )


async def reverse_topup(db: Db, payment_id: str, reason: str, key: str | None = None) -> Posting:
    """Take a top-up back (available -> refunds), e.g. a Telegram Stars refund. Idempotent by `key`
    (default: the payment id); a top-up refunded more than once (a refused refund gave it back) needs
    a key per reversal.

    All or nothing: when the user has already spent part of it, raises InsufficientFunds and takes
    nothing; the operator decides (e.g. a partial `adjust`). Raises UnknownTopup for an unknown id.
    """
    payment_id = _key(payment_id, "payment_id")
    reason = _key(reason, "reason")
    async with atomic(db) as conn:
        topup = await conn.fetchrow(FIND_TOPUP, payment_id)
        if topup is None:
            raise UnknownTopup(payment_id)
        return await _transfer(
            conn,
            kind="topup_reversal",
            key=_key(key, "key") if key is not None else payment_id,
            user_id=topup["user_id"],
            amount=-topup["amount"],
            system_kind="refunds",
            note=reason,
        )


async def adjust(db: Db, user_id: int, amount_kopecks: int, reason: str, admin_id: int, key: str) -> Posting:
    """An admin credit (amount > 0) or debit (amount < 0) via the adjustments account. Idempotent by key.

    A debit larger than the available balance raises InsufficientFunds and changes nothing.
    """
    amount = _kopecks(amount_kopecks, negative=True)
    return await _transfer(
        db,
        kind="adjustment",
        key=_key(key, "key"),
        user_id=user_id,
        amount=amount,
        system_kind="adjustments",
        note=_key(reason, "reason"),
        admin_id=admin_id,
    )


# --- holds ---------------------------------------------------------------------------------------


def hold_key(request_id: str, user_id: int, model_id: str) -> str:
    """The idempotency key of a generation's hold (and of its free-tier unit)."""
    return f"{request_id}:{user_id}:{model_id}"


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
    amount = _kopecks(amount_kopecks, zero=True)
    key = _key(key, "hold key")
    async with atomic(db) as conn:
        row = await conn.fetchrow(FIND_HOLD, key)
        if row is not None:
            return _same_hold(_hold(row), user_id, amount)
        accounts = await _lock_accounts(conn, user_id, USER_KINDS, ()) if amount else {}
        try:
            row = await conn.fetchrow(INSERT_HOLD, key, user_id, amount)
        except asyncpg.ForeignKeyViolationError as exc:
            raise UnknownUser(user_id) from exc
        if row is None:  # a concurrent call with this key won
            row = await conn.fetchrow(FIND_HOLD, key)
            if row is None:
                raise LedgerError(_NOT_READ_COMMITTED)
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
        await _post(conn, (available["id"], accounts["held"]["id"]), (-amount, amount), tx_id)
        return created


async def _end_hold(db: Db, key: str, status: HoldStatus) -> Hold:
    key = _key(key, "hold key")
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
            accounts = await _lock_accounts(conn, found.user_id, USER_KINDS, system)
        row = await conn.fetchrow(END_HOLD, key, status)
        if row is None:  # ended concurrently while we waited for the locks
            return _hold(await conn.fetchrow(FIND_HOLD, key))
        ended = _hold(row)
        if ended.amount:
            kind, target = ("capture", "revenue") if status == "captured" else ("release", "available")
            tx_id = await conn.fetchval(
                INSERT_TRANSACTION, kind, key, ended.user_id, ended.id, ended.amount, None, None, None
            )
            await _post(
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
    key = _key(key, "hold key")
    charge = _kopecks(charge_kopecks, zero=True)
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
        accounts = await _lock_accounts(conn, found.user_id, USER_KINDS, ("revenue",))
        row = await conn.fetchrow(END_HOLD, key, "captured")
        if row is None:  # ended concurrently while we waited for the locks
            return _hold(await conn.fetchrow(FIND_HOLD, key))
        ended = _hold(row)
        note = f"charged {charge} of {ended.amount}"
        tx_id = await conn.fetchval(
            INSERT_TRANSACTION, "release", key, ended.user_id, ended.id, ended.amount, None, note, None
        )
        ids = (accounts["held"]["id"], accounts["revenue"]["id"], accounts["available"]["id"])
        await _post(conn, ids, (-ended.amount, charge, ended.amount - charge), tx_id)
        return ended


async def get_hold(db: Db, key: str) -> Hold | None:
    row = await db.fetchrow(FIND_HOLD, key)
    return _hold(row) if row else None


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
audit = ledger_audit.audit
