"""Numbered SQL migrations, applied once at startup under an advisory lock.

Two instances starting together (Render overlaps old and new during a deploy) serialise on the lock;
the second finds everything recorded and applies nothing.
"""

from __future__ import annotations

import logging
import re
from importlib import resources

import asyncpg

log = logging.getLogger(__name__)

# An arbitrary constant shared by every instance of TRT: the lock guarding migrations.
MIGRATION_LOCK_KEY = 7_245_001

_NAME = re.compile(r"^(\d{3})_[a-z0-9_]+\.sql$")

CREATE_LEDGER = """
CREATE TABLE IF NOT EXISTS schema_migrations (
    version int PRIMARY KEY,
    name text NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT now()
)
"""


def available_migrations() -> list[tuple[int, str, str]]:
    """(version, file name, sql) for every migration file, in order."""
    found = []
    for item in resources.files("persistence.sql").iterdir():
        match = _NAME.match(item.name)
        if match:
            found.append((int(match.group(1)), item.name, item.read_text(encoding="utf-8")))
    found.sort()
    versions = [v for v, _, _ in found]
    if len(versions) != len(set(versions)):
        raise RuntimeError(f"duplicate migration numbers in persistence/sql: {versions}")
    return found


async def migrate(pool: asyncpg.Pool) -> list[str]:
    """Apply pending migrations; returns the names applied by this call."""
    applied_now: list[str] = []
    async with pool.acquire() as conn:
        # Transaction-level lock: released automatically even if this process dies mid-way.
        async with conn.transaction():
            await conn.execute("SELECT pg_advisory_xact_lock($1)", MIGRATION_LOCK_KEY)
            await conn.execute(CREATE_LEDGER)
            done = {r["version"] for r in await conn.fetch("SELECT version FROM schema_migrations")}
            for version, name, sql in available_migrations():
                if version in done:
                    continue
                log.info("applying migration %s", name)
                await conn.execute(sql)
                await conn.execute(
                    "INSERT INTO schema_migrations (version, name) VALUES ($1, $2)", version, name
                )
                applied_now.append(name)
    if not applied_now:
        log.info("database schema is up to date")
    return applied_now
