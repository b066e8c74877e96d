"""Callback payloads of 💬 Тексты: the model list, a model's card, the dialog's buttons, the history.

Buttons that may outlive the screen they were drawn on (under an answer, on a card further up the
chat) carry the model id, so they work wherever the user is; the mode picker's buttons act on the
dialog the session is in.
"""

from __future__ import annotations

from typing import Annotated

from msgspec import Meta

from flows.routing.payloads import Payload

# A chat model's id (flows/catalog/text.py keeps every id within these bounds).
TextModelId = Annotated[str, Meta(min_length=1, max_length=48, pattern=r"^[A-Za-z0-9._-]+$")]


class OpenTexts(Payload, frozen=True):
    """💬 Тексты in the main menu, 🧭 Другая модель under an answer: the model list."""

    prefix = "tx:list"


class OpenChatModel(Payload, frozen=True):
    prefix = "tx:card"
    model: TextModelId


class StartChat(Payload, frozen=True):
    """💬 Начать диалог on a card."""

    prefix = "tx:go"
    model: TextModelId


class NewChat(Payload, frozen=True):
    """🧹 Новый диалог: the open dialog with this model is closed; the next message starts afresh."""

    prefix = "tx:new"
    model: TextModelId


class PickChatMode(Payload, frozen=True):
    """🎭 Режим: the mode picker of the dialog the session is in."""

    prefix = "tx:mode"


class ChooseChatMode(Payload, frozen=True):
    """One mode of the picker, by its place in flows.chat.modes.MODES."""

    prefix = "tx:setmode"
    index: Annotated[int, Meta(ge=0, le=9)]


class ChatModeBack(Payload, frozen=True):
    """⬅️ Назад on the mode picker: back to the card or the dialog it was opened from."""

    prefix = "tx:back"


class StopAnswer(Payload, frozen=True):
    """❌ Остановить on an answer being written (noticed when the update is stored: runtime/chat/stop.py)."""

    prefix = "tx:stop"


class OpenChatHistory(Payload, frozen=True):
    prefix = "tx:hist"


class OpenDialog(Payload, frozen=True):
    prefix = "tx:open"
    dialog_id: Annotated[int, Meta(ge=1, le=10**15)]


class ChatResume(Payload, frozen=True):
    """Back from a top-up to the dialog; the message the balance could not cover goes to the model."""

    prefix = "tx:resume"
    model: TextModelId


PAYLOADS = (
    OpenTexts,
    OpenChatModel,
    StartChat,
    NewChat,
    PickChatMode,
    ChooseChatMode,
    ChatModeBack,
    StopAnswer,
    OpenChatHistory,
    OpenDialog,
    ChatResume,
)
