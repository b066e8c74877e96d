from __future__ import annotations

import pytest

from persistence.db import create_pool
from persistence.migrations import migrate
from sandbox.kie import FakeKie
from sandbox.telegram import FakeTelegram
from tests.db import create_database, drop_database, truncate_all, url_for


@pytest.fixture(scope="session")
async def database_url():
    """A database of this test run, migrated; dropped at the end of the run."""
    name = await create_database()
    url = url_for(name)
    pool = await create_pool(url, 2)
    await migrate(pool)
    await pool.close()
    yield url
    await drop_database(name)


@pytest.fixture(scope="session")
async def pool(database_url):
    pool = await create_pool(database_url, 10)
    yield pool
    await pool.close()


@pytest.fixture
async def db(pool):
    """The run's pool with every table emptied first: each test starts from a clean database."""
    await truncate_all(pool)
    return pool


# The two fakes of what tests cannot reach, fresh for each test (folders that need them configured
# otherwise, e.g. tests/integrations with its own key, define their own).
@pytest.fixture
async def kie():
    async with FakeKie() as fake:
        yield fake


@pytest.fixture
async def tg():
    async with FakeTelegram() as fake:
        yield fake
