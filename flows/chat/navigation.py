"""💬 Тексты around the dialog: the model list, a model's card, starting, renewing and reopening a
dialog, the mode picker, 🗂 История. Each handler asks the chat chart (flows/chat/chart.py) where its
event leads from where the session is; what a message in the dialog does is flows/chat/dialog.py."""

from __future__ import annotations

import html
from zoneinfo import ZoneInfo

import msgspec

from flows.catalog.text import NO_TEXT, TextCatalog, TextModel
from flows.chat import screens
from flows.chat.chart import CHAT, PLACE, chat_flow, chat_step
from flows.chat.modes import DEFAULT_MODE, MODES
from flows.chat.pricing import free_text_model
from flows.chat.turn import NewDialog, ReopenDialog, SetDialogMode
from flows.menus.screens import back_to_menu_row
from flows.outcome import Outcome, show
from flows.payloads.chat import (
    ChatModeBack,
    ChooseChatMode,
    NewChat,
    OpenChatHistory,
    OpenChatModel,
    OpenDialog,
    OpenTexts,
    PickChatMode,
    StartChat,
)
from flows.payloads.menus import OpenMenu
from flows.routing.registry import Request
from flows.screens import Button, Screen
from flows.session import Session
from flows.states import ChatFlow
from flows.texts import t

MOSCOW = ZoneInfo("Europe/Moscow")
HISTORY_DATA = OpenChatHistory().data()
LIST_DATA = OpenTexts().data()


def text_catalog(req: Request) -> TextCatalog:
    catalog = req.ctx.catalog
    return catalog.text if catalog is not None else NO_TEXT


def enabled_model(req: Request, model_id: str | None) -> TextModel | None:
    model = text_catalog(req).get(model_id) if model_id else None
    return model if model is not None and model.enabled else None


def free_left_for(req: Request, model: TextModel) -> int | None:
    """Free answers left today when `model` is the free one and some are left, else None."""
    free = free_text_model(text_catalog(req), req.ctx.policy)
    account = req.loaded.chat
    if free is None or free.id != model.id or account is None or account.free_left <= 0:
        return None
    return account.free_left


def at(req: Request, flow: ChatFlow, event: str) -> Session:
    """The session after `event`, the chart's target as the step (a way in from anywhere, or a step)."""
    target = CHAT.lead(chat_step(req.session), event)
    assert target in ("card", "card_modes", "dialog", "dialog_modes"), (event, target)
    return req.session.at(PLACE, msgspec.structs.replace(flow, step=target))


def current_mode(req: Request, model: TextModel) -> str:
    """The mode of the next message: the open dialog's, else what the session chose, else the default."""
    flow = chat_flow(req.session)
    if flow is not None and flow.model_id == model.id:
        return flow.mode
    dialog = req.loaded.dialog
    return dialog.mode if dialog is not None and dialog.model_id == model.id else DEFAULT_MODE


# --- the list -----------------------------------------------------------------------------------


def list_screen(req: Request, *, notice: str | None = None) -> Screen:
    lang, policy = req.event.lang, req.ctx.policy
    catalog = text_catalog(req)
    free = free_text_model(catalog, policy) if policy is not None else None
    account = req.loaded.chat
    screen = screens.model_list_screen(
        lang,
        catalog,
        policy,
        model_data=lambda m: OpenChatModel(m.id).data(),
        back=((Button(t(lang, "chat.button.history"), data=HISTORY_DATA),), back_to_menu_row(lang)),
        free_model_id=free.id if free is not None else None,
        free_left=account.free_left if account is not None else 0,
    )
    if notice:
        return msgspec.structs.replace(screen, text=f"{notice}\n\n{screen.text}")
    return screen


def open_list(req: Request) -> Outcome:
    """💬 Тексты, 🧭 Другая модель: the chat models, most useful first, with a typical answer's price."""
    assert req.place is not None
    return show(req.event, req.session.at(req.place), list_screen(req))


def model_gone(req: Request) -> Outcome:
    """A button or link of a model that is no longer offered: the list, saying so."""
    return show(
        req.event, req.session.at("texts"), list_screen(req, notice=t(req.event.lang, "chat.model_gone"))
    )


# --- the card -----------------------------------------------------------------------------------


