"""Kie callback signatures already accepted (replay protection shared by every instance)."""

from __future__ import annotations

import asyncpg

REMEMBER = """
INSERT INTO kie_callback_signatures (signature) VALUES ($1)
ON CONFLICT (signature) DO NOTHING
"""

FORGET = "DELETE FROM kie_callback_signatures WHERE signature = $1"

PRUNE = "DELETE FROM kie_callback_signatures WHERE seen_at < now() - make_interval(secs => $1)"

KEEP_SECONDS = 15 * 60


async def remember(pool: asyncpg.Pool, signature: str) -> bool:
    """True the first time a signature is seen; False for a replay."""
    return (await pool.execute(REMEMBER, signature)).endswith(" 1")


async def forget(pool: asyncpg.Pool, signature: str) -> None:
    await pool.execute(FORGET, signature)


async def prune(pool: asyncpg.Pool, older_than_seconds: float = KEEP_SECONDS) -> int:
    return int((await pool.execute(PRUNE, float(older_than_seconds))).split()[-1])
