"""The Telegram fake must behave like the real Bot API for aiogram and for raw HTTP clients."""

from __future__ import annotations

import asyncio
import io
import time
from collections.abc import AsyncIterator

import aiohttp
import pytest
from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.exceptions import (
    TelegramBadRequest,
    TelegramConflictError,
    TelegramForbiddenError,
    TelegramRetryAfter,
    TelegramServerError,
)
from aiogram.types import (
    BufferedInputFile,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputMediaPhoto,
    LabeledPrice,
    Update,
)

from sandbox.telegram import (
    DEFAULT_TOKEN,
    NOT_MODIFIED,
    Call,
    FakeTelegram,
    Upload,
    make_callback_update,
    make_channel_post_update,
    make_edited_message_update,
    make_message_update,
    make_my_chat_member_update,
    make_pre_checkout_update,
    make_successful_payment_update,
)

CHAT = 555_000_111


@pytest.fixture
async def bot(tg: FakeTelegram) -> AsyncIterator[Bot]:
    session = AiohttpSession(api=TelegramAPIServer.from_base(tg.base_url))
    bot = Bot(tg.token, session=session)
    try:
        yield bot
    finally:
        await bot.session.close()


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


def keyboard(*labels_and_data: tuple[str, str]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [InlineKeyboardButton(text=text, callback_data=data)] for text, data in labels_and_data
        ]
    )


# ---- aiogram against the fake ----------------------------------------------------------------------------


async def test_get_me_returns_the_bot_user(bot: Bot, tg: FakeTelegram) -> None:
    me = await bot.get_me()
    assert me.is_bot
    assert me.id == int(DEFAULT_TOKEN.split(":")[0])
    assert me.username == tg.bot_username
    assert tg.calls("getMe")[0].ok


async def test_send_message_echoes_inline_keyboard_and_records_decoded_params(
    bot: Bot, tg: FakeTelegram
) -> None:
    markup = keyboard(("⬅️ Назад", "nav:back"), ("✅ Продолжить", "nav:next"))
    first = await bot.send_message(CHAT, "Привет", reply_markup=markup)
    second = await bot.send_message(CHAT, "Ещё")

    assert (first.message_id, second.message_id) == (1, 2)
    assert first.chat.id == CHAT and first.chat.type == "private"
    assert first.from_user is not None and first.from_user.is_bot
    assert first.reply_markup.model_dump() == markup.model_dump()
    call = tg.calls("sendMessage", chat_id=CHAT)[0]
    assert call.params["chat_id"] == CHAT
    assert call.params["reply_markup"]["inline_keyboard"][0][0]["callback_data"] == "nav:back"
    assert tg.sent_texts(CHAT) == ["Привет", "Ещё"]
    assert tg.last_message(CHAT)["text"] == "Ещё"
    assert set(tg.messages[CHAT]) == {1, 2}


async def test_edit_with_identical_content_is_not_modified(bot: Bot, tg: FakeTelegram) -> None:
    markup = keyboard(("🚀 Запустить", "run"))
    sent = await bot.send_message(CHAT, "Карточка", reply_markup=markup)

    with pytest.raises(TelegramBadRequest, match="message is not modified"):
        await bot.edit_message_text("Карточка", chat_id=CHAT, message_id=sent.message_id, reply_markup=markup)
    assert tg.calls("editMessageText")[-1].description == NOT_MODIFIED

    edited = await bot.edit_message_text("Карточка", chat_id=CHAT, message_id=sent.message_id)
    assert edited.reply_markup is None  # editing without reply_markup drops the keyboard, as on Telegram
    assert edited.edit_date is not None
    await bot.edit_message_reply_markup(chat_id=CHAT, message_id=sent.message_id, reply_markup=markup)
    assert tg.last_message(CHAT)["reply_markup"]["inline_keyboard"][0][0]["text"] == "🚀 Запустить"

    with pytest.raises(TelegramBadRequest, match="message to edit not found"):
        await bot.edit_message_text("x", chat_id=CHAT, message_id=999)


