"""The routes of 💬 Тексты: the list, cards, the dialog's buttons and commands, 🗂 История, and every
message sent while the user is at the chat place. Each declares what it needs loaded (the open
dialog with the model, the free answers left, the user's dialogs), which runtime/preload.py loads."""

from __future__ import annotations

from flows.chat import dialog, navigation
from flows.chat.chart import PLACE, chat_flow
from flows.incoming import Incoming
from flows.payloads.chat import (
    ChatModeBack,
    ChatResume,
    ChooseChatMode,
    NewChat,
    OpenChatHistory,
    OpenChatModel,
    OpenDialog,
    OpenTexts,
    PickChatMode,
    StartChat,
    StopAnswer,
)
from flows.preload import NOTHING, Needs
from flows.routing.registry import Declaration, OnCallback, OnCommand, OnMessage, Route
from flows.session import Session

LIST_NEEDS = Needs(chat_account=True)
HISTORY_NEEDS = Needs(dialogs=True)


def _model_needs(event: Incoming, payload, session: Session) -> Needs:
    return Needs(chat_model=payload.model)


def _session_model_needs(event: Incoming, payload, session: Session) -> Needs:
    flow = chat_flow(session)
    return Needs(chat_model=flow.model_id) if flow is not None else NOTHING


def _message_needs(event: Incoming, payload, session: Session) -> Needs:
    flow = chat_flow(session)
    if flow is None:
        return NOTHING
    media = event.media
    album = media.media_group_id if media is not None and media.kind == "photo" else None
    return Needs(chat_model=flow.model_id, album=album)


def deep_link_needs(slug: str) -> Needs:
    """What a deep link to a chat model's card needs (the wizard's deep link route asks for it)."""
    return Needs(chat_slug=slug)


OPEN_TEXTS = Route(
    "open_texts",
    navigation.open_list,
    needs=lambda event, payload, session: LIST_NEEDS,
    target="texts",
    label="💬 Тексты, 🧭 Другая модель",
)

DECLARATIONS: tuple[Declaration, ...] = (
    OnCallback(OpenTexts, OPEN_TEXTS),
    OnCallback(
        OpenChatModel,
        Route("open_chat_card", navigation.open_card, needs=_model_needs, target=PLACE, label="a chat model"),
    ),
    OnCallback(
        StartChat,
        Route("start_chat", navigation.start, needs=_model_needs, target=PLACE, label="💬 Начать диалог"),
    ),
    OnCallback(
        NewChat,
        Route("new_chat", navigation.new_dialog, needs=_model_needs, target=PLACE, label="🧹 Новый диалог"),
    ),
    OnCommand(("new",), Route("new_command", navigation.new_command, needs=_session_model_needs)),
    OnCallback(PickChatMode, Route("pick_chat_mode", navigation.pick_mode)),
    OnCommand(("mode",), Route("mode_command", navigation.pick_mode)),
    OnCallback(ChooseChatMode, Route("choose_chat_mode", navigation.choose_mode, needs=_session_model_needs)),
    OnCallback(ChatModeBack, Route("chat_mode_back", navigation.mode_back, needs=_session_model_needs)),
    OnCallback(StopAnswer, Route("stop_answer", dialog.stop)),
    OnCallback(
        OpenChatHistory,
        Route(
            "open_chat_history",
            navigation.open_history,
            needs=lambda event, payload, session: HISTORY_NEEDS,
            target="chat_history",
            label="🗂 История",
        ),
    ),
    OnCallback(
        OpenDialog,
        Route(
            "reopen_dialog",
            navigation.reopen,
            needs=lambda event, payload, session: Needs(dialog_id=payload.dialog_id),
            target=PLACE,
            label="a dialog from 🗂 История",
        ),
    ),
    OnCallback(
        ChatResume,
        Route("chat_resume", dialog.resume, needs=_model_needs, target=PLACE, label="back from a top-up"),
    ),
    OnMessage(PLACE, Route("chat_input", dialog.on_message, needs=_message_needs)),
)