def card_screen(req: Request, model: TextModel, mode: str, *, notice: str | None = None) -> Screen:
    lang = req.event.lang
    screen = screens.model_card(
        lang,
        model,
        req.ctx.policy,
        mode=mode,
        start_data=StartChat(model.id).data(),
        mode_data=PickChatMode().data(),
        back=((Button(t(lang, "nav.back"), data=LIST_DATA),),),
        free_left=free_left_for(req, model),
    )
    if notice:
        return msgspec.structs.replace(screen, text=f"{notice}\n\n{screen.text}")
    return screen


def open_card(req: Request, model_id: str | None = None) -> Outcome:
    model = enabled_model(req, model_id or req.payload.model)
    if model is None:
        return model_gone(req)
    mode = current_mode(req, model)
    session = at(req, ChatFlow(model.id, mode=mode), "open_card")
    return show(req.event, session, card_screen(req, model, mode))


def open_by_slug(req: Request, slug: str) -> Outcome | None:
    """A deep link `/start m-<slug>` to a chat model (None: not one of them)."""
    model = text_catalog(req).by_slug(slug)
    return open_card(req, model.id) if model is not None and model.enabled else None


# --- the dialog ---------------------------------------------------------------------------------


def dialog_screen(
    req: Request, model: TextModel, mode: str, *, fresh: bool = False, notice: str | None = None
) -> Screen:
    lang = req.event.lang
    dialog = req.loaded.dialog
    turns = dialog.turns if dialog is not None and dialog.model_id == model.id and not fresh else 0
    hints = []
    if turns:
        hints.append(t(lang, "chat.dialog.continued", turns=turns))
    free_left = free_left_for(req, model)
    if free_left:
        quota = req.ctx.policy.text_free_daily_quota
        hints.append(t(lang, "chat.dialog.free", left=screens.free_left_text(lang, free_left, quota)))
    if model.supports.vision:
        hints.append(t(lang, "chat.dialog.photos"))
    return screens.dialog_screen(
        lang,
        model,
        mode,
        mode_data=PickChatMode().data(),
        other_data=LIST_DATA,
        history_data=HISTORY_DATA,
        menu_data=OpenMenu().data(),
        new_data=NewChat(model.id).data() if turns else None,
        hint="".join(f"\n{h}" for h in hints),
        notice=notice,
    )


def start(req: Request, model_id: str | None = None, *, notice: str | None = None) -> Outcome:
    """💬 Начать диалог: the open dialog with the model continues (its context is remembered)."""
    model = enabled_model(req, model_id or req.payload.model)
    if model is None:
        return model_gone(req)
    mode = current_mode(req, model)
    session = at(req, ChatFlow(model.id, mode=mode), "start")
    return show(req.event, session, dialog_screen(req, model, mode, notice=notice))


def new_dialog(req: Request, model_id: str | None = None) -> Outcome:
    """🧹 Новый диалог, /new: the open dialog is closed; the next message starts a fresh one."""
    model = enabled_model(req, model_id or req.payload.model)
    if model is None:
        return model_gone(req)
    mode = current_mode(req, model)
    session = at(req, ChatFlow(model.id, mode=mode), "new")
    notice = screens.new_dialog_text(req.event.lang, model)
    outcome = show(req.event, session, dialog_screen(req, model, mode, fresh=True, notice=notice))
    effect = NewDialog(user_id=req.event.user_id, model_id=model.id)
    return Outcome(session=outcome.session, actions=outcome.actions, effects=(effect,))


def new_command(req: Request) -> Outcome:
    flow = chat_flow(req.session)
    if flow is None:
        return no_dialog(req)
    return new_dialog(req, flow.model_id)


def no_dialog(req: Request) -> Outcome:
    """/new or /mode with no dialog open: say so, and where to start one."""
    lang = req.event.lang
    screen = Screen(
        text=t(lang, "chat.no_dialog"),
        buttons=((Button(t(lang, "menu.texts"), data=LIST_DATA),), back_to_menu_row(lang)),
    )
    return show(req.event, req.session, screen)


# --- modes --------------------------------------------------------------------------------------


def pick_mode(req: Request) -> Outcome:
    """🎭 Режим on the card or in the dialog, and /mode."""
    flow = chat_flow(req.session)
    model = enabled_model(req, flow.model_id if flow is not None else None)
    if flow is None or model is None:
        return no_dialog(req) if req.event.kind == "command" else model_gone(req)
    if not CHAT.allows(flow.step, "pick_mode"):  # the picker is already open: draw it again
        session = req.session
    else:
        session = at(req, flow, "pick_mode")
    return show(req.event, session, picker_screen(req, model, flow.mode))


