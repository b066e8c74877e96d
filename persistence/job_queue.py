"""Leasing and transitions of generation jobs (the rows persistence/jobs.py creates at confirm).

Every piece of work on a job is leased with FOR UPDATE SKIP LOCKED: open jobs (queued, submitting,
running) when their next_check_at is due, finished jobs until they are delivered. A lease sets
lease_until and a fresh lease_token; every transition matches on that token, so a worker that lost its
lease (it hung past lease_until and another instance took the row) changes nothing. Nothing here talks
to Kie or Telegram.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import asyncpg
import msgspec

Db = asyncpg.Pool | asyncpg.Connection

OPEN_STATES = ("queued", "submitting", "running")
TERMINAL_STATES = ("succeeded", "failed", "timed_out")

COLUMNS = """
request_id, user_id, chat_id, model_id, input, files, wizard_values, price_kopecks, free, lang, state,
kie_task_id, attempts, lease_token, next_check_at, progress_message_id, progress_stage, result_urls,
result_text, result_file_ids, failure_code, failure_message, refunded_kopecks, delivery_attempts,
created_at, submitted_at, finished_at, delivered_at
"""


def _prefixed(alias: str) -> str:
    return ", ".join(f"{alias}.{name.strip()}" for name in COLUMNS.split(","))


LEASE_OPEN = f"""
WITH due AS (
    SELECT request_id FROM jobs
    WHERE state IN ('queued', 'submitting', 'running')
      AND next_check_at <= now()
      AND (lease_until IS NULL OR lease_until < now())
    -- A job Kie just called back about is likely done: finishing it beats starting another.
    ORDER BY hint_pending DESC, next_check_at
    LIMIT $1
    FOR UPDATE SKIP LOCKED
)
UPDATE jobs AS j
SET lease_until = now() + make_interval(secs => $2), lease_token = gen_random_uuid(), hint_pending = false,
    updated_at = now()
FROM due
WHERE j.request_id = due.request_id
RETURNING {_prefixed("j")}
"""

LEASE_DELIVERIES = f"""
WITH due AS (
    SELECT request_id FROM jobs
    WHERE finished_at IS NOT NULL AND delivered_at IS NULL
      AND next_check_at <= now()
      AND (lease_until IS NULL OR lease_until < now())
    ORDER BY next_check_at
    LIMIT $1
    FOR UPDATE SKIP LOCKED
)
UPDATE jobs AS j
SET lease_until = now() + make_interval(secs => $2), lease_token = gen_random_uuid(), updated_at = now()
FROM due
WHERE j.request_id = due.request_id
RETURNING {_prefixed("j")}
"""

EXTEND_LEASE = """
UPDATE jobs SET lease_until = now() + make_interval(secs => $3)
WHERE request_id = $1 AND lease_token = $2
"""

SET_PROGRESS = """
UPDATE jobs SET progress_message_id = $3, progress_stage = $4, updated_at = now()
WHERE request_id = $1 AND lease_token = $2
"""

SAVE_INPUT = """
UPDATE jobs SET input = $3::jsonb, updated_at = now()
WHERE request_id = $1 AND lease_token = $2 AND state = 'queued'
"""

# The measured media lengths replace the claimed ones, so "🔁 Сделать ещё раз" prices by them.
SAVE_FILES = """
UPDATE jobs SET files = $3::jsonb, updated_at = now()
WHERE request_id = $1 AND lease_token = $2 AND state = 'queued'
"""

# Committed BEFORE createTask is sent: a row found in 'submitting' later may have a task at Kie.
MARK_SUBMITTING = """
UPDATE jobs SET state = 'submitting', attempts = attempts + 1, updated_at = now()
WHERE request_id = $1 AND lease_token = $2 AND state = 'queued'
"""

MARK_RUNNING = """
UPDATE jobs
SET state = 'running', kie_task_id = $3, submitted_at = now(), failure_message = NULL,
    next_check_at = now() + make_interval(secs => $4), lease_until = NULL, lease_token = NULL,
    updated_at = now()