async def test_retry_after_injection_raises_telegram_retry_after(bot: Bot, tg: FakeTelegram) -> None:
    tg.fail_next("sendMessage", error_code=429, retry_after=3)
    with pytest.raises(TelegramRetryAfter) as caught:
        await bot.send_message(CHAT, "hi")
    assert caught.value.retry_after == 3
    assert (await bot.send_message(CHAT, "hi")).text == "hi"  # only the next call failed


async def test_forbidden_and_server_errors(bot: Bot, tg: FakeTelegram) -> None:
    tg.fail_next("sendMessage", error_code=403, description="Forbidden: bot was blocked by the user")
    with pytest.raises(TelegramForbiddenError, match="bot was blocked"):
        await bot.send_message(CHAT, "hi")

    tg.block_chat(CHAT)
    with pytest.raises(TelegramForbiddenError):
        await bot.send_photo(CHAT, "https://example.com/a.png")
    await bot.send_message(CHAT + 1, "others still get messages")
    tg.unblock_chat(CHAT)

    tg.fail_next("*", error_code=500, times=2)
    for _ in range(2):
        with pytest.raises(TelegramServerError):
            await bot.get_me()
    await bot.get_me()


async def test_send_photo_by_url_and_by_upload(bot: Bot, tg: FakeTelegram) -> None:
    by_url = await bot.send_photo(
        CHAT, "https://example.com/cat.png", caption="<b>Готово</b>", parse_mode="HTML"
    )
    assert by_url.photo and len(by_url.photo) == 3
    assert by_url.caption == "Готово"
    assert by_url.caption_entities is not None and by_url.caption_entities[0].type == "bold"

    uploaded = await bot.send_photo(CHAT, BufferedInputFile(b"\x89PNG fake", filename="result.png"))
    upload = tg.calls("sendPhoto")[-1].params["photo"]
    assert isinstance(upload, Upload) and upload.data == b"\x89PNG fake" and upload.filename == "result.png"
    file = await bot.get_file(uploaded.photo[-1].file_id)
    assert (await bot.download_file(file.file_path)).read() == b"\x89PNG fake"

    again = await bot.send_photo(CHAT, uploaded.photo[-1].file_id)
    assert again.photo[-1].file_id == uploaded.photo[-1].file_id


async def test_get_file_and_download_of_registered_file(bot: Bot, tg: FakeTelegram) -> None:
    tg.add_file("AgACInputPhoto", b"jpeg-bytes", file_path="photos/file_1.jpg")
    file = await bot.get_file("AgACInputPhoto")
    assert (file.file_path, file.file_size) == ("photos/file_1.jpg", len(b"jpeg-bytes"))
    buffer = io.BytesIO()
    await bot.download(file, destination=buffer)
    assert buffer.getvalue() == b"jpeg-bytes"

    with pytest.raises(TelegramBadRequest, match="invalid file_id"):
        await bot.get_file("nope-nope-nope")
    tg.add_file("BQACHuge", file_size=21 * 1024 * 1024)
    with pytest.raises(TelegramBadRequest, match="file is too big"):
        await bot.get_file("BQACHuge")


async def test_set_webhook_records_secret_and_allowed_updates(bot: Bot, tg: FakeTelegram) -> None:
    url = "https://trt.example.com/tg/abc"
    await bot.set_webhook(url, secret_token="s3cret_-X", allowed_updates=["message", "callback_query"])
    assert (tg.webhook_url, tg.webhook_secret) == (url, "s3cret_-X")
    assert tg.allowed_updates == ["message", "callback_query"]
    info = await bot.get_webhook_info()
    assert info.url == url and info.pending_update_count == 0
    assert info.allowed_updates == ["message", "callback_query"]

    with pytest.raises(TelegramConflictError, match="webhook is active"):
        await bot.get_updates()
    with pytest.raises(TelegramBadRequest, match="secret token"):
        await bot.set_webhook(url, secret_token="bad secret!")

    await bot.delete_webhook()
    assert tg.webhook_url == "" and await bot.get_updates() == []


