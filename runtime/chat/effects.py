"""Chat effects in the update's transaction, and the views a chat decision needs (preloads).

Lock order matches the wizard's confirm: the free unit (or the ledger accounts) first, then the run
row; a concurrent update of the same user re-decides on fresh data when this one's money is gone.
"""

from __future__ import annotations

import asyncpg

from flows.chat.turn import (
    ChatAccount,
    DialogItem,
    DialogView,
    NewDialog,
    ReopenDialog,
    ReserveChatTurn,
    SetDialogMode,
    turn_key,
)
from persistence import chat_free, chat_runs, dialogs, ledger

ChatEffect = ReserveChatTurn | NewDialog | SetDialogMode | ReopenDialog


class FreeTextGone(Exception):
    """The free answer the flow saw was taken by a concurrent update; the update is decided again."""


def is_chat_effect(effect: object) -> bool:
    return isinstance(effect, ReserveChatTurn | NewDialog | SetDialogMode | ReopenDialog)


async def apply(conn: asyncpg.Connection, effect: ChatEffect, *, free_quota: int) -> None:
    match effect:
        case ReserveChatTurn(request=request):
            key = turn_key(request.request_id, request.user_id, request.model_id)
            if request.free and not await chat_free.take(conn, request.user_id, key, free_quota):
                raise FreeTextGone(request.request_id)
            # InsufficientFunds propagates: the update is retried and the flow offers a top-up.
            await ledger.hold(conn, request.user_id, 0 if request.free else request.hold_kopecks, key)
            dialog = await dialogs.open_dialog(conn, request.user_id, request.model_id, request.mode)
            if dialog.mode != request.mode:  # the mode chosen since: the dialog keeps it from now on
                await dialogs.set_mode(conn, request.user_id, request.model_id, request.mode)
            await chat_runs.create(
                conn, key, request.request_id, request.user_id, request.chat_id, dialog.id, request
            )
        case NewDialog(user_id=user_id, model_id=model_id):
            await dialogs.close_dialog(conn, user_id, model_id)
        case SetDialogMode(user_id=user_id, model_id=model_id, mode=mode):
            await dialogs.set_mode(conn, user_id, model_id, mode)
        case ReopenDialog(user_id=user_id, dialog_id=dialog_id):
            # None: not the user's (a forged button); the flow showed the dialog only when it was.
            await dialogs.reopen(conn, user_id, dialog_id)
        case _:
            raise TypeError(f"no handler for chat effect {type(effect).__name__}")


async def dialog_view(conn: asyncpg.Connection, user_id: int, model_id: str) -> DialogView | None:
    """The preload of a chat decision: the open dialog with the model, if any."""
    found = await dialogs.summary(conn, user_id, model_id)
    if found is None:
        return None
    return DialogView(
        dialog_id=found.dialog_id,
        model_id=found.model_id,
        mode=found.mode,
        turns=found.turns,
        context_tokens=found.context_tokens,
    )


async def chat_account(
    conn: asyncpg.Connection, user_id: int, available_kopecks: int, quota: int
) -> ChatAccount:
    left = await chat_free.left(conn, user_id, quota)
    return ChatAccount(available_kopecks=available_kopecks, free_left=left, free_quota=quota)


def _item(found: dialogs.Dialog) -> DialogItem:
    return DialogItem(
        dialog_id=found.id,
        model_id=found.model_id,
        mode=found.mode,
        title=found.title,
        open=found.open,
        updated_at=found.updated_at,
    )


async def dialog_items(conn: asyncpg.Connection, user_id: int, limit: int = 10) -> tuple[DialogItem, ...]:
    """🗂 История: the user's dialogs that have messages, newest first."""
    return tuple(_item(d) for d in await dialogs.list_dialogs(conn, user_id, limit))


async def dialog_item(conn: asyncpg.Connection, user_id: int, dialog_id: int) -> DialogItem | None:
    found = await dialogs.get(conn, dialog_id)
    return _item(found) if found is not None and found.user_id == user_id else None
