"""The fake Kie server speaks Kie's real wire formats, quirks included (raw HTTP, no client code)."""

from __future__ import annotations

import asyncio
import base64
import json

import aiohttp
import pytest

from sandbox.kie import CreateError, CreateHang, Fail, FakeKie, Phase, Succeed

UA = "Mozilla/5.0 (X11; Linux x86_64) test"


@pytest.fixture
async def kie():
    async with FakeKie(api_key="k") as fake:
        yield fake


@pytest.fixture
async def http():
    async with aiohttp.ClientSession() as session:
        yield session


async def call(http, kie, method, path, *, key="k", ua=UA, **kwargs):
    headers = {"Authorization": f"Bearer {key}"}
    if ua is not None:
        headers["User-Agent"] = ua
    async with http.request(method, kie.api_base + path, headers=headers, **kwargs) as response:
        text = await response.text()
        try:
            return response.status, json.loads(text)
        except ValueError:
            return response.status, text


async def create(http, kie, model="m/x", **extra):
    status, body = await call(
        http, kie, "POST", "/api/v1/jobs/createTask", json={"model": model, "input": {"prompt": "p"}, **extra}
    )
    assert status == 200 and body["code"] == 200, body
    return body["data"]["taskId"]


async def record(http, kie, task_id, path="/api/v1/jobs/recordInfo"):
    status, body = await call(http, kie, "GET", path, params={"taskId": task_id})
    return body


async def test_cloudflare_blocks_clients_without_a_browser_user_agent(http, kie):
    for ua in (None, "Python/3.11 aiohttp/3.14"):
        headers = {"Authorization": "Bearer k"} | ({"User-Agent": ua} if ua else {})
        async with http.get(
            kie.api_base + "/api/v1/chat/credit", headers=headers, skip_auto_headers=["User-Agent"]
        ) as r:
            assert r.status == 403 and await r.text() == "error code: 1010"


async def test_wrong_key_is_http_200_with_code_401(http, kie):
    assert await call(http, kie, "GET", "/api/v1/chat/credit", key="bad") == (
        200,
        {"code": 401, "msg": "You do not have access permissions", "data": None},
    )


async def test_market_record_quirks_while_running_and_on_success(http, kie):
    kie.script("m/x", [Phase("waiting"), Phase("generating"), Succeed(credits=6, cost_time=55)])
    task_id = await create(http, kie, callBackUrl="http://127.0.0.1:1/cb")
    waiting = (await record(http, kie, task_id))["data"]
    assert waiting["state"] == "waiting"
    assert waiting["resultJson"] == "" and waiting["failCode"] is None and waiting["costTime"] is None
    param = json.loads(waiting["param"])
    assert isinstance(param["input"], str) and json.loads(param["input"]) == {"prompt": "p"}  # double-encoded
    assert (await record(http, kie, task_id))["data"]["state"] == "generating"
    done = (await record(http, kie, task_id))["data"]
    assert done["state"] == "success" and isinstance(done["resultJson"], str)
    urls = json.loads(done["resultJson"])["resultUrls"]
    assert done["costTime"] == 55 and done["creditsConsumed"] == 6
    async with http.get(urls[0]) as r:
        assert r.status == 200 and r.content_type == "image/png"
    kie.expire(urls[0])
    async with http.get(urls[0]) as r:
        assert r.status == 404
    assert kie.queries_per_task[task_id] == 3 and kie.created_per_model["m/x"] == 1


async def test_time_based_phases_and_failures(http, kie):
    kie.script("m/t", [Phase("waiting", seconds=0.1), Fail("500", "upstream")])
    task_id = await create(http, kie, "m/t")
    assert (await record(http, kie, task_id))["data"]["state"] == "waiting"
    await asyncio.sleep(0.15)
    data = (await record(http, kie, task_id))["data"]
    assert (data["state"], data["failCode"], data["failMsg"], data["creditsConsumed"]) == (
        "fail",
        "500",
        "upstream",
        0,
    )


async def test_unknown_tasks_per_family(http, kie):
    assert await record(http, kie, "nope") == {"code": 422, "msg": "recordInfo is null", "data": None}
    assert await record(http, kie, "nope", "/api/v1/generate/record-info") == {
        "code": 200,
        "msg": "success",
        "data": None,
    }
    assert (await record(http, kie, "nope", "/api/v1/veo/record-info"))["code"] == 404
    assert (await record(http, kie, "", "/api/v1/veo/record-info"))["code"] == 400


async def test_create_errors_hang_rate_limits_and_injections(http, kie):
    kie.script_next("m/x", [CreateError(402)])
    status, body = await call(
        http, kie, "POST", "/api/v1/jobs/createTask", json={"model": "m/x", "input": {}}
    )
    assert (status, body["code"]) == (200, 402) and kie.created_per_model["m/x"] == 0

    kie.script_next("m/x", [CreateHang(0.2), Succeed()])
    with pytest.raises(asyncio.TimeoutError):
        async with asyncio.timeout(0.05):
            await create(http, kie)
    assert kie.created_per_model["m/x"] == 1  # the task exists although the answer never came

    kie.rate_limit_next(2)
    for _ in range(2):
        status, body = await call(http, kie, "GET", "/api/v1/chat/credit")
        assert (status, body["code"]) == (429, 429)
    kie.fail_next("query", 500, http_status=502)
    assert (await call(http, kie, "GET", "/api/v1/veo/record-info", params={"taskId": "x"}))[0] == 502
    # The hung task succeeded at once (its script), so its 4 credits are spent.
    assert (await call(http, kie, "GET", "/api/v1/chat/credit"))[1]["data"] == 5916.25 - 4


