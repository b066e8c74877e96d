"""What a route must have loaded before it decides, and what the runtime loaded for it.

Flows are pure: a route's `needs(...)` names what the update needs (like aiogram-dialog's getters),
the runtime loads exactly that in the update's transaction — locking the top-up request or Stars
order the update acts on, so two admins tapping at once are decided one after the other — and the
route's handler reads it from `Loaded`. The user's money, blocked flag and last models come
with every update (one statement), so they are always there.
"""

from __future__ import annotations

import msgspec

from flows.incoming import AccountView
from flows.jobs.model import Job
from flows.views import (
    AdminStats,
    ChatAccount,
    DialogItem,
    DialogView,
    LedgerLine,
    MarginRow,
    OperationView,
    OrderView,
    PlanView,
    PromoLookup,
    PromoView,
    ReferralStart,
    ReferralView,
    TopupView,
    UserView,
)


class Needs(msgspec.Struct, frozen=True):
    account: bool = False  # the user's waiting top-ups and recent operations (the balance screen)
    jobs: bool = False  # the user's recent generations (history)
    topup_id: str | None = None  # lock and load this transfer request
    order_id: str | None = None  # lock and load this Stars order
    charge_id: str | None = None  # whether this Stars charge was already credited
    stats: bool = False  # admin panel figures
    pending: bool = False  # every top-up request waiting for an admin
    user_ref: str | None = None  # "123456" or "@name": an admin's search
    job_id: str | None = None  # a request id (history item, repeat, cancel, admin search)
    album: str | None = None  # a media group: are more of its parts still waiting in the inbox?
    popular: bool = False  # the models run most in the last 7 days (kept in the runtime's memory)
    # 💬 Тексты: the open dialog with this chat model (by id, or by slug for a deep link) and the free
    # text answers left today; `chat_account` alone: only the free answers left (the model list).
    chat_model: str | None = None
    chat_slug: str | None = None
    chat_account: bool = False
    dialogs: bool = False  # the user's dialogs, newest first (🗂 История)
    dialog_id: int | None = None  # this dialog, if it is the user's (reopening one)
    # Admins: the margin report's rows / the ledger's entries of the last N Moscow days (flows/margin).
    margin_days: int | None = None
    ledger_days: int | None = None
    plan: bool = False  # the user's monthly plan and its last period, locked
    # 🎁 Пригласить друга / 🎟 Промокод (flows/growth): the user's invite code and stats; the inviter
    # behind `/start r-<code>`; this promo code, locked; an admin's list of promo codes.
    referral: bool = False
    referral_code: str | None = None
    promo_code: str | None = None
    promos: bool = False
    audiences: bool = False  # 📣 Рассылка: how many users each audience reaches (admins only)


NOTHING = Needs()


class Loaded(msgspec.Struct, frozen=True):
    account: AccountView = AccountView()
    blocked: bool = False
    # More parts of the same album are already waiting: record this one without a new screen.
    album_pending: bool = False
    pending: tuple[TopupView, ...] = ()  # the user's waiting requests, or all of them for an admin
    operations: tuple[OperationView, ...] = ()
    jobs: tuple[Job, ...] = ()
    topup: TopupView | None = None
    order: OrderView | None = None
    order_charged: bool = False  # the charge of this update was already credited
    user: UserView | None = None
    job: Job | None = None
    stats: AdminStats | None = None
    # The user's last models, newest first (read with the user's row, so no extra round trip).
    recent: tuple[str, ...] = ()
    # Model ids by runs in the last 7 days, most first, all sections (when Needs.popular).
    popular: tuple[str, ...] = ()
    # 💬 Тексты
    chat: ChatAccount | None = None
    dialog: DialogView | None = None
    dialogs: tuple[DialogItem, ...] = ()
    dialog_item: DialogItem | None = None
    # 📊 Маржа (admins)
    margin: tuple[MarginRow, ...] = ()
    ledger: tuple[LedgerLine, ...] = ()
    plan: PlanView | None = None  # Needs.plan: None when the user never had one
    # 🎁 / 🎟 (flows/growth)
    referral: ReferralView | None = None
    referral_start: ReferralStart | None = None
    promo: PromoLookup | None = None
    promos: tuple[PromoView, ...] = ()
    # 📣 Рассылка: users per audience ("all", "active30", "paid")
    audiences: dict[str, int] = {}
