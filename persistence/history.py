"""Read-only queries for the money screens: a user's generations, a job with its hold, admin stats,
finding a user, blocking."""

from __future__ import annotations

import re

import asyncpg

from persistence.ledger import Db

# ASCII digits only: int() would read «١٢٣» and crash on «²».
_USER_ID = re.compile(r"-?[0-9]{1,18}")

JOB_COLUMNS = """
j.request_id, j.user_id, j.model_id, j.price_kopecks, j.state, j.free, j.created_at, j.kie_task_id,
j.failure_code, j.failure_message, j.result_file_ids, j.wizard_values, j.files,
(SELECT h.status FROM ledger_holds h WHERE h.key = j.request_id || ':' || j.user_id || ':' || j.model_id)
    AS hold_status,
EXISTS (SELECT 1 FROM job_refunds r WHERE r.request_id = j.request_id) AS refunded_by_admin,
(SELECT r.how FROM job_refunds r WHERE r.request_id = j.request_id) AS refund_how
"""

USER_JOBS = f"SELECT {JOB_COLUMNS} FROM jobs j WHERE j.user_id = $1 ORDER BY j.created_at DESC LIMIT $2"

JOB = f"SELECT {JOB_COLUMNS} FROM jobs j WHERE j.request_id = $1"

IS_BLOCKED = "SELECT blocked_at IS NOT NULL FROM users WHERE id = $1"

USER_BY_ID = "SELECT id, username, first_name, blocked_at IS NOT NULL AS blocked FROM users WHERE id = $1"

USER_BY_NAME = """
SELECT id, username, first_name, blocked_at IS NOT NULL AS blocked FROM users
WHERE lower(username) = lower($1) ORDER BY last_seen_at DESC LIMIT 1
"""

SET_BLOCKED = """
UPDATE users SET blocked_at = CASE WHEN $2 THEN coalesce(blocked_at, now()) END,
                 blocked_by = CASE WHEN $2 THEN $3::bigint END
WHERE id = $1
"""

MOSCOW_DAY_START = "date_trunc('day', now() AT TIME ZONE 'Europe/Moscow') AT TIME ZONE 'Europe/Moscow'"

STATS = f"""
SELECT (SELECT count(*) FROM users) AS users,
       (SELECT count(*) FROM users WHERE last_seen_at >= {MOSCOW_DAY_START}) AS active_today,
       {MOSCOW_DAY_START} AS day_start
"""

JOBS_TODAY = f"SELECT state, count(*) AS n FROM jobs WHERE created_at >= {MOSCOW_DAY_START} GROUP BY state"

REFUND_JOB = """
INSERT INTO job_refunds (request_id, user_id, admin_id, how, amount_kopecks) VALUES ($1, $2, $3, $4, $5)
ON CONFLICT (request_id) DO NOTHING
"""


async def user_jobs(db: Db, user_id: int, limit: int = 10) -> list[asyncpg.Record]:
    return await db.fetch(USER_JOBS, user_id, limit)


async def job(db: Db, request_id: str) -> asyncpg.Record | None:
    return await db.fetchrow(JOB, request_id)


async def is_blocked(db: Db, user_id: int) -> bool:
    return bool(await db.fetchval(IS_BLOCKED, user_id))


async def find_user(db: Db, ref: str) -> asyncpg.Record | None:
    """By numeric id or @username (case-insensitive)."""
    ref = ref.strip()
    if _USER_ID.fullmatch(ref):
        return await db.fetchrow(USER_BY_ID, int(ref))
    name = ref.removeprefix("@").removeprefix("https://t.me/")
    return await db.fetchrow(USER_BY_NAME, name) if name else None


async def set_blocked(db: Db, user_id: int, blocked: bool, admin_id: int) -> None:
    await db.execute(SET_BLOCKED, user_id, blocked, admin_id)


async def stats(db: Db) -> tuple[asyncpg.Record, dict[str, int]]:
    row = await db.fetchrow(STATS)
    jobs = {r["state"]: r["n"] for r in await db.fetch(JOBS_TODAY)}
    return row, jobs


async def record_job_refund(
    db: Db, request_id: str, user_id: int, admin_id: int | None, how: str, amount: int
) -> bool:
    """True for the first refund of this job, by any path (admin_id None: the automatic refund of an
    undeliverable result); False when it was already refunded."""
    return (await db.execute(REFUND_JOB, request_id, user_id, admin_id, how, amount)).endswith(" 1")
