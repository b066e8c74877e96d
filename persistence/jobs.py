"""Every SQL statement about generation jobs: creating one at confirm, leasing and moving it along its
chart (flows/jobs/lifecycle.py), delivery, refunds, and the reads the screens use.

Every piece of work on a job is leased with FOR UPDATE SKIP LOCKED: open jobs when their next_check_at
is due, finished jobs until they are delivered. A lease sets lease_until and a fresh lease_token; every
change matches on that token and on the state it leaves, so a worker that lost its lease (it hung past
lease_until and another instance took the row) changes nothing. States come from flows.jobs.model's
enum. Nothing here talks to Kie or Telegram.
"""

from __future__ import annotations

import uuid
from typing import Any

import asyncpg
import msgspec

from flows.jobs.model import OPEN_STATES, Job, JobState, sql_states

Db = asyncpg.Pool | asyncpg.Connection

OPEN = sql_states(OPEN_STATES)
QUEUED = JobState.QUEUED.value

COLUMNS = """
request_id, user_id, chat_id, model_id, input, files, wizard_values, price_kopecks, free, lang, state,
kie_task_id, attempts, lease_token, next_check_at, progress_message_id, progress_stage, result_urls,
result_text, result_file_ids, failure_code, failure_message, refunded_kopecks, delivery_attempts,
created_at, submitted_at, finished_at, delivered_at, parent_job_id, result_ids
"""
_PREFIXED = ", ".join(f"j.{name.strip()}" for name in COLUMNS.split(","))

# The money facts the screens show with a job (history, the admin job card).
WITH_MONEY = f"""
{_PREFIXED},
(SELECT h.status FROM ledger_holds h WHERE h.key = j.hold_key) AS hold_status,
(SELECT r.how FROM job_refunds r WHERE r.request_id = j.request_id) AS refund_how
"""

INSERT = """
INSERT INTO jobs (request_id, user_id, chat_id, model_id, input, files, wizard_values, price_kopecks, free,
                  lang, hold_key, kie_credits, parent_job_id)
VALUES ($1, $2, $3, $4, $5::jsonb, $6::jsonb, $7::jsonb, $8, $9, $10, $11, $12::float8::numeric, $13)
"""

LEASE_OPEN = f"""
WITH due AS (
    SELECT request_id FROM jobs
    WHERE state IN {OPEN} AND next_check_at <= now() AND (lease_until IS NULL OR lease_until < now())
    -- A job Kie just called back about is likely done: finishing it beats starting another.
    ORDER BY hint_pending DESC, next_check_at
    LIMIT $1
    FOR UPDATE SKIP LOCKED
)
UPDATE jobs AS j
SET lease_until = now() + make_interval(secs => $2), lease_token = gen_random_uuid(), hint_pending = false,
    updated_at = now()
FROM due WHERE j.request_id = due.request_id
RETURNING {_PREFIXED}
"""

LEASE_DELIVERIES = f"""
WITH due AS (
    SELECT request_id FROM jobs
    WHERE finished_at IS NOT NULL AND delivered_at IS NULL
      AND next_check_at <= now() AND (lease_until IS NULL OR lease_until < now())
    ORDER BY next_check_at
    LIMIT $1
    FOR UPDATE SKIP LOCKED
)
UPDATE jobs AS j
SET lease_until = now() + make_interval(secs => $2), lease_token = gen_random_uuid(), updated_at = now()
FROM due WHERE j.request_id = due.request_id
RETURNING {_PREFIXED}
"""

EXTEND_LEASE = "UPDATE jobs SET lease_until = now() + make_interval(secs => $3) WHERE request_id = $1 AND lease_token = $2"

SET_PROGRESS = """
UPDATE jobs SET progress_message_id = $3, progress_stage = $4, updated_at = now()
WHERE request_id = $1 AND lease_token = $2
"""

SAVE_INPUT = f"""
UPDATE jobs SET input = $3::jsonb, updated_at = now()
WHERE request_id = $1 AND lease_token = $2 AND state = '{QUEUED}'
"""

