"""⭐ Популярное's numbers: the models run most in the last 7 days, across users.

Counted by one query every few minutes in the background and kept in memory, so a section's screen
costs no query. Losing it on a restart loses nothing: it is read again from the jobs at start, and
until there are runs the screen shows the catalog's curated list (flows/menus/sections.py).
"""

from __future__ import annotations

import asyncio
import logging

import asyncpg

from persistence import popular

log = logging.getLogger(__name__)

REFRESH_SECONDS = 600.0
DAYS = 7


class PopularModels:
    def __init__(self) -> None:
        # Model ids, most runs first (all sections); empty until the first count.
        self.ranking: tuple[str, ...] = ()

    async def refresh(self, pool: asyncpg.Pool) -> None:
        self.ranking = await popular.most_run(pool, DAYS)

    async def run(self, pool: asyncpg.Pool, every: float = REFRESH_SECONDS) -> None:
        while True:
            try:
                await self.refresh(pool)
            except Exception:  # a display figure: the last count (or the curated list) stays
                log.warning("counting popular models failed; will try again", exc_info=True)
            await asyncio.sleep(every)