async def test_get_updates_long_polls_and_honors_offset(bot: Bot, tg: FakeTelegram) -> None:
    async def later() -> None:
        await asyncio.sleep(0.1)
        tg.queue_update(make_message_update(10, CHAT, "/start m-flux-pro"))

    started = time.monotonic()
    task = asyncio.create_task(later())
    updates = await bot.get_updates(timeout=5)
    await task
    assert time.monotonic() - started < 2
    assert [u.update_id for u in updates] == [10]
    assert updates[0].message.text == "/start m-flux-pro"
    assert updates[0].message.entities[0].type == "bot_command"

    tg.queue_update(make_callback_update(11, CHAT, "nav:back", message_id=1))
    assert [u.update_id for u in await bot.get_updates(offset=10)] == [10, 11]
    assert [u.update_id for u in await bot.get_updates(offset=11)] == [11]
    started = time.monotonic()
    assert await bot.get_updates(offset=12, timeout=1) == []
    assert 0.9 < time.monotonic() - started < 3
    assert tg.pending_updates == []
    assert tg.conflicts == 0


async def test_html_parse_mode_is_validated_and_rendered(bot: Bot, tg: FakeTelegram) -> None:
    sent = await bot.send_message(
        CHAT, "<b>Цена</b>: 12 ₽ &lt;тест&gt; <a href='https://x.y'>ссылка</a>", parse_mode="HTML"
    )
    assert sent.text == "Цена: 12 ₽ <тест> ссылка"
    assert [(e.type, e.offset, e.length) for e in sent.entities] == [("bold", 0, 4), ("text_link", 18, 6)]

    with pytest.raises(TelegramBadRequest, match='can\'t parse entities: Unsupported start tag "div"'):
        await bot.send_message(CHAT, "<div>x</div>", parse_mode="HTML")
    with pytest.raises(TelegramBadRequest, match="can't parse entities: Can't find end tag"):
        await bot.send_message(CHAT, "<b>open", parse_mode="HTML")
    with pytest.raises(TelegramBadRequest, match="can't parse entities: Unmatched end tag"):
        await bot.send_message(CHAT, "<b><i>x</b></i>", parse_mode="HTML")
    with pytest.raises(TelegramBadRequest, match="message text is empty"):
        await bot.send_message(CHAT, "<b> </b>", parse_mode="HTML")


async def test_media_group_invoice_and_true_methods(bot: Bot, tg: FakeTelegram) -> None:
    album = await bot.send_media_group(
        CHAT,
        [
            InputMediaPhoto(media="https://e.com/1.png", caption="один"),
            InputMediaPhoto(media="https://e.com/2.png"),
        ],
    )
    assert len(album) == 2 and album[0].media_group_id == album[1].media_group_id
    assert tg.calls("sendMediaGroup")[0].params["media"][0]["caption"] == "один"

    invoice = await bot.send_invoice(
        CHAT,
        title="Пополнение",
        description="100 ⭐",
        payload="order-1",
        currency="XTR",
        prices=[LabeledPrice(label="x", amount=100)],
    )
    assert invoice.invoice.total_amount == 100 and invoice.invoice.currency == "XTR"

    assert await bot.answer_callback_query("123", text="ok")
    assert await bot.answer_pre_checkout_query("456", ok=True)
    assert await bot.refund_star_payment(CHAT, "stxCharge")
    assert await bot.send_chat_action(CHAT, "upload_photo")
    assert await bot.delete_message(CHAT, album[0].message_id)
    assert album[0].message_id not in tg.messages[CHAT]


async def test_wait_for_sees_calls_made_before_and_after(bot: Bot, tg: FakeTelegram) -> None:
    await bot.send_message(CHAT, "one")
    assert (await tg.wait_for("sendMessage")).params["text"] == "one"

    mark = tg.mark()
    task = asyncio.create_task(
        tg.wait_for(lambda c: c.method == "sendMessage" and c.params["text"] == "two", since=mark)
    )
    await asyncio.sleep(0)
    await bot.send_message(CHAT, "two")
    assert isinstance(await task, Call)
    with pytest.raises(TimeoutError, match="no call matching"):
        await tg.wait_for("sendVideo", timeout=0.05)


