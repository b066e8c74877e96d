"""Callback payloads of the margin report (/admin → 📊 Маржа): the period and the CSV export."""

from __future__ import annotations

from typing import Literal

from flows.routing.payloads import Payload

Days = Literal[1, 7, 30]


class MarginReport(Payload, frozen=True):
    """The report for the last `days` Moscow days (today included)."""

    prefix = "mg:r"
    days: Days


class MarginCsv(Payload, frozen=True):
    """The ledger's entries of the last `days` days as a CSV document."""

    prefix = "mg:csv"
    days: Days
