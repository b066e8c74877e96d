"""The confirm step (summary, exact price, balance after, edit any field), optional settings,
not enough money, and the notice that the job was submitted."""

from __future__ import annotations

import html

from flows.catalog.human import field_label, model_title
from flows.catalog.pricing import format_rub
from flows.catalog.types import ModelEntry
from flows.catalog.validate import is_set
from flows.menus.screens import back_to_menu_row
from flows.screens import Button, Screen
from flows.states import WizardSnapshot
from flows.texts import t
from flows.wizard import chart
from flows.wizard.charge import Charge
from flows.wizard.screens.common import error_line, nav_row, shown_value, visible_steps, wdata


def _edit_rows(entry: ModelEntry, snap: WizardSnapshot, lang: str, names: tuple[str, ...]) -> list[tuple]:
    order = chart.ask_order(entry) + chart.advanced_order(entry)
    buttons = [
        Button(
            t(lang, "review.edit", label=field_label(name, lang)), data=wdata(snap, "edit", order.index(name))
        )
        for name in names
    ]
    return [tuple(buttons[i : i + 2]) for i in range(0, len(buttons), 2)]


def review_screen(
    entry: ModelEntry,
    snap: WizardSnapshot,
    lang: str,
    enabled: frozenset[str],
    editable: tuple[str, ...],
    *,
    charge: Charge | None,
    problems: list[str],
) -> Screen:
    title = html.escape(model_title(entry.id, lang))
    lines = [t(lang, "review.title", title=title), ""]
    if snap.parent:
        # A follow-up action: which result it works on (its own fields from that result are not shown).
        lines[1:1] = [t(lang, "follow.review.parent", parent=snap.parent)]
    problem = error_line(snap, lang)
    if problem:
        lines += [problem, ""]
    props = entry.schema.properties
    shown = visible_steps(entry, snap.values)
    shown += [n for n in chart.advanced_order(entry) if is_set(snap.values.get(n))]
    for name in shown:
        lines.append(
            t(
                lang,
                "review.line",
                label=html.escape(field_label(name, lang)),
                value=shown_value(name, props[name], snap, lang),
            )
        )
    if shown:  # a follow-up may have nothing left to show: one blank line, not two
        lines.append("")
    rows: list[tuple[Button, ...]] = []
    if problems:
        lines.append(t(lang, "review.problems"))
        lines += [f"• {p}" for p in problems]
    elif charge is not None:
        launch = wdata(snap, "next")
        if charge.kind == "free":
            left = t(lang, "review.free_left", left=charge.free_left, quota=charge.free_quota)
            lines.append(t(lang, "review.price_free", left=left))
            label = t(lang, "review.launch_free")
        elif charge.kind == "admin":
            lines.append(t(lang, "review.price_free", left=t(lang, "review.admin_free")))
            label = t(lang, "review.launch_free")
        else:
            price = format_rub(charge.price_kopecks)
            lines.append(t(lang, "review.price", price=price))
            if charge.balance_kopecks is not None:
                after = format_rub(charge.balance_kopecks - charge.price_kopecks) if charge.enough else "—"
                lines.append(
                    t(lang, "review.balance", balance=format_rub(charge.balance_kopecks), after=after)
                )
            label = t(lang, "review.launch", price=price)
        if "next" in enabled:
            rows.append((Button(label, data=launch),))
    rows += _edit_rows(entry, snap, lang, editable)
    if "more" in enabled:
        rows.append((Button(t(lang, "review.more"), data=wdata(snap, "more")),))
    rows.append(nav_row(snap, lang, enabled - {"next"}))
    return Screen(text="\n".join(lines), buttons=tuple(rows))


def settings_screen(
    entry: ModelEntry, snap: WizardSnapshot, lang: str, enabled: frozenset[str], editable: tuple[str, ...]
) -> Screen:
    title = html.escape(model_title(entry.id, lang))
    lines = [t(lang, "settings.optional_title", title=title), ""]
    props = entry.schema.properties
    for name in chart.advanced_order(entry):
        lines.append(
            t(
                lang,
                "review.line",
                label=html.escape(field_label(name, lang)),
                value=shown_value(name, props[name], snap, lang),
            )
        )
    rows = _edit_rows(entry, snap, lang, editable)
    rows.append(nav_row(snap, lang, enabled))
    return Screen(text="\n".join(lines), buttons=tuple(rows))


def insufficient_screen(
    entry: ModelEntry, snap: WizardSnapshot, lang: str, enabled: frozenset[str], charge: Charge
) -> Screen:
    balance = charge.balance_kopecks or 0
    text = t(
        lang,
        "money.insufficient",
        missing=format_rub(charge.price_kopecks - balance),
        price=format_rub(charge.price_kopecks),
        balance=format_rub(balance),
    )
    rows: list[tuple[Button, ...]] = []
    if "topup" in enabled:
        rows.append((Button(t(lang, "money.topup"), data=wdata(snap, "topup")),))
    rows.append(
        (
            Button(t(lang, "nav.back"), data=wdata(snap, "back")),
            Button(t(lang, "nav.cancel"), data=wdata(snap, "cancel")),
        )
    )
    return Screen(text=f"<b>{html.escape(model_title(entry.id, lang))}</b>\n\n{text}", buttons=tuple(rows))


def eta_text(seconds: int, lang: str) -> str:
    if seconds <= 60:
        return t(lang, "eta.seconds")
    return t(lang, "eta.minutes", minutes=-(-seconds // 60))


def submitted_screen(entry: ModelEntry, snap: WizardSnapshot, lang: str) -> Screen:
    text = t(
        lang,
        "submitted.text",
        request_id=snap.request_id,
        title=html.escape(model_title(entry.id, lang)),
        eta=eta_text(entry.eta_seconds, lang),
    )
    return Screen(text=text, buttons=(back_to_menu_row(lang),))
