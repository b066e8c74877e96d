"""Simulated Kie: the real wire format (it IS the fake) with drawn results, a pace and a failure switch."""

from __future__ import annotations

import asyncio
import io
import json

import aiohttp
import pytest
from PIL import Image

from sandbox import media
from sandbox.simulated_kie import ModelProfile, SimulatedKie

UA = "Mozilla/5.0 (X11; Linux x86_64) test"


@pytest.fixture
async def kie():
    profiles = {"img/model": ModelProfile("image", 4.0), "vid/model": ModelProfile("video", 9.0)}
    async with SimulatedKie(api_key="k", profiles=profiles, delay_scale=0) as fake:
        yield fake


@pytest.fixture
async def http():
    async with aiohttp.ClientSession(headers={"Authorization": "Bearer k", "User-Agent": UA}) as session:
        yield session


async def create(http, kie, body, path="/api/v1/jobs/createTask"):
    async with http.post(kie.api_base + path, json=body) as response:
        return await response.json()


async def finished(http, kie, task_id, path="/api/v1/jobs/recordInfo"):
    for _ in range(100):
        async with http.get(kie.api_base + path, params={"taskId": task_id}) as response:
            data = (await response.json())["data"]
        if data.get("state") in ("success", "fail") or data.get("status") == "SUCCESS":
            return data
        await asyncio.sleep(0.02)
    raise AssertionError("task did not finish")


async def fetch(http, url):
    async with http.get(url) as response:
        return response.status, response.content_type, await response.read()


async def test_an_image_task_returns_a_picture_of_the_prompt_at_the_chosen_ratio(http, kie):
    body = {"model": "img/model", "input": {"prompt": "кот", "aspect_ratio": "16:9", "num_images": 2}}
    answer = await create(http, kie, body)
    assert answer["code"] == 200
    record = await finished(http, kie, answer["data"]["taskId"])
    assert record["state"] == "success"
    urls = json.loads(record["resultJson"])["resultUrls"]  # a JSON string, like live Kie
    assert len(urls) == 2
    status, content_type, data = await fetch(http, urls[0])
    assert (status, content_type) == (200, "image/png")
    assert Image.open(io.BytesIO(data)).size == (1024, 576)


async def test_a_video_model_returns_an_mp4_and_suno_two_wav_tracks(http, kie):
    answer = await create(
        http, kie, {"model": "vid/model", "input": {"prompt": "кот", "aspect_ratio": "9:16"}}
    )
    record = await finished(http, kie, answer["data"]["taskId"])
    status, content_type, data = await fetch(http, json.loads(record["resultJson"])["resultUrls"][0])
    assert content_type == "video/mp4" and media.sniff(data) == "video/mp4"

    suno = await create(
        http,
        kie,
        {"prompt": "песня", "customMode": False, "model": "V4_5", "callBackUrl": "http://127.0.0.1:9/x"},
        path="/api/v1/generate",
    )
    record = await finished(http, kie, suno["data"]["taskId"], "/api/v1/generate/record-info")
    tracks = record["response"]["sunoData"]
    assert len(tracks) == 2
    status, content_type, data = await fetch(http, tracks[0]["audioUrl"])
    assert media.sniff(data) == "audio/wav" and media.duration(data) == 5


async def test_fail_next_run_fails_exactly_one_task_the_way_kie_fails(http, kie):
    body = {"model": "img/model", "input": {"prompt": "кот"}}
    kie.fail_next_run = True
    failed = await finished(http, kie, (await create(http, kie, body))["data"]["taskId"])
    assert (failed["state"], failed["failCode"], failed["resultJson"]) == ("fail", "500", "")
    assert kie.fail_next_run is False
    again = await finished(http, kie, (await create(http, kie, body))["data"]["taskId"])
    assert again["state"] == "success"


async def test_a_refused_create_does_not_use_up_the_failure_switch(http, kie):
    kie.fail_next_run = True
    refused = await create(http, kie, {"model": "img/model"})  # no input: Kie answers 422, no task
    assert refused["code"] == 422 and not kie.tasks
    assert kie.fail_next_run is True
    failed = await finished(
        http, kie, (await create(http, kie, {"model": "img/model", "input": {}}))["data"]["taskId"]
    )
    assert failed["state"] == "fail"


async def test_the_pace_follows_the_model_profile(http, kie):
    kie.delay_scale = 1.0  # an image model of 4 s: 1 s waiting, then 3 s generating
    task_id = (await create(http, kie, {"model": "img/model", "input": {"prompt": "кот"}}))["data"]["taskId"]
    async with http.get(kie.api_base + "/api/v1/jobs/recordInfo", params={"taskId": task_id}) as response:
        assert (await response.json())["data"]["state"] == "waiting"
    waiting, generating = kie.tasks[task_id].steps[:2]
    assert (waiting.seconds, generating.seconds) == (1.0, 3.0)
    # A model without a profile gets its family's pace: Veo is video, about 9 s.
    assert kie.profile("veo3_fast", "veo") == ModelProfile("video", 9.0)


def test_chat_reply_is_the_seam_for_text_models():
    kie = SimulatedKie()
    answer = kie.chat_reply("gpt-5", [{"role": "user", "content": "Привет!"}])
    assert "Привет!" in answer and "gpt-5" in answer


def _deltas(sse: str) -> str:
    chunks = [json.loads(line[6:]) for line in sse.splitlines() if line.startswith("data: {")]
    return "".join(c["choices"][0]["delta"].get("content", "") for c in chunks if c.get("choices"))


async def test_the_chat_endpoints_on_the_same_host_stream_chat_reply(http, kie):
    body = {"messages": [{"role": "user", "content": "Привет!"}], "stream": True}
    async with http.post(kie.api_base + "/gpt-5-2/v1/chat/completions", json=body) as response:
        assert response.content_type == "text/event-stream"
        text = await response.text()
    assert _deltas(text) == kie.chat_reply("gpt-5-2", body["messages"])
    assert "data: [DONE]" in text and '"credits_consumed"' in text
    assert [c.path for c in kie.chat.calls] == ["/gpt-5-2/v1/chat/completions"]
    # The page's failure switch fails the next answer the way Kie does (HTTP 200, code 500), once.
    kie.fail_next_run = True
    async with http.post(kie.api_base + "/gpt-5-2/v1/chat/completions", json=body) as response:
        assert response.status == 200 and (await response.json())["code"] == 500
    assert kie.fail_next_run is False


async def test_a_reset_keeps_the_chat_endpoints_answering_at_the_demo_pace():
    async with SimulatedKie(api_key="k", delay_scale=2.0) as fake:
        fake.chat.queue_answer("лишнее")
        fake.reset()
        assert fake.chat.answers == [] and fake.chat.owner is fake
        assert (fake.chat.first_token_delay, fake.chat.token_delay) == (1.2, 0.06)
