"""Wizard screens as data: the model card, one input step, the review (confirm), optional settings,
and the "submitted" notice. Pure functions of the catalog entry and the snapshot."""

from __future__ import annotations

import html
from typing import Any, Literal

import msgspec

from flows.catalog.human import (
    enum_label,
    field_hint,
    field_label,
    model_description,
    model_example,
    model_title,
)
from flows.catalog.limits import refused_options
from flows.catalog.pricing import card_price_text, format_rub, price_summary
from flows.catalog.types import (
    BooleanField,
    EnumField,
    Field,
    FileField,
    FileListField,
    IntegerField,
    ModelEntry,
    NumberField,
    TextField,
    UrlField,
)
from flows.catalog.validate import field_default, is_set, required_fields
from flows.context import FlowContext
from flows.incoming import AccountView
from flows.screens import Button, Screen
from flows.texts import t
from flows.wizard import chart
from flows.wizard.inputs import file_limits_text
from flows.wizard.snapshot import WizardSnapshot, telegram_file_id

MB = 1024 * 1024
SUMMARY_VALUE_CHARS = 80


def wdata(snap: WizardSnapshot, event: str, arg: object | None = None) -> str:
    """Callback data of a wizard button: the snapshot version makes old buttons recognisably stale."""
    return f"w{snap.version}:{event}" if arg is None else f"w{snap.version}:{event}:{arg}"


def nav_row(snap: WizardSnapshot, lang: str, *, can_continue: bool, continue_text: str | None = None):
    row = [
        Button(t(lang, "nav.back"), data=wdata(snap, "back")),
        Button(t(lang, "nav.cancel"), data=wdata(snap, "cancel")),
    ]
    if can_continue:
        row.append(Button(continue_text or t(lang, "nav.continue"), data=wdata(snap, "next")))
    return tuple(row)


def kinds_text(accept: tuple[str, ...], lang: str) -> str:
    return t(lang, "kind.or").join(t(lang, f"kind.{kind}") for kind in accept)


def display_value(name: str, spec: Field, value: Any, lang: str) -> str:
    if isinstance(spec, BooleanField):
        return t(lang, "value.yes") if value else t(lang, "value.no")
    if isinstance(spec, EnumField):
        return html.escape(enum_label(name, value, lang))
    if isinstance(spec, FileListField):
        return t(lang, "value.files", count=len(value or ()))
    if isinstance(spec, FileField):
        return kinds_text(spec.accept, lang) if telegram_file_id(value) else t(lang, "value.link")
    text = str(value)
    if len(text) > SUMMARY_VALUE_CHARS:
        text = text[: SUMMARY_VALUE_CHARS - 1] + "…"
    return html.escape(text)


def shown_value(name: str, spec: Field, snap: WizardSnapshot, lang: str) -> str:
    value = snap.values.get(name)
    if is_set(value) or isinstance(spec, BooleanField) and value is not None:
        return display_value(name, spec, value, lang)
    default = field_default(spec)
    if default is not None:
        return t(lang, "value.default", value=display_value(name, spec, default, lang))
    return t(lang, "value.not_set")


def error_line(snap: WizardSnapshot, lang: str) -> str | None:
    if not snap.error:
        return None
    return "⚠️ " + t(lang, f"error.{snap.error}", **snap.error_params)


# --- model card -------------------------------------------------------------------------------------


