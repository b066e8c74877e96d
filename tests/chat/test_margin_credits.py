"""What Kie billed for each chat answer is stored with its run (chat_runs.kie_credits, migration 017):
the margin report's Kie cost of text answers, paid or free."""

from __future__ import annotations

from decimal import Decimal

from flows.chat.pricing import token_credits
from flows.chat.turn import turn_key
from tests.chat.conftest import CATALOG


async def _credits(world, request) -> Decimal | None:
    key = turn_key(request.request_id, request.user_id, request.model_id)
    return await world.pool.fetchval("SELECT kie_credits FROM chat_runs WHERE key = $1", key)


async def test_kies_bill_is_stored_with_the_answer(world):
    await world.top_up(100_00)
    world.kie.bill = 0.48
    world.kie.queue_answer("Ответ")
    assert await _credits(world, await world.turn("gpt-5-2", "Расскажи")) == Decimal("0.48")


async def test_without_a_bill_the_usage_at_the_models_prices(world):
    await world.top_up(100_00)
    world.kie.fail_next(mode="no_credits")
    world.kie.queue_answer("раз два три")
    request = await world.turn("gpt-5-2", "Сосчитай")
    body = world.kie.calls[-1].body
    prompt = sum(len(m["content"]) // 4 + 1 for m in body["messages"]) + 80  # the fake's usage
    expected = token_credits(CATALOG.text.get("gpt-5-2"), prompt, 3)
    assert await _credits(world, request) == Decimal(str(round(float(expected), 6)))


async def test_a_free_answer_costs_kie_all_the_same(world):
    world.kie.bill = 0.02
    request = await world.turn("gemini-2.5-flash", "Привет")
    assert request.free and await _credits(world, request) == Decimal("0.02")


async def test_a_failed_answer_records_no_credits(world):
    await world.top_up(100_00)
    world.kie.fail_next(500, times=2)
    assert await _credits(world, await world.turn("gpt-5-2", "Ещё")) is None
