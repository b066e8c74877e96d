from sandbox.telegram import make_callback_update, make_message_update
from tests.e2e.harness import running_app


async def test_start_registers_user_and_shows_main_menu(db, database_url):
    async with running_app(database_url) as client:
        status, _ = await client.post(make_message_update(1, 501, "/start", username="anna"))
        assert status == 200
        await client.settle()
        sent = client.tg.calls("sendMessage", chat_id=501)
        assert len(sent) == 1
        assert "TRT" in sent[0].params["text"]
        user = await db.fetchrow("SELECT username, language, is_active FROM users WHERE id = 501")
        assert dict(user) == {"username": "anna", "language": "ru", "is_active": True}
        # The main menu becomes the control message; a tap on it edits it in place.
        message_id = sent[0].result["message_id"]
        await client.post(make_callback_update(2, 501, "m:support", message_id))
        await client.settle()
        edits = client.tg.calls("editMessageText", chat_id=501)
        assert len(edits) == 1 and "@trt_support" in edits[0].params["text"]
        assert len(client.tg.calls("answerCallbackQuery")) == 1
