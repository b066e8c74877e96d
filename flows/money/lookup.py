"""What the money flows need to know before they decide, as plain data.

Flows are pure: `wants()` (flows/money/wants.py) names what an update needs, the runtime
(runtime/money.py) loads it in the update's transaction — locking the top-up request or Stars order
the update acts on, so two admins tapping at once are decided one after the other — and passes it in
`Incoming.lookup`.
"""

from __future__ import annotations

import datetime as dt

import msgspec


class Want(msgspec.Struct, frozen=True):
    account: bool = False  # pending top-ups and recent operations (the balance screen)
    jobs: bool = False  # recent generations (history)
    topup_id: str | None = None  # lock and load this transfer request
    order_id: str | None = None  # lock and load this Stars order
    charge_id: str | None = None  # the Stars order paid with this charge
    stats: bool = False  # admin panel numbers
    pending: bool = False  # every top-up request waiting for an admin
    user_ref: str | None = None  # "123456" or "@name": an admin's search
    job_id: str | None = None  # a request id (history item or admin search)


class TopupView(msgspec.Struct, frozen=True):
    id: str
    user_id: int
    username: str | None
    amount_kopecks: int
    status: str  # open, submitted, approved, rejected, cancelled, expired
    created_at: dt.datetime
    screenshot_file_id: str | None = None
    decided_by: int | None = None
    decided_by_name: str | None = None
    reason: str | None = None
    user_lang: str = "ru"


class OrderView(msgspec.Struct, frozen=True):
    id: str
    user_id: int
    amount_kopecks: int
    stars: int
    status: str  # open, paid, refunded
    charge_id: str | None = None


class OperationView(msgspec.Struct, frozen=True):
    kind: str  # topup, topup_reversal, hold, capture, release, adjustment
    change_kopecks: int  # signed, on the available balance
    reference: str
    at: dt.datetime


class JobView(msgspec.Struct, frozen=True):
    request_id: str
    user_id: int
    model_id: str
    price_kopecks: int
    state: str
    free: bool
    created_at: dt.datetime
    kie_task_id: str | None = None
    failure_code: str | None = None
    failure_message: str | None = None
    result_file_ids: tuple[str, ...] = ()
    hold_status: str | None = None  # held, captured, released; None without a hold
    # True once the job's money came back by a refund (an admin's or the automatic one); how it did.
    refunded_by_admin: bool = False
    refund_how: str | None = None  # released, credited (by an admin) or undeliverable (automatic)


class UserView(msgspec.Struct, frozen=True):
    id: int
    username: str | None
    first_name: str | None
    blocked: bool
    available_kopecks: int
    held_kopecks: int
    operations: tuple[OperationView, ...] = ()
    stars_orders: tuple[OrderView, ...] = ()


class AdminStats(msgspec.Struct, frozen=True):
    users: int
    active_today: int
    jobs_today: dict[str, int]
    revenue_today: int
    revenue_30d: int
    open_holds: int
    open_holds_kopecks: int
    pending_topups: int
    kie_credits: float | None = None  # None: Kie did not answer in time


class MoneyLookup(msgspec.Struct, frozen=True):
    blocked: bool = False
    pending: tuple[TopupView, ...] = ()  # the user's waiting requests, or all of them for an admin
    operations: tuple[OperationView, ...] = ()
    jobs: tuple[JobView, ...] = ()
    topup: TopupView | None = None
    order: OrderView | None = None
    order_charged: bool = False  # the charge of this update was already credited
    user: UserView | None = None
    job: JobView | None = None
    stats: AdminStats | None = None
