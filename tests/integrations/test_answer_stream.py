"""The streamed answer on the fake Bot API: drafts at most once per interval, the edit fallback where
drafts are refused, 429 honoured, long answers split, unparsable HTML resent as plain text."""

from __future__ import annotations

import asyncio

import pytest

from flows.screens import Button
from integrations.telegram.bot import create_bot
from integrations.telegram.streaming import AnswerStream
from sandbox.telegram import DEFAULT_TOKEN, FakeTelegram

CHAT = 4242
INTERVAL = 0.2
BUTTONS = ((Button("🧹 Новый диалог", data="chat:new"), Button("🧭 Другая модель", data="chat:other")),)
STOP = ((Button("❌ Остановить", data="chat:stop"),),)


@pytest.fixture
async def tg():
    async with FakeTelegram() as fake:
        bot = create_bot(DEFAULT_TOKEN, fake.base_url)
        yield fake, bot
        await bot.session.close()


def stream(bot, **kw):
    return AnswerStream(
        bot, CHAT, draft_id=77, placeholder="✍️ печатает…", stop_buttons=STOP, min_interval=INTERVAL, **kw
    )


async def feed(out, words, delay):
    text = ""
    for word in words:
        text += word
        out.show(text)
        await asyncio.sleep(delay)
    return text


def spaced(calls):
    times = [c.at for c in calls]
    return all(b - a >= INTERVAL * 0.5 for a, b in zip(times, times[1:], strict=False))


async def test_drafts_while_generating_then_the_final_message(tg):
    fake, bot = tg
    out = stream(bot)
    started = asyncio.get_running_loop().time()
    await out.start()
    text = await feed(out, [f"слово{n} " for n in range(40)], 0.02)  # 0.8 s of words, every 20 ms
    elapsed = asyncio.get_running_loop().time() - started
    ids = await out.finish(text + "**конец**", "· 0,42 ₽ · на балансе 281,58 ₽", BUTTONS)
    drafts = fake.calls("sendMessageDraft")
    # About one per interval, never one per word (40 words).
    assert 2 <= len(drafts) <= elapsed / INTERVAL + 2 and spaced(drafts)
    assert drafts[0].params["text"] == "✍️ печатает…" and drafts[0].params["draft_id"] == 77
    assert drafts[-1].params["text"].startswith("слово0 слово1")
    sent = fake.messages[CHAT][ids[-1]]
    assert sent["text"].endswith("конец\n\n· 0,42 ₽ · на балансе 281,58 ₽")
    assert [b["text"] for b in sent["reply_markup"]["inline_keyboard"][0]] == [
        "🧹 Новый диалог",
        "🧭 Другая модель",
    ]
    assert out.first_update_at is not None and out.updates_sent == len(drafts)


async def test_where_drafts_are_refused_one_message_is_edited(tg):
    fake, bot = tg
    fake.fail_next("sendMessageDraft", error_code=400, description="Bad Request: method is not available")
    out = stream(bot)
    await out.start()
    text = await feed(out, [f"w{n} " for n in range(30)], 0.02)
    ids = await out.finish(text, "· 1 ₽", BUTTONS)
    placeholder = fake.calls("sendMessage")[0]
    assert placeholder.params["reply_markup"]["inline_keyboard"][0][0]["text"] == "❌ Остановить"
    edits = fake.calls("editMessageText")
    assert len(edits) >= 2 and spaced(edits)
    assert ids == [placeholder.response["result"]["message_id"]]  # the final answer replaced the placeholder
    assert len(fake.calls("sendMessage")) == 1
    assert fake.messages[CHAT][ids[0]]["text"].startswith("w0 w1")


async def test_a_429_pauses_previews_for_retry_after(tg):
    fake, bot = tg
    out = stream(bot)
    await out.start()
    fake.fail_next(
        "sendMessageDraft", error_code=429, description="Too Many Requests: retry after 1", retry_after=1
    )
    text = await feed(out, [f"w{n} " for n in range(60)], 0.025)
    await out.finish(text, "", BUTTONS)
    drafts = [c for c in fake.calls("sendMessageDraft")]
    refused = next(i for i, c in enumerate(drafts) if c.status == 429)
    assert drafts[refused + 1].at - drafts[refused].at >= 0.8


async def test_a_long_answer_goes_in_parts_with_the_buttons_under_the_last(tg):
    fake, bot = tg
    out = stream(bot, use_drafts=False)
    await out.start()
    answer = "\n\n".join(f"Абзац {n}: " + "текст " * 200 for n in range(8))
    ids = await out.finish(answer, "· 3 ₽", BUTTONS)
    assert len(ids) >= 3
    texts = [fake.messages[CHAT][i]["text"] for i in ids]
    assert all(len(t) <= 4096 for t in texts) and texts[-1].endswith("· 3 ₽")
    assert (
        "reply_markup" in fake.messages[CHAT][ids[-1]] and "reply_markup" not in fake.messages[CHAT][ids[1]]
    )


async def test_an_answer_telegram_cannot_parse_is_resent_as_plain_text(tg):
    fake, bot = tg
    out = stream(bot)
    await out.start()
    fake.fail_next(
        "sendMessage", error_code=400, description="Bad Request: can't parse entities: Unsupported start tag"
    )
    ids = await out.finish("**Жирный** ответ", "· 1 ₽", BUTTONS)
    message = fake.messages[CHAT][ids[0]]
    assert message["text"] == "Жирный ответ\n\n· 1 ₽" and "entities" not in message
    assert fake.calls("sendMessage")[-1].params.get("parse_mode") is None


async def test_abandon_replaces_the_preview_with_a_notice(tg):
    fake, bot = tg
    out = stream(bot, use_drafts=False)
    await out.start()
    out.show("начало ответа")
    await asyncio.sleep(INTERVAL * 1.5)
    message_id = await out.abandon("⌛ Модель не ответила вовремя.")
    assert fake.messages[CHAT][message_id]["text"] == "⌛ Модель не ответила вовремя."


async def test_a_preview_slow_to_leave_still_keeps_a_full_interval_before_the_next_at_telegram(tg):
    """Regression (bench.chat under load: two drafts 0.93 s apart): spacing counted from when a request
    left let a request delayed on its way (a busy event loop, a pooled connection) and a quick next one
    reach Telegram closer than the interval."""
    fake, bot = tg
    send = bot.send_message_draft
    delayed = []

    async def slow_first(**kw):
        if not delayed:
            delayed.append(1)
            await asyncio.sleep(INTERVAL * 0.75)  # on its way for most of the interval
        return await send(**kw)

    bot.send_message_draft = slow_first
    out = stream(bot)
    await out.start()
    text = await feed(out, [f"слово{n} " for n in range(30)], 0.02)
    await out.finish(text, "", BUTTONS)
    times = [c.at for c in fake.call_log if c.method in ("sendMessageDraft", "sendMessage")]
    assert len(times) >= 3
    assert min(b - a for a, b in zip(times, times[1:], strict=False)) >= INTERVAL * 0.95
