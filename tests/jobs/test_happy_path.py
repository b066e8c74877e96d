"""Every API family in the catalog, end to end: createTask → callback/poll → media → Result View."""

from __future__ import annotations

import asyncio

import pytest

from flows.jobs.model import hold_key
from persistence import ledger
from sandbox.kie import Phase, Succeed
from tests.e2e.harness import running_app
from tests.jobs.conftest import add_job, fast_options, result_views, wait_delivered

FAMILY_MODELS = {
    "market": ("google/nano-banana", "sendPhoto"),
    "veo": ("veo3_fast", "sendVideo"),
    "suno": ("suno", "sendAudio"),
    "gpt4o-image": ("4o-image", "sendPhoto"),
    "flux-kontext": ("flux-kontext-pro", "sendPhoto"),
    "runway": ("runway", "sendVideo"),
    "aleph": ("runway-aleph", "sendVideo"),
}


async def test_every_family_is_delivered_once_with_native_media_and_the_result_view(
    db, database_url, kie, tg
):
    kie_models = {"suno": "suno", "4o-image": "4o-image", "runway": "runway", "runway-aleph": "runway-aleph"}
    for model_id, _ in FAMILY_MODELS.values():
        kie.script(kie_models.get(model_id, model_id), [Phase("generating", seconds=0.2), Succeed()])
    async with running_app(database_url, tg, kie=kie, jobs=fast_options()) as client:
        jobs = {}
        for index, (family, (model_id, _)) in enumerate(FAMILY_MODELS.items()):
            jobs[family] = (await add_job(db, model_id, chat_id=5000 + index), 5000 + index)
        client.app.jobs.wake()
        rows = await asyncio.gather(*(wait_delivered(db, rid) for rid, _ in jobs.values()))
        for (family, (model_id, method)), row in zip(FAMILY_MODELS.items(), rows, strict=True):
            request_id, chat_id = jobs[family]
            assert row["state"] == "succeeded", (family, row["failure_code"], row["failure_message"])
            sent = [c for c in tg.calls(method, chat_id=chat_id) if c.ok]
            assert len(sent) == 1, family
            assert row["result_file_ids"] and row["result_file_ids"][0] in str(sent[0].response), family
            views = result_views(tg, chat_id, request_id)
            assert len(views) == 1, family
            assert views[0]["text"].startswith("✅ Готово") and request_id in views[0]["text"]
            labels = [b["text"] for r in views[0]["reply_markup"]["inline_keyboard"] for b in r]
            assert labels[:2] == ["🔁 Сделать ещё раз", "🧭 Другая модель"]
            hold = await ledger.get_hold(db, hold_key(request_id, chat_id, model_id))
            assert hold.status == "captured", family
        # One task per job: nothing was created twice.
        assert len(kie.tasks) == len(FAMILY_MODELS)


@pytest.mark.parametrize("lost", [False, True], ids=["callback", "lost-callback"])
async def test_callback_or_polling_finishes_the_job(db, database_url, kie, tg, lost):
    kie.callback_mode(lost=lost)
    kie.script("google/nano-banana", [Phase("generating", seconds=0.3), Succeed()])
    async with running_app(database_url, tg, kie=kie, jobs=fast_options()) as client:
        request_id = await add_job(db)
        client.app.jobs.wake()
        row = await wait_delivered(db, request_id)
        assert row["state"] == "succeeded"
        assert len(result_views(tg, 4242, request_id)) == 1
        if not lost:
            assert any(c.status == 200 for c in kie.callbacks_sent)
