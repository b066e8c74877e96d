"""SQL of the shared Kie rate limiter (see integrations/kie/rate_limit.py and 003_kie_rate_limit.sql)."""

from __future__ import annotations

import asyncpg

# One round trip: lock, count, take a slot or say how long to wait (seconds; 0 = granted).
ACQUIRE = "SELECT kie_rate_acquire($1, $2, $3, $4)"

# For tests and the admin panel: slots issued in the last $2 seconds.
COUNT_RECENT = """
SELECT count(*) FROM kie_rate_slots
WHERE kind = $1 AND issued_at > clock_timestamp() - make_interval(secs => $2)
"""

SLOT_TIMES = "SELECT issued_at FROM kie_rate_slots WHERE kind = $1 ORDER BY issued_at"


class KieRateSlots:
    """The slot store of integrations.kie.rate_limit.KieLimiter, in PostgreSQL."""

    def __init__(self, pool: asyncpg.Pool) -> None:
        self._pool = pool

    async def acquire(self, kind: str, lock_key: int, max_count: int, window_seconds: float) -> float:
        return await self._pool.fetchval(ACQUIRE, kind, lock_key, max_count, window_seconds)