# The measured media lengths replace the claimed ones, so "🔁 Сделать ещё раз" prices by them.
SAVE_FILES = f"""
UPDATE jobs SET files = $3::jsonb, updated_at = now()
WHERE request_id = $1 AND lease_token = $2 AND state = '{QUEUED}'
"""

# A move along the chart: $3 the state it leaves, $4 the state it enters. Committed BEFORE createTask is
# sent for `submit`: a row found in 'submitting' later may have a task at Kie.
SUBMIT = """
UPDATE jobs SET state = $4, attempts = attempts + 1, updated_at = now()
WHERE request_id = $1 AND lease_token = $2 AND state = $3
"""

ACCEPT = """
UPDATE jobs
SET state = $4, kie_task_id = $5, submitted_at = now(), failure_message = NULL,
    next_check_at = now() + make_interval(secs => $6), lease_until = NULL, lease_token = NULL,
    updated_at = now()
WHERE request_id = $1 AND lease_token = $2 AND state = $3
"""

RETRY = """
UPDATE jobs
SET state = $4, failure_message = $6, next_check_at = now() + make_interval(secs => $5),
    lease_until = NULL, lease_token = NULL, updated_at = now()
WHERE request_id = $1 AND lease_token = $2 AND state = $3
"""

# A callback that came in during the lease keeps the job due now instead of after the delay.
SCHEDULE_CHECK = """
UPDATE jobs
SET next_check_at = CASE WHEN hint_pending THEN now() ELSE now() + make_interval(secs => $3) END,
    lease_until = NULL, lease_token = NULL, hint_pending = false, updated_at = now()
WHERE request_id = $1 AND lease_token = $2
"""

FINISH = """
UPDATE jobs
SET state = $4, finished_at = now(), result_urls = $5::jsonb, result_text = $6, failure_code = $7,
    failure_message = $8, refunded_kopecks = $9, result_ids = $10::jsonb, kie_credits_billed = $11,
    next_check_at = now(), lease_until = NULL, lease_token = NULL, updated_at = now()
WHERE request_id = $1 AND lease_token = $2 AND state = $3 AND finished_at IS NULL
"""

# The user cancels before anything went to Kie: only a queued job no worker holds right now.
CANCEL_QUEUED = f"""
UPDATE jobs
SET state = $3, failure_code = 'cancelled', failure_message = 'cancelled by the user before submission',
    finished_at = now(), delivered_at = now(), next_check_at = now(), lease_until = NULL, lease_token = NULL,
    updated_at = now()
WHERE request_id = $1 AND user_id = $2 AND state = '{QUEUED}' AND (lease_until IS NULL OR lease_until < now())
RETURNING {COLUMNS}
"""

# A callback is only a hint: it makes the job due now; the worker re-reads the task before acting.
HINT_CHECK = f"""
UPDATE jobs SET next_check_at = now(), hint_pending = true, updated_at = now()
WHERE kie_task_id = $1 AND state = '{JobState.RUNNING.value}'
RETURNING request_id
"""

KNOWN_TASK = "SELECT request_id FROM jobs WHERE kie_task_id = $1"

MARK_DELIVERED = """
UPDATE jobs
SET delivered_at = now(), result_file_ids = $3::jsonb, delivery_error = $4, lease_until = NULL,
    lease_token = NULL, updated_at = now()
WHERE request_id = $1 AND lease_token = $2 AND delivered_at IS NULL
"""

RETRY_DELIVERY = """
UPDATE jobs
SET delivery_attempts = delivery_attempts + 1, delivery_error = $4,
    next_check_at = now() + make_interval(secs => $3), lease_until = NULL, lease_token = NULL,
    updated_at = now()
WHERE request_id = $1 AND lease_token = $2 AND delivered_at IS NULL
"""

SET_REFUNDED = "UPDATE jobs SET refunded_kopecks = $2 WHERE request_id = $1"

