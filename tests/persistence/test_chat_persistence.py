"""Dialogs, turns, runs, the free text quota and the partial settle of a hold, on a real PostgreSQL."""

from __future__ import annotations

import asyncio
import datetime as dt

import asyncpg
import pytest

from persistence import chat_free, chat_runs, dialogs, ledger
from persistence.ledger import AmountError, Balance

USER, OTHER = 501, 502
KEY = "R-AAAAAA:501:gpt-5-2"


@pytest.fixture
async def user(db):
    await db.executemany("INSERT INTO users (id) VALUES ($1)", [(USER,), (OTHER,)])
    await ledger.credit_topup(db, USER, 100_00, "pay-1", "transfer")
    return USER


# --- settle: capture what was used, release the rest, one ledger transaction -----------------------------


async def test_settle_charges_part_of_the_hold_and_returns_the_rest(db, user):
    await ledger.hold(db, user, 154, KEY)
    hold = await ledger.settle(db, KEY, 37)
    assert hold.status == "captured"
    assert await ledger.balance(db, user) == Balance(100_00 - 37, 0)
    assert await ledger.revenue(db) == 37
    # One transaction ends the hold: the user sees -1,54 then +1,17.
    changes = [(op.kind, op.available_change) for op in await ledger.entries(db, user, 3)]
    assert changes == [("release", 117), ("hold", -154), ("topup", 100_00)]
    assert await ledger.audit(db) == []


async def test_settle_is_idempotent_and_exclusive_with_capture_and_release(db, user):
    await ledger.hold(db, user, 154, KEY)
    await ledger.settle(db, KEY, 37)
    again = await ledger.settle(db, KEY, 100)  # a retried settle changes nothing
    assert again.status == "captured"
    assert (await ledger.release(db, KEY)).status == "captured"
    assert await ledger.balance(db, user) == Balance(100_00 - 37, 0)


async def test_settle_all_is_a_capture_and_nothing_is_a_release(db, user):
    await ledger.hold(db, user, 50, "R-AAAAA1:501:m")
    await ledger.hold(db, user, 50, "R-AAAAA2:501:m")
    assert (await ledger.settle(db, "R-AAAAA1:501:m", 50)).status == "captured"
    assert (await ledger.settle(db, "R-AAAAA2:501:m", 0)).status == "released"
    assert await ledger.balance(db, user) == Balance(100_00 - 50, 0)
    await ledger.hold(db, user, 0, "R-AAAAA3:501:m")  # a free answer
    assert (await ledger.settle(db, "R-AAAAA3:501:m", 0)).status == "released"


async def test_settle_never_charges_above_the_hold(db, user):
    await ledger.hold(db, user, 154, KEY)
    with pytest.raises(AmountError):
        await ledger.settle(db, KEY, 155)
    assert (await ledger.get_hold(db, KEY)).status == "held"


async def test_concurrent_settles_end_the_hold_once(db, user):
    await ledger.hold(db, user, 154, KEY)
    await asyncio.gather(*(ledger.settle(db, KEY, c) for c in (10, 20, 30, 40)))
    balance = await ledger.balance(db, user)
    assert balance.held == 0 and 100_00 - 40 <= balance.available <= 100_00 - 10
    assert await ledger.audit(db) == []


# --- dialogs and turns -----------------------------------------------------------------------------------


async def test_one_open_dialog_per_user_and_model(db, user):
    async with db.acquire() as conn:
        first = await dialogs.open_dialog(conn, user, "gpt-5-2", "assistant")
        again = await dialogs.open_dialog(conn, user, "gpt-5-2", "coder")
        other = await dialogs.open_dialog(conn, user, "claude-haiku-4-5", "coder")
    assert first.id == again.id and again.mode == "assistant" and other.id != first.id
    with pytest.raises(asyncpg.UniqueViolationError):
        await db.execute(
            "INSERT INTO dialogs (user_id, model_id, mode) VALUES ($1, 'gpt-5-2', 'coder')", user
        )
    assert await dialogs.close_dialog(db, user, "gpt-5-2")
    async with db.acquire() as conn:
        fresh = await dialogs.open_dialog(conn, user, "gpt-5-2", "coder")
        assert fresh.id != first.id and fresh.mode == "coder"
        back = await dialogs.reopen(conn, user, first.id)
        assert back.open and not (await dialogs.get(conn, fresh.id)).open
        assert await dialogs.reopen(conn, OTHER, first.id) is None


