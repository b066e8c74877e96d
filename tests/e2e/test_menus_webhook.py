"""The menus of issue 14 through the real webhook: recent models after three runs (kept by the database,
read with the user's row), inline mode answered with deep links, search at the menu, ⭐ Популярное
counted from the jobs."""

from __future__ import annotations

import asyncio

from persistence import users
from runtime.popular import PopularModels
from sandbox.telegram import make_inline_query_update, make_message_update
from tests.e2e.harness import running_app
from tests.e2e.test_wizard_webhook import WebhookChat
from tests.jobs.conftest import add_job


async def test_recent_models_after_three_runs(db, database_url):
    async with running_app(database_url) as client:
        chat = WebhookChat(client, 8101)
        await chat.run("z-image")
        await chat.run("google/nano-banana")
        await chat.run("recraft/remove-background", photo=True)
        await chat.run("z-image")  # again: moves to the front, not twice
        assert await db.fetchval("SELECT count(*) FROM jobs WHERE user_id = 8101") == 4
        recent = await db.fetchval("SELECT recent_models FROM users WHERE id = 8101")
        assert recent == ["z-image", "recraft/remove-background", "google/nano-banana"]
        view = await chat.text("/start")
        shown = [(label, data) for label, data in view.buttons if label.startswith("🕘")]
        assert shown == [
            ("🕘 Z-Image", "c:z-image"),
            ("🕘 Recraft · удаление фона", "c:recraft-remove-background"),
            ("🕘 Nano Banana", "c:google-nano-banana"),
        ]
        view = await chat.tap("c:recraft-remove-background")  # one tap to the card
        assert view.text.startswith("Recraft · удаление фона") and view.has("🚀")


async def test_the_history_before_the_migration_fills_recents(db):
    """Migration 010 fills recent_models from the jobs already there (checked by running its update)."""
    await users.touch(db, 8102, None, "Test", "ru")
    for model_id in ("suno", "z-image", "suno", "runway"):
        await add_job(db, model_id, chat_id=8102)
        await asyncio.sleep(0.01)
    await db.execute("UPDATE users SET recent_models = '{}' WHERE id = 8102")
    backfill = "UPDATE users AS u" + (await _migration_010()).split("UPDATE users AS u")[1].split("-- ⭐")[0]
    await db.execute(backfill)
    assert await db.fetchval("SELECT recent_models FROM users WHERE id = 8102") == [
        "runway",
        "suno",
        "z-image",
    ]


async def _migration_010() -> str:
    from persistence.migrations import available_migrations

    return next(sql for version, _, sql in available_migrations() if version == 10)


async def test_inline_query_answers_with_deep_links_to_cards(db, database_url):
    async with running_app(database_url) as client:
        tg = client.tg
        await tg.wait_for("setWebhook", timeout=10)
        assert "inline_query" in tg.allowed_updates
        status, _ = await client.post(make_inline_query_update(1, 8201, "клинг", query_id="q-8201"))
        assert status == 200
        call = await tg.wait_for("answerInlineQuery", timeout=10)
        assert call.ok, call.response
        assert call.params["inline_query_id"] == "q-8201" and call.params["is_personal"] is True
        results = call.params["results"]
        assert results and all(r["type"] == "article" for r in results)
        first = results[0]
        assert first["id"] == "kling-3-0-video" and first["title"].startswith("Kling 3.0 · ")
        button = first["reply_markup"]["inline_keyboard"][0][0]
        assert button == {
            "text": "🚀 Открыть в боте",
            "url": "https://t.me/trt_test_bot?start=m-kling-3-0-video",
        }
        assert first["input_message_content"]["parse_mode"] == "HTML"
        # The link a friend taps opens the card, for a user the bot has never seen.
        await client.post(make_message_update(2, 8202, "/start m-kling-3-0-video"))
        await client.settle()
        card = tg.sent_texts(8202)[-1]
        assert card.startswith("Kling 3.0")
        # Nothing was sent to the asking user's chat: inline answers are not messages.
        assert not tg.calls("sendMessage", chat_id=8201)


async def test_text_at_the_menu_searches_and_inside_a_wizard_does_not(db, database_url):
    async with running_app(database_url) as client:
        chat = WebhookChat(client, 8301)
        await chat.text("/start")
        view = await chat.text("veo")
        assert view.buttons[0][1] == "fam:veo"
        view = await chat.tap("fam:veo")
        assert view.has("Veo 3.1 Fast")
        await chat.text("/start m-z-image")
        await chat.text("veo")  # on a card: the description
        assert (await chat.state()) == "f_aspect_ratio"


async def test_popular_models_are_counted_from_the_last_week_of_jobs(db):
    await users.touch(db, 8401, None, "Test", "ru")
    for model_id in ("runway", "z-image", "runway", "suno", "runway", "z-image"):
        await add_job(db, model_id, chat_id=8401)
    old = await add_job(db, "veo3", chat_id=8401)
    await db.execute("UPDATE jobs SET created_at = now() - interval '8 days' WHERE request_id = $1", old)
    popular = PopularModels()
    await popular.refresh(db)
    assert popular.ranking == ("runway", "z-image", "suno")
