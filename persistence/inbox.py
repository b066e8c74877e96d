"""The durable update inbox: store before acknowledging, lease in order per chat, finish or park.

Leasing takes only the oldest open update of each chat (the NOT EXISTS clause), so two updates of one
chat are never worked on at once, in one process or across several; SKIP LOCKED lets instances share
the work without waiting on each other.
"""

from __future__ import annotations

from typing import Any

import asyncpg
import msgspec

STORE = """
INSERT INTO inbox (update_id, chat_key, kind, payload)
VALUES ($1, $2, $3, $4::text::jsonb)
ON CONFLICT (update_id) DO NOTHING
"""

# The oldest open update of each chat (DISTINCT ON over the partial index of open rows, so the cost
# follows the backlog, never the history), then the ready ones among them. The UPDATE re-checks status
# and lease on the row's latest version: a row finished meanwhile by another worker is never re-leased.
LEASE = """
WITH heads AS (
    SELECT DISTINCT ON (chat_key) update_id, available_at, lease_until
    FROM inbox
    WHERE status IN ('pending', 'replying')
    ORDER BY chat_key, update_id
), ready AS (
    SELECT i.update_id
    FROM inbox i
    JOIN heads h ON h.update_id = i.update_id
    WHERE h.available_at <= now() AND (h.lease_until IS NULL OR h.lease_until < now())
    ORDER BY i.update_id
    LIMIT $1
    FOR UPDATE OF i SKIP LOCKED
)
UPDATE inbox AS t
SET lease_until = now() + make_interval(secs => $2),
    attempts = CASE WHEN t.status = 'pending' THEN t.attempts + 1 ELSE t.attempts END
FROM ready
WHERE t.update_id = ready.update_id
  AND t.status IN ('pending', 'replying')
  AND (t.lease_until IS NULL OR t.lease_until < now())
RETURNING t.update_id, t.chat_key, t.kind, t.payload, t.status, t.attempts, t.actions, t.actions_sent
"""

MARK_REPLYING = """
UPDATE inbox SET status = 'replying', actions = $2::jsonb, actions_sent = 0, error = NULL
WHERE update_id = $1
"""

# A long reply (a streamed chat answer) keeps its lease while it works, so no other worker takes it.
EXTEND_LEASE = """
UPDATE inbox SET lease_until = now() + make_interval(secs => $2) WHERE update_id = $1 AND status = 'replying'
"""

MARK_SENT = "UPDATE inbox SET actions_sent = $2 WHERE update_id = $1"

RETRY_LATER = """
UPDATE inbox SET lease_until = NULL, error = $2, available_at = now() + make_interval(secs => $3)
WHERE update_id = $1
"""

PARK = """
UPDATE inbox SET status = 'parked', finished_at = now(), lease_until = NULL, error = $2, request_id = $3
WHERE update_id = $1
"""

# Done rows after `$1` seconds; parked rows (failed for good, payload kept for the operator to look at
# and re-queue) after `$2` seconds, so personal data does not stay forever.
PRUNE = """
DELETE FROM inbox
WHERE (status = 'done' AND finished_at < now() - make_interval(secs => $1))
   OR (status = 'parked' AND finished_at < now() - make_interval(secs => $2))
"""

MORE_OF_ALBUM = """
SELECT EXISTS (
    SELECT 1 FROM inbox
    WHERE chat_key = $1 AND update_id > $2 AND status = 'pending'
      AND payload -> 'message' ->> 'media_group_id' = $3)
"""


class LeasedUpdate(msgspec.Struct, frozen=True):
    update_id: int
    chat_key: int
    kind: str
    payload: dict[str, Any]
    status: str
    attempts: int
    actions: list[Any] | None
    actions_sent: int


async def store(pool: asyncpg.Pool, update_id: int, chat_key: int, kind: str, raw_json: str) -> bool:
    """Store an update; False when it was already there (Telegram retried it)."""
    try:
        result = await pool.execute(STORE, update_id, chat_key, kind, raw_json)
    except asyncpg.UntranslatableCharacterError:
        # jsonb cannot hold U+0000. Refusing would make Telegram retry this update forever and stall
        # every later one, so the character is replaced (it never means anything in a chat message).
        result = await pool.execute(STORE, update_id, chat_key, kind, raw_json.replace("\\u0000", "\\ufffd"))
    return result.endswith(" 1")


async def lease(pool: asyncpg.Pool, limit: int, lease_seconds: float) -> list[LeasedUpdate]:
    rows = await pool.fetch(LEASE, limit, float(lease_seconds))
    return [LeasedUpdate(**dict(r)) for r in sorted(rows, key=lambda r: r["update_id"])]


async def mark_replying(conn: asyncpg.Connection, update_id: int, actions: list[Any]) -> None:
    await conn.execute(MARK_REPLYING, update_id, actions)


async def extend_lease(pool: asyncpg.Pool, update_id: int, lease_seconds: float) -> None:
    await pool.execute(EXTEND_LEASE, update_id, float(lease_seconds))


async def mark_sent(pool: asyncpg.Pool, update_id: int, count: int) -> None:
    await pool.execute(MARK_SENT, update_id, count)


async def retry_later(pool: asyncpg.Pool, update_id: int, error: str, delay_seconds: float) -> None:
    await pool.execute(RETRY_LATER, update_id, error[:2000], float(delay_seconds))


async def park(pool: asyncpg.Pool, update_id: int, error: str, request_id: str) -> None:
    await pool.execute(PARK, update_id, error[:2000], request_id)


async def prune(pool: asyncpg.Pool, older_than_seconds: float, parked_older_than_seconds: float) -> int:
    result = await pool.execute(PRUNE, float(older_than_seconds), float(parked_older_than_seconds))
    return int(result.split()[-1])


async def more_of_album_waiting(conn: asyncpg.Connection, chat_key: int, update_id: int, group: str) -> bool:
    """Whether later parts of the same album are already stored (Telegram sends each part apart)."""
    return await conn.fetchval(MORE_OF_ALBUM, chat_key, update_id, group)
