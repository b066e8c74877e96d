"""Leases in PostgreSQL: a restart resumes every job, and two instances never do one job twice."""

from __future__ import annotations

import asyncio

from sandbox.kie import Phase, Succeed
from tests.e2e.harness import running_app
from tests.jobs.conftest import add_job, fast_options, result_views, wait_delivered, wait_for

MODEL = "google/nano-banana"


async def test_restart_while_running_delivers_once(db, database_url, kie, tg):
    kie.callback_mode(lost=True)
    kie.script(MODEL, [Phase("generating", seconds=1.0), Succeed()])
    async with running_app(database_url, tg, kie=kie, jobs=fast_options()) as client:
        request_id = await add_job(db, MODEL)
        client.app.jobs.wake()
        await wait_for(
            lambda: db.fetchval("SELECT state = 'running' FROM jobs WHERE request_id = $1", request_id),
            what="running",
        )
    # Stopped mid-generation; a new instance on the same database picks the job up.
    async with running_app(database_url, tg, kie=kie, jobs=fast_options()) as client:
        client.app.jobs.wake()
        row = await wait_delivered(db, request_id)
    assert row["state"] == "succeeded"
    assert len(kie.tasks) == 1
    assert len(result_views(tg, 4242, request_id)) == 1
    # One progress message for the whole job, across both instances.
    progress = [c for c in tg.calls("sendMessage", chat_id=4242) if "Генерирую" in c.params["text"]]
    assert len(progress) == 1


async def test_two_instances_create_and_deliver_each_job_once(db, database_url, kie, tg):
    kie.script(MODEL, [Phase("generating", seconds=0.3), Succeed()])
    count = 24
    async with (
        running_app(database_url, tg, kie=kie, jobs=fast_options()) as one,
        running_app(database_url, tg, kie=kie, jobs=fast_options()) as two,
    ):
        ids = [await add_job(db, MODEL, chat_id=8000 + n) for n in range(count)]
        one.app.jobs.wake()
        two.app.jobs.wake()
        await asyncio.gather(*(wait_delivered(db, rid, timeout=15) for rid in ids))
        await asyncio.sleep(0.3)
    assert kie.created_per_model[MODEL] == count
    for n, request_id in enumerate(ids):
        assert len(result_views(tg, 8000 + n, request_id)) == 1
        assert len([c for c in tg.calls("sendPhoto", chat_id=8000 + n) if c.ok]) == 1


async def test_restart_between_hold_and_submission_ends_with_exactly_one_outcome(db, database_url, kie, tg):
    """The confirm committed (hold + job row) and the instance died before submitting: the next
    instance submits once, delivers once and captures the hold once."""
    kie.script(MODEL, [Phase("generating", polls=1), Succeed()])
    request_id = await add_job(db, MODEL, price=1500)  # no instance running: nothing was submitted
    assert await db.fetchval("SELECT state FROM jobs WHERE request_id = $1", request_id) == "queued"
    async with running_app(database_url, tg, kie=kie, jobs=fast_options()) as client:
        client.app.jobs.wake()
        row = await wait_delivered(db, request_id)
    assert row["state"] == "succeeded"
    assert len(kie.tasks) == 1
    assert len(result_views(tg, 4242, request_id)) == 1
    hold = await db.fetchrow("SELECT status, amount FROM ledger_holds WHERE key LIKE $1", f"{request_id}:%")
    assert (hold["status"], hold["amount"]) == ("captured", 1500)
    balance = await db.fetchval(
        "SELECT balance FROM ledger_accounts WHERE user_id = 4242 AND kind = 'available'"
    )
    assert balance == 0
