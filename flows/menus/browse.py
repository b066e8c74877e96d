"""Browsing the catalog, the parts every list shares: the sections, a model's button (price on it),
the flat per-model list of a section (paged), and the free models. A section's families, a family's
versions and ⭐ Популярное are in flows/menus/sections.py."""

from __future__ import annotations

from collections.abc import Callable

from flows.catalog.human import model_title
from flows.catalog.pricing import card_price_text
from flows.catalog.types import ModelEntry
from flows.context import FlowContext
from flows.payloads.menus import OpenCategory, OpenFree, OpenMenu, OpenModelList
from flows.payloads.wizard import OpenCard
from flows.screens import Button, Screen
from flows.texts import t

PAGE_SIZE = 8
CATEGORIES = (
    ("image", "menu.images"),
    ("video", "menu.video"),
    ("audio", "menu.audio"),
    ("utility", "menu.tools"),
)


def card_data(entry: ModelEntry) -> str:
    return OpenCard(entry.slug).data()


def category_data(model_type: str, page: int = 0) -> str:
    return OpenCategory(model_type, page).data()  # type: ignore[arg-type]


def section_name(model_type: str, lang: str) -> str:
    return t(lang, dict(CATEGORIES).get(model_type, "menu.tools"))


def available_categories(ctx: FlowContext) -> list[tuple[str, str]]:
    """Only sections that have something to offer are shown."""
    if ctx.catalog is None:
        return []
    return [(kind, key) for kind, key in CATEGORIES if ctx.catalog.by_type(kind)]


def price_label(entry: ModelEntry, lang: str, ctx: FlowContext) -> str:
    return card_price_text(ctx.book.price_summary(entry, ctx.policy), lang)


def model_button(entry: ModelEntry, lang: str, ctx: FlowContext) -> Button:
    price = "🆓" if entry.free else price_label(entry, lang, ctx)
    return Button(f"{model_title(entry.id, lang)} · {price}", data=card_data(entry))


def _paged(
    entries: list[ModelEntry], page: int, lang: str, ctx: FlowContext, make_data: Callable[[int], str]
) -> tuple[tuple[tuple[Button, ...], ...], str]:
    pages = max(1, -(-len(entries) // PAGE_SIZE))
    page = min(max(page, 0), pages - 1)
    chunk = entries[page * PAGE_SIZE : (page + 1) * PAGE_SIZE]
    rows: list[tuple[Button, ...]] = [(model_button(e, lang, ctx),) for e in chunk]
    nav = []
    if page > 0:
        nav.append(Button(t(lang, "browse.prev"), data=make_data(page - 1)))
    if page + 1 < pages:
        nav.append(Button(t(lang, "browse.next"), data=make_data(page + 1)))
    if nav:
        rows.append(tuple(nav))
    footer = t(lang, "browse.page", page=page + 1, pages=pages) if pages > 1 else ""
    return tuple(rows), footer


def model_list_screen(model_type: str, page: int, lang: str, ctx: FlowContext) -> Screen:
    """Every model of a section, one button each. Back leads to the section's families when the
    catalog has them, else to the menu."""
    entries = ctx.catalog.by_type(model_type) if ctx.catalog else []
    rows, footer = _paged(
        entries,
        page,
        lang,
        ctx,
        lambda p: OpenModelList(model_type, p).data(),  # type: ignore[arg-type]
    )
    text = t(lang, "browse.category", name=f"<b>{section_name(model_type, lang)}</b>")
    if not entries:
        text += "\n\n" + t(lang, "browse.empty")
    if footer:
        text += f"\n{footer}"
    has_families = ctx.catalog is not None and bool(ctx.catalog.families.in_section(model_type))
    back = category_data(model_type) if has_families else OpenMenu().data()
    return Screen(text=text, buttons=(*rows, (Button(t(lang, "nav.back"), data=back),)))


def free_screen(page: int, lang: str, ctx: FlowContext) -> Screen:
    entries = ctx.catalog.free() if ctx.catalog else []
    rows, footer = _paged(entries, page, lang, ctx, lambda p: OpenFree(p).data())
    text = t(lang, "browse.free", quota=ctx.policy.free_daily_quota if ctx.policy else 0)
    if footer:
        text += f"\n{footer}"
    return Screen(text=text, buttons=(*rows, (Button(t(lang, "nav.back"), data=OpenMenu().data()),)))
