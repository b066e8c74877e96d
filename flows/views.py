"""Read-only views of stored rows that screens show (top-ups, Stars orders, operations, jobs, users,
admin figures), as plain data. The runtime fills them in `flows.preload.Loaded`."""

from __future__ import annotations

import datetime as dt
from typing import Literal

import msgspec


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
    kind: str = "pack"  # pack, plan (a period of the monthly Stars subscription)


class PlanView(msgspec.Struct, frozen=True):
    """The user's monthly plan (a Stars subscription) and its last paid period."""

    status: str  # active (renews), canceled (kept until paid_until), refunded (ended)
    paid_until: dt.datetime
    active: bool  # paid_until is still ahead (the database's clock)
    periods: int
    last_order_id: str
    last_charge_id: str
    last_amount_kopecks: int
    last_stars: int
    last_status: str  # the last period's order: paid or refunded
    last_paid_at: dt.datetime | None = None


class OperationView(msgspec.Struct, frozen=True):
    kind: str  # topup, topup_reversal, hold, capture, release, adjustment
    change_kopecks: int  # signed, on the available balance
    reference: str
    at: dt.datetime


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


# --- 💬 Тексты (flows/chat) ---


class DialogView(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """The user's open dialog with a model, as preloaded for a decision (None: none yet)."""

    dialog_id: int
    model_id: str
    mode: str
    turns: int
    context_tokens: int  # the stored turns' estimates, summed


class ChatAccount(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    available_kopecks: int
    free_left: int  # free text answers left today (Moscow day)
    free_quota: int


class DialogItem(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """A past or open dialog as 🗂 История lists it."""

    dialog_id: int
    model_id: str
    mode: str
    title: str | None
    open: bool
    updated_at: dt.datetime


# --- 📊 Маржа (flows/margin, persistence/margin.py) ---

# job: a generation; chat: a text answer; bonus: an admin credit or debit (no model); topup: money in or
# a top-up given back (no model).
Source = Literal["job", "chat", "bonus", "topup"]


class MarginRow(msgspec.Struct, frozen=True):
    """One (Moscow day, model, source) group of the period, all amounts in kopecks.

    `kie_kopecks` is the sum of each run's Kie credits × the policy's rate, rounded per run;
    `unpriced` counts runs whose credits were not recorded (before migration 017)."""

    day: dt.date
    model_id: str | None
    source: Source
    revenue: int = 0  # captured: generations and chat answers
    kie_kopecks: int = 0  # what Kie billed for the runs done
    runs: int = 0  # generations that succeeded, chat answers kept
    free_runs: int = 0  # of those, run at zero price (free tier, admin runs, free text answers)
    free_kie_kopecks: int = 0  # the Kie cost of those free runs (part of kie_kopecks)
    unpriced: int = 0
    refunds: int = 0  # money given back for generations after they were charged
    bonuses: int = 0  # admin credits minus admin debits (not refunds)
    topups: int = 0  # money in (transfers, Stars)
    topups_reversed: int = 0  # top-ups given back (Stars refunds)


class LedgerLine(msgspec.Struct, frozen=True):
    """One ledger entry (one side of a transaction) for the CSV export."""

    entry_id: int
    transaction_id: int
    created_at: dt.datetime
    kind: str  # the transaction: topup, topup_reversal, hold, capture, release, adjustment
    account: str  # the account moved: available, held, revenue, topups, adjustments, refunds
    account_user_id: int | None  # the owner of a user account; None for a system account
    user_id: int | None  # the user the transaction is about
    amount_kopecks: int  # signed: + into the account, − out of it
    key: str  # payment id, hold key (request id first) or adjustment key
    source: str | None
    note: str | None
    admin_id: int | None
    model_id: str | None  # the generation or chat model of a hold, or of a refunded job
