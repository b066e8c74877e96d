"""The first bot surface through real HTTP: commands, menus, hints, groups, Telegram's error quirks."""

from sandbox.telegram import (
    make_callback_update,
    make_message_update,
    make_my_chat_member_update,
)
from tests.e2e.harness import running_app


def _texts(tg, chat_id):
    return [
        c.params.get("text", "")
        for c in tg.calls(chat_id=chat_id)
        if c.method in ("sendMessage", "editMessageText")
    ]


async def test_help_cancel_and_support(db, database_url):
    async with running_app(database_url) as client:
        await client.post(make_message_update(1, 601, "/help"))
        await client.post(make_message_update(2, 601, "/cancel"))
        await client.settle()
        texts = _texts(client.tg, 601)
        assert "/cancel" in texts[0]
        assert texts[1].startswith("Отменено")
        menu_id = client.tg.calls("sendMessage", chat_id=601)[-1].result["message_id"]
        await client.post(make_callback_update(3, 601, "m:support", menu_id))
        await client.settle()
        support = _texts(client.tg, 601)[-1]
        assert "Отвечаем с 10 до 20" in support and "@trt_support" in support


async def test_english_user_gets_english_and_can_switch_language(db, database_url):
    async with running_app(database_url) as client:
        await client.post(make_message_update(1, 602, "/start", language_code="en"))
        await client.settle()
        assert "Pick a section" in _texts(client.tg, 602)[0]
        menu_id = client.tg.calls("sendMessage", chat_id=602)[-1].result["message_id"]
        await client.post(make_callback_update(2, 602, "lang:ru", menu_id))
        await client.settle()
        assert await db.fetchval("SELECT language FROM users WHERE id = 602") == "ru"
        await client.post(make_message_update(3, 602, "/start", language_code="en"))
        await client.settle()
        # The chosen language wins over Telegram's from now on.
        assert "Выберите раздел" in _texts(client.tg, 602)[-1]


async def test_unexpected_input_gets_a_hint_and_a_way_back(db, database_url):
    async with running_app(database_url) as client:
        await client.post(make_message_update(1, 603, sticker=True))
        await client.post(make_message_update(2, 603, "x" * 5000))
        await client.post(make_message_update(3, 603, "/nonsense"))
        await client.post(make_message_update(4, 603, location=True))
        await client.settle()
        sends = client.tg.calls("sendMessage", chat_id=603)
        assert len(sends) == 4
        assert "не жду файлов" in sends[0].params["text"]
        assert "4096" in sends[1].params["text"]
        assert "/start" in sends[2].params["text"]
        for call in sends:
            buttons = [b["text"] for row in call.params["reply_markup"]["inline_keyboard"] for b in row]
            assert buttons == ["🏠 В меню"]


async def test_stale_or_forged_button_gets_notice_and_current_screen(db, database_url):
    async with running_app(database_url) as client:
        await client.post(make_message_update(1, 604, "/start"))
        await client.settle()
        await client.post(make_callback_update(2, 604, "w99:forged", 12345))
        await client.settle()
        answer = client.tg.calls("answerCallbackQuery")[-1]
        assert "устарела" in answer.params["text"]
        assert "Выберите раздел" in client.tg.calls("sendMessage", chat_id=604)[-1].params["text"]


async def test_group_chat_gets_one_line_private_only_note(db, database_url):
    async with running_app(database_url) as client:
        await client.post(make_message_update(1, -500, "/start", user_id=605, chat_type="group"))
        await client.post(make_message_update(2, -500, "hello all", user_id=605, chat_type="group"))
        await client.settle()
        sends = client.tg.calls("sendMessage", chat_id=-500)
        assert len(sends) == 1 and "личном чате" in sends[0].params["text"]


async def test_blocked_user_marked_inactive_and_not_retried(db, database_url):
    async with running_app(database_url) as client:
        client.tg.block_chat(606)
        await client.post(make_message_update(1, 606, "/start"))
        await client.settle()
        assert await db.fetchval("SELECT is_active FROM users WHERE id = 606") is False
        assert len(client.tg.calls("sendMessage", chat_id=606)) == 1  # tried once, never again
        status = await db.fetchval("SELECT status FROM inbox WHERE update_id = 1")
        assert status == "done"


async def test_kicked_my_chat_member_marks_user_inactive(db, database_url):
    async with running_app(database_url) as client:
        await client.post(make_message_update(1, 607, "/start"))
        await client.post(make_my_chat_member_update(2, 607, status="kicked"))
        await client.settle()
        assert await db.fetchval("SELECT is_active FROM users WHERE id = 607") is False


async def test_flood_wait_is_respected_then_delivered(db, database_url):
    async with running_app(database_url) as client:
        client.tg.fail_next(
            "sendMessage", error_code=429, description="Too Many Requests: retry after 1", retry_after=1
        )
        await client.post(make_message_update(1, 608, "/start"))
        await client.settle()
        calls = client.tg.calls("sendMessage", chat_id=608)
        assert [c.status for c in calls] == [429, 200]
        assert calls[1].at - calls[0].at >= 0.95


async def test_message_not_modified_is_treated_as_success(db, database_url):
    async with running_app(database_url) as client:
        await client.post(make_message_update(1, 609, "/start"))
        await client.settle()
        menu_id = client.tg.calls("sendMessage", chat_id=609)[-1].result["message_id"]
        # Tapping "menu" on the menu edits it to identical content: Telegram says 400 "not modified".
        await client.post(make_callback_update(2, 609, "m:menu", menu_id))
        await client.settle()
        edit = client.tg.calls("editMessageText", chat_id=609)[-1]
        assert edit.status == 400 and "not modified" in edit.description
        assert await db.fetchval("SELECT status FROM inbox WHERE update_id = 2") == "done"
        assert await db.fetchval("SELECT count(*) FROM inbox WHERE status = 'parked'") == 0
