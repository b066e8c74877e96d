"""An output count that is only an upper bound (Seedream v4 max_images) is held at the maximum; what Kie
did not return comes back after delivery, exact to the kopeck, once."""

from __future__ import annotations

from flows.catalog import load_policy, price_kopecks
from flows.catalog.validate import build_request_input
from flows.jobs.model import hold_key
from persistence import ledger
from sandbox.kie import Succeed
from tests.e2e.harness import running_app
from tests.flows.driver import CATALOG
from tests.jobs.conftest import add_job, fast_options, texts_in, wait_delivered

MODEL = "bytedance/seedream-v4-text-to-image"
POLICY = load_policy()


def _job(max_images: int) -> tuple[dict, dict, int]:
    entry = CATALOG.get(MODEL)
    values = {"prompt": "Четыре котёнка в корзинке", "max_images": max_images}
    return values, build_request_input(entry, values), price_kopecks(entry, values, POLICY)


async def test_fewer_images_than_the_bound_give_the_difference_back(db, database_url, kie, tg):
    values, request_input, held = _job(4)
    kie.script(MODEL, [Succeed(count=2)])
    async with running_app(database_url, tg, kie=kie, jobs=fast_options()) as client:
        request_id = await add_job(
            db, MODEL, chat_id=6100, request_input=request_input, price=held, values=values
        )
        client.app.jobs.wake()
        row = await wait_delivered(db, request_id)
    entry = CATALOG.get(MODEL)
    two = price_kopecks(entry, {**values, "max_images": 2}, POLICY)
    assert (held, two) == (1900, 1000)  # 20 credits → 19 ₽ held; 10 credits → 9,50 → 10 ₽ for two
    assert row["state"] == "succeeded" and row["refunded_kopecks"] == held - two
    hold = await ledger.get_hold(db, hold_key(request_id, 6100, MODEL))
    assert hold.status == "captured" and hold.amount == held
    balance = await ledger.balance(db, 6100)
    assert (balance.available, balance.held) == (held - two, 0)
    assert await ledger.revenue(db) == held
    assert await ledger.audit(db) == []
    assert any("Модель прислала 2 из 4" in text and "9 ₽" in text for text in texts_in(tg, 6100))


async def test_all_images_returned_means_nothing_back(db, database_url, kie, tg):
    values, request_input, held = _job(3)
    kie.script(MODEL, [Succeed(count=3)])
    async with running_app(database_url, tg, kie=kie, jobs=fast_options()) as client:
        request_id = await add_job(
            db, MODEL, chat_id=6101, request_input=request_input, price=held, values=values
        )
        client.app.jobs.wake()
        row = await wait_delivered(db, request_id)
    assert row["refunded_kopecks"] is None
    assert (await ledger.balance(db, 6101)).available == 0
    assert not any("Модель прислала" in text for text in texts_in(tg, 6101))


async def test_a_free_or_zero_price_run_gets_no_refund(db, database_url, kie, tg):
    values, request_input, _ = _job(4)
    kie.script(MODEL, [Succeed(count=1)])
    async with running_app(database_url, tg, kie=kie, jobs=fast_options()) as client:
        request_id = await add_job(
            db, MODEL, chat_id=6102, request_input=request_input, price=0, values=values
        )
        client.app.jobs.wake()
        row = await wait_delivered(db, request_id)
    assert row["state"] == "succeeded" and row["refunded_kopecks"] is None
    assert (await ledger.balance(db, 6102)).available == 0
