"""The margin report's figures: the rows of one query (persistence/margin.py) summed per day, per model
and in total. Pure: every amount is integer kopecks; margin = revenue − refunds − Kie cost."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

import msgspec

from flows.views import MarginRow

PERIODS = (1, 7, 30)


class Figures(msgspec.Struct, frozen=True):
    revenue: int = 0
    kie: int = 0
    refunds: int = 0
    bonuses: int = 0
    runs: int = 0
    free_runs: int = 0
    free_kie: int = 0
    unpriced: int = 0
    topups: int = 0
    topups_reversed: int = 0

    @property
    def margin(self) -> int:
        return self.revenue - self.refunds - self.kie

    @property
    def empty(self) -> bool:
        return self == Figures()


def _add(a: Figures, row: MarginRow) -> Figures:
    return Figures(
        revenue=a.revenue + row.revenue,
        kie=a.kie + row.kie_kopecks,
        refunds=a.refunds + row.refunds,
        bonuses=a.bonuses + row.bonuses,
        runs=a.runs + row.runs,
        free_runs=a.free_runs + row.free_runs,
        free_kie=a.free_kie + row.free_kie_kopecks,
        unpriced=a.unpriced + row.unpriced,
        topups=a.topups + row.topups,
        topups_reversed=a.topups_reversed + row.topups_reversed,
    )


class ModelLine(msgspec.Struct, frozen=True):
    model_id: str
    chat: bool  # a 💬 Тексты model (revenue of text answers)
    figures: Figures


class Report(msgspec.Struct, frozen=True):
    days: int
    by_day: tuple[tuple[dt.date, Figures], ...]  # only days with any money, oldest first
    by_model: tuple[ModelLine, ...]  # most revenue first, then most Kie cost
    total: Figures
    chat_revenue: int  # part of total.revenue: text answers
    chat_kie: int  # part of total.kie: text answers


def build(days: int, rows: Iterable[MarginRow]) -> Report:
    per_day: dict[dt.date, Figures] = {}
    per_model: dict[tuple[str, bool], Figures] = {}
    total = Figures()
    chat_revenue = chat_kie = 0
    for row in rows:
        per_day[row.day] = _add(per_day.get(row.day, Figures()), row)
        total = _add(total, row)
        if row.source == "chat":
            chat_revenue += row.revenue
            chat_kie += row.kie_kopecks
        if row.model_id is not None and row.source in ("job", "chat"):
            key = (row.model_id, row.source == "chat")
            per_model[key] = _add(per_model.get(key, Figures()), row)
    models = sorted(
        (ModelLine(model, chat, figures) for (model, chat), figures in per_model.items()),
        key=lambda m: (-m.figures.revenue, -m.figures.kie, m.model_id),
    )
    return Report(
        days=days,
        by_day=tuple(sorted((d, f) for d, f in per_day.items() if not f.empty)),
        by_model=tuple(models),
        total=total,
        chat_revenue=chat_revenue,
        chat_kie=chat_kie,
    )
