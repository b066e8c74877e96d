"""What the user did, as pure data: the runtime turns a Telegram update into one of these."""

from __future__ import annotations

from typing import Any, Literal

import msgspec

IncomingKind = Literal[
    "command", "text", "callback", "media", "other", "blocked", "unblocked", "pre_checkout", "payment"
]


class MediaInput(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    kind: Literal["photo", "video", "audio", "voice", "document", "animation", "video_note"]
    file_id: str
    file_size: int | None = None
    mime_type: str | None = None
    file_name: str | None = None
    media_group_id: str | None = None
    duration: float | None = None


class AccountView(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """The user's money as of this update (read in the update's transaction)."""

    available_kopecks: int = 0
    held_kopecks: int = 0
    free_left: int = 0
    free_quota: int = 0


class PaymentInfo(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """A Telegram Stars pre-checkout query or successful payment."""

    currency: str
    total_amount: int
    payload: str
    query_id: str | None = None
    charge_id: str | None = None


class StoredRequest(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """A past job's model and wizard values, loaded by the runtime for "🔁 Сделать ещё раз" (r:<id>)."""

    model_id: str
    values: dict[str, Any]
    # file_id -> FileRef fields, as the job stored them.
    files: dict[str, Any]


class Incoming(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    kind: IncomingKind
    chat_id: int
    user_id: int
    lang: str = "ru"
    chat_type: str = "private"
    is_admin: bool = False
    username: str | None = None
    # command: "start" for "/start m-slug"; args: "m-slug"
    command: str | None = None
    args: str = ""
    text: str | None = None
    callback_id: str | None = None
    callback_data: str | None = None
    # The message a callback button sits on (to edit it in place).
    message_id: int | None = None
    media: MediaInput | None = None
    # For kind "other": what was sent (sticker, location, contact, …).
    other: str | None = None
    # More parts of the same album are already waiting: record this one without a new screen.
    batch_pending: bool = False
    # For an r:<request_id> button: that job of this user, or None when there is none.
    repeat: StoredRequest | None = None
    account: AccountView | None = None
    payment: PaymentInfo | None = None
    # What the money flows asked for (flows.money.lookup.MoneyLookup), loaded by runtime/money.py.
    lookup: Any = None
