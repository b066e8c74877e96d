"""Kie's signed callbacks: the documented scheme exactly, and a replayed signature is refused.

Regression (issue 13, item 15): a captured, correctly signed callback could be sent again and again
within the 5-minute window (and every instance accepted it), and the timestamp was read with int(),
which takes «١٧٠٠…», "+17…" and "1_700_…". Kie signs `taskId + "." + timestamp` with the webhook HMAC
key (X-Webhook-Signature = base64(HMAC-SHA256(…))); the timestamp is Unix seconds.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time

import aiohttp

from integrations.kie.callbacks import verify_signature
from runtime.secrets import kie_callback_secret
from sandbox.kie import FakeKie, Phase
from tests.e2e.harness import running_app
from tests.jobs.conftest import add_job, fast_options, wait_for

MODEL = "google/nano-banana"
KEY = "whk-test-0123456789"


def documented_signature(task_id: str, timestamp: str, key: str) -> str:
    """Written here from Kie's page, independently of integrations.kie.callbacks.sign."""
    mac = hmac.new(key.encode("utf-8"), (task_id + "." + timestamp).encode("utf-8"), hashlib.sha256)
    return base64.b64encode(mac.digest()).decode("ascii")


def test_the_documented_scheme_is_verified_exactly():
    now = 1_800_000_000
    ts = str(now)
    assert verify_signature("task-9", ts, documented_signature("task-9", ts, KEY), KEY, now=now)
    assert not verify_signature("task-9", ts, documented_signature("task-8", ts, KEY), KEY, now=now)
    assert not verify_signature("task-9", ts, documented_signature("task-9", ts, KEY + "x"), KEY, now=now)
    assert verify_signature("task-9", ts, documented_signature("task-9", ts, KEY), KEY, now=now + 300)
    assert not verify_signature("task-9", ts, documented_signature("task-9", ts, KEY), KEY, now=now + 301)
    assert not verify_signature("task-9", ts, documented_signature("task-9", ts, KEY), KEY, now=now - 301)
    for odd in ("١٨٠٠٠٠٠٠٠٠", "+1800000000", "1_800_000_000", "1800000000.0", ""):
        signature = documented_signature("task-9", odd, KEY)
        assert not verify_signature("task-9", odd, signature, KEY, now=now), odd


async def test_a_replayed_signature_is_refused(db, database_url, tg):
    async with FakeKie(hmac_key=KEY) as kie:
        kie.script(MODEL, [Phase("generating", polls=10_000)])
        jobs = fast_options()
        async with running_app(database_url, tg, kie=kie, jobs=jobs, KIE_WEBHOOK_HMAC_KEY=KEY) as client:
            request_id = await add_job(db, MODEL)
            client.app.jobs.wake()
            task_id = await wait_for(
                lambda: db.fetchval("SELECT kie_task_id FROM jobs WHERE request_id = $1", request_id)
            )
            path = f"{client.base}/kie/{kie_callback_secret(client.app.settings.telegram_bot_token)}"
            now = str(int(time.time()))
            headers = {
                "X-Webhook-Timestamp": now,
                "X-Webhook-Signature": documented_signature(task_id, now, KEY),
            }
            # The docs' sample reads data.task_id, the text says taskId: either carries the id.
            body = json.dumps({"code": 200, "msg": "ok", "data": {"task_id": task_id, "state": "generating"}})
            async with aiohttp.ClientSession() as http:

                async def post(extra: dict | None = None) -> int:
                    async with http.post(path, data=body, headers={**headers, **(extra or {})}) as response:
                        return response.status

                assert await post() == 200
                assert await post() == 401, "the same signature a second time"
                assert await post({"X-Webhook-Signature": " " + headers["X-Webhook-Signature"] + " "}) == 401
            seen = await db.fetchval("SELECT count(*) FROM kie_callback_signatures")
            assert seen == 1
