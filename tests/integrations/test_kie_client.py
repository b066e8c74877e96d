"""KieClient against the fake Kie server: every family end to end, error mapping, retries, secrets."""

from __future__ import annotations

import asyncio
import json
import logging

import aiohttp
import pytest

from integrations.kie import (
    KieAuthError,
    KieClient,
    KieCreditsExhausted,
    KieError,
    KieFeatureDisabled,
    KieGenerationFailed,
    KieMaintenance,
    KieNotFound,
    KieRateLimited,
    KieServerError,
    KieTransportError,
    KieUnknownError,
    KieValidationError,
    RetryPolicy,
    may_have_created_task,
    raise_for_body,
)
from integrations.kie.families import get_family
from integrations.kie.types import decode_param
from sandbox.kie import CreateError, CreateHang, Fail, Phase, Succeed
from tests.integrations.kie_support import API_KEY, FAST, poll_until_done

BOT_TOKEN = "123456789:AAFakeTokenForTestsOnly_abcdefghijk"


async def _download(url: str) -> tuple[int, bytes, str]:
    async with aiohttp.ClientSession() as session, session.get(url) as response:
        return response.status, await response.read(), response.content_type


# --- happy path of every family ------------------------------------------------------------------

FAMILY_CASES = [
    ("market", "google/nano-banana", {"prompt": "a cat", "aspect_ratio": "1:1"}, "image/png"),
    ("veo", "veo3_fast", {"prompt": "a wave", "aspectRatio": "16:9"}, "video/mp4"),
    (
        "suno",
        "suno",
        {"prompt": "a song", "customMode": False, "instrumental": False, "model": "V4_5"},
        "audio/mpeg",
    ),
    ("gpt4o-image", "4o-image", {"prompt": "a fox", "size": "1:1"}, "image/png"),
    ("flux-kontext", "flux-kontext-pro", {"prompt": "a tree"}, "image/jpeg"),
    ("runway", "runway", {"prompt": "a city", "duration": 5, "quality": "720p"}, "video/mp4"),
    ("aleph", "runway-aleph", {"prompt": "watercolor", "videoUrl": "https://x/v.mp4"}, "video/mp4"),
]


@pytest.mark.parametrize(("family", "model_id", "request_input", "content_type"), FAMILY_CASES)
async def test_each_family_runs_to_success_with_downloadable_urls(
    client, kie, receiver, family, model_id, request_input, content_type
):
    callback_url, _ = receiver
    count = 2 if family == "suno" else 1  # Suno makes two tracks per request
    kie.script(model_id, [Phase("waiting"), Phase("generating"), Succeed(count=count, credits=12)])

    task_id = await client.create_task(family, model_id, request_input, callback_url)

    status, seen = await poll_until_done(client, family, task_id)
    assert seen[-1] == "succeeded" and len(seen) == 3
    assert seen[1] == "running"
    assert seen[0] in ("queued", "running")  # successFlag families cannot tell queued from running
    assert status.task_id == task_id
    assert len(status.result_urls) == count
    for url in status.result_urls:
        code, body, got_type = await _download(url)
        assert code == 200 and body and got_type == content_type
    assert kie.created_per_model[model_id] == 1
    assert kie.queries_per_task[task_id] == 3


async def test_market_create_body_and_status_details(client, kie):
    kie.script(
        "google/nano-banana",
        [Phase("generating"), Succeed(credits=4, cost_time=55, watermark_urls=("https://wm/x.png",))],
    )
    task_id = await client.create_task("market", "google/nano-banana", {"prompt": "p"}, "https://cb/x")
    sent = [r for r in kie.requests if r.path == "/api/v1/jobs/createTask"][0].json
    assert sent == {"model": "google/nano-banana", "input": {"prompt": "p"}, "callBackUrl": "https://cb/x"}

    running = await client.get_task("market", task_id)
    assert (running.state, running.raw_state, running.result_urls) == ("running", "generating", ())
    assert running.cost_seconds is None and running.fail_code is None

    done = await client.get_task("market", task_id)
    assert done.state == "succeeded"
    assert done.cost_seconds == 55 and done.credits_consumed == 4
    assert all("wm" not in url for url in done.result_urls)  # watermarked copies never delivered


