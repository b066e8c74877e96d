"""The web chat's emulator and HTTP API, without the bot: a stub webhook stands in for it."""

from __future__ import annotations

import asyncio
import io
import json
import random

import aiohttp
import pytest
from aiohttp import web
from PIL import Image

from sandbox import media
from sandbox.simulated_kie import SimulatedKie
from sandbox.webchat import transcript
from sandbox.webchat.emulator import LiveTelegram, Person
from sandbox.webchat.server import build_webchat_app

USER = Person(501, "Аня", "anya")
ADMIN = Person(909, "Оператор", "op")


class StubBot:
    """Receives webhook updates; answers each with the next status of `statuses` (then 200)."""

    def __init__(self) -> None:
        self.updates: list[dict] = []
        self.headers: list[dict] = []
        self.statuses: list[int] = []
        self.arrived = asyncio.Event()

    async def hook(self, request: web.Request) -> web.Response:
        status = self.statuses.pop(0) if self.statuses else 200
        if status == 200:
            self.updates.append(await request.json())
            self.headers.append(dict(request.headers))
            self.arrived.set()
        return web.Response(status=status)

    async def next(self, count: int = 1) -> list[dict]:
        for _ in range(500):  # up to 10 s: generous, the check is what arrives, not how fast
            if len(self.updates) >= count:
                return self.updates
            await asyncio.sleep(0.02)
        raise AssertionError(f"expected {count} updates, got {self.updates}")


@pytest.fixture
async def world():
    tg = LiveTelegram({"user": USER, "admin": ADMIN})
    await tg.start()
    kie = SimulatedKie(delay_scale=0)
    await kie.start()
    bot = StubBot()
    bot_app = web.Application()
    bot_app.router.add_post("/hook", bot.hook)
    bot_runner = web.AppRunner(bot_app)
    await bot_runner.setup()
    await web.TCPSite(bot_runner, "127.0.0.1", 0).start()
    bot_url = f"http://127.0.0.1:{bot_runner.addresses[0][1]}/hook"
    page_runner = web.AppRunner(build_webchat_app(tg, kie=kie))
    await page_runner.setup()
    await web.TCPSite(page_runner, "127.0.0.1", 0).start()
    page = f"http://127.0.0.1:{page_runner.addresses[0][1]}"
    async with aiohttp.ClientSession() as http:

        async def api(method: str, **params):
            async with http.post(tg.api_url(method), json=params) as response:
                return response.status, await response.json()

        await api("setWebhook", url=bot_url, secret_token="s3cret")
        yield tg, kie, bot, http, page, api
    await page_runner.cleanup()
    await bot_runner.cleanup()
    await kie.stop()
    await tg.stop()


async def post(http, url, **kwargs):
    async with http.post(url, **kwargs) as response:
        return response.status, await response.json()


async def next_event(events: asyncio.Queue, kind: str) -> dict:
    while True:
        event = await asyncio.wait_for(events.get(), 2)
        if event["type"] == kind:
            return event


async def state(http, page):
    async with http.get(page + "/api/state") as response:
        return await response.json()


async def test_typed_text_reaches_the_webhook_as_telegram_sends_it(world):
    tg, _, bot, http, page, _ = world
    status, answer = await post(http, page + "/api/user/send", json={"text": "/start"})
    assert status == 200
    (update,) = await bot.next()
    message = update["message"]
    assert message["from"] == {
        "id": 501,
        "is_bot": False,
        "first_name": "Аня",
        "username": "anya",
        "language_code": "ru",
    }
    assert message["chat"]["id"] == 501 and message["entities"][0]["type"] == "bot_command"
    assert bot.headers[0]["X-Telegram-Bot-Api-Secret-Token"] == "s3cret"
    # The person's own message is in the chat, with the same id the bot got.
    shown = (await state(http, page))["chats"]["user"]["messages"]
    assert [m["message_id"] for m in shown] == [message["message_id"]]


async def test_update_ids_keep_growing_across_runs_so_the_bots_dedup_never_drops_them():
    first = LiveTelegram({"user": USER})
    later = LiveTelegram({"user": USER})
    assert first.next_update_id() > 10**12
    assert later.next_update_id() > first.next_update_id() - 1000


