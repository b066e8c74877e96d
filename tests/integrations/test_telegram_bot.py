"""The bot's session sends plain requests as one JSON body and keeps multipart for files."""

import json

from aiogram.types import BufferedInputFile, InlineKeyboardButton, InlineKeyboardMarkup
from aiohttp import web

from integrations.telegram.bot import create_bot

TOKEN = "123456789:AAFakeTokenForTestsOnly_abcdefghijk"


async def test_requests_without_files_are_json_and_with_files_multipart():
    seen = []

    async def handler(request: web.Request) -> web.Response:
        body = await request.read()
        seen.append((request.match_info["method"], request.content_type, body))
        message = {"message_id": 1, "date": 0, "chat": {"id": 5, "type": "private"}, "text": "hi"}
        if request.match_info["method"] == "sendPhoto":
            message = {**message, "photo": [{"file_id": "p", "file_unique_id": "u", "width": 1, "height": 1}]}
        return web.json_response({"ok": True, "result": message})

    app = web.Application()
    app.router.add_post("/bot{token}/{method}", handler)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    bot = create_bot(TOKEN, f"http://127.0.0.1:{port}")
    try:
        markup = InlineKeyboardMarkup(
            inline_keyboard=[[InlineKeyboardButton(text="Назад", callback_data="b")]]
        )
        message = await bot.send_message(5, "<b>hi</b>", reply_markup=markup)
        assert message.message_id == 1
        await bot.send_photo(5, BufferedInputFile(b"\x89PNG", filename="a.png"))
    finally:
        await bot.session.close()
        await runner.cleanup()
    method, content_type, body = seen[0]
    assert (method, content_type) == ("sendMessage", "application/json")
    sent = json.loads(body)
    # Defaults are applied and nested objects stay objects (not JSON inside strings).
    assert sent["parse_mode"] == "HTML" and sent["chat_id"] == 5
    assert sent["reply_markup"] == {"inline_keyboard": [[{"text": "Назад", "callback_data": "b"}]]}
    assert seen[1][0] == "sendPhoto" and seen[1][1] == "multipart/form-data"