async def test_market_text_result(client, kie):
    kie.script("gpt-5", [Succeed(text="Привет, мир")])
    task_id = await client.create_task("market", "gpt-5", {"prompt": "hi"}, None)
    status = await client.get_task("market", task_id)
    assert status.state == "succeeded" and status.result_text == "Привет, мир" and status.result_urls == ()


async def test_market_failed_task(client, kie):
    kie.script("m/x", [Phase("waiting"), Fail(code="422", message="prompt contains prohibited content")])
    task_id = await client.create_task("market", "m/x", {"prompt": "bad"}, None)
    await client.get_task("market", task_id)
    status = await client.get_task("market", task_id)
    assert status.state == "failed"
    assert (status.fail_code, status.fail_message) == ("422", "prompt contains prohibited content")
    assert status.credits_consumed == 0


@pytest.mark.parametrize(
    ("family", "model_id", "request_input"),
    [(f, m, i) for f, m, i, _ in FAMILY_CASES if f != "market"],
)
async def test_dedicated_family_failures(client, kie, receiver, family, model_id, request_input):
    kie.script(model_id, [Fail(code="400", message="Your prompt was flagged")])
    task_id = await client.create_task(family, model_id, request_input, receiver[0])
    status = await client.get_task(family, task_id)
    assert status.state == "failed" and status.result_urls == ()
    assert status.fail_code == "400"


async def test_long_waiting_stays_queued(client, kie):
    kie.script("slow/model", [Phase("waiting", seconds=60), Succeed()])
    task_id = await client.create_task("market", "slow/model", {"prompt": "p"}, None)
    for _ in range(3):
        assert (await client.get_task("market", task_id)).state == "queued"


# --- error mapping ---------------------------------------------------------------------------------

ERROR_TABLE = [
    # (http status, body, class, user_fixable, retryable, code)
    (200, b'{"code":401,"msg":"You do not have access permissions"}', KieAuthError, False, False, 401),
    (200, b'{"code":402,"msg":"Credits insufficient"}', KieCreditsExhausted, False, False, 402),
    (200, b'{"code":422,"msg":"url is wrong","data":null}', KieValidationError, True, False, 422),
    (200, b'{"code":400,"msg":"bad prompt"}', KieValidationError, True, False, 400),
    (200, b'{"code":429,"msg":"Rate limit exceeded"}', KieRateLimited, False, True, 429),
    (429, b'{"code":429,"msg":"Rate limit exceeded"}', KieRateLimited, False, True, 429),
    (200, b'{"code":455,"msg":"maintenance"}', KieMaintenance, False, True, 455),
    (200, b'{"code":500,"msg":"server error"}', KieServerError, False, True, 500),
    (500, b'{"code":500,"msg":"server error"}', KieServerError, False, True, 500),
    (200, b'{"code":501,"msg":"Generation failed"}', KieGenerationFailed, False, False, 501),
    (200, b'{"code":505,"msg":"Feature disabled"}', KieFeatureDisabled, False, False, 505),
    (200, b'{"code":404,"msg":"Task not found"}', KieNotFound, False, False, 404),
    (200, b'{"code":422,"msg":"recordInfo is null"}', KieNotFound, False, False, 422),
    (200, b'{"code":433,"msg":"sub-key limit"}', KieUnknownError, False, False, 433),
    (200, b'{"code":451,"msg":"failed to fetch image"}', KieUnknownError, False, False, 451),
    (200, b'{"code":550,"msg":"?"}', KieUnknownError, False, False, 550),
    (200, b'{"code":200,"message":"x"}', None, None, None, None),
    # HTTP-level failures without a Kie body: the status decides, `code` stays None.
    (403, b"error code: 1010", KieAuthError, False, False, None),
    (502, b"<html>Bad Gateway</html>", KieServerError, False, True, None),
    (404, b"Not Found", KieNotFound, False, False, None),
    (200, b"<html>oops</html>", KieUnknownError, False, False, None),
]


@pytest.mark.parametrize(("http_status", "body", "cls", "fixable", "retryable", "code"), ERROR_TABLE)
def test_raise_for_body_maps_every_code(http_status, body, cls, fixable, retryable, code):
    if cls is None:
        assert raise_for_body(http_status, body).code == 200
        return
    with pytest.raises(cls) as caught:
        raise_for_body(http_status, body)
    error = caught.value
    assert isinstance(error, KieError)
    assert (error.user_fixable, error.retryable, error.code) == (fixable, retryable, code)
    assert error.http_status == http_status


