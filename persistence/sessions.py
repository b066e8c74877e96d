"""Per-chat sessions: the persisted conversation state, locked while an update of the chat is handled."""

from __future__ import annotations

from typing import Any

import asyncpg

LOAD_FOR_UPDATE = "SELECT version, state FROM sessions WHERE chat_id = $1 FOR UPDATE"

SAVE = """
INSERT INTO sessions (chat_id, version, state, updated_at) VALUES ($1, $2, $3::jsonb, now())
ON CONFLICT (chat_id) DO UPDATE SET version = EXCLUDED.version, state = EXCLUDED.state, updated_at = now()
"""

SET_CONTROL_MESSAGE = """
UPDATE sessions SET state = jsonb_set(state, '{control_message_id}', to_jsonb($2::bigint)), updated_at = now()
WHERE chat_id = $1
"""


async def load_for_update(conn: asyncpg.Connection, chat_id: int) -> tuple[int, dict[str, Any] | None]:
    """(version, state) of the chat, row-locked until the transaction ends; (0, None) when new."""
    row = await conn.fetchrow(LOAD_FOR_UPDATE, chat_id)
    if row is None:
        return 0, None
    return row["version"], row["state"]


async def save(conn: asyncpg.Connection, chat_id: int, version: int, state: Any) -> None:
    await conn.execute(SAVE, chat_id, version, state)


async def set_control_message(conn: asyncpg.Connection | asyncpg.Pool, chat_id: int, message_id: int) -> None:
    await conn.execute(SET_CONTROL_MESSAGE, chat_id, message_id)