# One refund record per job, whatever path made it (an admin, or the automatic refund of an
# undeliverable result: admin_id NULL).
RECORD_REFUND = """
INSERT INTO job_refunds (request_id, user_id, admin_id, how, amount_kopecks) VALUES ($1, $2, $3, $4, $5)
ON CONFLICT (request_id) DO NOTHING
"""

GET = f"SELECT {COLUMNS} FROM jobs WHERE request_id = $1"
WITH_MONEY_BY_ID = f"SELECT {WITH_MONEY} FROM jobs j WHERE j.request_id = $1"
OF_USER = f"SELECT {WITH_MONEY} FROM jobs j WHERE j.user_id = $1 ORDER BY j.created_at DESC LIMIT $2"

MOSCOW_DAY_START = "date_trunc('day', now() AT TIME ZONE 'Europe/Moscow') AT TIME ZONE 'Europe/Moscow'"
COUNT_TODAY_BY_STATE = (
    f"SELECT state, count(*) AS n FROM jobs WHERE created_at >= {MOSCOW_DAY_START} GROUP BY state"
)
COUNT_OPEN = f"SELECT count(*) FROM jobs WHERE state IN {OPEN}"
COUNT_UNDELIVERED = "SELECT count(*) FROM jobs WHERE delivered_at IS NULL"

# Returns a row only when the alert is due: at most one alert of a kind per interval, whichever
# instance asks first (the row lock serialises concurrent askers).
ALERT_DUE = """
INSERT INTO job_alerts AS a (kind, last_sent_at) VALUES ($1, now())
ON CONFLICT (kind) DO UPDATE SET last_sent_at = now()
WHERE a.last_sent_at <= now() - make_interval(secs => $2)
RETURNING kind
"""


def as_job(row: asyncpg.Record | None) -> Job | None:
    return msgspec.convert(dict(row), Job) if row is not None else None


def _jobs(rows: list[asyncpg.Record]) -> list[Job]:
    return [msgspec.convert(dict(r), Job) for r in rows]


def _changed(status: str) -> bool:
    return status.split()[-1] != "0"


# --- creating, leasing -------------------------------------------------------------------------------


async def create(conn: asyncpg.Connection, job: Job) -> None:
    await conn.execute(
        INSERT,
        job.request_id,
        job.user_id,
        job.chat_id,
        job.model_id,
        job.input,
        msgspec.to_builtins(job.files),
        job.wizard_values,
        job.price_kopecks,
        job.free,
        job.lang,
        job.hold_key,
        job.kie_credits,
        job.parent_job_id,
    )


async def lease_open(db: Db, limit: int, lease_seconds: float) -> list[Job]:
    return _jobs(await db.fetch(LEASE_OPEN, limit, float(lease_seconds)))


async def lease_deliveries(db: Db, limit: int, lease_seconds: float) -> list[Job]:
    return _jobs(await db.fetch(LEASE_DELIVERIES, limit, float(lease_seconds)))


async def extend_lease(db: Db, request_id: str, token: uuid.UUID, lease_seconds: float) -> bool:
    return _changed(await db.execute(EXTEND_LEASE, request_id, token, float(lease_seconds)))


async def set_progress(db: Db, request_id: str, token: uuid.UUID, message_id: int | None, stage: str) -> bool:
    return _changed(await db.execute(SET_PROGRESS, request_id, token, message_id, stage))


async def save_input(db: Db, request_id: str, token: uuid.UUID, request_input: dict[str, Any]) -> bool:
    return _changed(await db.execute(SAVE_INPUT, request_id, token, request_input))


async def save_files(db: Db, request_id: str, token: uuid.UUID, files: dict[str, Any]) -> bool:
    return _changed(await db.execute(SAVE_FILES, request_id, token, files))


# --- moving along the chart (the runtime asked flows.jobs.lifecycle.advance first) -------------------


async def submit(db: Db, job: Job, target: JobState) -> bool:
    return _changed(await db.execute(SUBMIT, job.request_id, job.lease_token, job.state, target))


async def accept(db: Db, job: Job, target: JobState, kie_task_id: str, first_check_in: float) -> bool:
    status = await db.execute(
        ACCEPT, job.request_id, job.lease_token, job.state, target, kie_task_id, float(first_check_in)
    )
    return _changed(status)