async def test_press_builds_callback_update_from_stored_message(bot: Bot, tg: FakeTelegram) -> None:
    await bot.send_message(CHAT, "Меню", reply_markup=keyboard(("💰 Баланс", "menu:balance")))
    update = Update.model_validate(tg.press(CHAT, "💰 Баланс", update_id=7))
    assert update.callback_query.data == "menu:balance"
    assert update.callback_query.message.message_id == 1
    with pytest.raises(LookupError):
        tg.press(CHAT, "nothing")


# ---- raw HTTP ----------------------------------------------------------------------------------------------


async def test_wrong_token_is_unauthorized(tg: FakeTelegram, http: aiohttp.ClientSession) -> None:
    async with http.post(tg.api_url("getMe", token="1:" + "x" * 35)) as response:
        assert response.status == 401
        assert await response.json() == {"ok": False, "error_code": 401, "description": "Unauthorized"}
    async with http.post(tg.api_url("noSuchMethod")) as response:
        assert response.status == 404
        assert (await response.json())["description"] == "Not Found"


async def test_text_length_limits(tg: FakeTelegram, http: aiohttp.ClientSession) -> None:
    async with http.post(tg.api_url("sendMessage"), json={"chat_id": CHAT, "text": "x" * 4097}) as response:
        assert response.status == 400
        assert (await response.json())["description"] == "Bad Request: message is too long"
    async with http.post(tg.api_url("sendMessage"), data={"chat_id": str(CHAT), "text": ""}) as response:
        assert (await response.json())["description"] == "Bad Request: message text is empty"
    async with http.post(tg.api_url("sendMessage"), json={"chat_id": CHAT, "text": "x" * 4096}) as response:
        assert response.status == 200
    body = {"chat_id": CHAT, "photo": "https://e.com/a.png", "caption": "c" * 1025}
    async with http.post(tg.api_url("sendPhoto"), json=body) as response:
        assert (await response.json())["description"] == "Bad Request: message caption is too long"


async def test_callback_data_over_64_bytes_is_rejected(tg: FakeTelegram, http: aiohttp.ClientSession) -> None:
    markup = '{"inline_keyboard": [[{"text": "go", "callback_data": "%s"}]]}' % ("я" * 33)  # 66 bytes
    form = {"chat_id": str(CHAT), "text": "hi", "reply_markup": markup}
    async with http.post(tg.api_url("sendMessage"), data=form) as response:
        assert response.status == 400
        assert (await response.json())["description"] == "Bad Request: BUTTON_DATA_INVALID"
    form["reply_markup"] = markup.replace("я" * 33, "я" * 32)  # 64 bytes: allowed
    async with http.post(tg.api_url("sendMessage"), data=form) as response:
        assert response.status == 200
        assert (await response.json())["result"]["reply_markup"]["inline_keyboard"][0][0]["text"] == "go"


async def test_overlapping_get_updates_conflict(tg: FakeTelegram, http: aiohttp.ClientSession) -> None:
    async def poll(timeout: int) -> tuple[int, dict]:
        async with http.post(tg.api_url("getUpdates"), json={"timeout": timeout}) as response:
            return response.status, await response.json()

    first = asyncio.create_task(poll(5))
    await asyncio.sleep(0.2)  # the first long poll is now waiting inside the fake
    second = await poll(0)
    status, body = await first
    assert second == (200, {"ok": True, "result": []})
    assert status == 409 and body["description"].startswith(
        "Conflict: terminated by other getUpdates request"
    )
    assert tg.conflicts == 1


async def test_multipart_upload_with_json_fields(tg: FakeTelegram, http: aiohttp.ClientSession) -> None:
    form = aiohttp.FormData()
    form.add_field("chat_id", str(CHAT))
    form.add_field("caption", "видео")
    form.add_field(
        "reply_markup", '{"inline_keyboard":[[{"text":"🔁 Сделать ещё раз","callback_data":"again"}]]}'
    )
    form.add_field("video", b"\x00\x00mp4", filename="out.mp4", content_type="video/mp4")
    async with http.post(tg.api_url("sendVideo"), data=form) as response:
        result = (await response.json())["result"]
    assert result["video"]["file_name"] == "out.mp4" and result["video"]["file_size"] == 5
    assert result["reply_markup"]["inline_keyboard"][0][0]["callback_data"] == "again"
    params = tg.calls("sendVideo")[0].params
    assert params["chat_id"] == CHAT and params["reply_markup"]["inline_keyboard"][0][0]["text"].startswith(
        "🔁"
    )


