"""Shared pieces of the money flows: amounts, codes, the typed flow states, small formatters."""

from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

from flows.catalog.pricing import format_rub
from flows.menus.screens import back_to_menu_row
from flows.payloads.chat import ChatResume
from flows.payloads.money import TopupResume
from flows.screens import Button
from flows.session import Session
from flows.states import AdminFlow, ChatFlow, TopupFlow, WizardSnapshot
from flows.texts import t

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


def who(user_id: int, username: str | None) -> str:
    return f"@{username} (id {user_id})" if username else f"id {user_id}"


def back_row(lang: str, data: str) -> tuple[Button, ...]:
    return (Button(t(lang, "nav.back"), data=data),)


def menu_row(lang: str) -> tuple[Button, ...]:
    return back_to_menu_row(lang)


def topup_flow(session: Session) -> TopupFlow:
    flow = session.flow
    return flow if session.place == PLACE and isinstance(flow, TopupFlow) else TopupFlow()


def admin_flow(session: Session) -> AdminFlow:
    flow = session.flow
    return flow if session.place == ADMIN_PLACE and isinstance(flow, AdminFlow) else AdminFlow()


def resume_of(session: Session) -> WizardSnapshot | ChatFlow | None:
    """The wizard (or the dialog of 💬 Тексты) the user left for a top-up: its input is kept and comes
    back on return."""
    flow = session.flow
    if session.place == "wizard" and isinstance(flow, WizardSnapshot):
        return flow
    if session.place == "chat" and isinstance(flow, ChatFlow):
        return flow
    return topup_flow(session).resume


def resume_data(resume: WizardSnapshot | ChatFlow) -> str:
    """The button back to what the user left: the confirm step, or the dialog (whose kept message is
    sent then)."""
    if isinstance(resume, ChatFlow):
        return ChatResume(resume.model_id).data()
    return TopupResume().data()


def resume_label(lang: str, resume: WizardSnapshot | ChatFlow) -> str:
    return t(lang, "chat.button.resume" if isinstance(resume, ChatFlow) else "money.resume")


def status_text(lang: str, status: str) -> str:
    return t(lang, f"money.status.{status}")
