"""Per-chat sessions: the persisted conversation state. Loading (with its row lock) and saving happen
in persistence/update_context.py together with the rest of an update's reads and writes."""

from __future__ import annotations

import asyncpg

SET_CONTROL_MESSAGE = """
UPDATE sessions SET state = jsonb_set(state, '{control_message_id}', to_jsonb($2::bigint)), updated_at = now()
WHERE chat_id = $1
"""


async def set_control_message(conn: asyncpg.Connection | asyncpg.Pool, chat_id: int, message_id: int) -> None:
    await conn.execute(SET_CONTROL_MESSAGE, chat_id, message_id)
