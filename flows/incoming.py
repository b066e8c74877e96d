"""What the user did, as pure data: the runtime turns a Telegram update into one of these.

It carries only the update itself plus what a pure flow cannot make on its own — the moment and some
fresh randomness for new ids (`flows.ids`). What must be read from the database comes separately, as
`flows.preload.Loaded`, because a route names it first."""

from __future__ import annotations

import datetime as dt
from typing import Literal

import msgspec

EPOCH = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)

IncomingKind = Literal[
    "command",
    "text",
    "callback",
    "media",
    "other",
    "blocked",
    "unblocked",
    "pre_checkout",
    "payment",
    "inline",  # an inline query (`@bot kling` typed in any chat): `text` is the query
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
    plan_until: dt.datetime | None = None  # the monthly plan is paid until then (None: no active plan)


class PaymentInfo(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """A Telegram Stars pre-checkout query or successful payment."""

    currency: str
    total_amount: int
    payload: str
    query_id: str | None = None
    charge_id: str | None = None
    # A Stars subscription's payment: a renewal is a new payment with is_recurring; the period ends then.
    is_recurring: bool = False
    is_first_recurring: bool = False
    subscription_expiration: dt.datetime | None = None


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
    # The text (or a caption) as Telegram HTML, when it carried formatting (bold, links…); else None.
    html: str | None = None
    callback_id: str | None = None
    callback_data: str | None = None
    # The message a callback button sits on (to edit it in place).
    message_id: int | None = None
    media: MediaInput | None = None
    # For kind "other": what was sent (sticker, location, contact, …).
    other: str | None = None
    payment: PaymentInfo | None = None
    # For kind "inline": the query to answer.
    inline_query_id: str | None = None
    # When the update is decided (the runtime's clock; tests fix it).
    now: dt.datetime = EPOCH
    # Fresh Crockford base32 characters for the ids this update may create (see flows.ids).
    entropy: str = "0000000000000000"