def test_body_code_wins_over_http_status():
    with pytest.raises(KieValidationError):
        raise_for_body(200, b'{"code":422,"msg":"Please enter callBackUrl.","data":null}')
    assert raise_for_body(500, b'{"code":200,"msg":"success","data":{}}').code == 200


def test_cloudflare_403_hints_at_the_user_agent():
    with pytest.raises(KieAuthError, match="User-Agent"):
        raise_for_body(403, b"error code: 1010")


@pytest.mark.parametrize(
    ("code", "cls"),
    [
        (402, KieCreditsExhausted),
        (422, KieValidationError),
        (455, KieMaintenance),
        (501, KieGenerationFailed),
        (505, KieFeatureDisabled),
    ],
)
async def test_create_time_error_codes_in_http_200(client, kie, code, cls):
    kie.script("m/err", [CreateError(code)])
    with pytest.raises(cls) as caught:
        await client.create_task("market", "m/err", {"prompt": "p"}, None)
    assert caught.value.code == code and caught.value.http_status == 200
    assert not may_have_created_task(caught.value)
    assert kie.created_per_model["m/err"] == 0
    assert sum(r.path == "/api/v1/jobs/createTask" for r in kie.requests) == 1


async def test_bare_user_agent_is_blocked_by_cloudflare(kie):
    async with KieClient(kie.api_base, kie.upload_base, API_KEY, user_agent="Python/3.11 aiohttp") as bare:
        with pytest.raises(KieAuthError, match="User-Agent"):
            await bare.credit_balance()


async def test_client_sends_bearer_and_browser_user_agent(client, kie):
    await client.credit_balance()
    headers = kie.requests[-1].headers
    assert headers["Authorization"] == f"Bearer {API_KEY}"
    assert "Mozilla/" in headers["User-Agent"]


async def test_wrong_key_is_an_auth_error(kie):
    async with KieClient(kie.api_base, kie.upload_base, "wrong-key", retry=FAST) as wrong:
        with pytest.raises(KieAuthError) as caught:
            await wrong.get_task("market", "abc")
    assert caught.value.code == 401


async def test_unknown_tasks_are_not_found(client, kie):
    with pytest.raises(KieNotFound):
        await client.get_task("suno", "nonexistent")  # Suno: HTTP 200, code 200, data null
    with pytest.raises(KieNotFound):
        await client.get_task("market", "nonexistent")  # market: 422 recordInfo is null
    with pytest.raises(KieNotFound):
        await client.get_task("veo", "nonexistent")


async def test_suno_without_callback_url_is_refused_before_sending(client, kie):
    with pytest.raises(ValueError, match="callBackUrl"):
        await client.create_task("suno", "suno", {"prompt": "x"}, None)
    assert kie.requests == []


async def test_unknown_family_is_a_programming_error(client):
    with pytest.raises(ValueError, match="unknown Kie API family"):
        await client.get_task("nope", "x")


# --- create_task retries: only when Kie provably never saw the request --------------------------------


async def test_create_retried_after_connection_refused_until_kie_is_back(kie):
    patient = RetryPolicy(attempts=30, within_seconds=10, base_seconds=0.02, max_wait_seconds=0.1)
    async with KieClient(kie.api_base, kie.upload_base, API_KEY, retry=patient) as client:
        await kie.go_down()

        async def restore() -> None:
            await asyncio.sleep(0.3)
            await kie.come_back()

        restorer = asyncio.create_task(restore())
        task_id = await client.create_task("market", "m/a", {"prompt": "p"}, None)
        await restorer
    assert task_id in kie.tasks and kie.created_per_model["m/a"] == 1


async def test_connection_refused_gives_request_sent_false(kie):
    few = RetryPolicy(attempts=2, within_seconds=1, base_seconds=0.01, max_wait_seconds=0.01)
    async with KieClient(kie.api_base, kie.upload_base, API_KEY, retry=few) as client:
        await kie.go_down()
        with pytest.raises(KieTransportError) as caught:
            await client.create_task("market", "m/a", {"prompt": "p"}, None)
    assert caught.value.request_sent is False and caught.value.retryable
    assert not may_have_created_task(caught.value)


