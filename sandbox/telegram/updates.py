"""The other update builders (``make_*_update``: edits, callbacks, chat members, payments, channel posts,
inline queries) and what type an update is (``_update_type``, ``_OPT_IN_UPDATES``).
"""

from __future__ import annotations

import time
from typing import Any

from sandbox.telegram.objects import _bot_user, _chat, _message, _user
from sandbox.telegram.wire import DEFAULT_BOT_ID


def make_edited_message_update(
    update_id: int,
    chat_id: int,
    message_id: int,
    text: str | None = None,
    *,
    edit_date: int | None = None,
    **kwargs: Any,
) -> dict[str, Any]:
    """An ``edited_message`` update: the user edited their earlier message ``message_id``."""
    message = _message(update_id, chat_id, text, message_id=message_id, **kwargs)
    message["date"] = message["date"] - 60
    message["edit_date"] = edit_date if edit_date is not None else int(time.time())
    return {"update_id": update_id, "edited_message": message}


def make_callback_update(
    update_id: int,
    chat_id: int,
    data: str,
    message_id: int,
    *,
    user_id: int | None = None,
    username: str | None = None,
    language_code: str | None = "ru",
    message_text: str = "…",
    reply_markup: dict | None = None,
    message: dict | None = None,
    callback_id: str | None = None,
    bot_id: int = DEFAULT_BOT_ID,
) -> dict[str, Any]:
    """A ``callback_query`` update for a button under the bot's message ``message_id``.

    ``message`` (a stored Message dict, e.g. ``FakeTelegram.last_message``) overrides the generated one.
    """
    if user_id is None:
        user_id = chat_id if chat_id > 0 else 1_000_001
    if message is None:
        message = {
            "message_id": message_id,
            "from": _bot_user(bot_id),
            "chat": _chat(chat_id, username=username),
            "date": int(time.time()) - 5,
            "text": message_text,
        }
        if reply_markup is not None:
            message["reply_markup"] = reply_markup
    return {
        "update_id": update_id,
        "callback_query": {
            "id": callback_id or f"{4_000_000_000_000_000_000 + update_id}",
            "from": _user(user_id, username, language_code),
            "message": message,
            "chat_instance": f"-{abs(chat_id) * 7919 % 10**18}",
            "data": data,
        },
    }


def make_stopped_generation_update(update_id: int, chat_id: int, draft_id: int) -> dict[str, Any]:
    """A ``stopped_message_generation`` update: the user pressed stop on a streamed draft
    (sendMessageDraft with ``can_stop``). It names the chat and the draft, not the user."""
    return {
        "update_id": update_id,
        "stopped_message_generation": {"chat": _chat(chat_id), "draft_id": draft_id},
    }


def make_my_chat_member_update(
    update_id: int,
    chat_id: int,
    *,
    user_id: int | None = None,
    username: str | None = None,
    status: str = "kicked",
    old_status: str = "member",
    bot_id: int = DEFAULT_BOT_ID,
    date: int | None = None,
) -> dict[str, Any]:
    """A ``my_chat_member`` update: the user blocked (``kicked``) or unblocked (``member``) the bot."""
    if user_id is None:
        user_id = chat_id if chat_id > 0 else 1_000_001

    def member(member_status: str) -> dict[str, Any]:
        entry: dict[str, Any] = {"user": _bot_user(bot_id), "status": member_status}
        if member_status == "kicked":
            entry["until_date"] = 0
        return entry

    return {
        "update_id": update_id,
        "my_chat_member": {
            "chat": _chat(chat_id, username=username),
            "from": _user(user_id, username, "ru"),
            "date": date if date is not None else int(time.time()),
            "old_chat_member": member(old_status),
            "new_chat_member": member(status),
        },
    }


def make_pre_checkout_update(
    update_id: int,
    user_id: int,
    *,
    payload: str,
    total_amount: int,
    currency: str = "XTR",
    query_id: str | None = None,
    username: str | None = None,
    language_code: str | None = "ru",
) -> dict[str, Any]:
    """A ``pre_checkout_query`` update (Stars by default); answer it with ``answerPreCheckoutQuery``."""
    return {
        "update_id": update_id,
        "pre_checkout_query": {
            "id": query_id or f"{5_000_000_000_000_000_000 + update_id}",
            "from": _user(user_id, username, language_code),
            "currency": currency,
            "total_amount": total_amount,
            "invoice_payload": payload,
        },
    }


def make_successful_payment_update(
    update_id: int,
    chat_id: int,
    *,
    payload: str,
    total_amount: int,
    currency: str = "XTR",
    telegram_payment_charge_id: str | None = None,
    provider_payment_charge_id: str = "",
    user_id: int | None = None,
    message_id: int | None = None,
    username: str | None = None,
    subscription_expiration_date: int | None = None,
    is_recurring: bool = False,
    is_first_recurring: bool = False,
) -> dict[str, Any]:
    """A ``message`` update carrying ``successful_payment``; the charge id is the idempotency key.

    A Stars subscription's payment (an invoice link made with ``subscription_period``) carries
    ``subscription_expiration_date`` (Unix time the paid period ends) and ``is_recurring``; the first
    one also ``is_first_recurring``. Each renewal is such an update with a new charge id and the same
    payload; Telegram sends nothing when a renewal fails or the user cancels.
    """
    message = _message(update_id, chat_id, user_id=user_id, message_id=message_id, username=username)
    paid: dict[str, Any] = {
        "currency": currency,
        "total_amount": total_amount,
        "invoice_payload": payload,
        "telegram_payment_charge_id": telegram_payment_charge_id or f"stxFakeCharge{update_id:010d}",
        "provider_payment_charge_id": provider_payment_charge_id,
    }
    if subscription_expiration_date is not None:
        paid["subscription_expiration_date"] = subscription_expiration_date
        paid["is_recurring"] = is_recurring
        if is_first_recurring:
            paid["is_first_recurring"] = True
    message["successful_payment"] = paid
    return {"update_id": update_id, "message": message}


def make_channel_post_update(
    update_id: int,
    chat_id: int,
    text: str | None = "post",
    *,
    message_id: int | None = None,
    title: str = "Channel",
) -> dict[str, Any]:
    """A ``channel_post`` update (no ``from``; ``sender_chat`` is the channel itself)."""
    chat = _chat(chat_id, "channel", title=title)
    post: dict[str, Any] = {
        "message_id": message_id if message_id is not None else update_id,
        "sender_chat": chat,
        "chat": chat,
        "date": int(time.time()),
    }
    if text is not None:
        post["text"] = text
    return {"update_id": update_id, "channel_post": post}


def make_inline_query_update(
    update_id: int,
    user_id: int,
    query: str,
    *,
    offset: str = "",
    username: str | None = None,
    language_code: str | None = "ru",
    chat_type: str | None = "private",
    query_id: str | None = None,
) -> dict[str, Any]:
    """An ``inline_query`` update: the user typed ``@bot <query>`` in some chat (``chat_type``: the
    kind of chat it was typed in, as Telegram reports it; None when unknown)."""
    inline: dict[str, Any] = {
        "id": query_id or f"{5_000_000_000_000_000_000 + update_id}",
        "from": _user(user_id, username, language_code),
        "query": query,
        "offset": offset,
    }
    if chat_type is not None:
        inline["chat_type"] = chat_type
    return {"update_id": update_id, "inline_query": inline}


def _update_type(update: dict[str, Any]) -> str | None:
    return next((key for key in update if key != "update_id"), None)


# Update types Telegram leaves out unless asked for explicitly.
_OPT_IN_UPDATES = frozenset({"chat_member", "message_reaction", "message_reaction_count"})
