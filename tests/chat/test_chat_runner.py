"""Chat turns end to end (below the router): streamed answers, money exact to the kopeck, failures,
restarts, duplicates, stop, vision, the free quota."""

from __future__ import annotations

import asyncio
import json
import math

import pytest

from flows.chat.pricing import TurnUsage, token_credits
from flows.chat.turn import turn_key
from persistence import chat_free, chat_runs, dialogs, ledger
from runtime.chat import stop
from runtime.chat.services import STOP_DATA
from runtime.updates import UpdateHead, head_of, parse_update
from sandbox.telegram import DEFAULT_TOKEN
from tests.chat.conftest import ADMIN, CATALOG, POLICY, USER

PROTOCOL_MODELS = ["gpt-5-2", "claude-sonnet-4-6", "gpt-5-4"]  # OpenAI chat, Anthropic, Responses


def key_of(request) -> str:
    return turn_key(request.request_id, request.user_id, request.model_id)


@pytest.mark.parametrize("model_id", PROTOCOL_MODELS)
async def test_a_streamed_answer_is_charged_what_kie_billed(world, model_id):
    await world.top_up(100_00)
    world.kie.bill = 0.48  # Kie's credits_consumed: 0.48 × $0.005 × 95 ₽ × 2 = 45.6 kop → 46
    world.kie.queue_answer("Первое слово, второе **жирное**.\n\n- пункт")
    request = await world.turn(model_id, "Расскажи")
    assert request.hold_kopecks > 46
    assert await world.balance() == ledger.Balance(100_00 - 46, 0)
    assert world.tg.drafts[USER]["draft_id"]  # previews went out as drafts
    final = world.texts()[-1]
    assert final == "Первое слово, второе жирное.\n\n• пункт\n\n· 0,46 ₽ · на балансе 99,54 ₽"
    run = await chat_runs.get(world.pool, key_of(request))
    assert (run.state, run.cost_kopecks, run.attempts) == ("answered", 46, 1) and run.delivered_at
    turns = await dialogs.recent_turns(world.pool, run.dialog_id)
    assert [(t.role, t.cost_kopecks) for t in turns] == [("user", None), ("assistant", 46)]
    assert await ledger.audit(world.pool) == []


