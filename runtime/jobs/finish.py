"""The terminal transition of a job and its money, in ONE transaction.

Success captures the hold; failure and timeout release it (and give a free run's unit back). The
amount the release really moved is stored on the job, so the failure view says "деньги возвращены"
only when money came back. A success that returned fewer outputs than the hold was priced by (an
upper bound such as Seedream's max_images) gives the difference back in the same transaction, once. Holds are created at confirm by the wizard's transaction; a missing hold
(UnknownHold) is logged and the job still finishes — the user must be told either way.
"""

from __future__ import annotations

import logging

import asyncpg

from flows.jobs.lifecycle import SETTLEMENT, advance
from flows.jobs.model import Job
from persistence import free_tier, jobs, ledger
from runtime.jobs.errors import LeaseLost

log = logging.getLogger(__name__)


async def _capture(conn: asyncpg.Connection, job: Job) -> None:
    try:
        hold = await ledger.capture(conn, job.hold_key)
    except ledger.UnknownHold:
        log.warning("%s: no hold to capture (was it created at confirm?)", job.request_id)
        return
    if hold.status != "captured":
        log.error("%s: hold was already %s; the result is delivered anyway", job.request_id, hold.status)


async def _refund_unreturned(conn: asyncpg.Connection, job: Job, kopecks: int) -> int:
    """Give back what outputs Kie did not return cost (keyed by the request id: once, whoever finishes)."""
    if kopecks <= 0 or job.free:
        return 0
    posting = await ledger.adjust(
        conn,
        job.user_id,
        kopecks,
        f"{job.request_id}: outputs Kie did not return",
        0,
        f"unreturned:{job.request_id}",
    )
    if posting.applied:
        log.info("%s: %d kopecks back for outputs Kie did not return", job.request_id, kopecks)
    return kopecks


async def _release(conn: asyncpg.Connection, job: Job) -> int:
    """Kopecks this job's release gave back to the user's balance (0 when none moved)."""
    refunded = 0
    try:
        hold = await ledger.release(conn, job.hold_key)
        if hold.status == "released":
            refunded = hold.amount
        else:
            log.error("%s: hold already %s, nothing to release", job.request_id, hold.status)
    except ledger.UnknownHold:
        log.warning("%s: no hold to release (was it created at confirm?)", job.request_id)
    if job.free:
        await free_tier.give_back_free(conn, job.hold_key)
    return refunded


async def finish_job(
    pool: asyncpg.Pool,
    job: Job,
    event: str,
    *,
    result_urls: list[str] | None = None,
    result_text: str | None = None,
    failure_code: str | None = None,
    failure_message: str | None = None,
    unreturned_kopecks: int = 0,
    result_ids: list[str] | None = None,
    kie_credits_billed: float | None = None,
) -> None:
    """Move `job` to where `event` (succeed, fail, time_out) leads on its chart and settle the money the
    chart names for it. `unreturned_kopecks`: on success, what the outputs Kie did not return cost;
    `kie_credits_billed`: on success, what Kie said the task cost (the margin report's Kie cost)."""
    assert job.lease_token is not None
    target = advance(job.state, event)
    async with pool.acquire() as conn, conn.transaction():
        refunded = None
        if SETTLEMENT[event] == "capture":
            await _capture(conn, job)
            refunded = await _refund_unreturned(conn, job, unreturned_kopecks) or None
        else:
            refunded = await _release(conn, job)
        changed = await jobs.finish(
            conn,
            job,
            target,
            result_urls=result_urls,
            result_text=result_text,
            failure_code=failure_code,
            failure_message=failure_message,
            refunded_kopecks=refunded,
            result_ids=result_ids,
            kie_credits_billed=kie_credits_billed,
        )
        if not changed:
            # Raising rolls the money back with it: whoever holds the lease now settles the job.
            raise LeaseLost(f"{job.request_id}: lease lost before finishing")
    log.info(
        "%s: %s%s",
        job.request_id,
        target,
        f" ({failure_code})" if failure_code and event != "succeed" else "",
    )
