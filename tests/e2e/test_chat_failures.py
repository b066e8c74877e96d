"""💬 Тексты when things go wrong, through the real webhook: every Kie error code, 402 and the operator,
a model that never answers, ❌ Остановить mid-stream (Telegram's draft stop and the button), and a
restart between the hold and the answer."""

from __future__ import annotations

import asyncio
import re

import msgspec

from persistence import chat_runs, ledger
from runtime.chat.services import STOP_DATA
from sandbox.telegram import FakeTelegram
from tests.e2e.chat_harness import FAST, ChatUser, chat_app
from tests.e2e.harness import ADMIN_ID

REQUEST_ID = re.compile(r"R-[0-9A-HJKMNP-TV-Z]{6}")
# A long answer takes its time; only the stop ends it.
PATIENT = msgspec.structs.replace(FAST, timeout_cap_seconds=30.0)

FAILURES = [
    (401, "временно недоступен"),
    (402, "временно недоступен"),
    (408, "не ответила вовремя"),
    (422, "отклонила запрос: The model is not supported"),
    (429, "перегружена"),
    (455, "перегружена"),
    (500, "перегружена"),
    (501, "Что-то пошло не так"),
    (505, "Что-то пошло не так"),
]


async def test_each_kie_error_code_says_what_to_do_with_the_request_id_and_charges_nothing(db, database_url):
    async with chat_app(database_url) as (client, kie):
        for n, (code, says) in enumerate(FAILURES):
            user = ChatUser(client, kie, 71001 + n)
            await user.register(100_00)
            await user.open_dialog("gpt-5-2")
            kie.chat.faults.clear()
            kie.chat.fail_next(code, times=2)  # a refusal before any answer is sent once more
            notice = await user.say("Привет")
            assert says in notice and "Деньги не списаны" in notice, (code, notice)
            resent = code in (429, 455, 500)  # Kie refused before answering: nothing billed, sent again
            assert (
                len([c for c in kie.chat.calls if c.body["messages"][-1]["content"] == "Привет"])
                == n + 1 + sum(c in (429, 455, 500) for c, _ in FAILURES[:n]) + resent
            )
            request_id = REQUEST_ID.search(notice).group(0)
            run = await client.app.pool.fetchrow(
                "SELECT state, failure FROM chat_runs WHERE request_id = $1", request_id
            )
            assert run["state"] == "failed", code
            assert await user.balance() == ledger.Balance(100_00, 0), code
        assert await ledger.audit(client.app.pool) == []


async def test_402_alerts_the_operator_at_most_hourly_and_the_user_is_told_to_come_back(db, database_url):
    async with chat_app(database_url) as (client, kie):
        user = ChatUser(client, kie, 72001)
        await user.register(100_00)
        await user.open_dialog("claude-haiku-4-5")
        for _ in range(2):
            kie.chat.fail_next(402)
            assert "попробуйте чуть позже" in await user.say("Привет")
        alerts = user.tg.sent_texts(ADMIN_ID)
        assert len(alerts) == 1 and "402" in alerts[0]
        assert await user.balance() == ledger.Balance(100_00, 0)


async def test_a_model_that_never_answers_times_out_with_nothing_charged(db, database_url):
    async with chat_app(database_url) as (client, kie):
        user = ChatUser(client, kie, 73001)
        await user.register(100_00)
        await user.open_dialog("claude-sonnet-4-6")
        kie.chat.fail_next(mode="hang")
        notice = await user.say("Ответь когда-нибудь")
        assert "не ответила вовремя" in notice and REQUEST_ID.search(notice)
        assert await user.balance() == ledger.Balance(100_00, 0)


async def _long_answer_started(user: ChatUser) -> None:
    user.kie.chat.token_delay = 0.02
    user.kie.chat.queue_answer(" ".join(f"слово{n}" for n in range(400)))
    await user.send("Расскажи длинно")
    await user.wait_draft("слово5")


async def _stopped_run(user: ChatUser) -> chat_runs.Run:
    row = await user.pool.fetchrow("SELECT key FROM chat_runs WHERE chat_id = $1", user.chat_id)
    run = await chat_runs.get(user.pool, row["key"])
    assert run is not None
    return run


