"""💬 Тексты and money through the real webhook: the hold, the capture and the release exact to the
kopeck, the free text quota by the Moscow day, the top-up offer that keeps the message and sends it
after the top-up, and photos (to a vision model through Kie's upload; refused with a suggestion by a
model without vision); voice gets a hint."""

from __future__ import annotations

import datetime as dt

from persistence import ledger
from tests.e2e.chat_harness import ChatUser, chat_app
from tests.e2e.harness import ADMIN_ID

JPEG = b"\xff\xd8\xff\xe0" + b"jpeg bytes" * 100


async def test_the_hold_the_capture_and_the_release_are_exact_to_the_kopeck(db, database_url):
    async with chat_app(database_url) as (client, kie):
        user = ChatUser(client, kie, 81001)
        await user.register(100_00)
        await user.open_dialog("gpt-5-2")
        kie.chat.bill = 0.48
        kie.chat.token_delay = 0.02
        kie.chat.queue_answer(" ".join(["Марс"] * 30))
        await user.send("Расскажи о Марсе")
        await user.wait_draft("Марс Марс")
        # Held while it is written: the most this answer can cost. The context is the system prompt
        # (139 tokens by the upper estimate) + the message (14) + Kie's hidden prompt (100) at 88
        # credits per million, plus max_tokens 2 048 at 700: 1.455864 credits × 95 kopecks = 138.31 → 139.
        assert await user.balance() == ledger.Balance(100_00 - 139, 139)
        await client.settle(timeout=20)
        # Kie billed 0.48 credits: 45.6 → 46 kopecks captured, 93 back.
        assert await user.balance() == ledger.Balance(100_00 - 46, 0)
        assert user.last_text().endswith("· 0,46 ₽ · на балансе 99,54 ₽")
        moves = [
            (e.kind, e.available_change, e.held_change)
            for e in await ledger.entries(client.app.pool, user.chat_id)
        ]
        # One settling transaction: 93 back to the user, 46 to revenue, the 139 held gone.
        assert moves == [("release", 93, -139), ("hold", -139, 139), ("topup", 100_00, 0)]
        assert await ledger.revenue(client.app.pool) == 46
        assert await ledger.audit(client.app.pool) == []


async def test_free_answers_count_by_the_moscow_day(db, database_url):
    async with chat_app(database_url) as (client, kie):
        pool = client.app.pool
        user = ChatUser(client, kie, 82001)
        await user.register()  # no money at all
        moscow_today = await pool.fetchval("SELECT (now() AT TIME ZONE 'Europe/Moscow')::date")
        # Yesterday (by Moscow's calendar) every free answer was used: today starts afresh.
        await pool.execute(
            "INSERT INTO free_text_days (user_id, day, used) VALUES ($1, $2, 20)",
            user.chat_id,
            moscow_today - dt.timedelta(days=1),
        )
        await user.say("/start")
        await user.press("💬 Тексты")
        assert user.buttons()[0] == "Gemini 2.5 Flash · бесплатно, осталось 20 из 20"
        await user.open_dialog("gemini-2.5-flash")
        answer = await user.say("Привет")
        assert answer.endswith("· бесплатно · осталось 19 из 20")
        assert (
            await pool.fetchval(
                "SELECT day FROM free_text_days WHERE user_id = $1 AND used = 1", user.chat_id
            )
            == moscow_today
        )
        # The day's quota used up: the next answer needs money, and there is none — the top-up offer.
        await pool.execute(
            "UPDATE free_text_days SET used = 20 WHERE user_id = $1 AND day = $2", user.chat_id, moscow_today
        )
        calls = len(kie.chat.calls)
        offer = await user.say("Ещё вопрос")
        assert "Пополните баланс" in offer and len(kie.chat.calls) == calls
        assert await user.balance() == ledger.Balance(0, 0)


async def test_the_top_up_offer_keeps_the_message_and_sends_it_after_the_top_up(db, database_url):
    async with chat_app(database_url) as (client, kie):
        user = ChatUser(client, kie, 83001)
        admin = ChatUser(client, kie, ADMIN_ID)
        await user.register()
        await user.open_dialog("gpt-5-2")
        offer = await user.say("Напиши стихи о море")
        assert "Для ответа нужно до 1,39 ₽" in offer and "доступно 0 ₽" in offer
        assert user.buttons() == ["💳 Пополнить", "🧭 Другая модель"]
        await user.press("💳 Пополнить")
        await user.press("100 ₽")
        sent = await user.press("Я оплатил")
        assert "💬 Вернуться к диалогу" in user.buttons(), sent
        await admin.press("✅ Подтвердить")
        assert await user.balance() == ledger.Balance(100_00, 0)
        assert not kie.chat.calls  # nothing went to the model before the money was there
        kie.chat.bill = 0.2
        kie.chat.queue_answer("Море шумит…")
        answer = await user.press("💬 Вернуться к диалогу")
        assert kie.chat.calls[-1].body["messages"][-1]["content"] == "Напиши стихи о море"
        assert answer == "Море шумит…\n\n· 0,19 ₽ · на балансе 99,81 ₽"


async def test_a_photo_goes_to_a_vision_model_through_kies_upload(db, database_url):
    async with chat_app(database_url) as (client, kie):
        user = ChatUser(client, kie, 84001)
        await user.register(100_00)
        await user.open_dialog("gpt-5-2")
        user.tg.add_file("photo-84001", JPEG, "photos/p1.jpg")
        kie.chat.queue_answer("На фото — море.")
        answer = await user.say(photo="photo-84001", caption="Что на фото?")
        assert answer.startswith("На фото — море.")
        content = kie.chat.calls[-1].body["messages"][-1]["content"]
        assert content[0] == {"type": "text", "text": "Что на фото?"}
        url = content[1]["image_url"]["url"]
        assert url.startswith(kie.base_url + "/files/") and kie.files[url.split("/files/", 1)[1]][0] == JPEG
        assert user.tg.token not in str(kie.chat.calls[-1].body)  # never a Telegram URL with the token


async def test_a_model_without_vision_refuses_a_photo_and_suggests_one_that_sees(db, database_url):
    async with chat_app(database_url) as (client, kie):
        user = ChatUser(client, kie, 85001)
        await user.register(100_00)
        await user.open_dialog("claude-sonnet-4-6")
        notice = await user.say(photo="photo-85001", caption="Что на фото?")
        assert notice.startswith("Claude Sonnet 4.6 не понимает фото.") and "Gemini 2.5 Flash" in notice
        assert user.buttons() == ["🖼 Gemini 2.5 Flash", "🖼 GPT-5.2"]
        assert not kie.chat.calls and not kie.uploads and await user.balance() == ledger.Balance(100_00, 0)
        card = await user.press("🖼 GPT-5.2")
        assert "Понимает фото" in card
        await user.open_dialog("claude-sonnet-4-6")
        assert "Голосовые пока не распознаю" in await user.say(voice=True)
        assert "Такой файл модель не прочтёт" in await user.say(document=True)
        assert not kie.chat.calls
