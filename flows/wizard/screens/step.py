"""One input step: what is needed, a line of example, the value buttons and the navigation row."""

from __future__ import annotations

import html
import re
from typing import Any

from flows.catalog.human import enum_label, field_hint, field_label, model_example, model_title
from flows.catalog.limits import refused_options
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
from flows.screens import Button, Screen, grid
from flows.states import WizardSnapshot
from flows.texts import t
from flows.wizard import chart
from flows.wizard.chart import ENUM_PAGE
from flows.wizard.inputs import file_limits_text
from flows.wizard.screens.common import (
    MB,
    display_value,
    error_line,
    kinds_text,
    nav_row,
    visible_steps,
    wdata,
)


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


def step_screen(
    entry: ModelEntry,
    snap: WizardSnapshot,
    name: str,
    lang: str,
    enabled: frozenset[str],
    *,
    note: str | None = None,
) -> Screen:
    spec = entry.schema.properties[name]
    title = html.escape(model_title(entry.id, lang))
    steps = visible_steps(entry, snap.values)
    if chart.is_edit(snap.state) or name not in steps:
        header = t(lang, "step.header_edit", title=title)
    else:
        header = t(lang, "step.header", title=title, n=steps.index(name) + 1, total=len(steps))
    required = name in required_fields(entry, snap.values)
    lines = [header, ""]
    problem = error_line(snap, lang)
    if problem:
        lines += [problem, ""]
    elif note:
        lines += [note, ""]
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
    if not required and not is_set(snap.values.get(name)):
        lines.append(t(lang, "step.skip"))
    rows: list[tuple[Button, ...]] = []
    if isinstance(spec, EnumField) and "choose" in enabled:
        rows += _enum_rows(snap, name, spec, lang, enabled, hidden=refused_options(entry, snap.values, name))
    elif isinstance(spec, BooleanField) and "toggle" in enabled:
        current = snap.values.get(name)
        if current is None:
            current = bool(spec.default)
        mark = "🟢" if current else "⚪️"
        label = t(lang, "value.yes") if current else t(lang, "value.no")
        rows.append(
            (Button(t(lang, "step.toggle", mark=mark, label=label.capitalize()), data=wdata(snap, "toggle")),)
        )
    elif isinstance(spec, FileListField) and "clear" in enabled:
        rows.append((Button(t(lang, "step.clear_files"), data=wdata(snap, "clear")),))
    rows.append(nav_row(snap, lang, enabled))
    return Screen(text="\n".join(lines), buttons=tuple(rows))


# (label length up to, buttons a row): ratios and resolutions 4 a row, words 3 or 2, phrases 1.
OPTION_GRID = ((5, 4), (9, 3), (18, 2))
_RATIO_LABEL = re.compile(r"^(\d+:\d+) · ")


def option_label(name: str, value: Any, lang: str) -> str:
    """An option's button: a frame ratio reads as the ratio alone ("16:9"; the step's hint and the
    confirm step say what it means), anything else as its full label."""
    label = enum_label(name, value, lang)
    ratio = _RATIO_LABEL.match(label)
    return ratio.group(1) if ratio else label


def enum_page_of(snap: WizardSnapshot, name: str, spec: EnumField) -> int:
    """The page shown: the one the user turned to, else the one holding the current value."""
    if snap.enum_page is not None and snap.enum_page[0] == name:
        return snap.enum_page[1]
    current: Any = snap.values.get(name, spec.default)
    values = [str(v) for v in spec.values]
    return values.index(str(current)) // ENUM_PAGE if current is not None and str(current) in values else 0


def _enum_rows(
    snap: WizardSnapshot,
    name: str,
    spec: EnumField,
    lang: str,
    enabled: frozenset[str],
    hidden: frozenset[int] = frozenset(),
) -> list[tuple[Button, ...]]:
    """`hidden`: options that would complete a combination Kie refuses (not offered; indexes stay global)."""
    current = snap.values.get(name, spec.default)
    pages = -(-len(spec.values) // ENUM_PAGE)
    page = min(max(enum_page_of(snap, name, spec), 0), pages - 1)
    first = page * ENUM_PAGE
    shown = [(i, v) for i, v in list(enumerate(spec.values))[first : first + ENUM_PAGE] if i not in hidden]
    labels = [option_label(name, value, lang) for _, value in shown]
    buttons = [
        Button(
            ("• " if current is not None and str(value) == str(current) else "") + label,
            data=wdata(snap, "choose", index),
        )
        for (index, value), label in zip(shown, labels, strict=True)
    ]
    rows = grid(buttons, widths=OPTION_GRID, measure=labels)
    if pages > 1 and "page" in enabled:
        turn = []
        if page > 0:
            turn.append(Button(t(lang, "browse.prev"), data=wdata(snap, "page", page - 1)))
        if page + 1 < pages:
            turn.append(Button(t(lang, "browse.next"), data=wdata(snap, "page", page + 1)))
        rows.append(tuple(turn))
    return rows
