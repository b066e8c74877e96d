"""The job worker: leases due work from PostgreSQL and runs one step per leased job.

Steps: a queued job is submitted (runtime.jobs.submit), a running job is checked (runtime.jobs.poll),
a finished job is delivered (runtime.jobs.deliver). Deliveries are leased first: they are what the
user is waiting for. A Kie callback makes a job due now and wakes this loop; every instance shares
the work through SKIP LOCKED leases, and a restart resumes every job from its stored state.
"""

from __future__ import annotations

import asyncio
import logging

from flows.jobs.model import Job, JobState
from integrations.telegram.errors import UserBlockedBot
from persistence import jobs, users
from runtime.jobs.deliver import deliver
from runtime.jobs.errors import LeaseLost
from runtime.jobs.finish import finish_job
from runtime.jobs.poll import check
from runtime.jobs.progress import show_stage
from runtime.jobs.services import JobServices
from runtime.jobs.submit import submit
from runtime.outage import INFRASTRUCTURE_ERRORS

log = logging.getLogger(__name__)


class JobWorker:
    def __init__(self, services: JobServices) -> None:
        self.services = services
        self.timings = services.timings
        self._wakeup = asyncio.Event()
        self._stopping = False
        self._in_flight: set[asyncio.Task] = set()

    def wake(self) -> None:
        self._wakeup.set()

    @property
    def in_flight(self) -> int:
        return len(self._in_flight)

    async def on_callback(self, kie_task_id: str) -> bool:
        """A Kie callback for `kie_task_id`: make its job due now. Never changes the job's state."""
        request_id = await jobs.hint_check(self.services.pool, kie_task_id)
        if request_id is None:
            if await jobs.known_task(self.services.pool, kie_task_id) is None:
                log.info("Kie callback for an unknown task ignored")
            return False
        self.wake()
        return True

    async def run(self) -> None:
        pool = self.services.pool
        lease = self.timings.lease_seconds
        backoff = self.timings.idle_poll_seconds
        while not self._stopping:
            self._wakeup.clear()
            free = self.timings.concurrency - len(self._in_flight)
            leased: list[tuple[str, Job]] = []
            if free > 0:
                try:
                    rows = await jobs.lease_deliveries(pool, free, lease)
                    leased += [("deliver", row) for row in rows]
                    if len(rows) < free:
                        rows = await jobs.lease_open(pool, free - len(rows), lease)
                        leased += [("step", row) for row in rows]
                    backoff = self.timings.idle_poll_seconds
                except INFRASTRUCTURE_ERRORS as exc:
                    log.warning("job lease failed (%s); retrying in %.1f s", type(exc).__name__, backoff)
                    await asyncio.sleep(backoff)
                    backoff = min(backoff * 2, 10.0)
                    continue
            for kind, row in leased:
                task = asyncio.create_task(self._run_one(kind, row), name=f"job-{kind}-{row.request_id}")
                self._in_flight.add(task)
            if leased and len(leased) == free:
                continue
            try:
                await asyncio.wait_for(self._wakeup.wait(), timeout=self.timings.idle_poll_seconds)
            except TimeoutError:
                pass

    async def _run_one(self, kind: str, job: Job) -> None:
        try:
            if kind == "deliver":
                await deliver(self.services, job)
            else:
                await self._step(job)
        except LeaseLost as exc:
            log.warning("%s", exc)
        except Exception:
            # The lease runs out and the job is picked up again from its stored state.
            log.exception("%s: job step failed; it resumes after its lease", job.request_id)
        finally:
            self._in_flight.discard(asyncio.current_task())
            self.wake()

    async def _step(self, job: Job) -> None:
        if job.progress_message_id is None:
            try:
                job = await show_stage(self.services, job, "queued")
            except UserBlockedBot:
                await self._blocked_before_start(job)
                return
        if job.state in (JobState.QUEUED, JobState.SUBMITTING):
            await submit(self.services, job)
        elif job.state == JobState.RUNNING:
            await check(self.services, job)

    async def _blocked_before_start(self, job: Job) -> None:
        await users.mark_inactive(self.services.pool, job.user_id)
        if job.state == JobState.QUEUED:
            # Nobody would see the result: do not spend the user's money on it.
            await finish_job(
                self.services.pool,
                job,
                "fail",
                failure_code="user_blocked",
                failure_message="user blocked the bot",
            )
        elif job.state == JobState.RUNNING:
            await check(self.services, job)
        else:
            await submit(self.services, job)

    async def stop(self, grace_seconds: float | None = None) -> None:
        self._stopping = True
        self.wake()
        grace = self.timings.shutdown_grace_seconds if grace_seconds is None else grace_seconds
        if self._in_flight:
            _, pending = await asyncio.wait(self._in_flight, timeout=grace)
            for task in pending:
                task.cancel()
            if pending:
                await asyncio.gather(*pending, return_exceptions=True)
                log.warning(
                    "shutdown: %d job steps left for the next instance (after their lease)", len(pending)
                )
