"""❌ Остановить must work while an answer is being generated, but the update carrying it waits behind
that answer in the chat's inbox order. So it is noticed when it is stored: this sets the stop flag the
streaming loop polls, and the update itself is handled later like any other (it finds nothing left to
stop). Telegram's own stop button on a draft (`can_stop`) arrives as `stopped_message_generation`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from persistence import chat_runs
from persistence.ledger import Db


def stop_chat_of(update: dict[str, Any], is_stop_data: Callable[[str], bool]) -> int | None:
    """The chat whose answer this update asks to stop, or None. `is_stop_data` recognises the callback
    data of the `❌ Остановить` button (the route registry owns its format)."""
    stopped = update.get("stopped_message_generation")
    if isinstance(stopped, dict):
        chat = stopped.get("chat")
        return chat.get("id") if isinstance(chat, dict) and isinstance(chat.get("id"), int) else None
    callback = update.get("callback_query")
    if (
        isinstance(callback, dict)
        and isinstance(callback.get("data"), str)
        and is_stop_data(callback["data"])
    ):
        sender = callback.get("from")
        message = callback.get("message")
        chat = message.get("chat") if isinstance(message, dict) else None
        if isinstance(chat, dict) and isinstance(chat.get("id"), int):
            return chat["id"]
        return sender.get("id") if isinstance(sender, dict) else None
    return None


async def note_stop(db: Db, update: dict[str, Any], is_stop_data: Callable[[str], bool]) -> bool:
    """Flag the chat's answer in progress when `update` asks to stop it; True when one was flagged."""
    chat_id = stop_chat_of(update, is_stop_data)
    return chat_id is not None and await chat_runs.request_stop(db, chat_id) > 0
