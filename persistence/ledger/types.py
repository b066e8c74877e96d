"""The ledger's vocabulary: limits, errors and the values its operations return."""

from __future__ import annotations

import datetime as dt
from typing import Literal

import msgspec

from persistence.db import DatabaseError

# Beyond any real balance, and far below bigint overflow even when summed across all entries.
MAX_KOPECKS = 10**13

HoldStatus = Literal["held", "captured", "released"]
USER_KINDS = ("available", "held")
SYSTEM_KINDS = ("revenue", "topups", "adjustments", "refunds", "promotions")
# Referral and promo bonuses (paid from and taken back to `promotions`); see docs/payments.md.
BONUS_KINDS = ("referral_bonus", "referral_bonus_reversal", "promo_bonus", "promo_bonus_reversal")


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
    kind: str  # topup, topup_reversal, hold, capture, release, adjustment, or one of BONUS_KINDS
    available_change: int  # signed kopecks
    held_change: int  # signed kopecks
    reference: str  # payment id, hold key (starts with the request id) or adjustment key
    note: str | None
    created_at: dt.datetime


class OpenHolds(msgspec.Struct, frozen=True):
    count: int
    total: int
