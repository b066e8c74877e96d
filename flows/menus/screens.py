"""Menu screens: main menu, help, support, settings, hints, and the error screen of the error boundary."""

from __future__ import annotations

import html
from collections.abc import Sequence

from flows.catalog.follow_ups import listed
from flows.catalog.human import model_title
from flows.context import FlowContext
from flows.menus import browse
from flows.payloads.chat import OpenTexts
from flows.payloads.menus import ChooseLanguage, OpenFree, OpenHelp, OpenMenu, OpenSettings, OpenSupport
from flows.payloads.money import OpenBalance, OpenHistory
from flows.payloads.wizard import OpenCard
from flows.screens import Button, Screen, grid
from flows.texts import t

MENU = OpenMenu().data()
TEXTS = OpenTexts().data()
SUPPORT = OpenSupport().data()
MAX_RECENT = 3
# (longest label, buttons per row) for the recent models' row(s).
RECENT_GRID = ((16, 3), (26, 2))


def back_to_menu_row(lang: str) -> tuple[Button, ...]:
    return (Button(t(lang, "menu.back_to_menu"), data=MENU),)


def recent_buttons(recent: Sequence[str], lang: str, ctx: FlowContext) -> list[Button]:
    """The user's last models that still run, newest first, one tap to their card."""
    catalog = ctx.catalog
    buttons = []
    for model_id in recent:
        entry = catalog.get(model_id) if catalog is not None else None
        if entry is not None and listed(entry):
            title = model_title(entry.id, lang)
            buttons.append(Button(t(lang, "menu.recent", title=title), data=OpenCard(entry.slug).data()))
        if len(buttons) == MAX_RECENT:
            break
    return buttons


def main_menu(
    lang: str,
    ctx: FlowContext | None = None,
    *,
    notice: str | None = None,
    recent: Sequence[str] = (),
) -> Screen:
    """💬 Тексты, the user's last models, then categories that have models, the free section, then
    help, settings and support. Only sections that work are shown."""
    text = t(lang, "menu.title")
    if notice:
        text = f"{notice}\n\n{text}"
    rows: list[tuple[Button, ...]] = []
    if ctx is not None and ctx.catalog is not None and ctx.catalog.text.enabled():
        rows.append((Button(t(lang, "menu.texts"), data=TEXTS),))
    if ctx is not None:
        rows += grid(recent_buttons(recent, lang, ctx), widths=RECENT_GRID)
        categories = [
            Button(t(lang, key), data=browse.category_data(kind))
            for kind, key in browse.available_categories(ctx)
        ]
        rows += [tuple(categories[i : i + 2]) for i in range(0, len(categories), 2)]
        if ctx.catalog is not None and ctx.catalog.free():
            rows.append((Button(t(lang, "menu.free"), data=OpenFree().data()),))
    rows.append(
        (
            Button(t(lang, "balance.button"), data=OpenBalance().data()),
            Button(t(lang, "history.button"), data=OpenHistory().data()),
        )
    )
    rows.append(
        (
            Button(t(lang, "menu.help"), data=OpenHelp().data()),
            Button(t(lang, "menu.settings"), data=OpenSettings().data()),
        )
    )
    rows.append((Button(t(lang, "menu.support"), data=SUPPORT),))
    return Screen(text=text, buttons=tuple(rows))


def help_screen(lang: str) -> Screen:
    return Screen(text=t(lang, "help.text"), buttons=(back_to_menu_row(lang),))


def support_contact_url(contact: str) -> str:
    if contact.startswith("@"):
        return f"https://t.me/{contact[1:]}"
    return contact


def support_screen(lang: str, ctx: FlowContext) -> Screen:
    contact = ctx.support_telegram
    text = t(
        lang,
        "support.text",
        support_text=html.escape(ctx.support_text),
        support_contact=html.escape(contact),
    )
    return Screen(
        text=text,
        buttons=(
            (Button(t(lang, "menu.support"), url=support_contact_url(contact)),),
            back_to_menu_row(lang),
        ),
    )


def settings_screen(lang: str) -> Screen:
    return Screen(
        text=t(lang, "settings.text", language=t(lang, "settings.language_name")),
        buttons=(
            (
                Button(t(lang, "settings.language_ru"), data=ChooseLanguage("ru").data()),
                Button(t(lang, "settings.language_en"), data=ChooseLanguage("en").data()),
            ),
            back_to_menu_row(lang),
        ),
    )


def error_screen(lang: str, request_id: str) -> Screen:
    return Screen(
        text=t(lang, "error.generic", request_id=request_id),
        buttons=(
            (Button(t(lang, "menu.back_to_menu"), data=MENU), Button(t(lang, "menu.support"), data=SUPPORT)),
        ),
    )


def hint_screen(lang: str, hint_key: str) -> Screen:
    return Screen(text=t(lang, hint_key), buttons=(back_to_menu_row(lang),))


def place_screen(place: str, lang: str, ctx: FlowContext) -> Screen:
    """What the user sees at a plain menu place (after a stale tap, a finished wizard…)."""
    match place:
        case "help":
            return help_screen(lang)
        case "support":
            return support_screen(lang, ctx)
        case "settings":
            return settings_screen(lang)
        case _:
            return main_menu(lang, ctx)
