"""The top of the conversation: commands, menu navigation, and hints for anything unexpected.

Pure: takes what the user did and the stored session, returns the new session, the replies and the
effects. Flows with their own state (wizards, top-ups) plug in below this router.
"""

from __future__ import annotations

from flows import menus
from flows.context import FlowContext
from flows.incoming import Incoming
from flows.outcome import MarkInactive, Outcome, SetLanguage, show
from flows.screens import AnswerCallback, SendScreen
from flows.session import Session
from flows.texts import LANGUAGES, t

# Telegram cuts a message at 4096 characters; longer text can only come from a forged update.
MAX_TEXT = 4096


def handle(incoming: Incoming, session: Session, ctx: FlowContext) -> Outcome:
    lang = incoming.lang
    if incoming.kind == "blocked":
        return Outcome(session=session, effects=(MarkInactive(),))
    if incoming.kind == "unblocked":
        return Outcome(session=session)
    if incoming.chat_type != "private":
        return _private_only(incoming, session)
    if incoming.kind == "command":
        return _command(incoming, session, ctx)
    if incoming.kind == "callback":
        return _callback(incoming, session, ctx)
    if incoming.kind == "text":
        key = "hint.too_long" if len(incoming.text or "") > MAX_TEXT else "hint.unknown_text"
        return show(incoming, session, menus.hint_screen(lang, key))
    # Media, stickers, locations, contacts where nothing is expected.
    return show(incoming, session, menus.hint_screen(lang, "hint.unexpected_media"))


def _private_only(incoming: Incoming, session: Session) -> Outcome:
    actions = []
    if incoming.callback_id:
        actions.append(AnswerCallback(incoming.callback_id))
    if incoming.kind in ("command", "callback"):
        # One short note, and only when spoken to, so a group is never spammed.
        note = menus.Screen(text=t(incoming.lang, "group.private_only"))
        actions.append(SendScreen(incoming.chat_id, note, control=False))
    return Outcome(session=session, actions=tuple(actions))


def _command(incoming: Incoming, session: Session, ctx: FlowContext) -> Outcome:
    lang = incoming.lang
    match incoming.command:
        case "start":
            return show(
                incoming,
                Session(place="menu", control_message_id=session.control_message_id),
                menus.main_menu(lang),
            )
        case "cancel":
            return show(
                incoming,
                Session(place="menu", control_message_id=session.control_message_id),
                menus.main_menu(lang, notice=t(lang, "cancel.done")),
            )
        case "help":
            return show(incoming, _at(session, "help"), menus.help_screen(lang))
        case _:
            return show(incoming, session, menus.hint_screen(lang, "hint.unknown_command"))


def _callback(incoming: Incoming, session: Session, ctx: FlowContext) -> Outcome:
    lang = incoming.lang
    data = incoming.callback_data or ""
    if data == menus.MENU:
        return show(
            incoming,
            Session(place="menu", control_message_id=session.control_message_id),
            menus.main_menu(lang),
        )
    if data == menus.HELP:
        return show(incoming, _at(session, "help"), menus.help_screen(lang))
    if data == menus.SUPPORT:
        return show(incoming, _at(session, "support"), menus.support_screen(lang, ctx))
    if data == menus.SETTINGS:
        return show(incoming, _at(session, "settings"), menus.settings_screen(lang))
    if data.startswith(menus.LANG_PREFIX) and data[len(menus.LANG_PREFIX) :] in LANGUAGES:
        new_lang = data[len(menus.LANG_PREFIX) :]
        outcome = show(
            incoming,
            _at(session, "settings"),
            menus.settings_screen(new_lang),
            notice=t(new_lang, "settings.language_saved"),
        )
        return Outcome(session=outcome.session, actions=outcome.actions, effects=(SetLanguage(new_lang),))
    # A button this version no longer knows (or a forged one): say so and show where the user is.
    return show(incoming, session, current_screen(session, lang, ctx), notice=t(lang, "stale.button"))


def current_screen(session: Session, lang: str, ctx: FlowContext) -> menus.Screen:
    match session.place:
        case "help":
            return menus.help_screen(lang)
        case "support":
            return menus.support_screen(lang, ctx)
        case "settings":
            return menus.settings_screen(lang)
        case _:
            return menus.main_menu(lang)


def _at(session: Session, place: str) -> Session:
    return Session(place=place, control_message_id=session.control_message_id, flow=session.flow)