WHERE request_id = $1 AND lease_token = $2 AND state = 'submitting'
"""

REQUEUE = """
UPDATE jobs
SET state = 'queued', failure_message = $4, next_check_at = now() + make_interval(secs => $3),
    lease_until = NULL, lease_token = NULL, updated_at = now()
WHERE request_id = $1 AND lease_token = $2 AND state IN ('queued', 'submitting')
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
SET state = $3, finished_at = now(), result_urls = $4::jsonb, result_text = $5, failure_code = $6,
    failure_message = $7, refunded_kopecks = $8, next_check_at = now(), lease_until = NULL,
    lease_token = NULL, updated_at = now()
WHERE request_id = $1 AND lease_token = $2 AND finished_at IS NULL
"""

# The user cancels before anything went to Kie: only a queued job no worker holds right now.
CANCEL_QUEUED = """
UPDATE jobs
SET state = 'failed', failure_code = 'cancelled', failure_message = 'cancelled by the user before submission',
    finished_at = now(), delivered_at = now(), next_check_at = now(), lease_until = NULL, lease_token = NULL,
    updated_at = now()
WHERE request_id = $1 AND user_id = $2 AND state = 'queued' AND (lease_until IS NULL OR lease_until < now())
RETURNING model_id, free
"""

# A callback is only a hint: it makes the job due now; the worker re-reads the task before acting.
HINT_CHECK = """
UPDATE jobs SET next_check_at = now(), hint_pending = true, updated_at = now()
WHERE kie_task_id = $1 AND state = 'running'
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

# What "🔁 Сделать ещё раз" needs, and only for the job's own user.
RECALL = """
SELECT model_id, wizard_values, files FROM jobs WHERE request_id = $1 AND user_id = $2
"""

GET = f"SELECT {COLUMNS} FROM jobs WHERE request_id = $1"

# Returns a row only when the alert is due: at most one alert of a kind per interval, whichever
# instance asks first (the row lock serialises concurrent askers).
ALERT_DUE = """
INSERT INTO job_alerts AS a (kind, last_sent_at) VALUES ($1, now())
ON CONFLICT (kind) DO UPDATE SET last_sent_at = now()
WHERE a.last_sent_at <= now() - make_interval(secs => $2)
RETURNING kind
"""

COUNT_OPEN = "SELECT count(*) FROM jobs WHERE state IN ('queued', 'submitting', 'running')"
COUNT_UNDELIVERED = "SELECT count(*) FROM jobs WHERE delivered_at IS NULL"


class JobRow(msgspec.Struct, frozen=True):
    request_id: str
    user_id: int
    chat_id: int
    model_id: str
    input: dict[str, Any]
    files: dict[str, Any]
    wizard_values: dict[str, Any]
    price_kopecks: int
    free: bool
    lang: str
    state: str
    kie_task_id: str | None
    attempts: int
    lease_token: uuid.UUID | None
    next_check_at: dt.datetime
    progress_message_id: int | None
    progress_stage: str | None
    result_urls: list[str] | None
    result_text: str | None
    result_file_ids: list[str] | None
    failure_code: str | None
    failure_message: str | None
    refunded_kopecks: int | None
    delivery_attempts: int
    created_at: dt.datetime
    submitted_at: dt.datetime | None
    finished_at: dt.datetime | None
    delivered_at: dt.datetime | None


class Recall(msgspec.Struct, frozen=True):
    model_id: str
    values: dict[str, Any]
    files: dict[str, Any]


def _rows(records: list[asyncpg.Record]) -> list[JobRow]:
    return [JobRow(**dict(r)) for r in records]


def _changed(status: str) -> bool:
    return status.split()[-1] != "0"


async def lease_open(db: Db, limit: int, lease_seconds: float) -> list[JobRow]:
    return _rows(await db.fetch(LEASE_OPEN, limit, float(lease_seconds)))


async def lease_deliveries(db: Db, limit: int, lease_seconds: float) -> list[JobRow]:
    return _rows(await db.fetch(LEASE_DELIVERIES, limit, float(lease_seconds)))


async def extend_lease(db: Db, request_id: str, token: uuid.UUID, lease_seconds: float) -> bool:
    return _changed(await db.execute(EXTEND_LEASE, request_id, token, float(lease_seconds)))