async def test_many_messages_per_second(tg: FakeTelegram, http: aiohttp.ClientSession) -> None:
    started = time.monotonic()

    async def send(i: int) -> int:
        async with http.post(
            tg.api_url("sendMessage"), json={"chat_id": CHAT + i % 50, "text": f"m{i}"}
        ) as response:
            return response.status

    statuses = await asyncio.gather(*(send(i) for i in range(1000)))
    assert set(statuses) == {200}
    assert time.monotonic() - started < 4  # far more than 500/s
    assert len(tg.calls("sendMessage", chat_id=CHAT)) == 20


async def test_reset_forgets_state(tg: FakeTelegram, http: aiohttp.ClientSession) -> None:
    async with http.post(tg.api_url("sendMessage"), json={"chat_id": CHAT, "text": "x"}) as response:
        assert response.status == 200
    tg.reset()
    assert tg.calls() == [] and tg.last_message(CHAT) is None


# ---- update factory ----------------------------------------------------------------------------------------


def test_update_factories_build_valid_updates() -> None:
    updates = [
        make_message_update(1, CHAT, "/start m-flux", username="ivan"),
        make_message_update(2, CHAT, photo=True, caption="подпись", media_group_id="g1"),
        make_message_update(3, CHAT, document={"file_name": "a.zip", "mime_type": "application/zip"}),
        make_message_update(4, CHAT, video="BAACvideo", audio=True, voice=True, sticker=True),
        make_message_update(5, CHAT, location=True, contact=True, animation=True),
        make_message_update(6, -100123, "/help@trt_test_bot", chat_type="supergroup", user_id=42),
        make_callback_update(7, CHAT, "nav:back", 3),
        make_edited_message_update(8, CHAT, 2, "fixed"),
        make_my_chat_member_update(9, CHAT),
        make_pre_checkout_update(10, CHAT, payload="order-1", total_amount=100),
        make_successful_payment_update(11, CHAT, payload="order-1", total_amount=100),
        make_channel_post_update(12, -100999, "news"),
    ]
    parsed = [Update.model_validate(u) for u in updates]
    assert [p.event_type for p in parsed] == [
        "message",
        "message",
        "message",
        "message",
        "message",
        "message",
        "callback_query",
        "edited_message",
        "my_chat_member",
        "pre_checkout_query",
        "message",
        "channel_post",
    ]
    assert parsed[0].message.entities[0].length == len("/start")
    assert parsed[5].message.entities[0].length == len("/help@trt_test_bot")
    assert parsed[1].message.photo[-1].width == 1280
    assert parsed[8].my_chat_member.new_chat_member.status == "kicked"
    assert parsed[10].message.successful_payment.telegram_payment_charge_id


async def test_throttle_answers_429_past_the_rate_and_refuses_early_retries(
    bot: Bot, tg: FakeTelegram
) -> None:
    tg.throttle(per_second=2, retry_after=1)
    await bot.send_message(1, "a")
    await bot.send_message(2, "b")
    with pytest.raises(TelegramRetryAfter) as refused:
        await bot.send_message(3, "c")
    assert refused.value.retry_after == 1
    assert tg.calls("sendMessage")[-1].response["parameters"] == {"retry_after": 1}
    assert tg.early_sends == 0
    with pytest.raises(TelegramRetryAfter):  # before the wait is over: refused again, and counted
        await bot.send_message(3, "c")
    assert tg.early_sends == 1
    await bot.answer_callback_query("cb-1")  # other methods are not throttled
    tg.throttle(0)
    await bot.send_message(3, "c")
    assert [c.status for c in tg.calls("sendMessage")] == [200, 200, 429, 429, 200]
