"""Money decisions as data, applied by runtime/money.py inside the update's transaction.

Each effect makes at most one ledger write, keyed so that a repeat (a double tap, a second admin, a
retried update) moves money once. Admin effects write their audit row in the same transaction.
"""

from __future__ import annotations

import msgspec


class CreateTopup(msgspec.Struct, frozen=True, tag="money.create_topup"):
    topup_id: str
    user_id: int
    amount_kopecks: int


class SubmitTopup(msgspec.Struct, frozen=True, tag="money.submit_topup"):
    topup_id: str
    screenshot_file_id: str | None = None


class CancelTopup(msgspec.Struct, frozen=True, tag="money.cancel_topup"):
    topup_id: str
    user_id: int


class ApproveTopup(msgspec.Struct, frozen=True, tag="money.approve_topup"):
    topup_id: str
    admin_id: int


class RejectTopup(msgspec.Struct, frozen=True, tag="money.reject_topup"):
    topup_id: str
    admin_id: int
    reason: str


class CreateStarsOrder(msgspec.Struct, frozen=True, tag="money.create_stars_order"):
    order_id: str
    user_id: int
    amount_kopecks: int
    stars: int


class PayStarsOrder(msgspec.Struct, frozen=True, tag="money.pay_stars_order"):
    order_id: str
    user_id: int
    charge_id: str
    amount_kopecks: int
    # The pack's bonus inside amount_kopecks: credited with it, but no referral share is paid on it.
    bonus_kopecks: int = 0


class RefundStarsOrder(msgspec.Struct, frozen=True, tag="money.refund_stars_order"):
    order_id: str
    admin_id: int


class SetBlocked(msgspec.Struct, frozen=True, tag="money.set_blocked"):
    user_id: int
    blocked: bool
    admin_id: int


class AdjustBalance(msgspec.Struct, frozen=True, tag="money.adjust"):
    user_id: int
    amount_kopecks: int  # + credit, - debit
    reason: str
    admin_id: int
    key: str


class RefundJob(msgspec.Struct, frozen=True, tag="money.refund_job"):
    request_id: str
    user_id: int
    admin_id: int
    amount_kopecks: int
    how: str  # "released" (the hold was still open) or "credited" (it had been captured)


MoneyEffect = (
    CreateTopup
    | SubmitTopup
    | CancelTopup
    | ApproveTopup
    | RejectTopup
    | CreateStarsOrder
    | PayStarsOrder
    | RefundStarsOrder
    | SetBlocked
    | AdjustBalance
    | RefundJob
)

MONEY_EFFECTS = (
    CreateTopup,
    SubmitTopup,
    CancelTopup,
    ApproveTopup,
    RejectTopup,
    CreateStarsOrder,
    PayStarsOrder,
    RefundStarsOrder,
    SetBlocked,
    AdjustBalance,
    RefundJob,
)