def card_screen(
    entry: ModelEntry,
    snap: WizardSnapshot,
    lang: str,
    ctx: FlowContext,
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
    price = card_price_text(price_summary(entry, ctx.policy))
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
    buttons = (
        (Button(t(lang, "card.launch"), data=wdata(snap, "next")),),
        (
            Button(t(lang, "nav.back"), data=wdata(snap, "back")),
            Button(t(lang, "nav.cancel"), data=wdata(snap, "cancel")),
        ),
    )
    return Screen(text="\n\n".join(parts), buttons=buttons)


# --- input step --------------------------------------------------------------------------------------


def visible_steps(entry: ModelEntry, values: dict[str, Any]) -> list[str]:
    model = chart.WizardModel(entry, values, chart.CARD)
    return [name for name in chart.ask_order(entry) if not model.is_hidden(name)]


def _constraint(spec: Field, lang: str) -> str | None:
    if isinstance(spec, TextField) and spec.max_length and spec.min_length and spec.min_length > 1:
        return t(lang, "step.limit_text_range", min=spec.min_length, max=spec.max_length)
    if isinstance(spec, TextField) and spec.max_length:
        return t(lang, "step.limit_text", max=spec.max_length)
    if isinstance(spec, FileField | FileListField):
        return file_limits_text(spec, lang)
    if isinstance(spec, IntegerField | NumberField) and spec.minimum is not None and spec.maximum is not None:
        low, high = (_num(spec.minimum), _num(spec.maximum))
        return t(lang, "step.range", min=low, max=high)
    return None


def _num(value: float | int) -> str:
    return str(int(value)) if float(value).is_integer() else str(value).replace(".", ",")


def _action(spec: Field, lang: str) -> str:
    if isinstance(spec, EnumField):
        return t(lang, "step.do_choose")
    if isinstance(spec, BooleanField):
        return t(lang, "step.do_toggle")
    if isinstance(spec, IntegerField | NumberField):
        return t(lang, "step.do_number")
    if isinstance(spec, FileField):
        return t(lang, "step.do_file", kinds=kinds_text(spec.accept, lang), max_mb=spec.max_bytes // MB)
    if isinstance(spec, FileListField):
        return t(lang, "step.do_files", kinds=kinds_text(spec.accept, lang), max_items=spec.max_items or "∞")
    if isinstance(spec, UrlField):
        return t(lang, "step.do_url")
    return t(lang, "step.do_text")


def _example_value(entry: ModelEntry, name: str, lang: str) -> str | None:
    if name == "prompt":
        # The card's example is written for people, in their language.
        example = model_example(entry.id, lang)
        if example:
            return html.escape(example)
    for example in entry.examples:
        value = example.get(name)
        if isinstance(value, str) and value and not value.startswith("http"):
            return html.escape(value if len(value) <= 160 else value[:159] + "…")
    return None


def step_screen(entry: ModelEntry, snap: WizardSnapshot, name: str, lang: str) -> Screen:
    spec = entry.schema.properties[name]
    title = html.escape(model_title(entry.id, lang))
    steps = visible_steps(entry, snap.values)
    if snap.editing or name not in steps:
        header = t(lang, "step.header_edit", title=title)
    else:
        header = t(lang, "step.header", title=title, n=steps.index(name) + 1, total=len(steps))
    required = name in required_fields(entry, snap.values)
    lines = [header, ""]
    problem = error_line(snap, lang)
    if problem:
        lines += [problem, ""]
    tag = t(lang, "step.required") if required else t(lang, "step.optional")
    lines.append(f"<b>{html.escape(field_label(name, lang))}</b> · {tag}")
    hint = field_hint(name, lang)
    if hint:
        lines.append(html.escape(hint))
    constraint = _constraint(spec, lang)
    if constraint:
        lines.append(constraint)
    if isinstance(spec, FileListField):
        count = len(snap.values.get(name) or ())
        key = "step.files_count" if spec.max_items else "step.files_count_open"
        lines.append(t(lang, key, count=count, max=spec.max_items))
    elif not isinstance(spec, EnumField | BooleanField):
        value = snap.values.get(name)
        if is_set(value):
            lines.append(t(lang, "step.current", value=display_value(name, spec, value, lang)))
        elif field_default(spec) is not None:
            lines.append(t(lang, "step.default", value=display_value(name, spec, field_default(spec), lang)))
    example = _example_value(entry, name, lang)
    if example and isinstance(spec, TextField):
        lines.append(t(lang, "step.example", example=example))
    lines.append("")
    lines.append(_action(spec, lang))
    model = chart.WizardModel(entry, snap.values, snap.state, snap.editing)
    can_continue = model.can_continue(name)
    if not required and not is_set(snap.values.get(name)):
        lines.append(t(lang, "step.skip"))
    rows: list[tuple[Button, ...]] = []
    if isinstance(spec, EnumField):
        rows += _enum_rows(snap, name, spec, lang, hidden=refused_options(entry, snap.values, name))
    elif isinstance(spec, BooleanField):
        current = snap.values.get(name)
        if current is None:
            current = bool(spec.default)
        mark = "🟢" if current else "⚪️"
        label = t(lang, "value.yes") if current else t(lang, "value.no")
        rows.append(
            (Button(t(lang, "step.toggle", mark=mark, label=label.capitalize()), data=wdata(snap, "tog")),)
        )
    elif isinstance(spec, FileListField) and snap.values.get(name):
        rows.append((Button(t(lang, "step.clear_files"), data=wdata(snap, "clr")),))
    rows.append(nav_row(snap, lang, can_continue=can_continue))
    return Screen(text="\n".join(lines), buttons=tuple(rows))


ENUM_PAGE = 18  # options per screen; longer lists (e.g. 67 voices) are paged


def enum_page_of(snap: WizardSnapshot, name: str, spec: EnumField) -> int:
    """The page shown: the one the user turned to, else the one holding the current value."""
    if snap.enum_page is not None and snap.enum_page[0] == name:
        return snap.enum_page[1]
    current = snap.values.get(name, spec.default)
    values = [str(v) for v in spec.values]
    return values.index(str(current)) // ENUM_PAGE if current is not None and str(current) in values else 0


def _enum_rows(
    snap: WizardSnapshot, name: str, spec: EnumField, lang: str, hidden: frozenset[int] = frozenset()
) -> list[tuple[Button, ...]]:
    """`hidden`: options that would complete a combination Kie refuses (not offered; indexes stay global)."""
    current = snap.values.get(name, spec.default)
    pages = -(-len(spec.values) // ENUM_PAGE)
    page = min(max(enum_page_of(snap, name, spec), 0), pages - 1)
    first = page * ENUM_PAGE
    shown = [(i, v) for i, v in list(enumerate(spec.values))[first : first + ENUM_PAGE] if i not in hidden]
    labels = [enum_label(name, value, lang) for _, value in shown]
    longest = max(len(label) for label in labels)
    per_row = 3 if longest <= 8 else 2 if longest <= 16 else 1
    buttons = [
        Button(
            ("• " if current is not None and str(value) == str(current) else "") + label,
            data=wdata(snap, "set", index),
        )
        for (index, value), label in zip(shown, labels, strict=True)
    ]
    rows = [tuple(buttons[i : i + per_row]) for i in range(0, len(buttons), per_row)]
    if pages > 1:
        turn = []
        if page > 0:
            turn.append(Button(t(lang, "browse.prev"), data=wdata(snap, "pg", page - 1)))
        if page + 1 < pages:
            turn.append(Button(t(lang, "browse.next"), data=wdata(snap, "pg", page + 1)))
        rows.append(tuple(turn))
    return rows


# --- review (confirm) and optional settings ----------------------------------------------------------


class Charge(msgspec.Struct, frozen=True):
    """How a run is paid: from the balance, from today's free quota, or an admin's run (both free)."""

    price_kopecks: int
    kind: Literal["paid", "free", "admin"] = "paid"
    balance_kopecks: int | None = None
    free_left: int = 0
    free_quota: int = 0

    @property
    def charged_kopecks(self) -> int:
        return self.price_kopecks if self.kind == "paid" else 0

    @property
    def enough(self) -> bool:
        return self.balance_kopecks is None or self.balance_kopecks >= self.charged_kopecks


def review_screen(
    entry: ModelEntry,
    snap: WizardSnapshot,
    lang: str,
    *,
    charge: Charge | None,
    problems: list[str],
) -> Screen:
    title = html.escape(model_title(entry.id, lang))
    lines = [t(lang, "review.title", title=title), ""]
    problem = error_line(snap, lang)
    if problem:
        lines += [problem, ""]
    props = entry.schema.properties
    steps = visible_steps(entry, snap.values)
    shown = steps + [n for n in chart.advanced_order(entry) if is_set(snap.values.get(n))]
    for name in shown:
        lines.append(
            t(
                lang,
                "review.line",
                label=html.escape(field_label(name, lang)),
                value=shown_value(name, props[name], snap, lang),
            )
        )
    lines.append("")
    rows: list[tuple[Button, ...]] = []
    if problems:
        lines.append(t(lang, "review.problems"))
        lines += [f"• {p}" for p in problems]
    elif charge is not None:
        if charge.kind == "free":
            left = t(lang, "review.free_left", left=charge.free_left, quota=charge.free_quota)
            lines.append(t(lang, "review.price_free", left=left))
            rows.append((Button(t(lang, "review.launch_free"), data=wdata(snap, "next")),))
        elif charge.kind == "admin":
            lines.append(t(lang, "review.price_free", left=t(lang, "review.admin_free")))
            rows.append((Button(t(lang, "review.launch_free"), data=wdata(snap, "next")),))
        else:
            price = format_rub(charge.price_kopecks)
            lines.append(t(lang, "review.price", price=price))
            if charge.balance_kopecks is not None:
                after = format_rub(charge.balance_kopecks - charge.price_kopecks) if charge.enough else "—"
                lines.append(
                    t(lang, "review.balance", balance=format_rub(charge.balance_kopecks), after=after)
                )
            rows.append((Button(t(lang, "review.launch", price=price), data=wdata(snap, "next")),))
    order = chart.ask_order(entry)
    edit_buttons = [
        Button(
            t(lang, "review.edit", label=field_label(name, lang)), data=wdata(snap, "edit", order.index(name))
        )
        for name in steps
    ]
    rows += [tuple(edit_buttons[i : i + 2]) for i in range(0, len(edit_buttons), 2)]
    if chart.advanced_order(entry):
        rows.append((Button(t(lang, "review.more"), data=wdata(snap, "more")),))
    rows.append(nav_row(snap, lang, can_continue=False))
    return Screen(text="\n".join(lines), buttons=tuple(rows))


def settings_screen(entry: ModelEntry, snap: WizardSnapshot, lang: str) -> Screen:
    title = html.escape(model_title(entry.id, lang))
    lines = [t(lang, "settings.optional_title", title=title), ""]
    props = entry.schema.properties
    advanced = chart.advanced_order(entry)
    order = chart.ask_order(entry) + advanced
    for name in advanced:
        lines.append(
            t(
                lang,
                "review.line",
                label=html.escape(field_label(name, lang)),
                value=shown_value(name, props[name], snap, lang),
            )
        )
    buttons = [
        Button(
            t(lang, "review.edit", label=field_label(name, lang)), data=wdata(snap, "edit", order.index(name))
        )
        for name in advanced
    ]
    rows = [tuple(buttons[i : i + 2]) for i in range(0, len(buttons), 2)]
    rows.append(nav_row(snap, lang, can_continue=True))
    return Screen(text="\n".join(lines), buttons=tuple(rows))


def insufficient_screen(entry: ModelEntry, snap: WizardSnapshot, lang: str, charge: Charge) -> Screen:
    from flows import menus

    balance = charge.balance_kopecks or 0
    text = t(
        lang,
        "money.insufficient",
        missing=format_rub(charge.price_kopecks - balance),
        price=format_rub(charge.price_kopecks),
        balance=format_rub(balance),
    )
    return Screen(
        text=f"<b>{html.escape(model_title(entry.id, lang))}</b>\n\n{text}",
        buttons=(
            (Button(t(lang, "money.topup"), data=menus.TOPUP),),
            (
                Button(t(lang, "nav.back"), data=wdata(snap, "show")),
                Button(t(lang, "nav.cancel"), data=wdata(snap, "cancel")),
            ),
        ),
    )


def eta_text(seconds: int, lang: str) -> str:
    if seconds <= 60:
        return t(lang, "eta.seconds")
    return t(lang, "eta.minutes", minutes=-(-seconds // 60))


def submitted_screen(entry: ModelEntry, snap: WizardSnapshot, lang: str) -> Screen:
    from flows import menus

    text = t(
        lang,
        "submitted.text",
        request_id=snap.request_id,
        title=html.escape(model_title(entry.id, lang)),
        eta=eta_text(entry.eta_seconds, lang),
    )
    return Screen(text=text, buttons=(menus.back_to_menu_row(lang),))