async def test_suno_requires_callback_and_reports_statuses(http, kie):
    status, body = await call(http, kie, "POST", "/api/v1/generate", json={"prompt": "x", "model": "V5"})
    assert body == {"code": 422, "msg": "Please enter callBackUrl.", "data": None}
    kie.callback_mode(lost=True)
    kie.script("suno", [Phase("waiting"), Phase("generating"), Succeed(count=2)])
    _, body = await call(
        http,
        kie,
        "POST",
        "/api/v1/generate",
        json={"prompt": "x", "model": "V5", "callBackUrl": "http://x/cb"},
    )
    task_id = body["data"]["taskId"]
    path = "/api/v1/generate/record-info"
    statuses = [(await record(http, kie, task_id, path))["data"] for _ in range(3)]
    assert [d["status"] for d in statuses] == ["PENDING", "TEXT_SUCCESS", "SUCCESS"]
    assert statuses[0]["response"] is None
    assert len([t["audioUrl"] for t in statuses[2]["response"]["sunoData"] if t["audioUrl"]]) == 2


async def test_dedicated_families_wire_shapes(http, kie):
    kie.callback_mode(lost=True)
    for path, query, body, check in [
        ("/api/v1/veo/generate", "/api/v1/veo/record-info", {"prompt": "p", "model": "veo3"},
         lambda d: d["successFlag"] == 1 and d["response"]["resultUrls"]),
        ("/api/v1/flux/kontext/generate", "/api/v1/flux/kontext/record-info", {"prompt": "p"},
         lambda d: d["successFlag"] == 1 and d["response"]["resultImageUrl"]),
        ("/api/v1/gpt4o-image/generate", "/api/v1/gpt4o-image/record-info", {"size": "1:1"},
         lambda d: d["successFlag"] == 1 and d["status"] == "SUCCESS" and d["response"]["resultUrls"]),
        ("/api/v1/runway/generate", "/api/v1/runway/record-detail", {"prompt": "p"},
         lambda d: d["state"] == "success" and d["videoInfo"]["videoUrl"]),
        ("/api/v1/aleph/generate", "/api/v1/aleph/record-info", {"prompt": "p", "videoUrl": "u"},
         lambda d: d["successFlag"] == 1 and d["response"]["resultVideoUrl"]),
    ]:  # fmt: skip
        _, created = await call(http, kie, "POST", path, json=body)
        task_id = created["data"]["taskId"]
        first = (await record(http, kie, task_id, query))["data"]
        assert first.get("successFlag", 0) == 0 and first.get("state") in (None, "wait")
        for _ in range(2):
            data = (await record(http, kie, task_id, query))["data"]
        assert check(data), (path, data)
    assert set(kie.created_per_model) == {"veo3", "flux-kontext-pro", "4o-image", "runway", "runway-aleph"}


async def test_uploads_stream_and_base64(http, kie):
    form = aiohttp.FormData()
    form.add_field("file", b"abc", filename="a.txt", content_type="text/plain")
    form.add_field("uploadPath", "docs")
    form.add_field("fileName", "a.txt")
    status, body = await call(http, kie, "POST", "/api/file-stream-upload", data=form)
    assert body["success"] is True and body["data"]["filePath"].endswith("docs/a.txt")
    async with http.get(body["data"]["downloadUrl"]) as r:
        assert await r.read() == b"abc" and r.content_type == "text/plain"

    payload = {
        "base64Data": "data:image/png;base64," + base64.b64encode(b"png").decode(),
        "fileName": "b.png",
    }
    _, body = await call(http, kie, "POST", "/api/file-base64-upload", json=payload)
    async with http.get(body["data"]["downloadUrl"]) as r:
        assert await r.read() == b"png" and r.content_type == "image/png"
    assert [u["name"] for u in kie.uploads] == ["a.txt", "b.png"]


async def test_results_with_configured_content_and_size(http, kie):
    kie.script("m/v", [Succeed(count=2, content_type="video/mp4", size=1024)])
    task_id = await create(http, kie, "m/v")
    urls = json.loads((await record(http, kie, task_id))["data"]["resultJson"])["resultUrls"]
    assert len(urls) == 2
    async with http.get(urls[1]) as r:
        assert r.content_type == "video/mp4" and len(await r.read()) == 1024


async def test_finish_reset_and_records(http, kie):
    kie.script("m/x", [Phase("waiting", seconds=60), Succeed()])
    task_id = await create(http, kie)
    kie.finish(task_id, Fail("422", "nope"))
    assert (await record(http, kie, task_id))["data"]["state"] == "fail"
    assert kie.requests[0].json["model"] == "m/x" and kie.requests[0].headers["Authorization"] == "Bearer k"
    kie.reset()
    assert kie.requests == [] and kie.tasks == {} and kie.total_queries == 0


async def test_go_down_refuses_connections_until_back(http, kie):
    await kie.go_down()
    with pytest.raises(aiohttp.ClientConnectorError):
        await call(http, kie, "GET", "/api/v1/chat/credit")
    await kie.come_back()
    assert (await call(http, kie, "GET", "/api/v1/chat/credit"))[0] == 200