async def test_a_tap_becomes_a_callback_query_and_its_answer_a_toast(world):
    tg, _, bot, http, page, api = world
    keyboard = {"inline_keyboard": [[{"text": "🎨 Изображения", "callback_data": "cat:image:0"}]]}
    _, sent = await api("sendMessage", chat_id=501, text="Меню", reply_markup=keyboard)
    events = tg.listen()
    status, _ = await post(
        http, page + "/api/user/tap", json={"message_id": sent["result"]["message_id"], "data": "cat:image:0"}
    )
    assert status == 200
    (update,) = await bot.next()
    query = update["callback_query"]
    assert query["data"] == "cat:image:0" and query["message"]["text"] == "Меню"
    await api("answerCallbackQuery", callback_query_id=query["id"], text="Готово")
    toast = await next_event(events, "toast")
    assert toast == {"type": "toast", "chat": 501, "text": "Готово", "alert": False}
    # A button that is not there is refused, and nothing reaches the bot.
    status, answer = await post(http, page + "/api/user/tap", json={"message_id": 1, "data": "forged"})
    assert status == 400 and "no such button" in answer["error"]


async def test_edits_deletes_and_typing_reach_the_page(world):
    tg, _, _, _, _, api = world
    events = tg.listen()
    _, sent = await api("sendMessage", chat_id=501, text="раз")
    message_id = sent["result"]["message_id"]
    await api("editMessageText", chat_id=501, message_id=message_id, text="<b>два</b>", parse_mode="HTML")
    await api("sendChatAction", chat_id=501, action="upload_photo")
    await api("deleteMessage", chat_id=501, message_id=message_id)
    seen = [await asyncio.wait_for(events.get(), 2) for _ in range(4)]
    assert [e["type"] for e in seen] == ["message", "message", "action", "delete"]
    assert seen[1]["message"]["entities"][0]["type"] == "bold" and "edit_date" in seen[1]["message"]
    assert seen[2]["action"] == "upload_photo" and seen[3]["message_id"] == message_id


async def test_a_result_url_on_this_machine_is_downloaded_whole_like_telegram_does(world):
    tg, kie, _, http, page, api = world
    png = io.BytesIO()
    # Bigger than one network read, so a partial read would show (a regression: truncated pictures).
    Image.frombytes("RGB", (600, 400), random.Random(7).randbytes(600 * 400 * 3)).save(png, format="PNG")
    assert len(png.getvalue()) > 300_000
    url = kie.serve_file("results/t/0.png", png.getvalue(), "image/png")
    status, sent = await api("sendPhoto", chat_id=501, photo=url)
    assert status == 200
    file_id = sent["result"]["photo"][-1]["file_id"]
    async with http.get(f"{page}/media/{file_id}") as response:
        assert response.content_type == "image/png"
        assert await response.read() == png.getvalue()


async def test_a_url_off_this_machine_is_refused_without_a_connection(world, monkeypatch):
    tg, _, _, _, _, api = world
    attempted = []
    original = tg._fetcher.get
    monkeypatch.setattr(tg._fetcher, "get", lambda url, **kw: attempted.append(url) or original(url, **kw))
    status, answer = await api("sendPhoto", chat_id=501, photo="https://example.com/cat.png")
    assert (status, answer["description"]) == (400, "Bad Request: failed to get HTTP URL content")
    assert attempted == []


async def test_uploads_become_photos_documents_and_albums_with_their_real_sizes(world):
    tg, _, bot, http, page, api = world
    png = io.BytesIO()
    Image.new("RGB", (640, 480), (200, 10, 10)).save(png, format="PNG")
    form = aiohttp.FormData()
    form.add_field("file", png.getvalue(), filename="cat.png", content_type="image/png")
    form.add_field("caption", "мой кот")
    status, _ = await post(http, page + "/api/user/upload", data=form)
    assert status == 200
    (update,) = await bot.next()
    photo = update["message"]["photo"][-1]
    assert (photo["width"], photo["height"], photo["file_size"]) == (640, 480, len(png.getvalue()))
    assert update["message"]["caption"] == "мой кот"
    # The bot downloads it through getFile like any Telegram file.
    _, file = await api("getFile", file_id=photo["file_id"])
    async with http.get(tg.file_url(file["result"]["file_path"])) as response:
        assert await response.read() == png.getvalue()

    album = aiohttp.FormData()
    for name in ("a.pdf", "b.pdf"):
        album.add_field("file", b"%PDF-1.4 demo", filename=name, content_type="application/pdf")
    await post(http, page + "/api/user/upload", data=album)
    updates = await bot.next(3)
    documents = [u["message"] for u in updates[1:]]
    assert [d["document"]["file_name"] for d in documents] == ["a.pdf", "b.pdf"]
    assert documents[0]["media_group_id"] == documents[1]["media_group_id"]


