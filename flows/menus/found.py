"""What a search shows: up to 8 buttons (a family opens its versions, a model its card), or — when
nothing matches — a short note and the sections, so the user always has a next step. Inline mode
answers with the same search as articles that open a model's card (`/start m-<slug>`)."""

from __future__ import annotations

import html

from flows.catalog.follow_ups import is_follow_up, listed
from flows.catalog.human import model_description, model_title
from flows.catalog.types import ModelEntry
from flows.context import FlowContext
from flows.menus import browse, sections
from flows.menus.search import Hit
from flows.payloads.menus import OpenFamily
from flows.screens import Button, InlineArticle, Screen
from flows.texts import t

MAX_BUTTONS = 8
MAX_ARTICLES = 20
SHOWN_QUERY = 48
ARTICLE_DESCRIPTION = 120


def _hits(query: str, ctx: FlowContext) -> list[Hit]:
    if ctx.catalog is None:
        return []
    return ctx.book.search_index(ctx.catalog).search(query)


def found_screen(query: str, lang: str, ctx: FlowContext, *, menu_row: tuple[Button, ...]) -> Screen:
    buttons: list[Button] = []
    unavailable: list[str] = []
    for hit in _hits(query, ctx):
        if len(buttons) == MAX_BUTTONS:
            break
        if hit.family is not None:
            family = hit.family
            if sections.shown_versions(family, ctx):
                title = family.title.get(lang)
                price = sections.family_price(family, lang, ctx)
                buttons.append(
                    Button(
                        t(lang, "search.family", title=title, price=price), data=OpenFamily(family.id).data()
                    )
                )
            else:
                unavailable.append(family.title.get(lang))
        elif hit.entry is not None and not is_follow_up(hit.entry):
            if hit.entry.enabled:
                buttons.append(browse.model_button(hit.entry, lang, ctx))
            else:
                unavailable.append(model_title(hit.entry.id, lang))
    shown = html.escape(" ".join(query.split())[:SHOWN_QUERY])
    if buttons:
        rows = [(b,) for b in buttons]
        return Screen(text=t(lang, "search.found", query=shown), buttons=(*rows, menu_row))
    text = t(lang, "search.none", query=shown)
    if unavailable:
        text = t(lang, "search.unavailable", title=html.escape(unavailable[0])) + "\n\n" + text
    categories = [
        Button(t(lang, key), data=browse.category_data(kind))
        for kind, key in browse.available_categories(ctx)
    ]
    rows = [tuple(categories[i : i + 2]) for i in range(0, len(categories), 2)]
    return Screen(text=text, buttons=(*rows, menu_row))


def inline_models(query: str, ctx: FlowContext) -> list[ModelEntry]:
    """The enabled models a query finds (a family stands for its versions); an empty query lists the
    curated popular models of every section."""
    catalog = ctx.catalog
    if catalog is None:
        return []
    found: list[ModelEntry] = []

    def add(entry: ModelEntry | None) -> None:
        if entry is not None and listed(entry) and entry not in found:
            found.append(entry)

    if not query.strip():
        for kind, _ in browse.CATEGORIES:
            for model_id in catalog.families.curated_popular(kind):
                add(catalog.get(model_id))
        return found[:MAX_ARTICLES]
    for hit in _hits(query, ctx):
        if hit.family is not None:
            for _, entries in sections.shown_versions(hit.family, ctx):
                add(entries[0])
        else:
            add(hit.entry)
        if len(found) >= MAX_ARTICLES:
            break
    return found[:MAX_ARTICLES]


def article(entry: ModelEntry, lang: str, ctx: FlowContext) -> InlineArticle:
    title = model_title(entry.id, lang)
    price = "🆓" if entry.free else browse.price_label(entry, lang, ctx)
    description = model_description(entry.id, lang)
    short = (
        description
        if len(description) <= ARTICLE_DESCRIPTION
        else description[: ARTICLE_DESCRIPTION - 1] + "…"
    )
    text = t(
        lang,
        "inline.text",
        title=html.escape(title),
        description=html.escape(description),
        price=price,
    )
    return InlineArticle(
        id=entry.slug,
        title=f"{title} · {price}",
        description=short,
        text=text,
        button=t(lang, "inline.button"),
        start=f"m-{entry.slug}",
    )
