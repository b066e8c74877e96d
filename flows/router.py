"""The top of the conversation: commands, menu navigation, catalog browsing, and hints for anything
unexpected. The active wizard gets every update that is its business first.

Pure: takes what the user did and the stored session, returns the new session, the replies and the
effects.
"""

from __future__ import annotations

import msgspec

from flows import browse, menus, money, results
from flows.context import FlowContext
from flows.incoming import Incoming
from flows.jobs import CancelQueuedJob
from flows.numbers import ascii_uint
from flows.outcome import MarkInactive, Outcome, SetLanguage, show
from flows.screens import AnswerCallback, EditScreen, Screen, SendScreen
from flows.session import Session
from flows.texts import LANGUAGES, t
from flows.wizard import handlers as wizard
from flows.wizard.snapshot import FileRef

# Telegram cuts a message at 4096 characters; longer text can only come from a forged update.
MAX_TEXT = 4096
DEEP_LINK_PREFIX = "m-"


def handle(incoming: Incoming, session: Session, ctx: FlowContext) -> Outcome:
    lang = incoming.lang
    if incoming.kind == "blocked":
        return Outcome(session=session, effects=(MarkInactive(),))
    if incoming.kind == "unblocked":
        return Outcome(session=session)
    # Money that has arrived is credited wherever it was paid (an invoice can be forwarded to a group).
    if incoming.chat_type != "private" and incoming.kind != "payment":
        return _private_only(incoming, session)
    # Money first: payments, blocked users, balance/top-up/history/admin commands and buttons.
    handled = money.handle(incoming, session, ctx)
    if handled is not None:
        return handled
    if incoming.kind == "command":
        return _command(incoming, session, ctx)
    handled = wizard.handle(incoming, session, ctx)
    if handled is not None:
        return handled
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
        actions.append(
            SendScreen(incoming.chat_id, Screen(text=t(incoming.lang, "group.private_only")), control=False)
        )
    return Outcome(session=session, actions=tuple(actions))


def _command(incoming: Incoming, session: Session, ctx: FlowContext) -> Outcome:
    lang = incoming.lang
    match incoming.command:
        case "start":
            if incoming.args.startswith(DEEP_LINK_PREFIX):
                return _open_model(incoming, session, ctx, incoming.args[len(DEEP_LINK_PREFIX) :])
            return show(incoming, _at(session, "menu"), menus.main_menu(lang, ctx))
        case "models":
            return show(incoming, _at(session, "menu"), menus.main_menu(lang, ctx))
        case "cancel":
            return show(
                incoming, _at(session, "menu"), menus.main_menu(lang, ctx, notice=t(lang, "cancel.done"))
            )
        case "help":
            return show(incoming, _at(session, "help"), menus.help_screen(lang))
        case _:
            return show(incoming, session, menus.hint_screen(lang, "hint.unknown_command"))


def _open_model(incoming: Incoming, session: Session, ctx: FlowContext, slug: str) -> Outcome:
    entry = ctx.catalog.by_slug(slug) if ctx.catalog is not None else None
    if entry is not None and entry.enabled:
        return wizard.open_card(incoming, session, ctx, entry)
    lang = incoming.lang
    return show(
        incoming, _at(session, "menu"), menus.main_menu(lang, ctx, notice=t(lang, "browse.unknown_model"))
    )


def _callback(incoming: Incoming, session: Session, ctx: FlowContext) -> Outcome:
    lang = incoming.lang
    data = incoming.callback_data or ""
    if data == menus.MENU:
        return show(incoming, _at(session, "menu"), menus.main_menu(lang, ctx))
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
    if data.startswith(results.REPEAT_PREFIX):
        return _repeat(incoming, session, ctx)
    if data.startswith(results.CANCEL_PREFIX):
        return _cancel_queued(incoming, session, ctx)
    if data.startswith(browse.CARD_PREFIX):
        return _open_model(incoming, session, ctx, data[len(browse.CARD_PREFIX) :])
    if data.startswith(browse.CATEGORY_PREFIX):
        kind, _, page_text = data[len(browse.CATEGORY_PREFIX) :].partition(":")
        page = ascii_uint(page_text)
        if kind in dict(browse.CATEGORIES) and page is not None:
            return show(incoming, _at(session, "browse"), browse.category_screen(kind, page, lang, ctx))
    page = ascii_uint(data[len(browse.FREE_PREFIX) :]) if data.startswith(browse.FREE_PREFIX) else None
    if page is not None:
        return show(incoming, _at(session, "browse"), browse.free_screen(page, lang, ctx))
    # A button this version no longer knows (or a forged one): say so and show where the user is.
    return show(incoming, session, current_screen(session, lang, ctx), notice=t(lang, "stale.button"))


def _repeat(incoming: Incoming, session: Session, ctx: FlowContext) -> Outcome:
    """🔁 Сделать ещё раз: the same model's confirm step with the job's values (the runtime loaded them)."""
    stored = incoming.repeat
    entry = ctx.catalog.get(stored.model_id) if stored is not None and ctx.catalog is not None else None
    files = None
    if stored is not None:
        try:
            files = msgspec.convert(stored.files, dict[str, FileRef])
        except msgspec.ValidationError:
            files = None
    if entry is None or not entry.enabled or files is None or stored is None:
        lang = incoming.lang
        notice = results.repeat_unavailable_notice(lang)
        return show(incoming, _at(session, "menu"), menus.main_menu(lang, ctx, notice=notice), notice=notice)
    return wizard.open_review(incoming, session, ctx, entry, stored.values, files)


def _cancel_queued(incoming: Incoming, session: Session, ctx: FlowContext) -> Outcome:
    """❌ on a progress message: cancel a job nothing was sent to Kie for yet, with its money back."""
    lang = incoming.lang
    job = incoming.lookup.job if incoming.lookup is not None else None
    if job is None or job.user_id != incoming.user_id:
        return show(incoming, session, current_screen(session, lang, ctx), notice=t(lang, "stale.button"))
    if job.state != "queued" or incoming.message_id is None:
        return Outcome(
            session=session,
            actions=(
                AnswerCallback(incoming.callback_id or "", text=t(lang, "job.not_cancellable"), alert=True),
            ),
        )
    refunded = 0 if job.free else job.price_kopecks
    screen = results.cancelled_screen(lang, job.request_id, refunded)
    return Outcome(
        session=session,
        actions=(
            AnswerCallback(incoming.callback_id or ""),
            EditScreen(incoming.chat_id, incoming.message_id, screen),
        ),
        effects=(CancelQueuedJob(job.request_id, incoming.user_id),),
    )


def current_screen(session: Session, lang: str, ctx: FlowContext) -> Screen:
    match session.place:
        case "help":
            return menus.help_screen(lang)
        case "support":
            return menus.support_screen(lang, ctx)
        case "settings":
            return menus.settings_screen(lang)
        case _:
            return menus.main_menu(lang, ctx)


def _at(session: Session, place: str) -> Session:
    return Session(place=place, control_message_id=session.control_message_id, seq=session.seq)
