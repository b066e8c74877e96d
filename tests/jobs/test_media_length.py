"""Per-second prices follow the media's measured length, never the length the Telegram client claims.

Regression (issue 13, item 1: "users set the price of per-second models"): the price came from the
`duration` in the message, which the sending client sets. The job now measures the downloaded file
before createTask: longer than what was held → the hold goes back, the user sees the real length and
price and one tap reopens the confirm step with it; unreadable or zero length → refused. No Kie task
is created in either case.
"""

from __future__ import annotations

from pathlib import Path

from persistence import ledger
from sandbox.kie import Phase, Succeed
from tests.e2e.harness import running_app
from tests.jobs.conftest import add_job, fast_options, result_views, wait_delivered

MODEL = "topaz/video-upscale"
CLIP = (Path(__file__).resolve().parents[1] / "data" / "media" / "clip.mp4").read_bytes()  # 3 s
PRICE_1S, PRICE_3S = 800, 2300  # topaz/video-upscale under the default policy


async def _job_with_video(db, tg, data: bytes, claimed_seconds: float, price: int) -> str:
    tg.add_file("VIDEO1", data, "videos/file_1.mp4")
    values = {"video_url": "tgfile:VIDEO1"}
    files = {"VIDEO1": {"kind": "video", "size": len(data), "duration": claimed_seconds}}
    return await add_job(
        db, MODEL, request_input={**values, "upscale_factor": "2"}, files=files, price=price, values=values
    )


async def test_users_set_the_price_of_per_second_models_longer_media_is_repriced(db, database_url, kie, tg):
    async with running_app(database_url, tg, kie=kie, jobs=fast_options()) as client:
        request_id = await _job_with_video(db, tg, CLIP, claimed_seconds=1, price=PRICE_1S)
        client.app.jobs.wake()
        row = await wait_delivered(db, request_id)
        assert (row["state"], row["failure_code"]) == ("failed", "media_longer")
        assert kie.tasks == {}, "no Kie task for a refused length"
        assert row["refunded_kopecks"] == PRICE_1S
        assert (await ledger.balance(db, 4242)).available == PRICE_1S
        assert await ledger.audit(db) == []
        (view,) = result_views(tg, 4242, request_id)
        assert "3 с" in view["text"] and "23 ₽" in view["text"], view["text"]
        # One tap on the failure view reopens the confirm step priced by the measured length.
        await client.post(tg.press(4242, "🔁 Сделать ещё раз", update_id=1))
        await client.settle()
        review = tg.last_message(4242)
        assert any(b["text"] == "✅ Запустить · 23 ₽" for b in tg.buttons(review)), tg.buttons(review)


async def test_media_without_a_readable_length_is_refused_with_money_back(db, database_url, kie, tg):
    async with running_app(database_url, tg, kie=kie, jobs=fast_options()) as client:
        request_id = await _job_with_video(db, tg, b"\x00garbage" * 500, claimed_seconds=1, price=PRICE_1S)
        client.app.jobs.wake()
        row = await wait_delivered(db, request_id)
    assert (row["state"], row["failure_code"]) == ("failed", "media_unreadable")
    assert kie.tasks == {}
    assert (await ledger.balance(db, 4242)).available == PRICE_1S
    (view,) = result_views(tg, 4242, request_id)
    assert "длину" in view["text"] and "MP4" in view["text"], view["text"]


async def test_media_as_long_as_claimed_runs_at_the_held_price(db, database_url, kie, tg):
    kie.script_next(MODEL, [Phase(), Succeed()])
    async with running_app(database_url, tg, kie=kie, jobs=fast_options()) as client:
        request_id = await _job_with_video(db, tg, CLIP, claimed_seconds=3, price=PRICE_3S)
        client.app.jobs.wake()
        row = await wait_delivered(db, request_id)
    assert row["state"] == "succeeded", (row["failure_code"], row["failure_message"])
    assert len(kie.tasks) == 1
    assert (await ledger.balance(db, 4242)).available == 0