def picker_screen(req: Request, model: TextModel, mode: str) -> Screen:
    lang = req.event.lang
    return screens.mode_picker(
        lang,
        model,
        mode,
        mode_data=lambda choice: ChooseChatMode(MODES.index(choice)).data(),
        back=((Button(t(lang, "nav.back"), data=ChatModeBack().data()),),),
    )


def choose_mode(req: Request) -> Outcome | None:
    flow = chat_flow(req.session)
    if flow is None or not CHAT.allows(flow.step, "choose_mode"):
        return None  # an old picker: a stale button
    model = enabled_model(req, flow.model_id)
    if model is None:
        return model_gone(req)
    index = req.payload.index
    mode = MODES[index] if index < len(MODES) else DEFAULT_MODE
    flow = msgspec.structs.replace(flow, mode=mode)
    outcome = _back_from_picker(
        req,
        model,
        flow,
        "choose_mode",
        notice=t(req.event.lang, "chat.dialog.mode_set", mode=screens.mode_name(req.event.lang, mode)),
    )
    effect = SetDialogMode(user_id=req.event.user_id, model_id=model.id, mode=mode)
    return Outcome(session=outcome.session, actions=outcome.actions, effects=(effect,))


def mode_back(req: Request) -> Outcome | None:
    flow = chat_flow(req.session)
    if flow is None or not CHAT.allows(flow.step, "back"):
        return None
    model = enabled_model(req, flow.model_id)
    if model is None:
        return model_gone(req)
    return _back_from_picker(req, model, flow, "back")


def _back_from_picker(
    req: Request, model: TextModel, flow: ChatFlow, event: str, *, notice: str | None = None
) -> Outcome:
    session = at(req, flow, event)
    assert isinstance(session.flow, ChatFlow)
    if session.flow.step == "card":
        return show(req.event, session, card_screen(req, model, flow.mode, notice=notice))
    return show(req.event, session, dialog_screen(req, model, flow.mode, notice=notice))


# --- 🗂 История ---------------------------------------------------------------------------------


def open_history(req: Request, *, notice: str | None = None) -> Outcome:
    lang = req.event.lang
    lines = [
        (
            screens.history_line(lang, item, item.updated_at.astimezone(MOSCOW).strftime("%d.%m")),
            OpenDialog(item.dialog_id).data(),
        )
        for item in req.loaded.dialogs
    ]
    screen = screens.history_screen(
        lang,
        lines,
        back=((Button(t(lang, "nav.back"), data=LIST_DATA),), back_to_menu_row(lang)),
        notice=notice,
    )
    return show(req.event, req.session.at("chat_history"), screen)


def reopen(req: Request) -> Outcome:
    """A dialog from 🗂 История becomes the open one of its model; the next message continues it."""
    item = req.loaded.dialog_item
    lang = req.event.lang
    if item is None or item.dialog_id != req.payload.dialog_id:
        return open_history(req, notice=t(lang, "chat.dialog.gone"))
    model = enabled_model(req, item.model_id)
    if model is None:
        return model_gone(req)
    session = at(req, ChatFlow(model.id, mode=item.mode), "reopen")
    topic = html.escape(item.title or t(lang, "chat.history.untitled"))
    notice = t(
        lang,
        "chat.dialog.reopened",
        topic=topic,
        title=html.escape(screens.model_title(lang, model)),
        mode=screens.mode_name(lang, item.mode),
    )
    screen = screens.dialog_screen(
        lang,
        model,
        item.mode,
        mode_data=PickChatMode().data(),
        other_data=LIST_DATA,
        history_data=HISTORY_DATA,
        menu_data=OpenMenu().data(),
        new_data=NewChat(model.id).data(),
    )
    screen = msgspec.structs.replace(screen, text=notice)
    outcome = show(req.event, session, screen)
    effect = ReopenDialog(user_id=req.event.user_id, dialog_id=item.dialog_id)
    return Outcome(session=outcome.session, actions=outcome.actions, effects=(effect,))


def redraw(req: Request, *, notice: str | None = None) -> Outcome | None:
    """The chat screen the session is at, drawn again (after a stale tap); None outside the chat."""
    flow = chat_flow(req.session)
    model = enabled_model(req, flow.model_id if flow is not None else None)
    if flow is None or model is None:
        return None
    if flow.step == "card":
        screen = card_screen(req, model, flow.mode, notice=notice)
    elif flow.step == "dialog":
        screen = dialog_screen(req, model, flow.mode, notice=notice)
    else:
        screen = picker_screen(req, model, flow.mode)
    return show(req.event, req.session, screen, notice=notice)