async def test_the_drafts_stop_button_stops_the_answer_and_charges_what_was_written(db, database_url):
    async with chat_app(database_url, timings=PATIENT) as (client, kie):
        user = ChatUser(client, kie, 74001)
        await user.register(100_00)
        await user.open_dialog("gpt-5-2")
        await _long_answer_started(user)
        draft = user.tg.drafts[user.chat_id]
        await user.stop_draft(draft["draft_id"])  # Telegram's stop on the draft: noticed when stored
        await client.settle(timeout=20)
        run = await _stopped_run(user)
        assert run.state == "stopped" and 0 < run.cost_kopecks < run.request["hold_kopecks"]
        final = user.last_text()
        assert final.startswith("слово0 слово1") and "слово399" not in final
        assert "⏹ Остановлено" in final and await user.balance() == ledger.Balance(
            100_00 - run.cost_kopecks, 0
        )
        assert kie.chat.closed_early == 1  # the connection to Kie was closed: no more tokens made


async def test_the_stop_button_of_an_edited_answer_works_while_it_streams(db, database_url):
    async with chat_app(database_url, timings=PATIENT) as (client, kie):
        user = ChatUser(client, kie, 75001)
        await user.register(100_00)
        await user.open_dialog("gemini-3-flash")
        # This Bot API server refuses drafts: one placeholder message with ❌ Остановить is edited.
        user.tg.fail_next("sendMessageDraft", error_code=400, description="Bad Request: method not found")
        kie.chat.token_delay = 0.02
        kie.chat.queue_answer(" ".join(f"слово{n}" for n in range(400)))
        await user.send("Расскажи длинно")
        for _ in range(500):
            message = user.last_message()
            if "слово5" in message.get("text", ""):
                break
            await asyncio.sleep(0.02)
        assert [b["text"] for b in user.tg.buttons(message)] == ["❌ Остановить"]
        await user.tap(STOP_DATA, message_id=message["message_id"])
        run = await _stopped_run(user)
        assert run.state == "stopped" and 0 < run.cost_kopecks
        assert "⏹ Остановлено" in user.tg.messages[user.chat_id][message["message_id"]]["text"]
        toasts = [c.params.get("text") for c in user.tg.calls("answerCallbackQuery")]
        assert "⏹ Останавливаю ответ" in toasts


async def test_a_restart_between_the_hold_and_the_answer_answers_once(db, database_url):
    async with FakeTelegram() as tg:
        await _restart_mid_answer(db, database_url, tg)


async def _restart_mid_answer(db, database_url: str, tg: FakeTelegram) -> None:
    async with chat_app(database_url, tg=tg) as (client, kie):
        user = ChatUser(client, kie, 76001)
        await user.register(100_00)
        await user.open_dialog("gpt-5-2")
        kie.chat.fail_next(mode="hang")  # the answer never comes: the instance dies meanwhile
        await user.send("Привет")
        for _ in range(500):
            if kie.chat.calls:
                break
            await asyncio.sleep(0.02)
        held = (await user.balance()).held
        assert held > 0
        for task in list(client.app.worker._in_flight):  # the process dies mid-answer
            task.cancel()
        await asyncio.sleep(0.1)
    # A new instance on the same database, once the old lease has run out.
    await db.execute("UPDATE inbox SET lease_until = now() - interval '1 second' WHERE status = 'replying'")
    kie2_answer = "Ответ после перезапуска"
    async with chat_app(database_url, tg=tg) as (client, kie):
        user = ChatUser(client, kie, 76001)
        kie.chat.bill = 0.01
        kie.chat.queue_answer(kie2_answer)
        await client.settle(timeout=20)
        assert [t for t in user.texts() if t.startswith(kie2_answer)] == [
            f"{kie2_answer}\n\n· 0,01 ₽ · на балансе 99,99 ₽"
        ]
        run = await _stopped_run(user)
        assert (run.state, run.attempts, run.cost_kopecks) == ("answered", 2, 1)
        assert len(kie.chat.calls) == 1 and await user.balance() == ledger.Balance(100_00 - 1, 0)
        assert msgspec.to_builtins(run.request)["text"] == "Привет"
