"""Callback parsing for every family's body shape, signature checks, and the fake's real deliveries."""

from __future__ import annotations

import json
import time

import pytest
from aiohttp import web

from integrations.kie import KieClient, MalformedCallback, RetryPolicy, parse_callback, verify_signature
from integrations.kie.callbacks import sign
from sandbox.kie import Fail, FakeKie, Phase, Succeed

FAST = RetryPolicy(attempts=3, within_seconds=2, base_seconds=0.01, max_wait_seconds=0.02)
HMAC_KEY = "whk-test-0123456789"


def _body(payload: object) -> bytes:
    return json.dumps(payload).encode()


# Bodies as documented in api.md §3 (market, Veo, 4o, Flux, Runway, Aleph, Suno).
SHAPES = [
    (
        "market success",
        {
            "code": 200,
            "msg": "Playground task completed successfully.",
            "data": {
                "taskId": "bd8f4b1a52048d0f17a38b49591abfa1",
                "model": "wan/3-0-video-prime",
                "state": "success",
                "param": '{"input":"{\\"prompt\\":\\"x\\"}","model":"m"}',
                "resultJson": '{"resultUrls":["https://tempfile.aiquickdraw.com/a.mp4"]}',
                "costTime": 89,
                "creditsConsumed": 61,
            },
        },
        "bd8f4b1a52048d0f17a38b49591abfa1",
        "succeeded",
    ),
    (
        "market failure",
        {
            "code": 501,
            "msg": "Playground task failed.",
            "data": {
                "taskId": "t-fail",
                "state": "fail",
                "failCode": "400",
                "failMsg": "bad",
                "creditsConsumed": 0,
            },
        },
        "t-fail",
        "failed",
    ),
    (
        "veo",
        {
            "code": 200,
            "msg": "ok",
            "data": {"taskId": "veo_task_1", "info": {"resultUrls": ["u"]}, "fallbackFlag": False},
        },
        "veo_task_1",
        "succeeded",
    ),
    (
        "veo rejected",
        {"code": 422, "msg": "rejected by Flow", "data": {"taskId": "veo_task_2"}},
        "veo_task_2",
        "failed",
    ),
    (
        "4o image",
        {"code": 200, "msg": "success", "data": {"taskId": "task12345", "info": {"result_urls": ["u"]}}},
        "task12345",
        "succeeded",
    ),
    (
        "flux kontext",
        {
            "code": 200,
            "msg": "BFL image generated successfully.",
            "data": {"taskId": "flux1", "info": {"originImageUrl": "o", "resultImageUrl": "r"}},
        },
        "flux1",
        "succeeded",
    ),
    (
        "runway",
        {
            "code": 200,
            "msg": "All generated successfully.",
            "data": {"task_id": "rw1", "video_id": "v", "video_url": "u", "image_url": "i"},
        },
        "rw1",
        "succeeded",
    ),
    (
        "aleph (taskId at the top level)",
        {
            "code": 200,
            "msg": "success",
            "data": {"result_video_url": "u", "result_image_url": "i"},
            "taskId": "al1",
        },
        "al1",
        "succeeded",
    ),
    (
        "aleph error",
        {"code": 400, "msg": "caught by moderator", "data": None, "taskId": "al2"},
        "al2",
        "failed",
    ),
    (
        "suno text",
        {"code": 200, "msg": "Text", "data": {"callbackType": "text", "task_id": "s1", "data": []}},
        "s1",
        "running",
    ),
    (
        "suno first",
        {"code": 200, "msg": "First", "data": {"callbackType": "first", "task_id": "s1", "data": []}},
        "s1",
        "running",
    ),
    (
        "suno complete",
        {
            "code": 200,
            "msg": "All",
            "data": {"callbackType": "complete", "task_id": "s1", "data": [{"audio_url": "a"}]},
        },
        "s1",
        "succeeded",
    ),
    (
        "suno error",
        {"code": 501, "msg": "failed", "data": {"callbackType": "error", "task_id": "s2", "data": None}},
        "s2",
        "failed",
    ),
    ("suno refunded", {"code": 531, "msg": "credits refunded", "data": {"task_id": "s3"}}, "s3", "failed"),
    (
        "market still running (progress)",
        {"code": 200, "data": {"taskId": "p1", "state": "generating"}},
        "p1",
        "running",
    ),
    ("no code, no state", {"data": {"taskId": "x1"}}, "x1", None),
]


@pytest.mark.parametrize(("payload", "task_id", "hint"), [s[1:] for s in SHAPES], ids=[s[0] for s in SHAPES])
def test_parse_every_family_shape(payload, task_id, hint):
    parsed = parse_callback(_body(payload))
    assert (parsed.task_id, parsed.state_hint) == (task_id, hint)


def test_suno_callback_type_and_code_are_kept():
    parsed = parse_callback(_body({"code": 200, "data": {"callbackType": "first", "task_id": "s"}}))
    assert (parsed.callback_type, parsed.code) == ("first", 200)


@pytest.mark.parametrize(
    "body",
    [
        b"not json",
        b"[1,2]",
        b'"x"',
        _body({"code": 200, "data": {"info": {}}}),
        _body({"data": {"taskId": ""}}),
        b"",
    ],
)
def test_malformed_callbacks_are_refused(body):
    with pytest.raises(MalformedCallback):
        parse_callback(body)


# --- signatures ------------------------------------------------------------------------------------------


def test_signature_valid():
    now = 1_760_000_000
    signature = sign("task-1", now, HMAC_KEY)
    assert verify_signature("task-1", str(now), signature, HMAC_KEY, now=now + 10)


