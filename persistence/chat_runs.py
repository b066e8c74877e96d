"""The answer in progress for one message (chat_runs): created with the hold in the update's
transaction, run by runtime/chat outside it, stoppable through a flag in the row."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

import asyncpg
import msgspec

from persistence.ledger import Db

RunState = Literal["pending", "running", "answered", "stopped", "failed"]
COLUMNS = (
    "key, request_id, user_id, chat_id, dialog_id, request, state, attempts, "
    "stop_requested_at IS NOT NULL AS stop_requested, cost_kopecks, finish_reason, failure, "
    "created_at, finished_at, delivered_at"
)


class Run(msgspec.Struct, frozen=True):
    key: str
    request_id: str
    user_id: int
    chat_id: int
    dialog_id: int
    request: dict[str, Any]
    state: RunState
    attempts: int
    stop_requested: bool
    cost_kopecks: int | None
    finish_reason: str | None
    failure: str | None
    created_at: dt.datetime
    finished_at: dt.datetime | None
    delivered_at: dt.datetime | None

    @property
    def finished(self) -> bool:
        return self.finished_at is not None


INSERT = """
INSERT INTO chat_runs (key, request_id, user_id, chat_id, dialog_id, request)
VALUES ($1, $2, $3, $4, $5, $6::text::jsonb)
ON CONFLICT (key) DO NOTHING
"""

GET = f"SELECT {COLUMNS} FROM chat_runs WHERE key = $1"

# Each (re)start counts: a run that crashed mid-answer shows attempts = 1 when it is picked up again.
START_ATTEMPT = f"""
UPDATE chat_runs SET state = 'running', attempts = attempts + 1
WHERE key = $1 AND finished_at IS NULL
RETURNING {COLUMNS}
"""

STOP_REQUESTED = "SELECT stop_requested_at IS NOT NULL FROM chat_runs WHERE key = $1"

# ❌ Остановить: flag every unfinished answer of the chat (there is at most one at a time).
REQUEST_STOP = """
UPDATE chat_runs SET stop_requested_at = coalesce(stop_requested_at, now())
WHERE chat_id = $1 AND finished_at IS NULL
"""

FINISH = f"""
UPDATE chat_runs SET state = $2, cost_kopecks = $3, finish_reason = $4, failure = $5, finished_at = now(),
    kie_credits = $6::float8::numeric
WHERE key = $1 AND finished_at IS NULL
RETURNING {COLUMNS}
"""

MARK_DELIVERED = "UPDATE chat_runs SET delivered_at = now() WHERE key = $1 AND delivered_at IS NULL"

UNFINISHED_OF_CHAT = f"SELECT {COLUMNS} FROM chat_runs WHERE chat_id = $1 AND finished_at IS NULL"

_encode = msgspec.json.Encoder().encode


def _run(row: asyncpg.Record) -> Run:
    data = dict(row)
    if isinstance(data["request"], str):
        data["request"] = msgspec.json.decode(data["request"])
    return Run(**data)


async def create(
    conn: asyncpg.Connection,
    key: str,
    request_id: str,
    user_id: int,
    chat_id: int,
    dialog_id: int,
    request: Any,
) -> bool:
    """Record a pending answer; False when this key exists already (a repeated decision)."""
    payload = _encode(request).decode()
    return (await conn.execute(INSERT, key, request_id, user_id, chat_id, dialog_id, payload)).endswith(" 1")


async def get(db: Db, key: str) -> Run | None:
    row = await db.fetchrow(GET, key)
    return _run(row) if row else None


async def start_attempt(db: Db, key: str) -> Run | None:
    """Count one more attempt; None when the run is finished (or unknown)."""
    row = await db.fetchrow(START_ATTEMPT, key)
    return _run(row) if row else None


async def stop_requested(db: Db, key: str) -> bool:
    return bool(await db.fetchval(STOP_REQUESTED, key))


async def request_stop(db: Db, chat_id: int) -> int:
    """Flag the chat's answer in progress to stop; the number of answers flagged (0 or 1)."""
    return int((await db.execute(REQUEST_STOP, chat_id)).split()[-1])


async def finish(
    conn: asyncpg.Connection,
    key: str,
    state: RunState,
    *,
    cost_kopecks: int | None = None,
    finish_reason: str | None = None,
    failure: str | None = None,
    kie_credits: float | None = None,
) -> Run | None:
    """End the run once; None when it had ended already (the caller's transaction should roll back).
    `kie_credits`: what Kie billed for the answer (the margin report)."""
    row = await conn.fetchrow(FINISH, key, state, cost_kopecks, finish_reason, failure, kie_credits)
    return _run(row) if row else None


async def mark_delivered(db: Db, key: str) -> None:
    await db.execute(MARK_DELIVERED, key)


async def unfinished_of_chat(db: Db, chat_id: int) -> Run | None:
    row = await db.fetchrow(UNFINISHED_OF_CHAT, chat_id)
    return _run(row) if row else None
