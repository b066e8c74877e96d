"""The daily free tier on a real PostgreSQL: quota per Moscow day, give-back, idempotency, concurrency."""

from __future__ import annotations

import asyncio
import datetime as dt

import pytest

from flows.jobs.model import hold_key
from persistence import free_tier, ledger
from persistence.free_tier import free_left, give_back_free, take_free
from persistence.ledger import Balance, UnknownUser

USER, OTHER = 301, 302
QUOTA = 5


@pytest.fixture
async def user(db):
    await db.executemany("INSERT INTO users (id) VALUES ($1)", [(USER,), (OTHER,)])
    return USER


def key(n: int, user_id: int = USER) -> str:
    return hold_key(f"R-FREE{n:02d}", user_id, "cheap/model")


async def test_five_a_day_and_the_sixth_is_refused(db, user):
    assert await free_left(db, user, QUOTA) == 5
    for n in range(5):
        use = await take_free(db, user, key(n), QUOTA)
        assert use is not None and use.key == key(n) and not use.given_back
        assert await free_left(db, user, QUOTA) == 4 - n
    assert await take_free(db, user, key(5), QUOTA) is None
    assert await free_left(db, user, QUOTA) == 0
    # Another user's quota is their own.
    assert await take_free(db, OTHER, key(0, OTHER), QUOTA) is not None
    assert await free_left(db, OTHER, QUOTA) == 4


async def test_the_day_is_the_moscow_calendar_day(db, user):
    use = await take_free(db, user, key(0), QUOTA)
    moscow_today = await db.fetchval("SELECT (now() AT TIME ZONE 'Europe/Moscow')::date")
    assert use.day == moscow_today
    # Yesterday's (Moscow) units do not count today.
    yesterday = moscow_today - dt.timedelta(days=1)
    await db.execute("INSERT INTO free_tier_days (user_id, day, used) VALUES ($1, $2, 5)", user, yesterday)
    assert await free_left(db, user, QUOTA) == 4


async def test_giving_back_restores_one_unit_once(db, user):
    for n in range(5):
        await take_free(db, user, key(n), QUOTA)
    assert await give_back_free(db, key(2)) is True
    assert await free_left(db, user, QUOTA) == 1
    assert await give_back_free(db, key(2)) is False  # idempotent
    assert await give_back_free(db, "never-taken") is False
    assert await free_left(db, user, QUOTA) == 1
    # A given-back key stays given back; the freed unit goes to a new run (a new key).
    assert await take_free(db, user, key(2), QUOTA) is None
    assert await take_free(db, user, key(6), QUOTA) is not None
    assert await free_left(db, user, QUOTA) == 0


async def test_take_is_idempotent_by_key(db, user):
    first = await take_free(db, user, key(0), QUOTA)
    again = await take_free(db, user, key(0), QUOTA)
    assert first == again
    assert await free_left(db, user, QUOTA) == 4
    # A repeat with a used-up quota still returns the unit the key already has.
    for n in range(1, 5):
        await take_free(db, user, key(n), QUOTA)
    assert await take_free(db, user, key(0), QUOTA) == first


async def test_concurrent_takes_never_exceed_the_quota(db, user):
    results = await asyncio.gather(*(take_free(db, user, key(n), QUOTA) for n in range(20)))
    assert sum(r is not None for r in results) == QUOTA
    assert await free_left(db, user, QUOTA) == 0
    assert await db.fetchval("SELECT count(*) FROM free_tier_uses WHERE given_back_at IS NULL") == QUOTA


async def test_concurrent_takes_of_one_key_count_once(db, user):
    results = await asyncio.gather(*(take_free(db, user, key(0), QUOTA) for _ in range(20)))
    assert len(set(results)) == 1 and results[0] is not None
    assert await free_left(db, user, QUOTA) == 4


async def test_concurrent_give_backs_count_once(db, user):
    await take_free(db, user, key(0), QUOTA)
    results = await asyncio.gather(*(give_back_free(db, key(0)) for _ in range(10)))
    assert sum(results) == 1
    assert await free_left(db, user, QUOTA) == 5


async def test_free_unit_and_zero_hold_commit_or_roll_back_together(db, user):
    async with db.acquire() as conn:
        with pytest.raises(RuntimeError):
            async with conn.transaction():
                assert await take_free(conn, user, key(0), QUOTA) is not None
                await ledger.hold(conn, user, 0, key(0))
                raise RuntimeError("saving the wizard snapshot failed")
        assert await free_left(conn, user, QUOTA) == 5
        assert await ledger.get_hold(conn, key(0)) is None

        async with conn.transaction():
            free = await take_free(conn, user, key(0), QUOTA)
            held = await ledger.hold(conn, user, 0 if free else 12_00, key(0))
        assert held.amount == 0 and held.status == "held"
        assert await free_left(conn, user, QUOTA) == 4
        # The run failed: release the zero hold and give the unit back.
        await ledger.release(conn, key(0))
        await give_back_free(conn, key(0))
        assert await free_left(conn, user, QUOTA) == 5
        assert await ledger.balance(conn, user) == Balance(0, 0)


async def test_unknown_user_and_foreign_key(db, user):
    with pytest.raises(UnknownUser):
        await take_free(db, 999, "k", QUOTA)
    await take_free(db, user, "one-key", QUOTA)
    with pytest.raises(ledger.LedgerError):
        await take_free(db, OTHER, "one-key", QUOTA)


async def test_used_counter_matches_the_uses(db, user):
    for n in range(4):
        await take_free(db, user, key(n), QUOTA)
    await give_back_free(db, key(1))
    used = await db.fetchval("SELECT used FROM free_tier_days WHERE user_id = $1", user)
    live = await db.fetchval(
        "SELECT count(*) FROM free_tier_uses WHERE user_id = $1 AND given_back_at IS NULL", user
    )
    assert used == live == 3
    assert free_tier.MOSCOW_TODAY in free_tier.USED_TODAY


async def test_wizard_and_worker_compositions_run_concurrently_without_deadlock(db, user):
    """The documented order: take_free before hold (wizard); give_back_free before release (worker)."""
    await ledger.credit_topup(db, user, 1_000_00, "pay-1", "transfer")

    async def wizard(n: int) -> None:
        async with db.acquire() as conn, conn.transaction():
            free = await take_free(conn, user, key(n), QUOTA)
            await ledger.hold(conn, user, 0 if free else 10_00, key(n))

    async def worker(n: int) -> None:
        async with db.acquire() as conn, conn.transaction():
            await give_back_free(conn, key(n))
            await ledger.release(conn, key(n))

    await asyncio.wait_for(asyncio.gather(*(wizard(n) for n in range(12))), timeout=20)
    await asyncio.wait_for(
        asyncio.gather(*(worker(n) for n in range(12)), *(wizard(n) for n in range(12, 24))), timeout=20
    )
    assert await ledger.audit(db) == []
    bal = await ledger.balance(db, user)
    assert bal.available + bal.held == 1_000_00
