"""The shared Kie rate limiter against the real PostgreSQL: two app instances, one account."""

from __future__ import annotations

import asyncio

from integrations.kie import KieClient, KieLimiter, RateLimit
from persistence import kie_limits
from persistence.db import create_pool
from persistence.kie_limits import KieRateSlots
from sandbox.kie import FakeKie


def _max_in_window(times: list[float], window: float) -> int:
    best = 0
    for i, start in enumerate(times):
        best = max(best, sum(1 for t in times[i:] if t - start < window))
    return best


AUDIT = """
CREATE TABLE kie_rate_audit (kind text, issued_at timestamptz);
CREATE FUNCTION kie_rate_audit_copy() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO kie_rate_audit VALUES (NEW.kind, NEW.issued_at);
    RETURN NEW;
END;
$$;
CREATE TRIGGER kie_rate_audit AFTER INSERT ON kie_rate_slots FOR EACH ROW EXECUTE FUNCTION kie_rate_audit_copy();
"""
DROP_AUDIT = """
DROP TRIGGER kie_rate_audit ON kie_rate_slots;
DROP FUNCTION kie_rate_audit_copy();
DROP TABLE kie_rate_audit;
"""


async def test_two_instances_never_exceed_the_limit_and_callers_wait(db, database_url):
    limit = RateLimit(10, 0.5)
    # The limiter prunes old slots as it goes; a test-only trigger keeps a copy of every slot issued.
    await db.execute(AUDIT)
    other_pool = await create_pool(database_url, 3)  # a second app instance: its own pool
    try:
        first = KieLimiter(KieRateSlots(db), create=limit)
        second = KieLimiter(KieRateSlots(other_pool), create=limit)
        loop = asyncio.get_running_loop()
        started = loop.time()
        waits = await asyncio.gather(
            *(limiter.acquire("create") for _ in range(13) for limiter in (first, second))
        )
        elapsed = loop.time() - started
        rows = await db.fetch("SELECT issued_at FROM kie_rate_audit WHERE kind = 'create' ORDER BY 1")
        slots = [r["issued_at"].timestamp() for r in rows]
    finally:
        await other_pool.close()
        await db.execute(DROP_AUDIT)

    # 26 slots at 10 per 0.5 s: at least two full windows of waiting, nobody failed.
    assert len(waits) == 26 and max(waits) > 0.4
    assert elapsed >= 1.0
    assert len(slots) == 26
    assert _max_in_window(slots, limit.window_seconds) <= limit.max_count
    assert await db.fetchval(kie_limits.COUNT_RECENT, "create", limit.window_seconds) <= limit.max_count


async def test_grant_times_respect_the_window(db):
    limit = RateLimit(5, 0.3)
    limiter = KieLimiter(KieRateSlots(db), create=limit)
    loop = asyncio.get_running_loop()
    granted: list[float] = []

    async def one() -> None:
        await limiter.acquire("create")
        granted.append(loop.time())

    await asyncio.gather(*(one() for _ in range(12)))
    # Local grant times can only be later than the database's slot times, never bunched tighter
    # than the limit allows (small tolerance for scheduling).
    assert _max_in_window(sorted(granted), limit.window_seconds - 0.02) <= limit.max_count


async def test_fifo_within_a_process(db):
    limiter = KieLimiter(KieRateSlots(db), query=RateLimit(2, 0.2))
    order: list[int] = []

    async def caller(index: int) -> None:
        await limiter.acquire("query")
        order.append(index)

    tasks = []
    for index in range(7):
        tasks.append(asyncio.create_task(caller(index)))
        await asyncio.sleep(0)  # each caller arrives after the previous one
    await asyncio.gather(*tasks)
    assert order == list(range(7))


async def test_kinds_are_independent_and_old_slots_are_pruned(db):
    limiter = KieLimiter(KieRateSlots(db), create=RateLimit(2, 0.2), query=RateLimit(3, 0.2))
    for _ in range(2):
        await limiter.acquire("create")
    loop = asyncio.get_running_loop()
    started = loop.time()
    for _ in range(3):
        await limiter.acquire("query")  # not held back by the full create window
    assert loop.time() - started < 0.15
    await asyncio.sleep(0.25)
    await limiter.acquire("create")
    rows = await db.fetch(kie_limits.SLOT_TIMES, "create")
    assert len(rows) == 1  # the two expired create slots were deleted on the way


async def test_default_limits_are_kies():
    limiter = KieLimiter(KieRateSlots(None))  # type: ignore[arg-type]
    assert limiter.limit("create") == RateLimit(20, 10.0)
    assert limiter.limit("query") == RateLimit(10, 1.0)


async def test_client_waits_for_slots_instead_of_hitting_429(db):
    limiter = KieLimiter(KieRateSlots(db), create=RateLimit(2, 0.3), query=RateLimit(3, 0.3))
    async with (
        FakeKie() as kie,
        KieClient(kie.api_base, kie.upload_base, kie.api_key, limiter=limiter) as client,
    ):
        loop = asyncio.get_running_loop()
        started = loop.time()
        ids = await asyncio.gather(
            *(client.create_task("market", "m/x", {"prompt": "p"}, None) for _ in range(4))
        )
        await asyncio.gather(*(client.get_task("market", task_id) for task_id in ids))
        elapsed = loop.time() - started
    assert len(set(ids)) == 4 and kie.created_per_model["m/x"] == 4
    assert elapsed >= 0.3  # the third create waited for the window
    assert await db.fetchval(kie_limits.COUNT_RECENT, "query", 10) >= 1
