"""Workers that lease stored updates and process them, many chats at once, one update per chat at a time."""

from __future__ import annotations

import asyncio
import logging
import time

import asyncpg

from persistence import inbox
from runtime.processor import INFRASTRUCTURE_ERRORS, UpdateProcessor

log = logging.getLogger(__name__)


class InboxWorker:
    def __init__(
        self,
        pool: asyncpg.Pool,
        processor: UpdateProcessor,
        *,
        concurrency: int = 16,
        lease_seconds: float = 60.0,
        idle_poll_seconds: float = 0.5,
        prune_after_seconds: float = 7 * 24 * 3600,
        prune_parked_after_seconds: float = 30 * 24 * 3600,
        prune_every_seconds: float = 600.0,
        max_answers: int = 256,
    ) -> None:
        self.pool = pool
        self.processor = processor
        self.concurrency = concurrency
        # Chat answers being streamed wait on Kie for up to minutes with the database idle: up to this
        # many of them do not take a slot, so long answers never hold up other chats' updates.
        self.max_answers = max_answers
        processor.on_answering = self.wake
        self.lease_seconds = lease_seconds
        self.idle_poll_seconds = idle_poll_seconds
        self.prune_after_seconds = prune_after_seconds
        self.prune_parked_after_seconds = prune_parked_after_seconds
        self.prune_every_seconds = prune_every_seconds
        self._wakeup = asyncio.Event()
        self._stopping = False
        self._in_flight: set[asyncio.Task] = set()
        self._last_prune = 0.0

    def wake(self) -> None:
        """A new update was stored (or a slot freed): look for work now instead of at the next poll."""
        self._wakeup.set()

    async def run(self) -> None:
        backoff = self.idle_poll_seconds
        while not self._stopping:
            free = self.concurrency - self.busy
            leased = []
            if free > 0:
                try:
                    leased = await inbox.lease(self.pool, free, self.lease_seconds)
                    backoff = self.idle_poll_seconds
                    await self._maybe_prune()
                except INFRASTRUCTURE_ERRORS as exc:
                    # The database went away: nothing is lost (rows stay stored); try again soon.
                    log.warning("inbox lease failed (%s); retrying in %.1fs", type(exc).__name__, backoff)
                    await asyncio.sleep(backoff)
                    backoff = min(backoff * 2, 5.0)
                    continue
            for row in leased:
                task = asyncio.create_task(self._process(row), name=f"update-{row.update_id}")
                self._in_flight.add(task)
            if leased and len(leased) == free:
                continue  # more may be waiting; a full batch means look again at once
            self._wakeup.clear()
            try:
                await asyncio.wait_for(self._wakeup.wait(), timeout=self.idle_poll_seconds)
            except TimeoutError:
                pass

    async def _process(self, row: inbox.LeasedUpdate) -> None:
        try:
            await self.processor.process(row)
        except Exception:
            # The processor handles its own failures; reaching here means even that failed (e.g. the
            # database vanished mid-way). The lease expires and the update is picked up again.
            log.exception(
                "update %s: processing interrupted; it will be retried after its lease", row.update_id
            )
        finally:
            self._in_flight.discard(asyncio.current_task())
            self.wake()

    async def _maybe_prune(self) -> None:
        now = time.monotonic()
        if now - self._last_prune < self.prune_every_seconds:
            return
        self._last_prune = now
        removed = await inbox.prune(self.pool, self.prune_after_seconds, self.prune_parked_after_seconds)
        if removed:
            log.info("pruned %d processed or long-parked updates", removed)

    async def stop(self, grace_seconds: float = 10.0) -> None:
        """Stop leasing, and give in-flight updates `grace_seconds` to finish (the rest are resumed
        by whichever instance leases them after their lease ends)."""
        self._stopping = True
        self.wake()
        if self._in_flight:
            done, pending = await asyncio.wait(self._in_flight, timeout=grace_seconds)
            for task in pending:
                task.cancel()
            if pending:
                log.warning(
                    "shutdown: %d updates still in flight were left for the next instance", len(pending)
                )

    @property
    def in_flight(self) -> int:
        return len(self._in_flight)

    @property
    def busy(self) -> int:
        """Updates that take a slot: all in flight but the chat answers being streamed (up to a bound)."""
        return len(self._in_flight) - min(len(self.processor.answering), self.max_answers)