async def test_create_timeout_is_not_retried_and_creates_exactly_one_task(kie):
    kie.script("m/slow", [CreateHang(0.5), Succeed()])
    timeout = aiohttp.ClientTimeout(total=0.2, connect=0.2)
    async with KieClient(kie.api_base, kie.upload_base, API_KEY, retry=FAST, timeout=timeout) as client:
        with pytest.raises(KieTransportError) as caught:
            await client.create_task("market", "m/slow", {"prompt": "p"}, None)
    assert caught.value.request_sent is True and may_have_created_task(caught.value)
    assert kie.created_per_model["m/slow"] == 1
    assert sum(r.path == "/api/v1/jobs/createTask" for r in kie.requests) == 1


@pytest.mark.parametrize("http_status", [200, 500, 502])
async def test_create_server_error_is_not_retried(client, kie, http_status):
    kie.fail_next("create", 500, http_status=http_status, times=3)
    with pytest.raises(KieServerError) as caught:
        await client.create_task("market", "m/a", {"prompt": "p"}, None)
    assert may_have_created_task(caught.value)
    assert sum(r.path == "/api/v1/jobs/createTask" for r in kie.requests) == 1


async def test_create_retried_after_429_rejection(client, kie):
    kie.rate_limit_next(2)
    task_id = await client.create_task("market", "m/a", {"prompt": "p"}, None)
    assert sum(r.path == "/api/v1/jobs/createTask" for r in kie.requests) == 3
    assert list(kie.tasks) == [task_id]


# --- reads are retried --------------------------------------------------------------------------------


async def test_get_task_retried_through_429_burst_and_transient_500(client, kie):
    task_id = await client.create_task("market", "m/a", {"prompt": "p"}, None)
    kie.rate_limit_next(2)
    kie.fail_next("query", 500, http_status=500)
    status = await client.get_task("market", task_id)
    assert status.state == "queued"
    assert sum(r.path == "/api/v1/jobs/recordInfo" for r in kie.requests) == 4


async def test_get_task_gives_up_after_the_budget(client, kie):
    kie.fail_next("query", 455, times=50)
    with pytest.raises(KieMaintenance):
        await client.get_task("market", "x")
    assert sum(r.path == "/api/v1/jobs/recordInfo" for r in kie.requests) == FAST.attempts


async def test_credit_balance_int_and_float(client, kie):
    assert await client.credit_balance() == 5916.25
    kie.credits = 100
    assert await client.credit_balance() == 100.0


async def test_empty_account_refuses_creates(client, kie):
    kie.credits = 0
    with pytest.raises(KieCreditsExhausted):
        await client.create_task("market", "m/a", {"prompt": "p"}, None)


# --- uploads --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("shape", ["live", "documented"])
async def test_upload_multipart_returns_download_url(client, kie, shape):
    kie.upload_shape = shape
    url = await client.upload_file(b"\x89PNG-bytes", "photo.png", "image/png", upload_path="trt/inputs")
    request = [r for r in kie.requests if r.path == "/api/file-stream-upload"][0]
    assert request.form["fileName"] == "photo.png" and request.form["uploadPath"] == "trt/inputs"
    assert request.form["file.content_type"] == "image/png" and request.body == b"\x89PNG-bytes"
    assert await _download(url) == (200, b"\x89PNG-bytes", "image/png")


async def test_upload_retried_after_500(client, kie):
    kie.fail_next("upload", 500, http_status=500)
    url = await client.upload_file(b"data", "a.mp3", "audio/mpeg")
    assert url.endswith("/a.mp3")
    assert sum(r.path == "/api/file-stream-upload" for r in kie.requests) == 2


# --- secrets ---------------------------------------------------------------------------------------------


