"""The ledger as CSV for a period: one row per ledger entry (both sides of every transaction), with a
header, amounts exact in kopecks and in rubles (a dot, two decimals), times in Moscow time (ISO 8601
with the offset). UTF-8 with a BOM so that Excel reads the Cyrillic in notes; a cell that a spreadsheet
would take for a formula (=, +, -, @ first) gets a leading apostrophe (text columns only)."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable
from zoneinfo import ZoneInfo

from flows.views import LedgerLine

MOSCOW = ZoneInfo("Europe/Moscow")
# At most this many rows in one file (~15 MB; Telegram takes documents up to 50 MB): a longer period
# is cut at the oldest MAX_ROWS entries and the caption says so.
MAX_ROWS = 100_000

COLUMNS = (
    "entry_id",
    "transaction_id",
    "created_at",
    "kind",
    "account",
    "account_user_id",
    "user_id",
    "amount_kopecks",
    "amount_rub",
    "key",
    "model_id",
    "source",
    "note",
    "admin_id",
)

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def rubles(kopecks: int) -> str:
    """-1250 → "-12.50" (machine-readable: a dot, always two decimals)."""
    sign = "-" if kopecks < 0 else ""
    whole, rest = divmod(abs(kopecks), 100)
    return f"{sign}{whole}.{rest:02d}"


def _text(value: str | None) -> str:
    if value is None:
        return ""
    return "'" + value if value.startswith(_FORMULA_START) else value


def _number(value: int | None) -> str:
    return "" if value is None else str(value)


def period(today: dt.date, days: int) -> tuple[dt.date, dt.date]:
    """The first and last Moscow day of a period of `days` days ending today."""
    return today - dt.timedelta(days=days - 1), today


def filename(today: dt.date, days: int) -> str:
    first, last = period(today, days)
    return f"ledger_{first.isoformat()}_{last.isoformat()}.csv"


def to_csv(lines: Iterable[LedgerLine]) -> str:
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for line in lines:
        writer.writerow(
            (
                line.entry_id,
                line.transaction_id,
                line.created_at.astimezone(MOSCOW).isoformat(timespec="seconds"),
                line.kind,
                line.account,
                _number(line.account_user_id),
                _number(line.user_id),
                line.amount_kopecks,
                rubles(line.amount_kopecks),
                _text(line.key),
                _text(line.model_id),
                _text(line.source),
                _text(line.note),
                _number(line.admin_id),
            )
        )
    return out.getvalue()
