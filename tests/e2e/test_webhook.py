"""The webhook's front door: secrets, bad bodies, duplicates, update kinds, health."""

import json

import pytest

from sandbox.telegram import (
    FakeTelegram,
    make_channel_post_update,
    make_edited_message_update,
    make_message_update,
)
from tests.e2e.harness import ADMIN_ID, running_app


async def _inbox_count(db) -> int:
    return await db.fetchval("SELECT count(*) FROM inbox")


async def test_health_answers_with_status_version_uptime(db, database_url):
    async with running_app(database_url) as client:
        async with client.http.get(client.base + "/health") as r:
            assert r.status == 200
            body = await r.json()
        assert body["status"] == "ok" and body["version"] and body["uptime_s"] >= 0


async def test_rejections_never_touch_the_database(db, database_url):
    async with running_app(database_url) as client:
        update = make_message_update(10, 42, "/start")
        assert (await client.post(update, path="/tg/not-the-secret"))[0] == 404
        assert (await client.post(update, headers={}))[0] == 401
        assert (await client.post(update, headers={"X-Telegram-Bot-Api-Secret-Token": "wrong"}))[0] == 403
        assert (await client.post(b"{not json"))[0] == 400
        assert (await client.post(b'{"message": {}}'))[0] == 400  # no update_id
        oversized = json.dumps({**update, "padding": "x" * (1024 * 1024)}).encode()
        assert (await client.post(oversized))[0] == 413
        assert await _inbox_count(db) == 0
        assert client.tg.calls("sendMessage") == []


@pytest.mark.parametrize("fallback", ["off", "on"])
async def test_header_fallback_path_only_when_enabled(db, database_url, fallback):
    async with running_app(database_url, WEBHOOK_HEADER_FALLBACK=fallback) as client:
        status, _ = await client.post(make_message_update(11, 43, "/start"), path="/tg")
        if fallback == "off":
            assert status == 404
            assert await _inbox_count(db) == 0
        else:
            assert status == 200
            # Even on the fallback path the header is required.
            assert (await client.post(make_message_update(12, 43, "/help"), path="/tg", headers={}))[0] == 401
            await client.settle()
            assert len(client.tg.calls("sendMessage", chat_id=43)) == 1


async def test_duplicate_update_is_processed_once(db, database_url):
    async with running_app(database_url) as client:
        update = make_message_update(20, 44, "/start")
        for _ in range(3):
            assert (await client.post(update))[0] == 200
        await client.settle()
        assert len(client.tg.calls("sendMessage", chat_id=44)) == 1


async def test_unhandled_update_kinds_are_acknowledged_and_ignored(db, database_url):
    async with running_app(database_url) as client:
        assert (await client.post(make_edited_message_update(30, 45, "edited")))[0] == 200
        assert (await client.post(make_channel_post_update(31, -100123, "post")))[0] == 200
        await client.settle()
        assert await _inbox_count(db) == 0
        assert client.tg.calls("sendMessage") == []


async def test_startup_registers_webhook_with_secret_and_commands(db, database_url):
    async with running_app(database_url) as client:
        await client.tg.wait_for("setWebhook")
        settings = client.app.settings
        assert client.tg.webhook_url == settings.webhook_url
        assert client.tg.webhook_secret == client.header["X-Telegram-Bot-Api-Secret-Token"]
        assert set(client.tg.allowed_updates) >= {"message", "callback_query", "pre_checkout_query"}
        languages = {c.params.get("language_code") for c in client.tg.calls("setMyCommands")}
        assert {"ru", "en"} <= languages
        # Everyone's menu has no admin commands; the admin's own chat has /admin and /broadcast too.
        await client.tg.wait_for(lambda c: c.method == "setMyCommands" and "scope" in c.params, count=3)
        everyone = _menu(client.tg, "default", "", "ru")
        admin = _menu(client.tg, "chat", ADMIN_ID, "ru")
        assert "admin" not in everyone and "broadcast" not in everyone and "paysupport" in everyone
        assert admin == everyone + ["admin", "broadcast"]
        assert _menu(client.tg, "chat", ADMIN_ID, "en")[-2:] == ["admin", "broadcast"]
        assert _menu(client.tg, "chat", ADMIN_ID, "") == admin
        # The bot never deletes its webhook in webhook mode (not even on shutdown).
    assert client.tg.calls("deleteWebhook") == []


async def test_an_admin_without_a_chat_yet_does_not_stop_the_setup(db, database_url):
    """Telegram answers "chat not found" for the menu of an admin who never opened the bot: the rest
    of the setup (the username, the webhook) still happens, and nothing is retried in a loop."""
    async with FakeTelegram() as tg:
        tg.fail_next(
            "setMyCommands", error_code=400, description="Bad Request: chat not found", chat_id=ADMIN_ID
        )
        async with running_app(database_url, tg) as client:
            await client.tg.wait_for("setWebhook")
            assert client.tg.webhook_url == client.app.settings.webhook_url
            assert _menu(client.tg, "default", "", "ru")
            assert _menu(client.tg, "chat", ADMIN_ID, "ru") == []
            assert len(client.tg.calls("setMyCommands")) == 4  # ru, en, default, the admin's refused one


def _menu(tg: FakeTelegram, scope: str, chat_id: int | str, lang: str) -> list[str]:
    return [c["command"] for c in tg.commands.get(f"{scope}:{chat_id}:{lang}", [])]


async def test_no_secret_reaches_the_logs_of_a_running_app(db, database_url):
    """Everything the app logs at DEBUG (access log with the secret path, aiogram, our own) goes
    through the redacting formatter; none of the configured secrets survives."""
    import io
    import logging

    from runtime.logs import add_secrets, redacting_formatter

    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(redacting_formatter("text"))
    root = logging.getLogger()
    old_level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    access = logging.getLogger("aiohttp.access")
    access_level = access.level
    access.setLevel(logging.DEBUG)
    try:
        async with running_app(database_url) as client:
            add_secrets(client.app.settings.secret_values())
            await client.post(make_message_update(40, 46, "/start"))
            await client.post(
                make_message_update(41, 46, "/help"), headers={"X-Telegram-Bot-Api-Secret-Token": "x"}
            )
            await client.post(b"{broken")
            await client.settle()
            secrets = client.app.settings.secret_values()
    finally:
        root.removeHandler(handler)
        root.setLevel(old_level)
        access.setLevel(access_level)
    output = stream.getvalue()
    assert "POST /tg/***" in output  # the access log line is there, masked
    for secret in secrets:
        assert secret not in output


async def test_update_with_a_nul_character_is_stored_and_answered(db, database_url):
    """Regression: jsonb rejects U+0000, the webhook answered 503, and Telegram would retry that
    update forever, stalling every later one."""
    async with running_app(database_url) as client:
        body = json.dumps(make_message_update(50, 47, "/start\u0000")).encode()
        assert b"\\u0000" in body
        assert (await client.post(body))[0] == 200
        await client.settle()
        assert len(client.tg.calls("sendMessage", chat_id=47)) == 1
