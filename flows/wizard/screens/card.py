"""The Model Card: name, what it does, price in ₽, an example, 🚀 Запустить."""

from __future__ import annotations

import html

from flows.catalog.human import model_description, model_example, model_title
from flows.catalog.pricing import card_price_text
from flows.catalog.types import ModelEntry
from flows.context import FlowContext
from flows.incoming import AccountView
from flows.screens import Button, Screen
from flows.states import WizardSnapshot
from flows.texts import t
from flows.wizard import chart
from flows.wizard.screens.common import wdata
from flows.wizard.subject import description_field, takes_photo


def card_screen(
    entry: ModelEntry,
    snap: WizardSnapshot,
    lang: str,
    ctx: FlowContext,
    enabled: frozenset[str],
    *,
    note: str | None = None,
    account: AccountView | None = None,
) -> Screen:
    parts = []
    if note:
        parts.append(note)
    parts.append(f"<b>{html.escape(model_title(entry.id, lang))}</b>")
    description = model_description(entry.id, lang)
    if description:
        parts.append(html.escape(description))
    price = card_price_text(ctx.book.price_summary(entry, ctx.policy), lang)
    parts.append(t(lang, "card.price", price=price))
    if entry.free and ctx.policy is not None and ctx.policy.free_daily_quota > 0:
        if account is not None:
            parts.append(t(lang, "card.free_today", left=account.free_left, quota=account.free_quota))
        else:
            parts.append(t(lang, "card.free", quota=ctx.policy.free_daily_quota))
    example = model_example(entry.id, lang)
    if example:
        parts.append(t(lang, "card.example", example=html.escape(example)))
    steps = len(chart.ask_order(entry))
    if steps:
        parts.append(t(lang, "card.steps", count=steps))
    shortcut = _shortcut(entry, ctx, lang)
    if shortcut:
        parts.append(shortcut)
    rows: list[tuple[Button, ...]] = []
    if "next" in enabled:
        rows.append((Button(t(lang, "card.launch"), data=wdata(snap, "next")),))
    rows.append(
        (
            Button(t(lang, "nav.back"), data=wdata(snap, "back")),
            Button(t(lang, "nav.cancel"), data=wdata(snap, "cancel")),
        )
    )
    return Screen(text="\n\n".join(parts), buttons=tuple(rows))


def _shortcut(entry: ModelEntry, ctx: FlowContext, lang: str) -> str | None:
    """What may be sent on the card instead of tapping through (flows/wizard/photo_first.py)."""
    catalog = ctx.catalog
    partner_id = catalog.families.image_variant(entry.id) if catalog is not None else None
    partner = catalog.get(partner_id) if partner_id else None
    if partner is not None and partner.enabled:
        return t(lang, "card.pair", image_title=html.escape(model_title(partner.id, lang)))
    photo = takes_photo(entry)
    if description_field(entry, {}) is None:
        return t(lang, "card.shortcut_file") if photo else None
    return t(lang, "card.shortcut_photo" if photo else "card.shortcut_text")