async def test_without_kies_bill_usage_times_price(world):
    await world.top_up(100_00)
    world.kie.fail_next(mode="no_credits")
    world.kie.queue_answer("раз два три")
    await world.turn("gpt-5-2", "Сосчитай")
    body = world.kie.calls[-1].body
    # The fake's usage: len(text)//4 + 1 per message (system included) + 80 hidden; 3 words out.
    prompt = sum(len(m["content"]) // 4 + 1 for m in body["messages"]) + 80
    credits = token_credits(CATALOG.text.get("gpt-5-2"), prompt, 3)
    expected = math.ceil(credits * 95)  # 1 credit = 95 kop under the policy
    assert await world.balance() == ledger.Balance(100_00 - expected, 0)


async def test_the_dialog_context_goes_with_the_next_message(world):
    await world.top_up(100_00)
    world.kie.queue_answer("Меня зовут Модель.")
    await world.turn("claude-haiku-4-5", "Как тебя зовут?", mode="coder")
    world.kie.queue_answer("Вы спрашивали, как меня зовут.")
    await world.turn("claude-haiku-4-5", "О чём я спрашивал?")
    body = world.kie.calls[-1].body
    assert [m["role"] for m in body["messages"]] == ["user", "assistant", "user"]
    assert body["messages"][1]["content"] == "Меня зовут Модель."
    assert "программист" in body["system"]  # the dialog's mode: coder
    assert "thinkingFlag" not in body and body["stream"] is True  # Haiku's page has no thinking switch


async def test_a_duplicate_update_never_calls_the_model_or_charges_twice(world):
    await world.top_up(100_00)
    world.kie.bill = 0.1
    request = await world.reserve("gpt-5-2", "Привет", request_id="R-D0PE01")
    again = await world.reserve("gpt-5-2", "Привет", request_id="R-D0PE01")  # the same decision again
    assert again == request
    await world.run(request)
    await world.run(request)
    assert len(world.kie.calls) == 1
    assert await world.balance() == ledger.Balance(100_00 - 10, 0)  # 0.1 × 95 = 9.5 → 10
    assert len([t for t in world.texts() if "на балансе" in t]) == 1


async def test_restart_between_hold_and_answer_answers_once(world):
    await world.top_up(100_00)
    world.kie.bill = 0.01
    request = await world.reserve("gpt-5-2", "Привет")
    assert (await world.balance()).held == request.hold_kopecks
    await chat_runs.start_attempt(world.pool, key_of(request))  # the first attempt crashed mid-answer
    await world.run(request)
    run = await chat_runs.get(world.pool, key_of(request))
    assert (run.state, run.attempts) == ("answered", 2)
    assert await world.balance() == ledger.Balance(100_00 - 1, 0)


async def test_a_second_crash_gives_up_with_money_back_and_tells_the_user(world):
    await world.top_up(100_00)
    request = await world.reserve("gpt-5-2", "Привет")
    for _ in range(2):
        await chat_runs.start_attempt(world.pool, key_of(request))
    await world.run(request)
    assert world.kie.calls == []
    assert await world.balance() == ledger.Balance(100_00, 0)
    assert request.request_id in world.texts()[-1] and "Деньги не списаны" in world.texts()[-1]


async def test_a_crash_after_the_charge_delivers_the_stored_answer(world):
    await world.top_up(100_00)
    world.kie.bill = 0.2
    world.kie.queue_answer("Сохранённый ответ")
    request = await world.turn("gpt-5-2")
    await world.pool.execute("UPDATE chat_runs SET delivered_at = NULL")  # sent, but not recorded as sent
    await world.run(request)
    assert len(world.kie.calls) == 1 and await world.balance() == ledger.Balance(100_00 - 19, 0)
    assert [t for t in world.texts() if t.startswith("Сохранённый ответ")] == [
        "Сохранённый ответ\n\n· 0,19 ₽ · на балансе 99,81 ₽"
    ] * 2


FAILURES = [
    (402, "временно недоступен"),
    (401, "временно недоступен"),
    (408, "не ответила вовремя"),
    (422, "отклонила запрос: The model is not supported"),
    (455, "перегружена"),
    (500, "перегружена"),
    (501, "Что-то пошло не так"),
    (505, "Что-то пошло не так"),
]


@pytest.mark.parametrize(("code", "says"), FAILURES)
async def test_each_kie_error_releases_everything_and_says_what_to_do(world, code, says):
    await world.top_up(100_00)
    world.kie.fail_next(code, times=2)  # a refusal before any answer is resent once
    request = await world.turn("gpt-5-2")
    assert await world.balance() == ledger.Balance(100_00, 0)
    last = world.texts()[-1]
    assert says in last and request.request_id in last
    run = await chat_runs.get(world.pool, key_of(request))
    assert run.state == "failed" and await dialogs.recent_turns(world.pool, run.dialog_id) == []


async def test_a_refusal_before_the_answer_is_resent_once(world):
    await world.top_up(100_00)
    world.kie.fail_next(429)
    world.kie.queue_answer("Со второго раза")
    await world.turn("gpt-5-4")
    assert len(world.kie.calls) == 2 and world.texts()[-1].startswith("Со второго раза")


async def test_402_alerts_the_operator_at_most_hourly(world):
    await world.top_up(100_00)
    for _ in range(2):
        world.kie.fail_next(402)
        await world.turn("gpt-5-2")
    alerts = world.tg.sent_texts(ADMIN)
    assert len(alerts) == 1 and "402" in alerts[0]
    assert await world.balance() == ledger.Balance(100_00, 0)


async def test_a_model_that_never_answers_times_out_with_nothing_charged(world):
    await world.top_up(100_00)
    world.kie.fail_next(mode="hang")
    request = await world.turn("claude-sonnet-4-6")
    assert "не ответила вовремя" in world.texts()[-1] and request.request_id in world.texts()[-1]
    assert await world.balance() == ledger.Balance(100_00, 0)


async def test_an_empty_answer_releases_everything(world):
    await world.top_up(100_00)
    world.kie.fail_next(mode="empty")
    await world.turn("gpt-5-4")
    assert "пустой ответ" in world.texts()[-1]
    assert await world.balance() == ledger.Balance(100_00, 0)


async def test_stop_mid_stream_charges_only_what_was_generated(world):
    await world.top_up(100_00)
    world.kie.token_delay = 0.02
    world.kie.queue_answer(" ".join(f"слово{n}" for n in range(400)))
    request = await world.reserve("gpt-5-2", "Длинный ответ, пожалуйста")
    task = asyncio.create_task(world.run(request))
    for _ in range(500):  # until the preview shows a few words (at most 10 s)
        if "слово5" in world.tg.drafts.get(USER, {}).get("text", ""):
            break
        await asyncio.sleep(0.02)
    update = {
        "update_id": 1,
        "stopped_message_generation": {"chat": {"id": USER, "type": "private"}, "draft_id": 1},
    }
    head = head_of(parse_update(json.dumps(update).encode()))
    assert await stop.note_stop(world.pool, head, STOP_DATA)
    await asyncio.wait_for(task, 10)
    run = await chat_runs.get(world.pool, key_of(request))
    assert run.state == "stopped" and 0 < run.cost_kopecks < request.hold_kopecks
    turns = await dialogs.recent_turns(world.pool, run.dialog_id)
    partial = turns[-1].content
    assert partial.startswith("слово0 слово1") and "слово399" not in partial
    assert world.texts()[-1].endswith(
        f"⏹ Остановлено\n· 0,{run.cost_kopecks:02d} ₽ · на балансе {(100_00 - run.cost_kopecks) // 100},{(100_00 - run.cost_kopecks) % 100:02d} ₽"
    )
    assert await world.balance() == ledger.Balance(100_00 - run.cost_kopecks, 0)


def _head(callback: dict) -> UpdateHead:
    return head_of(parse_update(json.dumps({"update_id": 2, "callback_query": callback}).encode()))


async def test_the_stop_button_is_recognised_from_a_callback_too():
    tap = {"id": "1", "from": {"id": 5}, "data": STOP_DATA, "message": {"message_id": 3, "chat": {"id": 6}}}
    assert stop.stop_chat_of(_head(tap), STOP_DATA) == 6
    assert stop.stop_chat_of(_head({**tap, "data": "m:menu"}), STOP_DATA) is None
    assert stop.stop_chat_of(_head({"id": "1", "from": {"id": 5}, "data": STOP_DATA}), STOP_DATA) == 5


async def test_a_photo_goes_to_a_vision_model_through_kies_upload(world):
    await world.top_up(100_00)
    world.tg.add_file("photo-1", b"\xff\xd8\xff jpeg bytes", "photos/p1.jpg")
    await world.turn("gpt-5-2", "Что на фото?", photos=("photo-1",))
    part = world.kie.calls[-1].body["messages"][-1]["content"][1]
    assert part["type"] == "image_url" and part["image_url"]["url"].startswith(
        world.files.api_base.split("//")[0]
    )
    assert world.files.uploads and DEFAULT_TOKEN not in str(world.kie.calls[-1].body)


async def test_the_free_model_answers_free_and_counts_the_quota(world):
    request = await world.turn("gemini-2.5-flash", "Привет")
    assert request.free and await world.balance() == ledger.Balance(0, 0)
    assert world.texts()[-1].endswith("· бесплатно · осталось 19 из 20")
    world.kie.fail_next(500, times=2)
    await world.turn("gemini-2.5-flash", "Ещё")
    assert (
        await chat_free.left(world.pool, USER, POLICY.text_free_daily_quota) == 19
    )  # a failed answer gives it back


async def test_a_long_answer_arrives_in_parts(world):
    await world.top_up(100_00)
    world.kie.queue_answer("\n\n".join(f"Абзац {n}. " + "текст " * 300 for n in range(6)))
    await world.turn("gemini-3-flash", "Пиши много")
    parts = [t for t in world.texts() if t.startswith("Абзац")]
    assert len(parts) >= 3 and all(len(p) <= 4096 for p in parts)
    assert "на балансе" in world.texts()[-1]


async def test_charge_never_exceeds_the_hold_even_if_kie_bills_more(world):
    await world.top_up(100_00)
    world.kie.bill = 1000.0
    request = await world.turn("gpt-5-2")
    assert await world.balance() == ledger.Balance(100_00 - request.hold_kopecks, 0)
    assert TurnUsage  # the charge is min(hold, bill): the user never pays more than was reserved


async def test_a_long_answer_keeps_the_update_leased_through_the_heartbeat(world):
    from flows.chat.turn import RunChatTurn
    from runtime.chat.runner import run_turn

    await world.top_up(100_00)
    world.kie.token_delay = 0.01
    world.kie.queue_answer(" ".join(["слово"] * 40))
    request = await world.reserve("gpt-5-2")
    beats = []

    async def heartbeat() -> None:
        beats.append(1)

    await run_turn(world.services, RunChatTurn(key=key_of(request), chat_id=USER), heartbeat)
    assert len(beats) >= 2 and world.texts()[-1].startswith("слово")


async def test_a_photo_telegram_cannot_give_fails_the_answer_with_money_back(world):
    await world.top_up(100_00)
    request = await world.turn("gpt-5-2", "Что на фото?", photos=("no-such-file",))
    assert world.kie.calls == [] and await world.balance() == ledger.Balance(100_00, 0)
    assert request.request_id in world.texts()[-1]
