"""❌ Остановить must work while an answer is being generated, but the update carrying it waits behind
that answer in the chat's inbox order. So it is noticed when it is stored (the webhook and the poller
both store through `TrtApp.store_update`, which calls `note_stop` first): this sets the stop flag the
streaming loop polls, and the update itself is handled later like any other (it finds nothing left to
stop). Telegram's own stop button on a draft (`can_stop`) arrives as `stopped_message_generation`."""

from __future__ import annotations

from persistence import chat_runs
from persistence.ledger import Db
from runtime.updates import UpdateHead


def stop_chat_of(head: UpdateHead, stop_data: str) -> int | None:
    """The chat whose answer this update asks to stop, or None. `stop_data` is the callback data of
    the `❌ Остановить` button (the route registry owns its format)."""
    if head.kind == "stopped_message_generation":
        return head.chat_key
    if head.kind == "callback_query" and head.callback_data == stop_data:
        return head.chat_key
    return None


async def note_stop(db: Db, head: UpdateHead, stop_data: str) -> bool:
    """Flag the chat's answer in progress when the update asks to stop it; True when one was flagged."""
    chat_id = stop_chat_of(head, stop_data)
    return chat_id is not None and await chat_runs.request_stop(db, chat_id) > 0