async def test_api_key_never_in_errors_reprs_or_logs(kie, caplog):
    caplog.set_level(logging.DEBUG)
    errors: list[BaseException] = []
    async with KieClient(kie.api_base, kie.upload_base, API_KEY, retry=FAST) as client:
        assert API_KEY not in repr(client) and API_KEY not in str(client)
        # Kie echoing our key back in a message must not leak it either.
        kie.fail_next("create", 422, msg=f"bad header Bearer {API_KEY}")
        kie.fail_next("query", 500, msg=f"boom {API_KEY}", times=10)
        for call in (
            client.create_task("market", "m/a", {"prompt": "p"}, None),
            client.get_task("market", "t"),
        ):
            with pytest.raises(KieError) as caught:
                await call
            errors.append(caught.value)
        kie.script("m/slow", [CreateHang(0.4)])
        slow = KieClient(kie.api_base, kie.upload_base, API_KEY, timeout=aiohttp.ClientTimeout(total=0.2))
        with pytest.raises(KieTransportError) as caught:
            await slow.create_task("market", "m/slow", {"prompt": "p"}, None)
        errors.append(caught.value)
        await slow.close()
        await kie.go_down()
        with pytest.raises(KieTransportError) as caught:
            await client.credit_balance()
        errors.append(caught.value)
    for error in errors:
        for text in (
            str(error),
            repr(error),
            error.kie_message,
            str(error.__cause__),
            str(error.__context__),
        ):
            assert API_KEY not in text
    assert API_KEY not in caplog.text
    assert any("retrying" in r.getMessage() for r in caplog.records)


async def test_bot_token_never_reaches_kie(client, kie, receiver):
    # The jobs layer downloads Telegram files itself and hands the client bytes, never a file URL.
    telegram_file = b"photo bytes downloaded from Telegram"
    url = await client.upload_file(telegram_file, "input.jpg", "image/jpeg")
    task_id = await client.create_task(
        "market", "google/nano-banana-edit", {"image_urls": [url]}, receiver[0]
    )
    await poll_until_done(client, "market", task_id)
    for request in kie.requests:
        blob = repr((request.path, request.query, request.headers, request.json, request.form, request.body))
        assert BOT_TOKEN not in blob and BOT_TOKEN.split(":")[1] not in blob


# --- adapters on quirky bodies (no server) -------------------------------------------------------------


def _wire(data: object) -> bytes:
    return json.dumps({"code": 200, "msg": "success", "data": data}).encode()


@pytest.mark.parametrize(
    ("result_json", "param"),
    [(None, None), ("", "not json"), ("{broken", '{"input": "{broken"}'), ('"a string"', 42), ("[]", [])],
)
def test_market_parser_never_crashes_on_encoded_fields(result_json, param):
    body = _wire(
        {"taskId": "t", "state": "success", "resultJson": result_json, "param": param, "costTime": "55"}
    )
    status = get_family("market").parse_status(body)
    assert status.state == "succeeded" and status.result_urls == () and status.cost_seconds == 55


def test_decode_param_double_encoded():
    assert decode_param('{"model":"m","input":"{\\"prompt\\":\\"x\\"}"}') == {
        "model": "m",
        "input": {"prompt": "x"},
    }
    assert decode_param("") == {} and decode_param(None) == {} and decode_param("[1]") == {}


def test_market_result_object_without_text_field_is_json():
    body = _wire({"taskId": "t", "state": "success", "resultJson": '{"resultObject":{"answer":42}}'})
    assert get_family("market").parse_status(body).result_text == '{"answer":42}'


@pytest.mark.parametrize(
    ("data", "state", "fail_code"),
    [
        ({"taskId": "a", "successFlag": 0, "errorCode": 0, "errorMessage": ""}, "running", None),
        ({"taskId": "a", "successFlag": 0, "errorCode": 400, "errorMessage": "flagged"}, "failed", "400"),
        (
            {"taskId": "a", "successFlag": 1, "response": {"resultVideoUrl": "https://r/v.mp4"}},
            "succeeded",
            None,
        ),
    ],
)
def test_aleph_success_flag_zero_means_running_or_failed(data, state, fail_code):
    status = get_family("aleph").parse_status(_wire(data))
    assert (status.state, status.fail_code) == (state, fail_code)


def test_midjourney_adapter():
    data = {
        "taskId": "mj1",
        "successFlag": 1,
        "resultInfoJson": {"resultUrls": [{"resultUrl": "u1"}, {"resultUrl": "u2"}]},
    }
    assert get_family("mj").parse_status(_wire(data)).result_urls == ("u1", "u2")


def test_unknown_state_words_keep_polling():
    assert get_family("market").parse_status(_wire({"taskId": "t", "state": "brand-new"})).state == "running"
    assert get_family("suno").parse_status(_wire({"taskId": "t", "status": "NEW_THING"})).state == "running"
