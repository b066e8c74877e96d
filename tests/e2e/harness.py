"""Start the real app against the fake Telegram and a real PostgreSQL, and talk to it over HTTP."""

from __future__ import annotations

import asyncio
import socket
from contextlib import asynccontextmanager

import aiohttp

from runtime.config import load_settings
from runtime.secrets import webhook_header_secret, webhook_path_secret
from sandbox.telegram import FakeTelegram

ADMIN_ID = 900001


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def env_for(tg: FakeTelegram, database_url: str, port: int, **overrides: str) -> dict[str, str]:
    env = {
        "ADMIN_ID": str(ADMIN_ID),
        "BOT_MODE": "webhook",
        "DATABASE_URL": database_url,
        "DB_MAXCONN": "10",
        "KIE_API_KEY": "kie-test-key-0123456789abcdef",
        "PAYMENT_BANK": "Тестбанк",
        "PAYMENT_CARD_HOLDER": "Иван Иванов",
        "PAYMENT_PHONE": "+7 900 000-00-00",
        "PORT": str(port),
        "SUPPORT_TELEGRAM": "@trt_support",
        "SUPPORT_TEXT": "Отвечаем с 10 до 20 по Москве.",
        "TELEGRAM_BOT_TOKEN": tg.token,
        "WEBHOOK_BASE_URL": f"http://127.0.0.1:{port}",
        "TELEGRAM_API_BASE": tg.base_url,
    }
    env.update(overrides)
    return env


class Client:
    """Posts updates to the running app's webhook like Telegram does."""

    def __init__(self, app, tg: FakeTelegram, http: aiohttp.ClientSession) -> None:
        self.app = app
        self.tg = tg
        self.http = http
        self.base = f"http://127.0.0.1:{app.port}"
        token = app.settings.telegram_bot_token
        self.webhook_path = f"/tg/{webhook_path_secret(token)}"
        self.header = {"X-Telegram-Bot-Api-Secret-Token": webhook_header_secret(token)}

    async def post(self, update: dict | bytes, *, path: str | None = None, headers: dict | None = None):
        url = self.base + (path or self.webhook_path)
        hdrs = self.header if headers is None else headers
        if isinstance(update, bytes):
            async with self.http.post(
                url, data=update, headers={**hdrs, "Content-Type": "application/json"}
            ) as r:
                return r.status, await r.text()
        async with self.http.post(url, json=update, headers=hdrs) as r:
            return r.status, await r.text()

    async def settle(self, timeout: float = 10.0) -> None:
        """Wait until every stored update is processed and replied to."""
        deadline = asyncio.get_running_loop().time() + timeout
        while True:
            open_rows = await self.app.pool.fetchval(
                "SELECT count(*) FROM inbox WHERE status IN ('pending', 'replying')"
            )
            if open_rows == 0 and self.app.worker.in_flight == 0:
                return
            if asyncio.get_running_loop().time() > deadline:
                raise TimeoutError(f"{open_rows} updates still open")
            await asyncio.sleep(0.02)


# Nothing listens here: without a fake Kie, jobs are refused at connect time and never reach the internet.
CLOSED_KIE_BASE = "http://127.0.0.1:9"


@asynccontextmanager
async def running_app(
    database_url: str,
    tg: FakeTelegram | None = None,
    *,
    kie=None,
    jobs=None,
    port: int | None = None,
    flood=None,
    chat=None,
    broadcasts=None,
    **overrides: str,
):
    """The real app on a free port. `kie`: a started sandbox.kie.FakeKie to point the app at;
    `jobs`: runtime.jobs.JobsOptions (tests shrink poll intervals and timeouts); `chat`:
    runtime.chat.services.ChatTimings (the same for chat answers); `flood`: the per-user
    flood gate (default: one no test reaches, since tests talk faster than people;
    tests/e2e/test_flood.py checks the real one)."""
    from runtime.app import TrtApp
    from runtime.flood import FloodGate

    own_tg = tg is None
    if own_tg:
        tg = FakeTelegram()
        await tg.start()
    port = port or free_port()
    if kie is not None:
        overrides = {
            "KIE_API_BASE": kie.api_base,
            "KIE_UPLOAD_BASE": kie.upload_base,
            "KIE_API_KEY": kie.api_key,
            **overrides,
        }
    else:
        overrides = {"KIE_API_BASE": CLOSED_KIE_BASE, "KIE_UPLOAD_BASE": CLOSED_KIE_BASE, **overrides}
    settings, _ = load_settings(env_for(tg, database_url, port, **overrides))
    app = TrtApp(
        settings,
        host="127.0.0.1",
        jobs=jobs,
        chat=chat,
        broadcasts=broadcasts,
        flood=flood if flood is not None else FloodGate(rate=10_000, burst=100_000),
    )
    await app.start()
    try:
        async with aiohttp.ClientSession() as http:
            yield Client(app, tg, http)
    finally:
        await app.stop()
        if own_tg:
            await tg.stop()
