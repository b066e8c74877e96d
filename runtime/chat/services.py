"""What the chat turn runner needs, composed once by runtime.app (handles, not data)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from types import SimpleNamespace

import asyncpg
import msgspec
from aiogram import Bot

from flows.catalog import Catalog, PricingPolicy
from flows.chat import screens
from flows.payloads.chat import NewChat, OpenTexts, StopAnswer
from flows.screens import Button
from integrations.kie.chat import ChatClient
from integrations.telegram.renderer import TelegramRenderer
from runtime.jobs.alerts import alert_admins

Rows = tuple[tuple[Button, ...], ...]
FetchFile = Callable[[str], Awaitable[tuple[bytes, str]]]  # Telegram file_id → (bytes, file_path)
Upload = Callable[[bytes, str, str], Awaitable[str]]  # bytes, name, mime → Kie's public URL
Alert = Callable[[str, str], Awaitable[None]]  # kind, request id → the operator is told (rate-limited)
STOP_DATA = StopAnswer().data()


class ChatTimings(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    # A crash mid-answer is retried once; a run found with this many attempts is given up (user told).
    max_attempts: int = 2
    # How often the streaming loop looks at the stop flag (and keeps the inbox lease alive).
    stop_poll_seconds: float = 1.0
    # Telegram: at most one draft, edit or message a second per chat.
    update_interval: float = 1.0
    # One resend of a request Kie refused before answering anything (429, 455, 5xx): nothing was billed.
    resend_after_seconds: float = 2.0
    # runtime/jobs/alerts.py reads this through the same attribute name.
    admin_alert_every: float = 3600.0
    # At most this long for any model's answer and silence (tests and benches; None: the catalog's).
    timeout_cap_seconds: float | None = None


@dataclass
class ChatButtons:
    """Callback data of the answer's buttons (flows/payloads/chat.py; the route registry decodes them)."""

    new_data: Callable[[str], str] = lambda model_id: NewChat(model_id).data()
    other_data: Callable[[str], str] = lambda model_id: OpenTexts().data()
    stop_data: str = STOP_DATA

    def answer_rows(self, lang: str, model_id: str) -> Rows:
        return screens.answer_buttons(
            lang, new_data=self.new_data(model_id), other_data=self.other_data(model_id)
        )

    def stop_rows(self, lang: str) -> Rows:
        return screens.stop_buttons(lang, stop_data=self.stop_data)


async def no_alert(kind: str, request_id: str) -> None:
    return None


def operator_alert(
    pool: asyncpg.Pool, renderer: TelegramRenderer, admin_ids: tuple[int, ...], every: float
) -> Alert:
    """The jobs' operator alert (runtime/jobs/alerts.py: at most one per kind per `every` seconds across
    instances), for chat failures: 402 and a refused key are the same operator problem."""
    handles = SimpleNamespace(
        pool=pool, renderer=renderer, admin_ids=admin_ids, timings=SimpleNamespace(admin_alert_every=every)
    )

    async def alert(kind: str, request_id: str) -> None:
        await alert_admins(handles, kind, request_id)  # type: ignore[arg-type]  # the handles it reads

    return alert


@dataclass
class ChatServices:
    pool: asyncpg.Pool
    chat: ChatClient
    bot: Bot
    catalog: Catalog
    policy: PricingPolicy
    fetch_file: FetchFile
    upload: Upload
    alert: Alert = no_alert
    buttons: ChatButtons = field(default_factory=ChatButtons)
    timings: ChatTimings = ChatTimings()
    # Telegram's sendMessageDraft; off: one placeholder message edited instead.
    use_drafts: bool = True
