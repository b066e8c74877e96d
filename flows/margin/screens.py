"""The margin report's screen (operator's language) and the CSV export's document."""

from __future__ import annotations

import datetime as dt
import html
from typing import Any
from zoneinfo import ZoneInfo

from flows.catalog.pricing import cost_kopecks_per_credit
from flows.margin import export
from flows.margin.report import PERIODS, Figures, Report
from flows.payloads.margin import MarginCsv, MarginReport
from flows.payloads.money import AdminHome
from flows.screens import Button, Screen, SendDocument
from flows.texts import t
from flows.views import LedgerLine

MOSCOW = ZoneInfo("Europe/Moscow")
MAX_MODELS = 15  # lines by model on the screen (the CSV has everything)
MAX_TEXT = 4000  # Telegram's message limit is 4096


def amount(kopecks: int) -> str:
    """Rubles with two decimals: 1234 → "12,34"; −50 → "−0,50"."""
    whole, rest = divmod(abs(kopecks), 100)
    number = f"{whole:,}".replace(",", "\u00a0")
    return f"{'−' if kopecks < 0 else ''}{number},{rest:02d}"


def rub(kopecks: int) -> str:
    return f"{amount(kopecks)} ₽"


def days_label(lang: str, days: int) -> str:
    return t(lang, f"margin.days_{days}")


def today(now: dt.datetime) -> dt.date:
    return now.astimezone(MOSCOW).date()


def rate_text(policy: Any) -> str | None:
    """What one Kie credit costs the operator (no markup), e.g. "0,475"."""
    if policy is None:
        return None
    rate = cost_kopecks_per_credit(policy) / 100
    return f"{float(rate):.6f}".rstrip("0").rstrip(".").replace(".", ",")


def _summary(lang: str, report: Report) -> list[str]:
    total = report.total
    lines = [
        t(
            lang,
            "margin.revenue",
            revenue=rub(total.revenue),
            jobs=rub(total.revenue - report.chat_revenue),
            chat=rub(report.chat_revenue),
        ),
        t(lang, "margin.kie", kie=rub(total.kie), chat=rub(report.chat_kie)),
        t(lang, "margin.refunds", refunds=rub(total.refunds)),
        t(lang, "margin.margin", margin=rub(total.margin)),
        t(
            lang,
            "margin.bonuses",
            bonuses=rub(total.bonuses),
            free=total.free_runs,
            free_kie=rub(total.free_kie),
        ),
        t(lang, "margin.topups", topups=rub(total.topups), reversed=rub(total.topups_reversed)),
    ]
    if total.unpriced:
        lines.append(t(lang, "margin.unpriced", count=total.unpriced))
    return lines


def _line(lang: str, key: str, figures: Figures, **extra: object) -> str:
    return t(
        lang,
        key,
        revenue=amount(figures.revenue),
        kie=amount(figures.kie),
        refunds=amount(figures.refunds),
        margin=amount(figures.margin),
        bonuses=amount(figures.bonuses),
        **extra,
    )


def report_screen(lang: str, report: Report, now: dt.datetime, policy: Any = None) -> Screen:
    first, last = export.period(today(now), report.days)
    lines = [
        t(
            lang,
            "margin.title",
            days=days_label(lang, report.days),
            first=first.strftime("%d.%m"),
            last=last.strftime("%d.%m"),
        )
    ]
    if report.total.empty:
        lines.append(t(lang, "margin.empty"))
    else:
        lines += _summary(lang, report)
        rate = rate_text(policy)
        if rate is not None:
            lines.append(t(lang, "margin.rate", rate=rate))
        lines += ["", t(lang, "margin.by_day")]
        lines += [_line(lang, "margin.day_line", f, day=d.strftime("%d.%m")) for d, f in report.by_day]
        if report.by_model:
            lines += ["", t(lang, "margin.by_model")]
        for model in report.by_model[:MAX_MODELS]:
            figures = model.figures
            runs = (
                t(lang, "margin.free_runs", runs=figures.runs, free=figures.free_runs)
                if figures.free_runs
                else str(figures.runs)
            )
            name = ("💬 " if model.chat else "") + html.escape(model.model_id)
            lines.append(_line(lang, "margin.model_line", figures, model=name, runs=runs))
        if len(report.by_model) > MAX_MODELS:
            lines.append(t(lang, "margin.more", count=len(report.by_model) - MAX_MODELS))
    text = "\n".join(lines)
    if len(text) > MAX_TEXT:
        text = text[: MAX_TEXT - 1].rsplit("\n", 1)[0] + "\n…"
    return Screen(text=text, buttons=_buttons(lang, report.days))


def _buttons(lang: str, days: int) -> tuple[tuple[Button, ...], ...]:
    periods = tuple(
        Button(("• " if d == days else "") + days_label(lang, d), data=MarginReport(d).data())
        for d in PERIODS
    )
    return (
        periods,
        (Button(t(lang, "margin.csv_button", days=days_label(lang, days)), data=MarginCsv(days).data()),),
        (Button(t(lang, "admin.home"), data=AdminHome().data()),),
    )


def csv_document(
    chat_id: int, lang: str, days: int, lines: tuple[LedgerLine, ...], now: dt.datetime
) -> SendDocument:
    first, last = export.period(today(now), days)
    cut = len(lines) > export.MAX_ROWS
    lines = lines[: export.MAX_ROWS]
    caption = t(
        lang,
        "margin.csv_caption",
        first=first.strftime("%d.%m.%Y"),
        last=last.strftime("%d.%m.%Y"),
        count=len(lines),
    )
    if cut:
        caption += "\n" + t(lang, "margin.csv_cut", count=len(lines))
    return SendDocument(
        chat_id=chat_id,
        filename=export.filename(today(now), days),
        content=export.to_csv(lines),
        caption=caption,
    )
