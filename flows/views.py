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


# --- 🎁 referrals and 🎟 promo codes (flows/growth) ---


class ReferralView(msgspec.Struct, frozen=True):
    code: str
    invited: int = 0
    paid: int = 0
    earned_kopecks: int = 0


class ReferralStart(msgspec.Struct, frozen=True):
    """What `/start r-<code>` found: the inviter behind the code, and whether this user may be bound."""

    inviter_id: int | None
    new_user: bool
    bound: bool


class PromoView(msgspec.Struct, frozen=True):
    code: str
    kind: Literal["fixed", "percent"]
    amount_kopecks: int | None
    percent: int | None
    max_uses: int | None
    used: int
    expires_at: dt.datetime | None
    new_users_only: bool


class PromoLookup(msgspec.Struct, frozen=True):
    code: str
    promo: PromoView | None
    used_by_user: bool
    topped_up: bool
    now: dt.datetime
    misses: int = 0  # unknown codes this user sent in the last hour
