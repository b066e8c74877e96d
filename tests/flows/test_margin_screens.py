"""The margin report's screen and the CSV, pure (flows/margin): the worked example of
docs/operations.md on screen, amounts with two decimals, the caps, and a CSV a spreadsheet cannot
turn into formulas."""

from __future__ import annotations

import csv
import datetime as dt
import io

from flows.catalog.pricing import load_policy
from flows.margin.export import COLUMNS, filename, rubles, to_csv
from flows.margin.report import build
from flows.margin.screens import MAX_MODELS, amount, report_screen
from flows.views import LedgerLine, MarginRow

D1, D2 = dt.date(2026, 11, 27), dt.date(2026, 11, 28)
NOW = dt.datetime(2026, 11, 28, 15, 0, tzinfo=dt.UTC)
ROWS = [
    MarginRow(D1, "z-image", "job", revenue=500, kie_kopecks=228, runs=2, free_runs=1, free_kie_kopecks=38),
    MarginRow(D1, None, "topup", topups=500_00),
    MarginRow(D2, "kling-2-6", "job", revenue=95_00, kie_kopecks=2613, runs=1, refunds=95_00),
    MarginRow(D2, "veo3", "job", kie_kopecks=2850, runs=1, free_runs=1, free_kie_kopecks=2850),
    MarginRow(D2, "gpt-5-2", "chat", revenue=46, kie_kopecks=28, runs=2, free_runs=1, free_kie_kopecks=5),
    MarginRow(D2, None, "bonus", bonuses=40_00),
    MarginRow(D2, None, "topup", topups=100_00, topups_reversed=100_00),
]


def test_the_worked_example_on_screen(snapshot):
    screen = report_screen("ru", build(7, ROWS), NOW, load_policy())
    assert screen.text == snapshot
    assert [[b.text for b in row] for row in screen.buttons] == [
        ["1 день", "• 7 дней", "30 дней"],
        ["📄 CSV за 7 дней"],
        ["🛠 Админка"],
    ]
    assert [[b.data for b in row] for row in screen.buttons] == [
        ["mg:r:1", "mg:r:7", "mg:r:30"],
        ["mg:csv:7"],
        ["adm:home"],
    ]


def test_english_and_an_empty_period():
    screen = report_screen("en", build(30, []), NOW, load_policy())
    assert screen.text.splitlines()[1] == "No money moved in this period: no payments, runs or top-ups."
    assert "Margin for 30 days" in screen.text and "30.10–28.11" in screen.text


def test_amounts_have_two_decimals_and_a_real_minus():
    assert [amount(k) for k in (0, 5, 1234, -5445, 123_456_78)] == [
        "0,00",
        "0,05",
        "12,34",
        "−54,45",
        "123\u00a0456,78",
    ]
    assert [rubles(k) for k in (0, 5, -1000, 9500)] == ["0.00", "0.05", "-10.00", "95.00"]


def test_at_most_fifteen_models_on_screen():
    rows = [MarginRow(D2, f"model-{n:02d}", "job", revenue=100 + n, runs=1) for n in range(MAX_MODELS + 5)]
    text = report_screen("ru", build(1, rows), NOW).text
    assert text.count(" · 1") == MAX_MODELS and "… и ещё 5" in text
    assert "model-19" in text and "model-00" not in text  # most revenue first


def test_the_csv_has_a_header_exact_amounts_and_no_formulas():
    line = LedgerLine(
        7, 3, dt.datetime(2026, 11, 28, 9, 0, tzinfo=dt.UTC), "adjustment", "available", 601, 601,
        -10_00, "=HYPERLINK(\"x\")", None, "+7 ошибка, \"кавычки\"", 900001, None,
    )  # fmt: skip
    text = to_csv([line])
    assert text.startswith("\ufeff") and text.endswith("\r\n")
    rows = list(csv.reader(io.StringIO(text.removeprefix("\ufeff"))))
    assert rows[0] == list(COLUMNS)
    assert rows[1] == [
        "7", "3", "2026-11-28T12:00:00+03:00", "adjustment", "available", "601", "601", "-1000", "-10.00",
        "'=HYPERLINK(\"x\")", "", "", "'+7 ошибка, \"кавычки\"", "900001",
    ]  # fmt: skip
    assert filename(D2, 7) == "ledger_2026-11-22_2026-11-28.csv"


def test_a_period_over_the_row_cap_is_cut_and_the_caption_says_so(monkeypatch):
    from flows.margin import export
    from flows.margin.screens import csv_document

    line = LedgerLine(1, 1, NOW, "topup", "topups", None, 601, -500, "T-AAAAA1", "transfer", None, None, None)
    monkeypatch.setattr(export, "MAX_ROWS", 2)
    whole = csv_document(900001, "ru", 7, (line, line), NOW)
    cut = csv_document(900001, "ru", 7, (line, line, line), NOW)
    assert whole.caption is not None and "первые" not in whole.caption
    assert cut.caption is not None and "⚠️ Это первые 2 записей" in cut.caption
    assert cut.content == whole.content and len(cut.content.splitlines()) == 3  # header + 2
