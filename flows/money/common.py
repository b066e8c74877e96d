"""Shared pieces of the money flows: callback data, places, amounts, codes and small formatters."""

from __future__ import annotations

import datetime as dt
import re
import secrets
from typing import Any
from zoneinfo import ZoneInfo

from flows import menus
from flows.catalog.pricing import format_rub
from flows.ids import CROCKFORD
from flows.incoming import Incoming
from flows.money.lookup import MoneyLookup
from flows.screens import Button
from flows.session import Session
from flows.texts import t

# Callback data (all well under Telegram's 64 bytes).
BALANCE = menus.BALANCE  # m:balance
TOPUP = menus.TOPUP  # top:start
HISTORY = menus.HISTORY  # m:history
TOPUP_AMOUNT = "top:a:"  # + kopecks
TOPUP_PAID = "top:paid:"  # + T-id
TOPUP_CANCEL = "top:x:"  # + T-id
TOPUP_STARS = "top:stars"
TOPUP_RESUME = "top:resume"
STARS_PACK = "st:"  # + rubles
HISTORY_ITEM = "h:"  # + R-id
DECIDE_OK = "tp:ok:"  # + T-id
DECIDE_NO = "tp:no:"  # + T-id
DECIDE_REASON = "tp:r:"  # + T-id + ":" + reason index
ADMIN = "adm:"

PLACE = "money"
ADMIN_PLACE = "admin"

PRESETS_RUB = (100, 300, 500, 1000)
# Open (not yet decided) transfer requests per user: each one is a row and an alert to every admin.
MAX_OPEN_TOPUPS = 3
MIN_TOPUP = 50_00
MAX_TOPUP = 50_000_00
TOPUP_TTL = dt.timedelta(hours=24)
MOSCOW = ZoneInfo("Europe/Moscow")

_AMOUNT = re.compile(r"([0-9]{1,9})(?:[.,]([0-9]{1,2}))?")
_CURRENCY_WORDS = re.compile(r"(₽|руб(лей|ля|ль)?\.?|р\.?|rub|rubles?)$", re.IGNORECASE)


def new_code(prefix: str) -> str:
    """A short unique code: T-4K7Q2M (transfer comment) or S-… (Stars payload)."""
    return f"{prefix}-" + "".join(secrets.choice(CROCKFORD) for _ in range(6))


def parse_amount(text: str) -> int | None:
    """Rubles as typed ("500", "1 000", "150,50", "300 ₽") → kopecks, or None when it is not a number."""
    cleaned = text.strip().replace("\u00a0", "").replace(" ", "")
    cleaned = _CURRENCY_WORDS.sub("", cleaned)
    match = _AMOUNT.fullmatch(cleaned)
    if match is None:
        return None
    rubles, cents = match.group(1), (match.group(2) or "0").ljust(2, "0")
    return int(rubles) * 100 + int(cents)


def rub(kopecks: int) -> str:
    return format_rub(kopecks)


def signed_rub(kopecks: int) -> str:
    return ("+" if kopecks > 0 else "−") + format_rub(abs(kopecks))


def when(moment: dt.datetime) -> str:
    return moment.astimezone(MOSCOW).strftime("%d.%m %H:%M")


def lookup_of(incoming: Incoming) -> MoneyLookup:
    return incoming.lookup if isinstance(incoming.lookup, MoneyLookup) else MoneyLookup()


def who(user_id: int, username: str | None) -> str:
    return f"@{username} (id {user_id})" if username else f"id {user_id}"


def back_row(lang: str, data: str) -> tuple[Button, ...]:
    return (Button(t(lang, "nav.back"), data=data),)


def menu_row(lang: str) -> tuple[Button, ...]:
    return menus.back_to_menu_row(lang)


def at(session: Session, place: str, flow: dict[str, Any] | None = None) -> Session:
    return Session(place=place, control_message_id=session.control_message_id, flow=flow, seq=session.seq)


def money_flow(session: Session) -> dict[str, Any]:
    return dict(session.flow or {}) if session.place == PLACE else {}


def resume_of(session: Session) -> dict[str, Any] | None:
    """The wizard the user left for a top-up (its input is kept and comes back on return)."""
    if session.place == "wizard" and session.flow:
        return {"flow": session.flow}
    resume = money_flow(session).get("resume")
    return resume if isinstance(resume, dict) else None


def status_text(lang: str, status: str) -> str:
    return t(lang, f"money.status.{status}")
