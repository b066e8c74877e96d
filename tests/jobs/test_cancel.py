"""❌ on the progress message: a job still waiting for Kie (maintenance, rate limit) can be cancelled
with its money back; once it went to Kie it cannot."""

from __future__ import annotations

from runtime.jobs import JobTimings
from sandbox.kie import CreateError, Phase, Succeed
from sandbox.telegram import make_callback_update
from tests.e2e.harness import running_app
from tests.jobs.conftest import FAST_TIMINGS, add_job, fast_options, wait_for

MODEL = "google/nano-banana"

# Kie in maintenance keeps the job queued for a while (backoff), long enough to press ❌.
PATIENT = JobTimings(
    **{**{f: getattr(FAST_TIMINGS, f) for f in FAST_TIMINGS.__struct_fields__}, "submit_give_up_after": 60.0}
)


def _cancel_button(tg, chat_id: int):
    for call in tg.calls(chat_id=chat_id):
        if call.method != "sendMessage" or not call.ok:
            continue
        for row in (call.params.get("reply_markup") or {}).get("inline_keyboard", []):
            for button in row:
                if button.get("callback_data", "").startswith("jc:"):
                    return call.result["message_id"], button["callback_data"]
    return None


async def test_queued_job_is_cancelled_with_money_back_and_never_sent(db, database_url, kie, tg):
    for _ in range(200):
        kie.script_next(MODEL, [CreateError(455)])
    async with running_app(database_url, tg, kie=kie, jobs=fast_options(timings=PATIENT)) as client:
        request_id = await add_job(db, MODEL, price=1250)
        client.app.jobs.wake()
        found = await wait_for(lambda: _async(_cancel_button(tg, 4242)), what="progress message with ❌")
        message_id, data = found
        assert data == f"jc:{request_id}"
        await client.post(make_callback_update(900_001, 4242, data, message_id))
        await wait_for(lambda: _state(db, request_id, "failed"), what="cancelled")
        await client.settle()
        tasks_before = len(kie.tasks)
        row = await db.fetchrow(
            "SELECT failure_code, refunded_kopecks, delivered_at FROM jobs WHERE request_id = $1", request_id
        )
        assert row["failure_code"] == "cancelled" and row["refunded_kopecks"] == 1250
        assert row["delivered_at"] is not None
        balance = await db.fetchval(
            "SELECT balance FROM ledger_accounts WHERE user_id = 4242 AND kind = 'available'"
        )
        assert balance == 1250
        edited = [
            c
            for c in tg.calls("editMessageText", chat_id=4242)
            if c.ok and c.params["message_id"] == message_id
        ]
        assert edited and "отменён" in edited[-1].params["text"] and "12,50 ₽" in edited[-1].params["text"]
        kie.reset()
        client.app.jobs.wake()
    assert len(kie.tasks) == tasks_before == 0


async def test_running_job_cannot_be_cancelled(db, database_url, kie, tg):
    kie.script_next(MODEL, [Phase("generating", polls=10_000)])
    async with running_app(database_url, tg, kie=kie, jobs=fast_options()) as client:
        request_id = await add_job(db, MODEL, price=1250)
        client.app.jobs.wake()
        await wait_for(lambda: _state(db, request_id, "running"), what="running")
        await client.post(make_callback_update(900_002, 4242, f"jc:{request_id}", 1))
        await client.settle()
        answer = tg.calls("answerCallbackQuery")[-1]
        assert "нельзя" in answer.params["text"]
        assert await db.fetchval("SELECT state FROM jobs WHERE request_id = $1", request_id) == "running"
        hold = await db.fetchval("SELECT status FROM ledger_holds WHERE key LIKE $1", f"{request_id}:%")
        assert hold == "held"
        kie.finish(
            await db.fetchval("SELECT kie_task_id FROM jobs WHERE request_id = $1", request_id), Succeed()
        )


async def _async(value):
    return value


async def _state(db, request_id: str, state: str) -> bool:
    return await db.fetchval("SELECT state FROM jobs WHERE request_id = $1", request_id) == state
