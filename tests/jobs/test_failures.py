"""Every way a job can fail ends with the user told in plain words, the request id, and the money
back when (and only when) it really came back."""

from __future__ import annotations

import asyncio
import logging

import pytest

from sandbox.kie import CreateError, CreateHang, Fail, Phase, Succeed
from tests.e2e.harness import ADMIN_ID, running_app
from tests.jobs.conftest import add_job, fast_options, result_views, wait_delivered

MODEL = "google/nano-banana"

CASES = [
    # (script, failure_code, words the user must see)
    ([CreateError(422, "prompt is too long for this model")], "invalid_input", "prompt is too long"),
    ([CreateError(400, "image_size is invalid")], "invalid_input", "Измените ввод"),
    ([CreateError(402)], "kie_credits", "временно недоступен"),
    ([CreateError(505)], "model_unavailable", "отключена"),
    ([CreateError(501)], "generation_failed", "не смогла"),
    ([CreateError(500)], "submit_uncertain", "не получили подтверждения"),
    ([CreateError(455)], "kie_unavailable", "недоступен"),
    ([CreateError(429, http_status=429)] * 1, "kie_unavailable", "недоступен"),
    (
        [Phase(), Fail("400", "Your prompt was flagged by Website as violating content policies")],
        "content_policy",
        "правилам контента",
    ),
    ([Phase(), Fail("500", "Internal error")], "kie_unavailable", "недоступен"),
    ([Phase(), Fail("501", "Generation failed")], "generation_failed", "не смогла"),
    ([Phase(), Succeed(urls=())], "empty_result", "пустой результат"),
    ([Phase("generating", polls=10_000)], "timeout", "слишком много времени"),
]


@pytest.mark.parametrize(
    ("script", "code", "words"), CASES, ids=[c[1] + "-" + str(i) for i, c in enumerate(CASES)]
)
async def test_kie_error_reaches_the_user_in_plain_words_with_money_back(
    db, database_url, kie, tg, script, code, words
):
    if code == "kie_unavailable" and isinstance(script[0], CreateError):
        # Refused before acceptance, every time: retried with backoff, then given up.
        for _ in range(50):
            kie.script_next(MODEL, list(script))
    else:
        kie.script_next(MODEL, list(script))
    async with running_app(database_url, tg, kie=kie, jobs=fast_options()) as client:
        request_id = await add_job(db, MODEL, price=1250)
        client.app.jobs.wake()
        row = await wait_delivered(db, request_id, timeout=15)
    assert row["failure_code"] == code, row["failure_message"]
    assert row["state"] == ("timed_out" if code == "timeout" else "failed")
    views = result_views(tg, 4242, request_id)
    assert len(views) == 1
    text = views[0]["text"]
    assert words in text and request_id in text
    assert "Деньги возвращены на баланс: 12,50 ₽" in text
    labels = [b["text"] for r in views[0]["reply_markup"]["inline_keyboard"] for b in r]
    assert labels == ["🔁 Сделать ещё раз", "🧭 Другая модель", "🆘 Поддержка"]
    balance = await db.fetchval(
        "SELECT balance FROM ledger_accounts WHERE user_id = 4242 AND kind = 'available'"
    )
    assert balance == 1250


async def test_free_run_failure_says_nothing_about_money_and_gives_the_free_unit_back(
    db, database_url, kie, tg
):
    kie.script_next(MODEL, [Phase(), Fail("501", "Generation failed")])
    async with running_app(database_url, tg, kie=kie, jobs=fast_options()) as client:
        request_id = await add_job(db, MODEL, price=0)
        client.app.jobs.wake()
        row = await wait_delivered(db, request_id)
    assert row["refunded_kopecks"] == 0
    text = result_views(tg, 4242, request_id)[0]["text"]
    assert "Деньги" not in text and "баланс" not in text


async def test_out_of_credits_alerts_admins_at_most_once_an_hour(db, database_url, kie, tg):
    for _ in range(3):
        kie.script_next(MODEL, [CreateError(402)])
    async with running_app(database_url, tg, kie=kie, jobs=fast_options()) as client:
        ids = [await add_job(db, MODEL, chat_id=7000 + n) for n in range(3)]
        client.app.jobs.wake()
        await asyncio.gather(*(wait_delivered(db, rid) for rid in ids))
    alerts = [c for c in tg.calls("sendMessage", chat_id=ADMIN_ID) if "кредиты" in c.params["text"]]
    assert len(alerts) == 1
    assert await db.fetchval("SELECT count(*) FROM job_alerts WHERE kind = 'kie_credits'") == 1


async def test_create_timeout_never_creates_a_second_task_and_the_user_is_told(
    db, database_url, kie, tg, caplog
):
    kie.script_next(MODEL, [CreateHang(2.0), Phase(), Succeed()])
    caplog.set_level(logging.INFO)
    async with running_app(database_url, tg, kie=kie, jobs=fast_options()) as client:
        request_id = await add_job(db, MODEL)
        client.app.jobs.wake()
        row = await wait_delivered(db, request_id)
        await asyncio.sleep(0.5)
    assert row["failure_code"] == "submit_uncertain"
    assert kie.created_per_model[MODEL] == 1
    text = result_views(tg, 4242, request_id)[0]["text"]
    assert "не получили подтверждения" in text and "Деньги возвращены" in text
    assert any(
        r.levelno == logging.ERROR and request_id in r.getMessage() and "kie.ai/logs" in r.getMessage()
        for r in caplog.records
    )


async def test_job_left_mid_submission_by_a_dead_worker_is_not_resent(db, database_url, kie, tg):
    request_id = await add_job(db, MODEL)
    # A worker marked it 'submitting' and died: its createTask may have reached Kie.
    await db.execute(
        "UPDATE jobs SET state = 'submitting', lease_until = now() - interval '1 s' WHERE request_id = $1",
        request_id,
    )
    async with running_app(database_url, tg, kie=kie, jobs=fast_options()) as client:
        client.app.jobs.wake()
        row = await wait_delivered(db, request_id)
    assert row["failure_code"] == "submit_uncertain"
    assert not kie.tasks


async def test_user_who_blocked_the_bot_closes_the_delivery_and_is_marked_inactive(db, database_url, kie, tg):
    kie.script(MODEL, [Phase("generating", seconds=0.2), Succeed()])
    async with running_app(database_url, tg, kie=kie, jobs=fast_options()) as client:
        request_id = await add_job(db, MODEL)
        await db.execute("UPDATE jobs SET progress_message_id = 1 WHERE request_id = $1", request_id)
        tg.block_chat(4242)
        client.app.jobs.wake()
        row = await wait_delivered(db, request_id)
    assert row["delivery_error"] == "user blocked the bot"
    assert await db.fetchval("SELECT is_active FROM users WHERE id = 4242") is False


async def test_telegram_hiccup_during_delivery_is_retried_and_delivered_once(db, database_url, kie, tg):
    kie.script(MODEL, [Phase("generating", seconds=0.1), Succeed()])
    async with running_app(database_url, tg, kie=kie, jobs=fast_options()) as client:
        request_id = await add_job(db, MODEL)
        tg.fail_next("sendPhoto", error_code=502, times=1)
        client.app.jobs.wake()
        row = await wait_delivered(db, request_id)
    assert row["delivery_attempts"] == 1
    assert len(result_views(tg, 4242, request_id)) == 1
