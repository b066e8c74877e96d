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

from persistence import ledger_audit
from persistence.ledger.core import Db, atomic, lock_many
from persistence.ledger.credits import adjust, bonus, credit_topup, reverse_topup
from persistence.ledger.holds import capture, get_hold, hold, release, settle
from persistence.ledger.reads import balance, entries, open_holds, revenue
from persistence.ledger.types import (
    BONUS_KINDS,
    MAX_KOPECKS,
    SYSTEM_KINDS,
    USER_KINDS,
    AmountError,
    Balance,
    Hold,
    HoldStatus,
    IdempotencyConflict,
    InsufficientFunds,
    LedgerError,
    OpenHolds,
    Operation,
    Posting,
    UnknownHold,
    UnknownTopup,
    UnknownUser,
)

audit = ledger_audit.audit

__all__ = [
    "BONUS_KINDS",
    "MAX_KOPECKS",
    "SYSTEM_KINDS",
    "USER_KINDS",
    "AmountError",
    "Balance",
    "Db",
    "Hold",
    "HoldStatus",
    "IdempotencyConflict",
    "InsufficientFunds",
    "LedgerError",
    "OpenHolds",
    "Operation",
    "Posting",
    "UnknownHold",
    "UnknownTopup",
    "UnknownUser",
    "adjust",
    "atomic",
    "audit",
    "balance",
    "bonus",
    "capture",
    "credit_topup",
    "entries",
    "get_hold",
    "hold",
    "lock_many",
    "open_holds",
    "release",
    "reverse_topup",
    "revenue",
    "settle",
]
