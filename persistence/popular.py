"""⭐ Популярное: which models ran most in the last days, across all users (jobs_by_created, 010)."""

from __future__ import annotations

import asyncpg

MOST_RUN = """
SELECT model_id
FROM jobs
WHERE created_at > now() - make_interval(days => $1)
GROUP BY model_id
ORDER BY count(*) DESC, model_id
LIMIT $2
"""


async def most_run(
    conn: asyncpg.Connection | asyncpg.Pool, days: int = 7, limit: int = 200
) -> tuple[str, ...]:
    """Model ids by runs in the last `days`, most first."""
    return tuple(r["model_id"] for r in await conn.fetch(MOST_RUN, days, limit))
