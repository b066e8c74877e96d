"""Kie callbacks are hints: duplicates change nothing, forged ones are refused before any effect."""

from __future__ import annotations

import json
import time

import aiohttp
import msgspec

from integrations.kie.callbacks import sign
from runtime.jobs import PollTier
from runtime.secrets import kie_callback_secret
from sandbox.kie import FakeKie, Phase, Succeed
from tests.e2e.harness import running_app
from tests.jobs.conftest import FAST_TIMINGS, add_job, fast_options, result_views, wait_delivered, wait_for

MODEL = "google/nano-banana"
# Polling far away: only a callback can finish the job quickly.
CALLBACK_ONLY = fast_options(
    timings=msgspec.structs.replace(
        FAST_TIMINGS,
        poll_tiers=(PollTier(None, 30, 30),),
        callback_grace_factor=1.0,
        callback_grace_max=30,
    )
)


async def test_duplicate_callbacks_deliver_once_after_one_query(db, database_url, kie, tg):
    kie.callback_mode(copies=3)
    kie.script(MODEL, [Phase("generating", seconds=0.2), Succeed()])
    async with running_app(database_url, tg, kie=kie, jobs=CALLBACK_ONLY) as client:
        request_id = await add_job(db, MODEL)
        client.app.jobs.wake()
        row = await wait_delivered(db, request_id, timeout=8)
        await kie.wait_callbacks()
    assert sum(1 for c in kie.callbacks_sent if c.status == 200) == 3
    assert len(result_views(tg, 4242, request_id)) == 1
    assert len([c for c in tg.calls("sendPhoto", chat_id=4242) if c.ok]) == 1
    # One query per hint that found the job running; the copies after the first found it finished.
    assert kie.queries_per_task[row["kie_task_id"]] <= 2


async def test_forged_callbacks_are_rejected_without_effect(db, database_url, tg):
    hmac_key = "whk-test-0123456789"
    async with FakeKie(hmac_key=hmac_key) as kie:
        kie.script(MODEL, [Phase("generating", polls=10_000)])
        async with running_app(
            database_url, tg, kie=kie, jobs=CALLBACK_ONLY, KIE_WEBHOOK_HMAC_KEY=hmac_key
        ) as client:
            request_id = await add_job(db, MODEL)
            client.app.jobs.wake()
            task_id = await wait_for(
                lambda: db.fetchval("SELECT kie_task_id FROM jobs WHERE request_id = $1", request_id)
            )
            before = await db.fetchval("SELECT next_check_at FROM jobs WHERE request_id = $1", request_id)
            secret = kie_callback_secret(client.app.settings.telegram_bot_token)
            body = json.dumps({"code": 200, "msg": "ok", "data": {"taskId": task_id, "state": "success"}})
            now = str(int(time.time()))
            good = {"X-Webhook-Timestamp": now, "X-Webhook-Signature": sign(task_id, now, hmac_key)}
            stale_ts = str(int(time.time()) - 3600)
            stale = {
                "X-Webhook-Timestamp": stale_ts,
                "X-Webhook-Signature": sign(task_id, stale_ts, hmac_key),
            }
            bad = {"X-Webhook-Timestamp": now, "X-Webhook-Signature": sign(task_id, now, "wrong-key")}
            base = client.base
            async with aiohttp.ClientSession() as http:

                async def post(path, data, headers=None):
                    async with http.post(base + path, data=data, headers=headers or {}) as r:
                        return r.status, await r.text()

                assert (await post("/kie/not-the-secret", body, good))[0] == 404
                assert (await post(f"/kie/{secret}", body))[0] == 401
                assert (await post(f"/kie/{secret}", body, bad))[0] == 401
                assert (await post(f"/kie/{secret}", body, stale))[0] == 401
                assert (await post(f"/kie/{secret}", "not json", good))[0] == 400
                assert (await post(f"/kie/{secret}", b"x" * (1024 * 1024 + 10), good))[0] == 413
                assert kie.queries_per_task[task_id] == 0
                after = await db.fetchval("SELECT next_check_at FROM jobs WHERE request_id = $1", request_id)
                assert after == before
                assert (
                    await db.fetchval("SELECT state FROM jobs WHERE request_id = $1", request_id) == "running"
                )
                # The genuine one is accepted, yet the job stays running: Kie's query says it is.
                status, text = await post(f"/kie/{secret}", body, good)
                assert status == 200 and json.loads(text) == {"code": 200, "msg": "success"}
                await wait_for(lambda: _queried(kie, task_id, 1), what="re-query after the hint")
                assert (
                    await db.fetchval("SELECT state FROM jobs WHERE request_id = $1", request_id) == "running"
                )


async def _queried(kie, task_id, at_least):
    return kie.queries_per_task[task_id] >= at_least
