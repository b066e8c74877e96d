"""The real app (webhook, workers, jobs) against fake Telegram, fake Kie and a real PostgreSQL."""

from __future__ import annotations

import asyncio
from typing import Any

from flows.catalog.validate import build_request_input
from flows.jobs.model import Job, hold_key
from integrations.kie.client import RetryPolicy
from integrations.kie.rate_limit import RateLimit
from persistence import jobs, ledger, users
from runtime.ids import new_request_id
from runtime.jobs import JobsOptions, JobTimings, PollTier
from sandbox.telegram import FakeTelegram
from tests.flows.driver import CATALOG

FAST_TIMINGS = JobTimings(
    poll_tiers=(PollTier(None, 0.05, 0.1),),
    callback_grace_factor=0.005,
    callback_grace_max=0.3,
    timeout_scale=0.004,
    submit_backoff_base=0.05,
    submit_backoff_max=0.2,
    submit_give_up_after=1.0,
    delivery_backoff_base=0.05,
    delivery_backoff_max=0.2,
    lease_seconds=5.0,
    idle_poll_seconds=0.05,
    chat_action_every=0.2,
    shutdown_grace_seconds=3.0,
)


async def public_dns(host: str, port: int) -> list[str]:
    """Every name resolves to a public address: tests never ask real DNS (the sandbox has none)."""
    return ["93.184.216.34"]


def fast_options(**changes: Any) -> JobsOptions:
    timings = changes.pop("timings", FAST_TIMINGS)
    changes.setdefault("host_lookup", public_dns)
    return JobsOptions(
        timings=timings,
        kie_timeout_seconds=1.0,
        kie_retry=RetryPolicy(attempts=2, within_seconds=1.0, base_seconds=0.01, max_wait_seconds=0.05),
        create_limit=RateLimit(1000, 1.0),
        query_limit=RateLimit(1000, 1.0),
        **changes,
    )


def example_input(model_id: str) -> dict[str, Any]:
    entry = CATALOG.get(model_id)
    return build_request_input(entry, dict(entry.examples[0]))


async def add_job(
    pool,
    model_id: str = "google/nano-banana",
    *,
    chat_id: int = 4242,
    request_input: dict[str, Any] | None = None,
    files: dict[str, Any] | None = None,
    price: int = 1500,
    free: bool = False,
    values: dict[str, Any] | None = None,
) -> str:
    """A confirmed job as the wizard leaves it: the user, money on the balance, the hold, the row."""
    request_id = new_request_id()
    await users.touch(pool, chat_id, "tester", "Test", "ru")
    async with pool.acquire() as conn, conn.transaction():
        if price:
            await ledger.credit_topup(conn, chat_id, price, f"seed-{request_id}", "transfer")
        await ledger.hold(conn, chat_id, price, hold_key(request_id, chat_id, model_id))
        job = Job(
            request_id=request_id,
            user_id=chat_id,
            chat_id=chat_id,
            model_id=model_id,
            input=request_input if request_input is not None else example_input(model_id),
            files=files or {},
            price_kopecks=price,
            wizard_values=values if values is not None else dict(CATALOG.get(model_id).examples[0]),
            free=free,
        )
        await jobs.create(conn, job)
    return request_id


async def wait_delivered(pool, request_id: str, timeout: float = 10.0):
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        row = await pool.fetchrow("SELECT * FROM jobs WHERE request_id = $1", request_id)
        if row["delivered_at"] is not None:
            return row
        if asyncio.get_running_loop().time() > deadline:
            raise TimeoutError(f"{request_id} not delivered: state {row['state']}, {row['failure_code']}")
        await asyncio.sleep(0.02)


async def wait_for(predicate, timeout: float = 10.0, what: str = "condition"):
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        value = await predicate()
        if value:
            return value
        if asyncio.get_running_loop().time() > deadline:
            raise TimeoutError(what)
        await asyncio.sleep(0.02)


def texts_in(tg: FakeTelegram, chat_id: int) -> list[str]:
    return tg.sent_texts(chat_id)


def result_views(tg: FakeTelegram, chat_id: int, request_id: str) -> list[dict]:
    """Messages carrying this job's 🔁 button (the Result View or the failure view)."""
    found = []
    for call in tg.calls("sendMessage", chat_id=chat_id):
        markup = call.params.get("reply_markup") or {}
        buttons = [b for row in markup.get("inline_keyboard", []) for b in row]
        if call.ok and any(b.get("callback_data") == f"r:{request_id}" for b in buttons):
            found.append(call.params)
    return found
