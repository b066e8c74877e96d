"""The menus' routes: commands, global navigation, the catalog lists, and the answers for anything
unexpected. Each navigation route names the place it leads to; the menus chart generated from these
declarations is what the dispatcher follows (flows/routing/chart.py)."""

from __future__ import annotations

from flows.incoming import Incoming
from flows.menus import browse, found, sections
from flows.menus import screens as menus
from flows.outcome import MarkInactive, Outcome, SetLanguage, show
from flows.payloads.menus import (
    ChooseLanguage,
    OpenCategory,
    OpenFamily,
    OpenFree,
    OpenHelp,
    OpenMenu,
    OpenModelList,
    OpenPopular,
    OpenSettings,
    OpenSupport,
)
from flows.preload import Needs
from flows.routing.registry import Declaration, OnCallback, OnCommand, OnEvent, OnMessage, Request, Route
from flows.screens import AnswerCallback, AnswerInlineQuery, Screen, SendScreen
from flows.session import Session
from flows.texts import t

# Telegram cuts a message at 4096 characters; longer text can only come from a forged update.
MAX_TEXT = 4096


def _go(req: Request, screen: Screen, *, notice: str | None = None) -> Outcome:
    """Show `screen` at the place the chart led to."""
    assert req.place is not None
    return show(req.event, req.session.at(req.place), screen, notice=notice)


def _menu(req: Request) -> Outcome:
    return _go(req, menus.main_menu(req.event.lang, req.ctx, recent=req.loaded.recent))


def _cancel(req: Request) -> Outcome:
    lang = req.event.lang
    return _go(req, menus.main_menu(lang, req.ctx, notice=t(lang, "cancel.done"), recent=req.loaded.recent))


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
    """A section: ⭐ Популярное and its families (the flat list when the catalog has no families)."""
    payload: OpenCategory = req.payload
    lang = req.event.lang
    if sections.shown_families(payload.kind, req.ctx):
        return _go(req, sections.section_screen(payload.kind, lang, req.ctx))
    return _go(req, browse.model_list_screen(payload.kind, payload.page, lang, req.ctx))


def _family(req: Request) -> Outcome | None:
    catalog = req.ctx.catalog
    family = catalog.families.get(req.payload.family) if catalog is not None else None
    if family is None or not sections.shown_versions(family, req.ctx):
        return None  # a family this catalog no longer has: a stale button
    return _go(req, sections.family_screen(family, req.event.lang, req.ctx))


def _popular(req: Request) -> Outcome:
    return _go(req, sections.popular_screen(req.payload.kind, req.loaded.popular, req.event.lang, req.ctx))


def _model_list(req: Request) -> Outcome:
    payload: OpenModelList = req.payload
    return _go(req, browse.model_list_screen(payload.kind, payload.page, req.event.lang, req.ctx))


def _free(req: Request) -> Outcome:
    return _go(req, browse.free_screen(req.payload.page, req.event.lang, req.ctx))


def _search(req: Request) -> Outcome | None:
    """Text typed at a menu place: the models and families it names. Anything else there (media, a
    text longer than Telegram allows) is not a search: the registry answers it with a hint."""
    event = req.event
    if event.kind != "text" or not event.text or len(event.text) > MAX_TEXT:
        return None
    lang = event.lang
    screen = found.found_screen(event.text, lang, req.ctx, menu_row=menus.back_to_menu_row(lang))
    return _go(req, screen)


def _inline(req: Request) -> Outcome:
    """`@bot kling` in any chat: matching models as messages whose button opens their card."""
    event = req.event
    models = [] if req.loaded.blocked else found.inline_models(event.text or "", req.ctx)
    articles = tuple(found.article(entry, event.lang, req.ctx) for entry in models)
    answer = AnswerInlineQuery(event.inline_query_id or "", articles)
    return Outcome(session=req.session, actions=(answer,))


def _popular_needs(event: Incoming, payload: object, session: Session) -> Needs:
    return Needs(popular=True)


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
SEARCH = Route("search", _search, target="search", label="a text typed at a menu place")
# The places whose typed text is a search: the menus' own screens. Places that own their messages
# (a wizard step, the top-up amount, the admin's question, a chat dialog) declare routes of their own.
SEARCH_PLACES = ("menu", "browse", "search", "help", "support", "settings", "balance", "generations")

DECLARATIONS: tuple[Declaration, ...] = (
    OnCommand(("start", "models"), MENU),
    OnCommand(("cancel",), Route("cancel", _cancel, target="menu", label="/cancel")),
    OnCommand(("help",), HELP),
    OnCallback(OpenMenu, MENU),
    OnCallback(OpenHelp, HELP),
    OnCallback(OpenSupport, Route("open_support", _support, target="support")),
    OnCallback(OpenSettings, Route("open_settings", _settings, target="settings")),
    OnCallback(ChooseLanguage, Route("choose_language", _language, target="settings")),
    OnCallback(
        OpenCategory, Route("open_category", _category, target="browse", label="a section's families")
    ),
    OnCallback(OpenFamily, Route("open_family", _family, target="browse", label="a family's versions")),
    OnCallback(
        OpenPopular,
        Route(
            "open_popular", _popular, needs=_popular_needs, target="browse", label="⭐ a section's popular"
        ),
    ),
    OnCallback(
        OpenModelList, Route("open_list", _model_list, target="browse", label="📋 a section's models")
    ),
    OnCallback(OpenFree, Route("open_free", _free, target="browse", label="🆓 the free models")),
    *(OnMessage(place, SEARCH) for place in SEARCH_PLACES),
    OnEvent("membership", Route("membership", _membership)),
    OnEvent("group", Route("group", _group)),
    OnEvent("unknown_command", Route("unknown_command", _unknown_command)),
    OnEvent("unexpected", Route("unexpected", _unexpected)),
    OnEvent("inline", Route("inline", _inline, for_blocked=True)),
)