async def test_uploads_over_the_bot_api_limits_get_telegrams_errors(world):
    tg, _, bot, http, page, api = world
    big = aiohttp.FormData()
    big.add_field(
        "file", b"\0" * (21 * 1024 * 1024), filename="big.bin", content_type="application/octet-stream"
    )
    status, _ = await post(http, page + "/api/user/upload", data=big)
    assert status == 200  # a person may send it; the bot may not download it
    (update,) = await bot.next()
    status, answer = await api("getFile", file_id=update["message"]["document"]["file_id"])
    assert (status, answer["description"]) == (400, "Bad Request: file is too big")

    huge = aiohttp.FormData()
    huge.add_field("file", b"\0" * (50 * 1024 * 1024 + 1), filename="huge.bin")
    status, answer = await post(http, page + "/api/user/upload", data=huge)
    assert (status, answer["error"]) == (413, "Request Entity Too Large")
    await asyncio.sleep(0.1)
    assert len(bot.updates) == 1


async def test_a_stars_invoice_is_paid_with_a_click(world):
    tg, _, bot, http, page, api = world
    _, sent = await api(
        "sendInvoice",
        chat_id=501,
        title="Пополнение",
        description="500 ₽",
        payload="stars:abc",
        currency="XTR",
        prices=[{"label": "500 ₽", "amount": 250}],
    )
    message_id = sent["result"]["message_id"]

    async def bot_confirms():
        (update,) = await bot.next()
        query = update["pre_checkout_query"]
        assert (query["invoice_payload"], query["total_amount"], query["currency"]) == (
            "stars:abc",
            250,
            "XTR",
        )
        await api("answerPreCheckoutQuery", pre_checkout_query_id=query["id"], ok=True)

    confirming = asyncio.create_task(bot_confirms())
    status, paid = await post(http, page + "/api/user/pay", json={"message_id": message_id})
    await confirming
    assert status == 200
    updates = await bot.next(2)
    payment = updates[1]["message"]["successful_payment"]
    assert (payment["invoice_payload"], payment["total_amount"]) == ("stars:abc", 250)
    assert payment["telegram_payment_charge_id"]


async def test_a_declined_payment_shows_the_bots_reason(world):
    tg, _, bot, http, page, api = world
    _, sent = await api(
        "sendInvoice",
        chat_id=501,
        title="T",
        description="D",
        payload="p",
        currency="XTR",
        prices=[{"label": "x", "amount": 5}],
    )

    async def bot_declines():
        (update,) = await bot.next()
        await api(
            "answerPreCheckoutQuery",
            pre_checkout_query_id=update["pre_checkout_query"]["id"],
            ok=False,
            error_message="Пакет больше не продаётся",
        )

    declining = asyncio.create_task(bot_declines())
    status, answer = await post(
        http, page + "/api/user/pay", json={"message_id": sent["result"]["message_id"]}
    )
    await declining
    assert (status, answer["error"]) == (402, "Пакет больше не продаётся")
    await asyncio.sleep(0.1)
    assert len(bot.updates) == 1  # no successful_payment


async def test_updates_wait_while_the_bot_is_down_and_arrive_in_order(world):
    tg, _, bot, http, page, _ = world
    events = tg.listen()
    bot.statuses = [503]
    await post(http, page + "/api/user/send", json={"text": "первое"})
    await post(http, page + "/api/user/send", json={"text": "второе"})
    updates = await bot.next(2)
    assert [u["message"]["text"] for u in updates] == ["первое", "второе"]
    statuses = []
    while not events.empty():
        event = events.get_nowait()
        if event["type"] == "status":
            statuses.append((event["status"], event["detail"]))
    assert statuses == [("down", "the bot's webhook answered HTTP 503"), ("ok", "")]


async def test_the_failure_switch_and_the_page_are_served(world):
    tg, kie, _, http, page, _ = world
    status, answer = await post(http, page + "/api/demo/fail-next", json={"on": True})
    assert (status, answer, kie.fail_next_run) == (200, {"fail_next": True}, True)
    async with http.get(page + "/") as response:
        html = await response.text()
        assert response.status == 200 and "/static/app.js" in html
    async with http.get(page + "/static/app.js") as response:
        assert response.status == 200
    body = await state(http, page)
    assert body["fail_next"] is True and set(body["chats"]) == {"user", "admin"}
    assert json.dumps(body)  # plain JSON for the page