async def test_turns_are_stored_once_per_request_and_summed_for_the_context(db, user):
    async with db.acquire() as conn:
        dialog = await dialogs.open_dialog(conn, user, "gpt-5-2", "assistant")
        args = dict(
            question="Привет, как дела?",
            image_urls=["https://f/x.jpg"],
            question_tokens=10,
            answer="Отлично!",
            answer_tokens=5,
            cost_kopecks=3,
        )
        assert await dialogs.add_exchange(conn, dialog.id, "R-AAAAAA", **args)
        assert not await dialogs.add_exchange(conn, dialog.id, "R-AAAAAA", **args)
        await dialogs.add_exchange(conn, dialog.id, "R-BBBBBB", **{**args, "question": "Ещё"})
    summary = await dialogs.summary(db, user, "gpt-5-2")
    assert (summary.turns, summary.context_tokens, summary.mode) == (4, 30, "assistant")
    turns = await dialogs.recent_turns(db, dialog.id, limit=3)
    assert [t.role for t in turns] == ["assistant", "user", "assistant"]
    assert (await dialogs.get(db, dialog.id)).title == "Привет, как дела?"
    assert await dialogs.answer_of(db, dialog.id, "R-BBBBBB") == "Отлично!"
    with pytest.raises(asyncpg.CheckViolationError):  # a cost only on answers
        await db.execute(
            "INSERT INTO chat_turns (dialog_id, request_id, role, content, tokens, cost_kopecks) "
            "VALUES ($1, 'R-CCCCCC', 'user', 'x', 1, 5)",
            dialog.id,
        )


# --- runs ------------------------------------------------------------------------------------------------


async def test_a_run_counts_attempts_stops_and_finishes_once(db, user):
    async with db.acquire() as conn:
        dialog = await dialogs.open_dialog(conn, user, "gpt-5-2", "assistant")
        assert await chat_runs.create(conn, KEY, "R-AAAAAA", user, user, dialog.id, {"text": "hi"})
        assert not await chat_runs.create(conn, KEY, "R-AAAAAA", user, user, dialog.id, {"text": "hi"})
    assert (await chat_runs.start_attempt(db, KEY)).attempts == 1
    assert (await chat_runs.start_attempt(db, KEY)).attempts == 2
    assert not await chat_runs.stop_requested(db, KEY)
    assert await chat_runs.request_stop(db, user) == 1
    assert await chat_runs.stop_requested(db, KEY)
    async with db.acquire() as conn:
        done = await chat_runs.finish(conn, KEY, "stopped", cost_kopecks=4)
        assert done.state == "stopped" and done.finished
        assert await chat_runs.finish(conn, KEY, "failed", failure="x") is None
    assert await chat_runs.start_attempt(db, KEY) is None
    assert await chat_runs.request_stop(db, user) == 0
    run = await chat_runs.get(db, KEY)
    assert run.request == {"text": "hi"} and run.delivered_at is None
    with pytest.raises(asyncpg.CheckViolationError):  # an answered run carries its cost
        await db.execute(
            "INSERT INTO chat_runs (key, request_id, user_id, chat_id, dialog_id, request, state, finished_at) "
            "VALUES ('k2', 'R-AAAAAA', $1, $1, $2, '{}', 'answered', now())",
            user,
            dialog.id,
        )


# --- free text quota -------------------------------------------------------------------------------------


async def test_free_text_quota_is_its_own_and_per_moscow_day(db, user):
    for n in range(3):
        assert await chat_free.take(db, user, f"R-AAAAA{n}:501:flash", 3)
    assert not await chat_free.take(db, user, "R-AAAAA9:501:flash", 3)
    assert await chat_free.take(db, user, "R-AAAAA0:501:flash", 3)  # the same key: counted once
    assert await chat_free.left(db, user, 3) == 0
    assert await chat_free.give_back(db, "R-AAAAA1:501:flash")
    assert not await chat_free.give_back(db, "R-AAAAA1:501:flash")
    assert await chat_free.left(db, user, 3) == 1
    assert not await chat_free.take(db, user, "R-AAAAA1:501:flash", 3)  # given back: a new key is needed
    # The image free tier is untouched.
    assert await db.fetchval("SELECT count(*) FROM free_tier_days") == 0
    # The day is Moscow's: yesterday's (Moscow) answers do not count today.
    today = await db.fetchval("SELECT (now() AT TIME ZONE 'Europe/Moscow')::date")
    yesterday = today - dt.timedelta(days=1)
    await db.execute("INSERT INTO free_text_days (user_id, day, used) VALUES ($1, $2, 3)", OTHER, yesterday)
    assert await chat_free.left(db, OTHER, 3) == 3
    assert await chat_free.take(db, OTHER, "R-AAAAA0:502:flash", 3)
    assert await db.fetchval("SELECT day FROM free_text_uses WHERE key = 'R-AAAAA0:502:flash'") == today


async def test_free_text_take_with_the_hold_rolls_back_together(db, user):
    with pytest.raises(RuntimeError):
        async with db.acquire() as conn, conn.transaction():
            assert await chat_free.take(conn, user, KEY, 20)
            await ledger.hold(conn, user, 0, KEY)
            raise RuntimeError("the update failed")
    assert await chat_free.left(db, user, 20) == 20


async def test_a_long_reply_keeps_its_inbox_lease(db, user):
    from persistence import inbox

    await inbox.store(db, 1, USER, "message", '{"update_id": 1}')
    [leased] = await inbox.lease(db, 10, 1.0)
    async with db.acquire() as conn:
        await inbox.mark_replying(conn, leased.update_id, [])
    await inbox.extend_lease(db, 1, 600)
    assert await inbox.lease(db, 10, 1.0) == []  # still held by the streaming worker
    left = await db.fetchval("SELECT lease_until - now() FROM inbox WHERE update_id = 1")
    assert left > dt.timedelta(seconds=500)