async def set_progress(db: Db, request_id: str, token: uuid.UUID, message_id: int | None, stage: str) -> bool:
    return _changed(await db.execute(SET_PROGRESS, request_id, token, message_id, stage))


async def save_input(db: Db, request_id: str, token: uuid.UUID, request_input: dict[str, Any]) -> bool:
    return _changed(await db.execute(SAVE_INPUT, request_id, token, request_input))


async def save_files(db: Db, request_id: str, token: uuid.UUID, files: dict[str, Any]) -> bool:
    return _changed(await db.execute(SAVE_FILES, request_id, token, files))


async def mark_submitting(db: Db, request_id: str, token: uuid.UUID) -> bool:
    return _changed(await db.execute(MARK_SUBMITTING, request_id, token))


async def mark_running(
    db: Db, request_id: str, token: uuid.UUID, kie_task_id: str, first_check_in: float
) -> bool:
    return _changed(await db.execute(MARK_RUNNING, request_id, token, kie_task_id, float(first_check_in)))


async def requeue(db: Db, request_id: str, token: uuid.UUID, delay_seconds: float, reason: str) -> bool:
    return _changed(await db.execute(REQUEUE, request_id, token, float(delay_seconds), reason[:500]))


async def schedule_check(db: Db, request_id: str, token: uuid.UUID, delay_seconds: float) -> bool:
    return _changed(await db.execute(SCHEDULE_CHECK, request_id, token, float(delay_seconds)))


async def finish(
    db: Db,
    request_id: str,
    token: uuid.UUID,
    state: str,
    *,
    result_urls: list[str] | None = None,
    result_text: str | None = None,
    failure_code: str | None = None,
    failure_message: str | None = None,
    refunded_kopecks: int | None = None,
) -> bool:
    if state not in TERMINAL_STATES:
        raise ValueError(f"not a terminal state: {state!r}")
    status = await db.execute(
        FINISH,
        request_id,
        token,
        state,
        result_urls,
        result_text,
        failure_code,
        failure_message[:1000] if failure_message else failure_message,
        refunded_kopecks,
    )
    return _changed(status)


async def hint_check(db: Db, kie_task_id: str) -> str | None:
    """Make the running job of this Kie task due now; its request id, or None (unknown or not running)."""
    return await db.fetchval(HINT_CHECK, kie_task_id)


async def known_task(db: Db, kie_task_id: str) -> str | None:
    return await db.fetchval(KNOWN_TASK, kie_task_id)


async def mark_delivered(
    db: Db, request_id: str, token: uuid.UUID, file_ids: list[str], error: str | None = None
) -> bool:
    return _changed(await db.execute(MARK_DELIVERED, request_id, token, file_ids, error))


async def retry_delivery(db: Db, request_id: str, token: uuid.UUID, delay_seconds: float, error: str) -> bool:
    return _changed(await db.execute(RETRY_DELIVERY, request_id, token, float(delay_seconds), error[:500]))


async def recall(db: Db, request_id: str, user_id: int) -> Recall | None:
    row = await db.fetchrow(RECALL, request_id, user_id)
    if row is None:
        return None
    return Recall(row["model_id"], row["wizard_values"] or {}, row["files"] or {})


async def get(db: Db, request_id: str) -> JobRow | None:
    row = await db.fetchrow(GET, request_id)
    return JobRow(**dict(row)) if row else None


async def alert_due(db: Db, kind: str, every_seconds: float) -> bool:
    return await db.fetchval(ALERT_DUE, kind, float(every_seconds)) is not None


async def count_open(db: Db) -> int:
    return await db.fetchval(COUNT_OPEN)


async def count_undelivered(db: Db) -> int:
    return await db.fetchval(COUNT_UNDELIVERED)


async def cancel_queued(conn: asyncpg.Connection, request_id: str, user_id: int) -> asyncpg.Record | None:
    return await conn.fetchrow(CANCEL_QUEUED, request_id, user_id)


async def set_refunded(conn: asyncpg.Connection, request_id: str, kopecks: int) -> None:
    await conn.execute("UPDATE jobs SET refunded_kopecks = $2 WHERE request_id = $1", request_id, kopecks)
