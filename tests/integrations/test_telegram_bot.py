"""The bot's session sends plain requests as one JSON body and keeps multipart for files."""

import json

import pytest
from aiogram.types import BufferedInputFile, InlineKeyboardButton, InlineKeyboardMarkup
from aiohttp import web

from integrations.telegram.bot import create_bot

TOKEN = "123456789:AAFakeTokenForTestsOnly_abcdefghijk"


async def _serve(handler) -> web.AppRunner:
    """A one-route Bot API stand-in on a free port (the caller cleans the runner up)."""
    app = web.Application()
    app.router.add_post("/bot{token}/{method}", handler)
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    return runner


async def test_requests_without_files_are_json_and_with_files_multipart():
    seen = []

    async def handler(request: web.Request) -> web.Response:
        body = await request.read()
        seen.append((request.match_info["method"], request.content_type, body))
        message = {"message_id": 1, "date": 0, "chat": {"id": 5, "type": "private"}, "text": "hi"}
        if request.match_info["method"] == "sendPhoto":
            message = {**message, "photo": [{"file_id": "p", "file_unique_id": "u", "width": 1, "height": 1}]}
        return web.json_response({"ok": True, "result": message})

    runner = await _serve(handler)
    bot = create_bot(TOKEN, f"http://127.0.0.1:{runner.addresses[0][1]}")
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


async def test_text_screens_send_the_body_aiogram_would_and_map_its_errors():
    """The renderer's direct JSON path (no pydantic keyboard) sends exactly what aiogram's own path
    sends for the same screen, and an error answer raises aiogram's exception for it."""
    from aiogram.methods import EditMessageText, SendMessage

    from flows.screens import Button, Screen
    from integrations.telegram.errors import RejectedByTelegram
    from integrations.telegram.renderer import NotModified, TelegramRenderer, keyboard

    seen = []
    answers = []

    async def handler(request: web.Request) -> web.Response:
        seen.append((request.match_info["method"], json.loads(await request.read())))
        if answers:
            status, description = answers.pop(0)
            return web.json_response(
                {"ok": False, "error_code": status, "description": description}, status=status
            )
        message = {"message_id": 7, "date": 0, "chat": {"id": 5, "type": "private"}, "text": "hi"}
        return web.json_response({"ok": True, "result": message})

    runner = await _serve(handler)
    bot = create_bot(TOKEN, f"http://127.0.0.1:{runner.addresses[0][1]}")
    screen = Screen(
        text="<b>Меню</b>",
        buttons=((Button("🎨 Изображения", data="m:c:img"), Button("Сайт", url="https://example.com")),),
    )
    try:
        assert await TelegramRenderer(bot)._send(5, screen) == 7
        await bot.send_message(5, screen.text, reply_markup=keyboard(screen))
        assert seen[0] == seen[1]
        await bot(EditMessageText(chat_id=5, message_id=7, text=screen.text, reply_markup=keyboard(screen)))
        await bot.session.post_json(bot, EditMessageText, {**seen[2][1]})
        assert seen[2] == seen[3]
        answers.append((400, "Bad Request: message is not modified"))
        with pytest.raises(NotModified):
            from integrations.telegram.renderer import call

            await call(lambda: bot.session.post_json(bot, EditMessageText, seen[2][1]), what="edit")
        answers.append((400, "Bad Request: chat not found"))
        with pytest.raises(RejectedByTelegram, match="chat not found"):
            await call(lambda: bot.session.post_json(bot, SendMessage, seen[0][1]), what="send")
    finally:
        await bot.session.close()
        await runner.cleanup()
