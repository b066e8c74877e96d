"""What must survive: failing handlers, a database that goes away, restarts, two instances at once."""

import asyncio
import logging
from urllib.parse import urlsplit, urlunsplit

import pytest

from flows.app import REGISTRY
from persistence import inbox
from runtime import processor
from runtime.updates import head_of, parse_update
from sandbox.telegram import FakeTelegram, make_callback_update, make_message_update
from tests.e2e.harness import running_app
from tests.fakes.tcp_proxy import TcpProxy


@pytest.fixture
def fast_retries(monkeypatch):
    monkeypatch.setattr(processor, "retry_delay", lambda attempts: 0.05)


async def test_failing_update_is_retried_then_parked_and_user_told_with_request_id(
    db, database_url, monkeypatch, fast_retries, caplog
):
    real_decide = REGISTRY.decide
    calls = []

    def exploding(matched, event, *rest):
        if event.text == "/boom":
            calls.append(1)
            raise RuntimeError("handler bug")
        return real_decide(matched, event, *rest)

    monkeypatch.setattr(REGISTRY, "decide", exploding)
    async with running_app(database_url) as client:
        await client.post(make_message_update(1, 701, "/boom"))
        await client.post(make_message_update(2, 701, "/start"))
        await client.settle()
        assert len(calls) == processor.MAX_ATTEMPTS
        row = await db.fetchrow("SELECT status, request_id, error FROM inbox WHERE update_id = 1")
        assert row["status"] == "parked" and "handler bug" in row["error"]
        texts = [c.params["text"] for c in client.tg.calls("sendMessage", chat_id=701)]
        assert "Что-то пошло не так" in texts[0] and row["request_id"] in texts[0]
        # The chat is not stuck behind the parked update.
        assert "Выберите раздел" in texts[1]
    assert any(row["request_id"] in r.getMessage() for r in caplog.records if r.levelno == logging.ERROR)


async def test_transient_failure_is_retried_invisibly(db, database_url, monkeypatch, fast_retries):
    real_decide = REGISTRY.decide
    failures = [RuntimeError("flaky")]

    def flaky(*args):
        if failures:
            raise failures.pop()
        return real_decide(*args)

    monkeypatch.setattr(REGISTRY, "decide", flaky)
    async with running_app(database_url) as client:
        await client.post(make_message_update(1, 702, "/start"))
        await client.settle()
        texts = [c.params["text"] for c in client.tg.calls("sendMessage", chat_id=702)]
        assert len(texts) == 1 and "Выберите раздел" in texts[0]


async def test_updates_stored_before_a_crash_are_processed_after_restart(db, database_url):
    # Acknowledged updates sit in the inbox while no instance runs (the crash after the 200).
    for update_id, text in ((1, "/start"), (2, "/help")):
        raw = make_message_update(update_id, 703, text)
        import json

        body = json.dumps(raw).encode()
        head = head_of(parse_update(body))
        await inbox.store(db, head.update_id, head.chat_key, head.kind, body.decode())
    async with running_app(database_url) as client:
        await client.settle()
        texts = [c.params["text"] for c in client.tg.calls("sendMessage", chat_id=703)]
        assert "Выберите раздел" in texts[0] and "/cancel" in texts[1]


async def test_database_outage_mid_run_loses_no_update(db, database_url, fast_retries):
    parts = urlsplit(database_url)
    proxy = TcpProxy(parts.hostname, parts.port or 5432)
    await proxy.start()
    proxied = urlunsplit(parts._replace(netloc=f"{parts.username}@127.0.0.1:{proxy.port}"))
    try:
        async with running_app(proxied) as client:
            await client.post(make_message_update(1, 704, "/start"))
            await client.settle()
            proxy.cut()
            # While the database is away the webhook refuses (Telegram keeps the update and retries).
            status, _ = await client.post(make_message_update(2, 704, "/help"))
            assert status == 503
            await asyncio.sleep(0.5)
            proxy.restore()
            # Telegram's retry arrives after the database is back.
            for _ in range(50):
                status, _ = await client.post(make_message_update(2, 704, "/help"))
                if status == 200:
                    break
                await asyncio.sleep(0.2)
            assert status == 200
            await client.post(make_message_update(3, 704, "/cancel"))
            await client.settle(timeout=20)
            texts = [c.params["text"] for c in client.tg.calls("sendMessage", chat_id=704)]
            assert len(texts) == 3
            assert "/cancel" in texts[1] and texts[2].startswith("Отменено")
    finally:
        await proxy.stop()


async def test_two_instances_process_each_update_once_in_chat_order(db, database_url):
    async with FakeTelegram() as tg:
        async with running_app(database_url, tg) as first, running_app(database_url, tg) as second:
            chats = range(801, 821)
            update_id = 0
            for round_ in range(3):
                for chat in chats:
                    update_id += 1
                    text = ["/start", "/help", "/cancel"][round_]
                    target = first if update_id % 2 else second
                    assert (await target.post(make_message_update(update_id, chat, text)))[0] == 200
            await first.settle(timeout=30)
            await second.settle(timeout=30)
            for chat in chats:
                texts = [c.params["text"] for c in tg.calls("sendMessage", chat_id=chat) if c.ok]
                assert len(texts) == 3, chat
                assert (
                    "Выберите раздел" in texts[0]
                    and "/cancel" in texts[1]
                    and texts[2].startswith("Отменено")
                )


async def test_graceful_shutdown_finishes_in_flight_update(db, database_url):
    async with FakeTelegram(latency=0.3) as tg:
        async with running_app(database_url, tg) as client:
            await client.post(make_message_update(1, 705, "/start"))
            await tg.wait_for("sendMessage", timeout=5)
        # stop() returned: the in-flight update finished instead of being cut off.
        assert await db.fetchval("SELECT status FROM inbox WHERE update_id = 1") == "done"


async def test_polling_mode_feeds_the_inbox_with_one_poller_across_instances(db, database_url):
    async with FakeTelegram() as tg:
        async with running_app(database_url, tg, BOT_MODE="polling") as first:
            async with running_app(database_url, tg, BOT_MODE="polling"):
                await tg.wait_for("deleteWebhook", timeout=10)
                tg.queue_update(make_message_update(tg.next_update_id(), 706, "/start"))
                await tg.wait_for(lambda c: c.method == "sendMessage" and c.chat_id == 706, timeout=15)
                tg.queue_update(make_callback_update(tg.next_update_id(), 706, "m:help", 1))
                await tg.wait_for(lambda c: c.method == "answerCallbackQuery", timeout=15)
                await first.settle()
                assert tg.conflicts == 0
                assert len(tg.calls("deleteWebhook")) == 1
        assert tg.calls("setWebhook") == []
