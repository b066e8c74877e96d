import asyncio

from persistence.db import create_pool
from persistence.migrations import available_migrations, migrate
from tests.db import create_database, drop_database, url_for


async def test_two_instances_migrating_together_apply_each_migration_once():
    name = await create_database("trt_migr")
    try:
        pools = [await create_pool(url_for(name), 2) for _ in range(2)]
        applied = await asyncio.gather(*(migrate(p) for p in pools))
        expected = [n for _, n, _ in available_migrations()]
        # Exactly one of the two did the work; the other found everything recorded.
        assert sorted(applied, key=len) == [[], expected]
        rows = await pools[0].fetch("SELECT version, name FROM schema_migrations ORDER BY version")
        assert [r["name"] for r in rows] == expected
        assert await migrate(pools[0]) == []
        for p in pools:
            await p.close()
    finally:
        await drop_database(name)


async def test_jsonb_round_trips_through_msgspec_codec(db):
    await db.execute(
        "INSERT INTO sessions (chat_id, version, state) VALUES (1, 1, $1::jsonb)",
        {"place": "menu", "n": [1, 2]},
    )
    state = await db.fetchval("SELECT state FROM sessions WHERE chat_id = 1")
    assert state == {"place": "menu", "n": [1, 2]}


async def test_unreachable_database_gives_a_clear_error():
    import pytest

    from persistence.db import DatabaseUnreachable

    with pytest.raises(DatabaseUnreachable) as info:
        await create_pool("postgresql://postgres@127.0.0.1:1/none", 1, connect_within=1.0)
    assert "DATABASE_URL" in str(info.value)
