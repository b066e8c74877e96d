"""🔁 Сделать ещё раз opens the same model's confirm step with the job's values; only for its owner."""

from __future__ import annotations

from sandbox.kie import Phase, Succeed
from sandbox.telegram import make_callback_update
from tests.e2e.harness import running_app
from tests.jobs.conftest import add_job, fast_options, wait_delivered

MODEL = "google/nano-banana"


async def test_repeat_opens_the_review_prefilled_and_refuses_someone_elses_job(db, database_url, kie, tg):
    kie.script_next(MODEL, [Phase(), Succeed()])
    values = {"prompt": "Рыжий кот в скафандре"}
    async with running_app(database_url, tg, kie=kie, jobs=fast_options()) as client:
        request_id = await add_job(db, MODEL, values=values, request_input=values)
        client.app.jobs.wake()
        await wait_delivered(db, request_id)
        mark = tg.mark()
        status, _ = await client.post(tg.press(4242, "🔁 Сделать ещё раз", update_id=1))
        assert status == 200
        await client.settle()
        review = tg.last_message(4242)
        assert "Рыжий кот в скафандре" in review["text"]
        assert any(b["text"].startswith("✅ Запустить") for b in tg.buttons(review))
        # Another user's tap on this job's button (a forged callback) opens nothing of it.
        await db.execute("INSERT INTO users (id) VALUES (4343) ON CONFLICT DO NOTHING")
        status, _ = await client.post(make_callback_update(2, 4343, f"r:{request_id}", 1))
        await client.settle()
        answer = tg.calls("answerCallbackQuery")[-1]
        assert "нельзя повторить" in answer.params.get("text", "")
        assert "Рыжий кот" not in str([c.params for c in tg.call_log[mark:] if c.chat_id == 4343])