async def retry(db: Db, job: Job, target: JobState, delay_seconds: float, reason: str) -> bool:
    status = await db.execute(
        RETRY, job.request_id, job.lease_token, job.state, target, float(delay_seconds), reason[:500]
    )
    return _changed(status)


async def schedule_check(db: Db, request_id: str, token: uuid.UUID, delay_seconds: float) -> bool:
    return _changed(await db.execute(SCHEDULE_CHECK, request_id, token, float(delay_seconds)))


async def finish(
    db: Db,
    job: Job,
    target: JobState,
    *,
    result_urls: list[str] | None = None,
    result_text: str | None = None,
    failure_code: str | None = None,
    failure_message: str | None = None,
    refunded_kopecks: int | None = None,
    result_ids: list[str] | None = None,
    kie_credits_billed: float | None = None,
) -> bool:
    status = await db.execute(
        FINISH,
        job.request_id,
        job.lease_token,
        job.state,
        target,
        result_urls,
        result_text,
        failure_code,
        failure_message[:1000] if failure_message else failure_message,
        refunded_kopecks,
        result_ids or None,
        kie_credits_billed,
    )
    return _changed(status)


async def cancel_queued(
    conn: asyncpg.Connection, request_id: str, user_id: int, target: JobState
) -> Job | None:
    return as_job(await conn.fetchrow(CANCEL_QUEUED, request_id, user_id, target))


async def hint_check(db: Db, kie_task_id: str) -> str | None:
    """Make the running job of this Kie task due now; its request id, or None (unknown or not running)."""
    return await db.fetchval(HINT_CHECK, kie_task_id)


async def known_task(db: Db, kie_task_id: str) -> str | None:
    return await db.fetchval(KNOWN_TASK, kie_task_id)


# --- delivery and refunds ----------------------------------------------------------------------------


async def mark_delivered(
    db: Db, request_id: str, token: uuid.UUID, file_ids: list[str], error: str | None = None
) -> bool:
    return _changed(await db.execute(MARK_DELIVERED, request_id, token, file_ids, error))


async def retry_delivery(db: Db, request_id: str, token: uuid.UUID, delay_seconds: float, error: str) -> bool:
    return _changed(await db.execute(RETRY_DELIVERY, request_id, token, float(delay_seconds), error[:500]))


async def set_refunded(conn: asyncpg.Connection, request_id: str, kopecks: int) -> None:
    await conn.execute(SET_REFUNDED, request_id, kopecks)


async def record_refund(
    db: Db, request_id: str, user_id: int, admin_id: int | None, how: str, amount: int
) -> bool:
    """True for the first refund of this job, by any path (admin_id None: the automatic refund of an
    undeliverable result); False when it was already refunded."""
    return _changed(await db.execute(RECORD_REFUND, request_id, user_id, admin_id, how, amount))


# --- reads -------------------------------------------------------------------------------------------


async def get(db: Db, request_id: str) -> Job | None:
    return as_job(await db.fetchrow(GET, request_id))


async def with_money(db: Db, request_id: str) -> Job | None:
    """A job with its hold status and refund (history item, repeat, the admin job card)."""
    return as_job(await db.fetchrow(WITH_MONEY_BY_ID, request_id))


async def of_user(db: Db, user_id: int, limit: int = 10) -> list[Job]:
    return _jobs(await db.fetch(OF_USER, user_id, limit))


async def count_today_by_state(db: Db) -> dict[str, int]:
    return {r["state"]: r["n"] for r in await db.fetch(COUNT_TODAY_BY_STATE)}


async def count_open(db: Db) -> int:
    return await db.fetchval(COUNT_OPEN)


async def count_undelivered(db: Db) -> int:
    return await db.fetchval(COUNT_UNDELIVERED)


async def alert_due(db: Db, kind: str, every_seconds: float) -> bool:
    return await db.fetchval(ALERT_DUE, kind, float(every_seconds)) is not None
