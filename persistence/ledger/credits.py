"""Money coming in and going back: top-ups (credited once per payment id), their reversal, and
admin adjustments."""

from __future__ import annotations

from persistence.ledger.core import Db, atomic, checked_key, checked_kopecks, transfer
from persistence.ledger.sql import FIND_TOPUP
from persistence.ledger.types import BONUS_KINDS, LedgerError, Posting, UnknownTopup

# --- top-ups and adjustments ---------------------------------------------------------------------


async def credit_topup(
    db: Db, user_id: int, amount_kopecks: int, payment_id: str, source: str, note: str | None = None
) -> Posting:
    """Credit a confirmed payment (topups -> available). Idempotent by payment_id."""
    amount = checked_kopecks(amount_kopecks)
    return await transfer(
        db,
        kind="topup",
        key=checked_key(payment_id, "payment_id"),
        user_id=user_id,
        amount=amount,
        system_kind="topups",
        source=checked_key(source, "source"),
        note=note,
    )


async def reverse_topup(db: Db, payment_id: str, reason: str, key: str | None = None) -> Posting:
    """Take a top-up back (available -> refunds), e.g. a Telegram Stars refund. Idempotent by `key`
    (default: the payment id); a top-up refunded more than once (a refused refund gave it back) needs
    a key per reversal.

    All or nothing: when the user has already spent part of it, raises InsufficientFunds and takes
    nothing; the operator decides (e.g. a partial `adjust`). Raises UnknownTopup for an unknown id.
    """
    payment_id = checked_key(payment_id, "payment_id")
    reason = checked_key(reason, "reason")
    async with atomic(db) as conn:
        topup = await conn.fetchrow(FIND_TOPUP, payment_id)
        if topup is None:
            raise UnknownTopup(payment_id)
        return await transfer(
            conn,
            kind="topup_reversal",
            key=checked_key(key, "key") if key is not None else payment_id,
            user_id=topup["user_id"],
            amount=-topup["amount"],
            system_kind="refunds",
            note=reason,
        )


async def adjust(db: Db, user_id: int, amount_kopecks: int, reason: str, admin_id: int, key: str) -> Posting:
    """An admin credit (amount > 0) or debit (amount < 0) via the adjustments account. Idempotent by key.

    A debit larger than the available balance raises InsufficientFunds and changes nothing.
    """
    amount = checked_kopecks(amount_kopecks, negative=True)
    return await transfer(
        db,
        kind="adjustment",
        key=checked_key(key, "key"),
        user_id=user_id,
        amount=amount,
        system_kind="adjustments",
        note=checked_key(reason, "reason"),
        admin_id=admin_id,
    )


async def bonus(
    db: Db, user_id: int, amount_kopecks: int, kind: str, key: str, source: str, note: str | None = None
) -> Posting:
    """A referral or promo bonus (promotions -> available), or its reversal (amount < 0, a `*_reversal`
    kind). Idempotent by (kind, key); a reversal beyond the available balance raises InsufficientFunds."""
    if kind not in BONUS_KINDS:
        raise LedgerError(f"not a bonus kind: {kind!r}")
    amount = checked_kopecks(amount_kopecks, negative=kind.endswith("_reversal"))
    if (amount < 0) != kind.endswith("_reversal"):
        raise LedgerError(f"{kind} moves money the other way (amount {amount})")
    return await transfer(
        db,
        kind=kind,
        key=checked_key(key, "key"),
        user_id=user_id,
        amount=amount,
        system_kind="promotions",
        source=checked_key(source, "source"),
        note=note,
    )
