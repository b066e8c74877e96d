"""The models added from models-extra.json run end to end like the rest: their request reaches Kie's
createTask exactly as the catalog builds it (the fake Kie checks it against the documented limits)
and the result arrives natively: a picture, a sound, a transcript as text."""

from __future__ import annotations

import asyncio

from sandbox.kie import Succeed
from tests.e2e.harness import running_app
from tests.jobs.conftest import add_job, example_input, fast_options, result_views, texts_in, wait_delivered

CASES = {
    "nano-banana-2-lite": ("sendPhoto", Succeed()),
    "ideogram/v3-reframe": ("sendPhoto", Succeed()),
    "elevenlabs/sound-effect-v2": (
        "sendAudio",
        Succeed(content=b"ID3" + bytes(64), content_type="audio/mpeg"),
    ),
    "elevenlabs/speech-to-text": ("sendMessage", Succeed(text="Привет! Это расшифровка голосового.")),
}


async def test_each_extra_model_is_created_and_delivered(db, database_url, kie, tg):
    for model_id, (_, outcome) in CASES.items():
        kie.script(model_id, [outcome])
    async with running_app(database_url, tg, kie=kie, jobs=fast_options()) as client:
        jobs = {}
        for index, model_id in enumerate(CASES):
            jobs[model_id] = (await add_job(db, model_id, chat_id=6200 + index), 6200 + index)
        client.app.jobs.wake()
        rows = await asyncio.gather(*(wait_delivered(db, rid) for rid, _ in jobs.values()))
    assert kie.refused == []
    for (model_id, (method, _)), row in zip(CASES.items(), rows, strict=True):
        request_id, chat_id = jobs[model_id]
        assert row["state"] == "succeeded", (model_id, row["failure_code"], row["failure_message"])
        [task] = kie.task_for(model_id)
        assert task.body == {
            "model": model_id,
            "input": example_input(model_id),
            "callBackUrl": task.body["callBackUrl"],
        }
        assert len(result_views(tg, chat_id, request_id)) == 1, model_id
        if method != "sendMessage":
            assert [c for c in tg.calls(method, chat_id=chat_id) if c.ok], model_id
    assert "Привет! Это расшифровка голосового." in texts_in(tg, 6203)
    body = kie.task_for("elevenlabs/sound-effect-v2")[0].body["input"]
    assert body["output_format"] == "mp3_44100_128" and body["duration_seconds"] == 5.0
