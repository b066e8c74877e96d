"""A section's screen (⭐ Популярное, then its families with their cheapest price and what they are
best for), a family's screen (its versions and modes), and ⭐ Популярное. Families, their order and
the curated popular lists are catalog data (flows/catalog/data/families.json)."""

from __future__ import annotations

import html
from collections.abc import Sequence

from flows.catalog.families import MAX_POPULAR, Family, Version
from flows.catalog.follow_ups import listed
from flows.catalog.human import model_title
from flows.catalog.pricing import format_rub, from_price
from flows.catalog.types import ModelEntry
from flows.context import FlowContext
from flows.menus import browse
from flows.payloads.menus import OpenFamily, OpenMenu, OpenModelList, OpenPopular
from flows.payloads.wizard import OpenCard
from flows.screens import Button, Screen, grid
from flows.texts import t

# (longest label, buttons per row): family names are short, two a row keeps the screen compact.
FAMILY_GRID = ((24, 2),)


def _entries(version: Version, ctx: FlowContext) -> list[ModelEntry]:
    entries = (ctx.catalog.get(model_id) for model_id in version.models)
    return [e for e in entries if e is not None and listed(e)]


def shown_versions(family: Family, ctx: FlowContext) -> list[tuple[Version, list[ModelEntry]]]:
    """The versions with an enabled model, each with its enabled models (a pair with one variant
    switched off reads as that one model)."""
    out = []
    for version in family.versions:
        entries = _entries(version, ctx)
        if entries:
            out.append((version, entries))
    return out


def shown_families(section: str, ctx: FlowContext) -> list[Family]:
    if ctx.catalog is None:
        return []
    return [f for f in ctx.catalog.families.in_section(section) if shown_versions(f, ctx)]


def _price(entries: Sequence[ModelEntry], lang: str, ctx: FlowContext) -> str:
    """The lowest price among `entries`: "12 ₽" when it is the only one, else "от 12 ₽"."""
    summaries = [ctx.book.price_summary(e, ctx.policy) for e in entries]
    lowest = min(s.min_kopecks for s in summaries)
    varies = any(s.varies for s in summaries) or len({s.min_kopecks for s in summaries}) > 1
    return from_price(lowest, lang) if varies else format_rub(lowest)


def family_price(family: Family, lang: str, ctx: FlowContext) -> str:
    entries = [e for _, found in shown_versions(family, ctx) for e in found]
    price = _price(entries, lang, ctx)
    return f"{price} · 🆓" if any(e.free for e in entries) else price


def section_screen(section: str, lang: str, ctx: FlowContext) -> Screen:
    families = shown_families(section, ctx)
    if not families:
        # A catalog without families (or a section without any): the flat list, as before.
        return browse.model_list_screen(section, 0, lang, ctx)
    name = browse.section_name(section, lang)
    lines = [t(lang, "section.title", name=f"<b>{name}</b>"), ""]
    buttons = []
    for family in families:
        title = family.title.get(lang)
        price = family_price(family, lang, ctx)
        lines.append(
            t(
                lang,
                "section.line",
                title=html.escape(title),
                price=price,
                best_for=html.escape(family.best_for.get(lang)),
            )
        )
        buttons.append(Button(title, data=OpenFamily(family.id).data()))
    rows: list[tuple[Button, ...]] = [
        (Button(t(lang, "section.popular"), data=OpenPopular(section).data()),),  # type: ignore[arg-type]
        *grid(buttons, widths=FAMILY_GRID),
        (Button(t(lang, "section.all_models"), data=OpenModelList(section).data()),),  # type: ignore[arg-type]
        (Button(t(lang, "nav.back"), data=OpenMenu().data()),),
    ]
    return Screen(text="\n".join(lines), buttons=tuple(rows))


def _version_button(version: Version, entries: list[ModelEntry], lang: str, ctx: FlowContext) -> Button:
    main = entries[0]
    paired = len(entries) == 2 and version.text is not None
    title = model_title(main.id, lang)
    if paired:
        price = "🆓" if any(e.free for e in entries) else _price(entries, lang, ctx)
        label = f"{title} · ✍️/📷 · {price}"
    else:
        label = f"{title} · {'🆓' if main.free else browse.price_label(main, lang, ctx)}"
    return Button(label, data=OpenCard(main.slug).data())


def family_screen(family: Family, lang: str, ctx: FlowContext) -> Screen:
    versions = shown_versions(family, ctx)
    lines = [
        t(
            lang,
            "family.title",
            title=html.escape(family.title.get(lang)),
            best_for=html.escape(family.best_for.get(lang)),
        )
    ]
    if any(len(entries) == 2 for _, entries in versions):
        lines.append(t(lang, "family.pair_note"))
    rows: list[tuple[Button, ...]] = [
        (_version_button(version, entries, lang, ctx),) for version, entries in versions
    ]
    section = family.section
    rows.append((Button(t(lang, "section.all_models"), data=OpenModelList(section).data()),))
    rows.append(
        (
            Button(t(lang, "nav.back"), data=browse.category_data(section)),
            Button(t(lang, "menu.back_to_menu"), data=OpenMenu().data()),
        )
    )
    return Screen(text="\n\n".join(lines), buttons=tuple(rows))


def popular_models(section: str, ranking: Sequence[str], ctx: FlowContext) -> tuple[list[ModelEntry], bool]:
    """The section's most run models of the last 7 days (`ranking`: model ids, most runs first, all
    sections), topped up from the curated list; and whether any come from runs."""
    catalog = ctx.catalog
    if catalog is None:
        return [], False
    chosen: list[ModelEntry] = []
    for model_id in ranking:
        entry = catalog.get(model_id)
        if entry is not None and listed(entry) and entry.type == section and entry not in chosen:
            chosen.append(entry)
        if len(chosen) == MAX_POPULAR:
            return chosen, True
    counted = bool(chosen)
    for model_id in catalog.families.curated_popular(section):
        entry = catalog.get(model_id)
        if entry is not None and listed(entry) and entry not in chosen and len(chosen) < MAX_POPULAR:
            chosen.append(entry)
    return chosen, counted


def popular_screen(section: str, ranking: Sequence[str], lang: str, ctx: FlowContext) -> Screen:
    entries, counted = popular_models(section, ranking, ctx)
    name = browse.section_name(section, lang)
    key = "popular.title_runs" if counted else "popular.title_curated"
    rows: list[tuple[Button, ...]] = [(browse.model_button(e, lang, ctx),) for e in entries]
    rows.append(
        (
            Button(t(lang, "nav.back"), data=browse.category_data(section)),
            Button(t(lang, "menu.back_to_menu"), data=OpenMenu().data()),
        )
    )
    return Screen(text=t(lang, key, name=name), buttons=tuple(rows))