@pytest.mark.parametrize(
    ("task_id", "timestamp", "signature", "key", "now"),
    [
        ("task-1", "1760000000", sign("task-1", 1760000000, "other-key"), HMAC_KEY, 1760000000),  # wrong key
        ("task-2", "1760000000", sign("task-1", 1760000000, HMAC_KEY), HMAC_KEY, 1760000000),  # other task
        ("task-1", "1760000001", sign("task-1", 1760000000, HMAC_KEY), HMAC_KEY, 1760000000),  # other time
        ("task-1", "1760000000", sign("task-1", 1760000000, HMAC_KEY), HMAC_KEY, 1760000301),  # stale
        ("task-1", "1760000400", sign("task-1", 1760000400, HMAC_KEY), HMAC_KEY, 1760000000),  # future
        ("task-1", None, sign("task-1", 1760000000, HMAC_KEY), HMAC_KEY, 1760000000),  # no timestamp
        ("task-1", "1760000000", None, HMAC_KEY, 1760000000),  # no signature
        ("task-1", "1760000000", "", HMAC_KEY, 1760000000),
        ("task-1", "soon", sign("task-1", "soon", HMAC_KEY), HMAC_KEY, 1760000000),  # not a number
        ("task-1", "1760000000", "not base64 at all", HMAC_KEY, 1760000000),
        ("", "1760000000", sign("", 1760000000, HMAC_KEY), HMAC_KEY, 1760000000),
    ],
)
def test_signature_rejected(task_id, timestamp, signature, key, now):
    assert verify_signature(task_id, timestamp, signature, key, now=now) is False


def test_custom_skew():
    signature = sign("t", 1000, HMAC_KEY)
    assert verify_signature("t", "1000", signature, HMAC_KEY, now=1050, max_skew_seconds=60)
    assert not verify_signature("t", "1000", signature, HMAC_KEY, now=1061, max_skew_seconds=60)


# --- end to end: what the fake really sends ----------------------------------------------------------------


@pytest.fixture
async def inbox():
    received: list[tuple[bytes, dict[str, str]]] = []
    state = {"status": 200}

    async def handle(request: web.Request) -> web.Response:
        received.append((await request.read(), dict(request.headers)))
        return web.json_response({"code": 200, "msg": "success"}, status=state["status"])

    app = web.Application()
    app.router.add_post("/cb", handle)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    yield f"http://127.0.0.1:{runner.addresses[0][1]}/cb", received, state
    await runner.cleanup()


FAMILIES = [
    ("market", "google/nano-banana", {"prompt": "p"}),
    ("veo", "veo3_fast", {"prompt": "p"}),
    ("gpt4o-image", "4o-image", {"size": "1:1"}),
    ("flux-kontext", "flux-kontext-pro", {"prompt": "p"}),
    ("runway", "runway", {"prompt": "p", "duration": 5, "quality": "720p"}),
    ("aleph", "runway-aleph", {"prompt": "p", "videoUrl": "https://x/v.mp4"}),
    ("suno", "suno", {"customMode": False, "instrumental": True, "model": "V5"}),
]


@pytest.mark.parametrize(("family", "model_id", "request_input"), FAMILIES)
@pytest.mark.parametrize("outcome", ["success", "failure"])
async def test_fake_callbacks_parse_and_verify(inbox, family, model_id, request_input, outcome):
    url, received, _ = inbox
    async with (
        FakeKie(hmac_key=HMAC_KEY) as kie,
        KieClient(kie.api_base, kie.upload_base, kie.api_key, retry=FAST) as client,
    ):
        kie.script(
            model_id, [Phase("generating"), Succeed() if outcome == "success" else Fail("400", "flagged")]
        )
        task_id = await client.create_task(family, model_id, request_input, url)
        await client.get_task(family, task_id)
        final = await client.get_task(family, task_id)
        await kie.wait_callbacks()

    assert received, "no callback delivered"
    hints = [parse_callback(body) for body, _ in received]
    assert {h.task_id for h in hints} == {task_id}
    expected = "succeeded" if outcome == "success" else "failed"
    assert hints[-1].state_hint == expected == final.state
    if family == "suno" and outcome == "success":
        assert [h.callback_type for h in hints] == ["text", "first", "complete"]
    for _, headers in received:
        assert verify_signature(
            task_id,
            headers.get("X-Webhook-Timestamp"),
            headers.get("X-Webhook-Signature"),
            HMAC_KEY,
            now=time.time(),
        )


async def test_callbacks_duplicated_delayed_lost_and_retried(inbox):
    url, received, state = inbox
    async with FakeKie() as kie, KieClient(kie.api_base, kie.upload_base, kie.api_key, retry=FAST) as client:
        kie.script("m", [Succeed()])
        kie.callback_mode(copies=3, delay=0.05)
        first = await client.create_task("market", "m", {"prompt": "p"}, url)
        await kie.wait_callbacks()
        assert [parse_callback(b).task_id for b, _ in received] == [first] * 3
        assert "X-Webhook-Signature" not in received[0][1]  # unsigned without an HMAC key

        received.clear()
        kie.callback_mode(lost=True)
        await client.create_task("market", "m", {"prompt": "p"}, url)
        await kie.wait_callbacks()
        assert received == []

        # Non-200 answers make Kie retry (3 retries, then it gives up).
        kie.callback_mode()
        state["status"] = 500
        await client.create_task("market", "m", {"prompt": "p"}, url)
        await kie.wait_callbacks()
        assert len(received) == 1 + kie.callback_retries
