"""A chat turn end to end below the router: the decision's effect in a transaction (as phase 1 will
apply it), then the runner (as phase 2 will call it) against the fake Kie chat server, the fake Bot
API and a real PostgreSQL."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import aiohttp
import msgspec
import pytest

from flows.catalog import load_catalog, load_policy
from flows.catalog.loader import Catalog
from flows.catalog.text import TextCatalog
from flows.chat.pricing import free_text_model
from flows.chat.turn import ChatTurnRequest, RunChatTurn, plan_turn, turn_key
from integrations.kie.chat import ChatClient
from integrations.kie.client import KieClient
from integrations.telegram.bot import create_bot
from integrations.telegram.renderer import TelegramRenderer
from persistence import ledger
from runtime.chat import effects
from runtime.chat.runner import run_turn
from runtime.chat.services import ChatServices, ChatTimings, operator_alert
from runtime.jobs.files import TelegramFiles
from sandbox.kie import FakeKie
from sandbox.kie.chat_state import KieChatState
from sandbox.telegram import DEFAULT_TOKEN, FakeTelegram

CATALOG = load_catalog()
POLICY = load_policy()
USER = 4242
ADMIN = 777
FAST = ChatTimings(stop_poll_seconds=0.05, update_interval=0.05, resend_after_seconds=0.05)


def fast_catalog(timeout: int = 2, idle: int = 2) -> Catalog:
    """The real catalog with chat timeouts short enough for tests."""
    models = tuple(
        msgspec.structs.replace(m, timeout_seconds=timeout, idle_timeout_seconds=idle)
        for m in CATALOG.text.models
    )
    return Catalog(CATALOG.entries, CATALOG.version, TextCatalog(models))


@dataclass
class ChatWorld:
    pool: Any
    tg: FakeTelegram
    kie: KieChatState
    files: FakeKie
    services: ChatServices
    counter: list[int] = field(default_factory=lambda: [0])

    async def top_up(self, kopecks: int, payment: str = "pay-1") -> None:
        await ledger.credit_topup(self.pool, USER, kopecks, payment, "transfer")

    async def reserve(
        self,
        model_id: str,
        text: str = "Привет",
        *,
        photos: tuple[str, ...] = (),
        mode: str | None = None,
        request_id: str | None = None,
    ) -> ChatTurnRequest:
        """What phase 1 does with a chat message: decide (pure), then apply the effect in a transaction."""
        self.counter[0] += 1
        request_id = request_id or f"R-{self.counter[0]:06d}"
        async with self.pool.acquire() as conn:
            balance = await ledger.balance(conn, USER)
            account = await effects.chat_account(conn, USER, balance.available, POLICY.text_free_daily_quota)
            dialog = await effects.dialog_view(conn, USER, model_id)
        free = free_text_model(CATALOG.text, POLICY)
        decided = plan_turn(
            model=self.services.catalog.text.get(model_id),
            dialog=dialog,
            text=text,
            account=account,
            policy=POLICY,
            free_model_id=free.id if free else None,
            request_id=request_id,
            user_id=USER,
            chat_id=USER,
            lang="ru",
            mode=mode,
            photo_file_ids=photos,
        )
        assert isinstance(decided, ChatTurnRequest), decided
        async with self.pool.acquire() as conn, conn.transaction():
            await effects.apply(
                conn, effects.ReserveChatTurn(decided), free_quota=POLICY.text_free_daily_quota
            )
        return decided

    async def run(self, request: ChatTurnRequest) -> None:
        key = turn_key(request.request_id, request.user_id, request.model_id)
        await run_turn(self.services, RunChatTurn(key=key, chat_id=request.chat_id))

    async def turn(self, model_id: str, text: str = "Привет", **kw: Any) -> ChatTurnRequest:
        request = await self.reserve(model_id, text, **kw)
        await self.run(request)
        return request

    def texts(self) -> list[str]:
        return self.tg.sent_texts(USER)

    async def balance(self) -> ledger.Balance:
        return await ledger.balance(self.pool, USER)


@pytest.fixture
async def world(db):
    await db.execute("INSERT INTO users (id) VALUES ($1), ($2)", USER, ADMIN)
    # One emulator, as the bot meets one Kie: the fake serves the chat endpoints and the file upload.
    async with FakeTelegram() as tg, FakeKie() as files, aiohttp.ClientSession() as http:
        state = files.chat
        bot = create_bot(DEFAULT_TOKEN, tg.base_url)
        chat = ChatClient(files.api_base, files.api_key)
        kie = KieClient(files.api_base, files.upload_base, files.api_key)
        telegram_files = TelegramFiles(bot, http, tg.base_url, DEFAULT_TOKEN)
        services = ChatServices(
            pool=db,
            chat=chat,
            bot=bot,
            catalog=fast_catalog(),
            policy=POLICY,
            fetch_file=telegram_files.fetch,
            upload=kie.upload_file,
            alert=operator_alert(db, TelegramRenderer(bot), (ADMIN,), 3600.0),
            timings=FAST,
        )
        yield ChatWorld(db, tg, state, files, services)
        await chat.close()
        await kie.close()
        await bot.session.close()
