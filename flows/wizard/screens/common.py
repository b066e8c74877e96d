"""What every wizard screen shares: button data, the navigation row, how values read."""

from __future__ import annotations

import html
from typing import Any

from flows.catalog.human import enum_label
from flows.catalog.types import BooleanField, EnumField, Field, FileField, FileListField, ModelEntry
from flows.catalog.validate import field_default, hidden_fields, is_set
from flows.files import telegram_file_id
from flows.payloads.wizard import WizardButton, WizardEvent
from flows.screens import Button
from flows.states import WizardSnapshot
from flows.texts import t
from flows.wizard import chart

MB = 1024 * 1024
SUMMARY_VALUE_CHARS = 80


def wdata(snap: WizardSnapshot, event: WizardEvent, arg: int | None = None) -> str:
    """Callback data of a wizard button: the snapshot version makes old buttons recognisably stale."""
    return WizardButton(snap.version, event, arg).data()


def nav_row(snap: WizardSnapshot, lang: str, enabled: frozenset[str], *, continue_text: str | None = None):
    """⬅️ Назад · ❌ Отмена · ✅ Продолжить — continue only when the chart lets the user go on."""
    row = [
        Button(t(lang, "nav.back"), data=wdata(snap, "back")),
        Button(t(lang, "nav.cancel"), data=wdata(snap, "cancel")),
    ]
    if "next" in enabled:
        row.append(Button(continue_text or t(lang, "nav.continue"), data=wdata(snap, "next")))
    return tuple(row)


def visible_steps(entry: ModelEntry, values: dict[str, Any]) -> list[str]:
    hidden = hidden_fields(entry, values)
    return [name for name in chart.ask_order(entry) if name not in hidden]


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
