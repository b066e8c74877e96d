"""One chat turn as data: what the flow decides (a hold or a free unit, in the update's transaction)
and what the runtime then runs outside that transaction (the Kie call, the streamed answer, the charge).

The flow stays pure: the dialog and the account arrive as views the runtime preloaded; the request
id, like every other, comes with the update.
"""

from __future__ import annotations

from typing import Literal

import msgspec

from flows.catalog.pricing import PricingPolicy
from flows.catalog.text import TextModel
from flows.chat.context import context_budget
from flows.chat.modes import DEFAULT_MODE, Mode, is_mode, system_prompt
from flows.chat.pricing import hold_kopecks
from flows.chat.tokens import upper_tokens

# The action that hands a turn to the runtime lives with the other actions (flows/screens.py), the
# views a decision reads with the other views (flows/views.py).
from flows.screens import RunChatTurn as RunChatTurn
from flows.views import ChatAccount as ChatAccount
from flows.views import DialogItem as DialogItem
from flows.views import DialogView as DialogView

MAX_PHOTOS = 4


class ChatTurnRequest(msgspec.Struct, frozen=True, forbid_unknown_fields=True, kw_only=True):
    """Everything the runtime needs to run one answer. Its hold key is request id + user + model."""

    request_id: str
    user_id: int
    chat_id: int
    model_id: str
    mode: str
    text: str
    # Telegram file_ids of photos sent with the message (the runtime uploads them to Kie first).
    photo_file_ids: tuple[str, ...] = ()
    max_tokens: int
    hold_kopecks: int  # 0 for a free answer
    free: bool = False
    lang: str = "ru"


class ReserveChatTurn(msgspec.Struct, frozen=True, tag="reserve_chat_turn"):
    """Effect (the update's transaction): find or open the dialog, take the free unit or the hold,
    record the turn as pending. The runtime raises to re-decide when the funds or the unit are gone."""

    request: ChatTurnRequest


class NewDialog(msgspec.Struct, frozen=True, tag="new_dialog"):
    """Effect: close the user's open dialog with this model (🧹 Новый диалог, /new); the next message
    opens a fresh one in `mode`."""

    user_id: int
    model_id: str


class SetDialogMode(msgspec.Struct, frozen=True, tag="set_dialog_mode"):
    """Effect: the open dialog (or the next one) uses this mode from the next message on."""

    user_id: int
    model_id: str
    mode: str


class ReopenDialog(msgspec.Struct, frozen=True, tag="reopen_dialog"):
    """Effect: a past dialog (🗂 История) becomes the open one of its model; its context comes back."""

    user_id: int
    dialog_id: int


def turn_key(request_id: str, user_id: int, model_id: str) -> str:
    """The idempotency key of a turn, its hold and its free unit (the same shape as a job's hold)."""
    return f"{request_id}:{user_id}:{model_id}"


class TurnRefusal(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """Why a message cannot be answered now; `code` picks the text (chat.refuse.<code>)."""

    code: Literal["empty", "too_long", "no_vision", "too_many_photos", "funds"]
    needed_kopecks: int = 0
    available_kopecks: int = 0
    budget_tokens: int = 0


def plan_turn(
    *,
    model: TextModel,
    dialog: DialogView | None,
    text: str,
    account: ChatAccount,
    policy: PricingPolicy,
    free_model_id: str | None,
    request_id: str,
    user_id: int,
    chat_id: int,
    lang: str,
    mode: str | None = None,
    photo_file_ids: tuple[str, ...] = (),
) -> ChatTurnRequest | TurnRefusal:
    """Decide one message: refuse it with a reason, or the request to reserve and run."""
    text = text.strip()
    photo_count = len(photo_file_ids)
    if not text and not photo_count:
        return TurnRefusal("empty")
    if photo_count and not model.supports.vision:
        return TurnRefusal("no_vision")
    if photo_count > MAX_PHOTOS:
        return TurnRefusal("too_many_photos")
    chosen: Mode | str = mode or (dialog.mode if dialog is not None else DEFAULT_MODE)
    if not is_mode(chosen):  # a stale button or an old session: the default rather than a refusal
        chosen = DEFAULT_MODE
    max_tokens = model.max_tokens_default
    budget = context_budget(model, policy, max_tokens)
    fixed = upper_tokens(system_prompt(lang, chosen)) + upper_tokens(text, photo_count)
    if fixed > budget:
        return TurnRefusal("too_long", budget_tokens=budget)
    history = dialog.context_tokens if dialog is not None else 0
    input_tokens = min(budget, fixed + history)
    free = model.id == free_model_id and account.free_left > 0
    hold = 0 if free else hold_kopecks(model, input_tokens, max_tokens, policy)
    if hold > account.available_kopecks:
        return TurnRefusal("funds", needed_kopecks=hold, available_kopecks=account.available_kopecks)
    return ChatTurnRequest(
        request_id=request_id,
        user_id=user_id,
        chat_id=chat_id,
        model_id=model.id,
        mode=chosen,
        text=text,
        photo_file_ids=photo_file_ids,
        max_tokens=max_tokens,
        hold_kopecks=hold,
        free=free,
        lang=lang,
    )
