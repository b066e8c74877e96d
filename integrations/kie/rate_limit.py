"""Kie's per-account rate limits, shared by every app instance through PostgreSQL.

Kie allows 20 createTask per rolling 10 s and 10 queries per second per account; over that it answers
429. Several instances share one account, so the count lives in the database (`kie_rate_slots`,
serialized by an advisory lock per kind; persistence/kie_limits.py, injected by the runtime). Over the limit a caller WAITS for a slot instead of failing;
within one process waiters are served in arrival order (asyncio.Lock is FIFO), and only the head of the
queue talks to the database, so a burst costs one query per granted slot plus one per wait.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Annotated, Literal, Protocol

import msgspec
from msgspec import Meta

log = logging.getLogger(__name__)

LimitKind = Literal["create", "query"]

# Arbitrary constants shared by every TRT instance (next to migrations' 7_245_001).
_LOCK_KEYS: dict[str, int] = {"create": 7_245_003_1, "query": 7_245_003_2}

# Added to the wait the database computes: clocks and sleeps are not exact, and an early retry
# would just cost another round trip.
_WAKE_MARGIN = 0.005


class RateLimit(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    max_count: Annotated[int, Meta(ge=1)]
    window_seconds: Annotated[float, Meta(gt=0)]


CREATE_LIMIT = RateLimit(20, 10.0)
QUERY_LIMIT = RateLimit(10, 1.0)


class SlotStore(Protocol):
    """Where the slots are counted, shared by every instance (persistence.kie_limits.KieRateSlots)."""

    async def acquire(self, kind: str, lock_key: int, max_count: int, window_seconds: float) -> float:
        """Take a slot (0) or say how many seconds until one frees up."""
        ...


class KieLimiter:
    """`await limiter.acquire("create" | "query")` before each Kie request of that kind."""

    def __init__(
        self,
        slots: SlotStore,
        *,
        create: RateLimit = CREATE_LIMIT,
        query: RateLimit = QUERY_LIMIT,
    ) -> None:
        self._slots = slots
        self._limits: dict[str, RateLimit] = {"create": create, "query": query}
        self._locks: dict[str, asyncio.Lock] = {}

    def limit(self, kind: LimitKind) -> RateLimit:
        return self._limits[kind]

    async def acquire(self, kind: LimitKind) -> float:
        """Wait for a slot of `kind`; returns how long the caller waited (seconds)."""
        limit = self._limits[kind]
        lock = self._locks.setdefault(kind, asyncio.Lock())
        loop = asyncio.get_running_loop()
        started = loop.time()
        async with lock:
            while True:
                wait = await self._slots.acquire(
                    kind, _LOCK_KEYS[kind], limit.max_count, limit.window_seconds
                )
                if wait <= 0:
                    break
                await asyncio.sleep(min(wait, limit.window_seconds) + _WAKE_MARGIN)
        waited = loop.time() - started
        if waited > limit.window_seconds:
            log.info("waited %.1f s for a Kie %s slot", waited, kind)
        return waited
