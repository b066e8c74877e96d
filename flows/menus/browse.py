"""Browsing the catalog: categories → a paged model list (price on each button) → the model card."""

from __future__ import annotations

from flows.catalog.human import model_title
from flows.catalog.pricing import card_price_text
from flows.catalog.types import ModelEntry
from flows.context import FlowContext
from flows.payloads.menus import OpenCategory, OpenFree, OpenMenu
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


def available_categories(ctx: FlowContext) -> list[tuple[str, str]]:
    """Only sections that have something to offer are shown."""
    if ctx.catalog is None:
        return []
    return [(kind, key) for kind, key in CATEGORIES if ctx.catalog.by_type(kind)]


def price_label(entry: ModelEntry, ctx: FlowContext) -> str:
    return card_price_text(ctx.book.price_summary(entry, ctx.policy))


def model_button(entry: ModelEntry, lang: str, ctx: FlowContext) -> Button:
    price = "🆓" if entry.free else price_label(entry, ctx)
    return Button(f"{model_title(entry.id, lang)} · {price}", data=card_data(entry))


def _paged(
    entries: list[ModelEntry], page: int, lang: str, ctx: FlowContext, make_data
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


def category_screen(model_type: str, page: int, lang: str, ctx: FlowContext) -> Screen:
    name_key = dict(CATEGORIES).get(model_type, "menu.tools")
    entries = ctx.catalog.by_type(model_type) if ctx.catalog else []
    rows, footer = _paged(entries, page, lang, ctx, lambda p: category_data(model_type, p))
    text = t(lang, "browse.category", name=f"<b>{t(lang, name_key)}</b>")
    if not entries:
        text += "\n\n" + t(lang, "browse.empty")
    if footer:
        text += f"\n{footer}"
    return Screen(text=text, buttons=(*rows, (Button(t(lang, "nav.back"), data=OpenMenu().data()),)))


def free_screen(page: int, lang: str, ctx: FlowContext) -> Screen:
    entries = ctx.catalog.free() if ctx.catalog else []
    rows, footer = _paged(entries, page, lang, ctx, lambda p: OpenFree(p).data())
    text = t(lang, "browse.free", quota=ctx.policy.free_daily_quota if ctx.policy else 0)
    if footer:
        text += f"\n{footer}"
    return Screen(text=text, buttons=(*rows, (Button(t(lang, "nav.back"), data=OpenMenu().data()),)))
