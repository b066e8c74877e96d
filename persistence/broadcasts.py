"""Admin broadcasts: the job row, its recipients, and the claim that makes each message go at most once.

A recipient is claimed (`pending` → `sending`) by one committed statement before its message is sent,
and marked `sent` / `blocked` / `failed` after. A worker that dies between the two leaves the row in
`sending`: it is never claimed again, and once it is older than the lease it counts as failed. That is
the at-most-once choice — a crash loses at most the one message in flight, it never sends one twice
(Telegram has no idempotent send, so at-least-once would mean duplicates after every redeploy).
"""

from __future__ import annotations

from typing import Literal

import asyncpg
import msgspec

from flows.broadcast.effects import StartBroadcast

Db = asyncpg.Connection | asyncpg.Pool
Outcome = Literal["sent", "blocked", "failed"]

# Who a broadcast may reach: never users who blocked the bot (is_active) or whom an admin blocked.
_REACHABLE = "u.is_active AND u.blocked_at IS NULL"
_AUDIENCE = {
    "all": _REACHABLE,
    "active30": f"{_REACHABLE} AND u.last_seen_at >= now() - interval '30 days'",
    "paid": f"{_REACHABLE} AND EXISTS (SELECT 1 FROM ledger_transactions t"
    " WHERE t.kind = 'topup' AND t.user_id = u.id)",
}

COUNT_AUDIENCES = f"""
SELECT count(*) FILTER (WHERE {_AUDIENCE["all"]}) AS all,
       count(*) FILTER (WHERE {_AUDIENCE["active30"]}) AS active30,
       count(*) FILTER (WHERE {_AUDIENCE["paid"]}) AS paid
FROM users u
"""

CREATE = """
INSERT INTO broadcasts (key, admin_id, audience, text, photo_file_id, button_text, button_url)
VALUES ($1, $2, $3, $4, $5, $6, $7)
ON CONFLICT (key) DO NOTHING
RETURNING id
"""

ADD_RECIPIENTS = {
    audience: f"""
INSERT INTO broadcast_recipients (broadcast_id, user_id)
SELECT $1, u.id FROM users u WHERE {where}
"""
    for audience, where in _AUDIENCE.items()
}

NEXT_SENDING = """
SELECT id, admin_id, audience, text, photo_file_id, button_text, button_url, progress_message_id
FROM broadcasts WHERE status = 'sending' ORDER BY id LIMIT 1
"""

SET_PROGRESS_MESSAGE = "UPDATE broadcasts SET progress_message_id = $2 WHERE id = $1"

# Claimed and committed in one statement: from here on no worker will send to this user again.
CLAIM = """
UPDATE broadcast_recipients r SET state = 'sending', updated_at = now()
FROM (SELECT broadcast_id, user_id FROM broadcast_recipients
      WHERE broadcast_id = $1 AND state = 'pending'
      ORDER BY user_id LIMIT 1 FOR UPDATE SKIP LOCKED) AS next
WHERE r.broadcast_id = next.broadcast_id AND r.user_id = next.user_id
RETURNING r.user_id
"""

MARK = """
UPDATE broadcast_recipients SET state = $3, updated_at = now()
WHERE broadcast_id = $1 AND user_id = $2 AND state = 'sending'
"""

# A claim older than the lease belongs to a worker that died mid-send: the message may or may not
# have gone out, so it is counted failed and not sent again.
EXPIRE_CLAIMS = """
UPDATE broadcast_recipients SET state = 'failed', updated_at = now()
WHERE broadcast_id = $1 AND state = 'sending' AND updated_at < now() - make_interval(secs => $2)
"""

COUNTS = """
SELECT count(*) FILTER (WHERE state = 'sent') AS sent,
       count(*) FILTER (WHERE state = 'blocked') AS blocked,
       count(*) FILTER (WHERE state = 'failed') AS failed,
       count(*) FILTER (WHERE state IN ('pending', 'sending')) AS left,
       count(*) AS total
FROM broadcast_recipients WHERE broadcast_id = $1
"""

# Only the worker whose statement flips the status sends the final message.
FINISH = """
UPDATE broadcasts SET status = 'done', finished_at = now()
WHERE id = $1 AND status = 'sending'
  AND NOT EXISTS (SELECT 1 FROM broadcast_recipients
                  WHERE broadcast_id = $1 AND state IN ('pending', 'sending'))
RETURNING id
"""


class Post(msgspec.Struct, frozen=True):
    """A broadcast as stored: what to send and to whom."""

    id: int
    admin_id: int
    audience: str
    text: str
    photo_file_id: str | None
    button_text: str | None
    button_url: str | None
    progress_message_id: int | None


class Counts(msgspec.Struct, frozen=True):
    sent: int
    blocked: int
    failed: int
    left: int
    total: int


async def audience_counts(db: Db) -> dict[str, int]:
    row = await db.fetchrow(COUNT_AUDIENCES)
    return {key: row[key] for key in ("all", "active30", "paid")}


async def create(conn: asyncpg.Connection, start: StartBroadcast) -> int | None:
    """The broadcast and its recipients, in the caller's transaction; None when its key already exists."""
    broadcast_id = await conn.fetchval(
        CREATE,
        start.key,
        start.admin_id,
        start.audience,
        start.text,
        start.photo,
        start.button_text,
        start.button_url,
    )
    if broadcast_id is not None:
        await conn.execute(ADD_RECIPIENTS[start.audience], broadcast_id)
    return broadcast_id


async def next_sending(db: Db) -> Post | None:
    row = await db.fetchrow(NEXT_SENDING)
    return Post(**dict(row)) if row is not None else None


async def set_progress_message(db: Db, broadcast_id: int, message_id: int) -> None:
    await db.execute(SET_PROGRESS_MESSAGE, broadcast_id, message_id)


async def claim(db: Db, broadcast_id: int) -> int | None:
    return await db.fetchval(CLAIM, broadcast_id)


async def mark(db: Db, broadcast_id: int, user_id: int, outcome: Outcome) -> None:
    await db.execute(MARK, broadcast_id, user_id, outcome)


async def expire_claims(db: Db, broadcast_id: int, older_than_seconds: float) -> None:
    await db.execute(EXPIRE_CLAIMS, broadcast_id, older_than_seconds)


async def counts(db: Db, broadcast_id: int) -> Counts:
    return Counts(**dict(await db.fetchrow(COUNTS, broadcast_id)))


async def finish(db: Db, broadcast_id: int) -> bool:
    return await db.fetchval(FINISH, broadcast_id) is not None
