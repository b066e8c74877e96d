"""The menus' routes: commands, global navigation, the catalog lists, and the answers for anything
unexpected. Each navigation route names the place it leads to; the menus chart generated from these
declarations is what the dispatcher follows (flows/routing/chart.py)."""

from __future__ import annotations

from flows.menus import browse
from flows.menus import screens as menus
from flows.outcome import MarkInactive, Outcome, SetLanguage, show
from flows.payloads.menus import (
    ChooseLanguage,
    OpenCategory,
    OpenFree,
    OpenHelp,
    OpenMenu,
    OpenSettings,
    OpenSupport,
)
from flows.routing.registry import Declaration, OnCallback, OnCommand, OnEvent, Request, Route
from flows.screens import AnswerCallback, Screen, SendScreen
from flows.texts import t

# Telegram cuts a message at 4096 characters; longer text can only come from a forged update.
MAX_TEXT = 4096


def _go(req: Request, screen: Screen, *, notice: str | None = None) -> Outcome:
    """Show `screen` at the place the chart led to."""
    assert req.place is not None
    return show(req.event, req.session.at(req.place), screen, notice=notice)


def _menu(req: Request) -> Outcome:
    return _go(req, menus.main_menu(req.event.lang, req.ctx))


def _cancel(req: Request) -> Outcome:
    lang = req.event.lang
    return _go(req, menus.main_menu(lang, req.ctx, notice=t(lang, "cancel.done")))


def _help(req: Request) -> Outcome:
    return _go(req, menus.help_screen(req.event.lang))


def _support(req: Request) -> Outcome:
    return _go(req, menus.support_screen(req.event.lang, req.ctx))


def _settings(req: Request) -> Outcome:
    return _go(req, menus.settings_screen(req.event.lang))


def _language(req: Request) -> Outcome:
    lang = req.payload.lang
    outcome = _go(req, menus.settings_screen(lang), notice=t(lang, "settings.language_saved"))
    return Outcome(session=outcome.session, actions=outcome.actions, effects=(SetLanguage(lang),))


def _category(req: Request) -> Outcome:
    payload: OpenCategory = req.payload
    return _go(req, browse.category_screen(payload.kind, payload.page, req.event.lang, req.ctx))


def _free(req: Request) -> Outcome:
    return _go(req, browse.free_screen(req.payload.page, req.event.lang, req.ctx))


def _membership(req: Request) -> Outcome:
    if req.event.kind == "blocked":
        return Outcome(session=req.session, effects=(MarkInactive(),))
    return Outcome(session=req.session)


def _group(req: Request) -> Outcome:
    event = req.event
    actions = []
    if event.callback_id:
        actions.append(AnswerCallback(event.callback_id))
    if event.kind in ("command", "callback"):
        # One short note, and only when spoken to, so a group is never spammed.
        actions.append(
            SendScreen(event.chat_id, Screen(text=t(event.lang, "group.private_only")), control=False)
        )
    return Outcome(session=req.session, actions=tuple(actions))


def _unknown_command(req: Request) -> Outcome:
    return show(req.event, req.session, menus.hint_screen(req.event.lang, "hint.unknown_command"))


def _unexpected(req: Request) -> Outcome:
    event = req.event
    if event.kind == "text":
        key = "hint.too_long" if len(event.text or "") > MAX_TEXT else "hint.unknown_text"
    else:
        # Media, stickers, locations, contacts where nothing is expected.
        key = "hint.unexpected_media"
    return show(event, req.session, menus.hint_screen(event.lang, key))


MENU = Route("open_menu", _menu, target="menu", label="🏠 Меню, /start, /models")
HELP = Route("open_help", _help, target="help", label="❓ Помощь, /help")

DECLARATIONS: tuple[Declaration, ...] = (
    OnCommand(("start", "models"), MENU),
    OnCommand(("cancel",), Route("cancel", _cancel, target="menu", label="/cancel")),
    OnCommand(("help",), HELP),
    OnCallback(OpenMenu, MENU),
    OnCallback(OpenHelp, HELP),
    OnCallback(OpenSupport, Route("open_support", _support, target="support")),
    OnCallback(OpenSettings, Route("open_settings", _settings, target="settings")),
    OnCallback(ChooseLanguage, Route("choose_language", _language, target="settings")),
    OnCallback(OpenCategory, Route("open_category", _category, target="browse", label="a section's models")),
    OnCallback(OpenFree, Route("open_free", _free, target="browse", label="🆓 the free models")),
    OnEvent("membership", Route("membership", _membership)),
    OnEvent("group", Route("group", _group)),
    OnEvent("unknown_command", Route("unknown_command", _unknown_command)),
    OnEvent("unexpected", Route("unexpected", _unexpected)),
)