async def test_what_telegram_reads_from_a_sent_file_is_read_from_it(world):
    tg, kie, _, _, _, api = world
    url = kie.serve_file("results/t/0.wav", media.melody("песня", seconds=3.0).data, "audio/wav")
    _, sent = await api("sendAudio", chat_id=501, audio=url)
    audio = sent["result"]["audio"]
    assert (audio["mime_type"], audio["duration"], audio["file_name"]) == ("audio/wav", 3, "0.wav")
    picture = media.picture("кот", model="m", ratio="9:16", long_side=320)
    _, sent = await api(
        "sendPhoto", chat_id=501, photo=kie.serve_file("results/t/1.png", picture.data, "image/png")
    )
    largest = sent["result"]["photo"][-1]
    assert (largest["width"], largest["height"]) == (180, 320)


async def test_a_persons_own_message_cannot_be_edited_by_the_bot(world):
    tg, _, bot, http, page, api = world
    _, answer = await post(http, page + "/api/user/send", json={"text": "моё"})
    status, refused = await api(
        "editMessageText", chat_id=501, message_id=answer["message"]["message_id"], text="x"
    )
    assert (status, refused["description"]) == (400, "Bad Request: message can't be edited")


async def test_the_transcript_survives_a_restart_with_files_counters_and_invoices(world, tmp_path):
    tg, kie, _, http, page, api = world
    await post(http, page + "/api/user/send", json={"text": "привет"})
    picture = media.picture("кот", model="m", long_side=64)
    _, photo = await api("sendPhoto", chat_id=501, photo=kie.serve_file("r/0.png", picture.data, "image/png"))
    _, invoice = await api(
        "sendInvoice",
        chat_id=501,
        title="T",
        description="D",
        payload="stars:1",
        currency="XTR",
        prices=[{"label": "x", "amount": 5}],
    )
    transcript.save(tg, tmp_path / "telegram")

    again = LiveTelegram({"user": USER, "admin": ADMIN})
    assert transcript.load(again, tmp_path / "telegram") == 3
    assert again.history("user") == tg.history("user")
    file_id = photo["result"]["photo"][-1]["file_id"]
    assert again.files[file_id].data == picture.data
    assert again.invoices[(501, invoice["result"]["message_id"])].payload == "stars:1"
    # New messages continue the numbering: the bot's stored message ids keep meaning the same messages.
    assert again.send_text("user", "снова")["message_id"] == invoice["result"]["message_id"] + 1


def test_an_unreadable_transcript_starts_empty_chats(tmp_path):
    folder = tmp_path / "telegram"
    folder.mkdir()
    (folder / "chat.json").write_text('{"version": 1, "messages": {"501": [{"no": "id"}]}, "files": []}')
    tg = LiveTelegram({"user": USER})
    assert transcript.load(tg, folder) == 0
    assert tg.history("user") == [] and tg.files == {}


async def test_a_streamed_draft_reaches_the_page_and_its_stop_button_reaches_the_bot(world):
    tg, _, bot, http, page, api = world
    events = tg.listen()
    await api("sendMessageDraft", chat_id=501, draft_id=77, text="✍️ печатает…", can_stop=True)
    await api("sendMessageDraft", chat_id=501, draft_id=77, text="Ответ <b>пишется</b>", parse_mode="HTML")
    first, second = await next_event(events, "draft"), await next_event(events, "draft")
    assert (first["text"], first["can_stop"]) == ("✍️ печатает…", True)
    assert second["text"] == "Ответ пишется" and second["entities"][0]["type"] == "bold"
    status, answer = await post(http, page + "/api/user/stop", json={})
    assert status == 200 and answer == {"draft_id": 77}
    (update,) = await bot.next()
    assert update["stopped_message_generation"] == {
        "chat": {"id": 501, "type": "private", "first_name": "Test"},
        "draft_id": 77,
    }
    assert (await next_event(events, "draft_stopped"))["chat"] == 501
    # The bot's final message replaces the draft: nothing is left to stop.
    await api("sendMessage", chat_id=501, text="Ответ пишется")
    status, answer = await post(http, page + "/api/user/stop", json={})
    assert status == 409 and "nothing is being written" in answer["error"]
