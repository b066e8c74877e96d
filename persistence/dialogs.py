"""Dialogs and their turns (💬 Тексты). SQL as named constants; the invariants live in 008_chat.sql
(one open dialog per user and model, one user and one assistant turn per request, costs only on
answers)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import asyncpg
import msgspec

from persistence.ledger import Db

DIALOG_COLUMNS = "id, user_id, model_id, mode, title, open, created_at, updated_at"


class Dialog(msgspec.Struct, frozen=True):
    id: int
    user_id: int
    model_id: str
    mode: str
    title: str | None
    open: bool
    created_at: dt.datetime
    updated_at: dt.datetime


class DialogSummary(msgspec.Struct, frozen=True):
    """The open dialog as a decision needs it (flows.chat.turn.DialogView)."""

    dialog_id: int
    model_id: str
    mode: str
    turns: int
    context_tokens: int


class Turn(msgspec.Struct, frozen=True):
    id: int
    request_id: str
    role: str
    content: str
    image_urls: list[str]
    tokens: int
    cost_kopecks: int | None
    created_at: dt.datetime


FIND_OPEN = f"SELECT {DIALOG_COLUMNS} FROM dialogs WHERE user_id = $1 AND model_id = $2 AND open"

# Races with a concurrent opener end in the unique index: nothing inserted, the caller reads again.
INSERT_DIALOG = f"""
INSERT INTO dialogs (user_id, model_id, mode) VALUES ($1, $2, $3)
ON CONFLICT (user_id, model_id) WHERE open DO NOTHING
RETURNING {DIALOG_COLUMNS}
"""

CLOSE_OPEN = "UPDATE dialogs SET open = false WHERE user_id = $1 AND model_id = $2 AND open"

SET_MODE = "UPDATE dialogs SET mode = $3 WHERE user_id = $1 AND model_id = $2 AND open"

GET_DIALOG = f"SELECT {DIALOG_COLUMNS} FROM dialogs WHERE id = $1"

REOPEN = f"UPDATE dialogs SET open = true WHERE id = $1 AND user_id = $2 RETURNING {DIALOG_COLUMNS}"

SUMMARY = """
SELECT d.id AS dialog_id, d.model_id, d.mode,
       count(t.id)::int AS turns, coalesce(sum(t.tokens), 0)::int AS context_tokens
FROM dialogs d LEFT JOIN chat_turns t ON t.dialog_id = d.id
WHERE d.user_id = $1 AND d.model_id = $2 AND d.open
GROUP BY d.id
"""

# The newest turns first (a context never needs more than the budget), returned oldest first.
RECENT_TURNS = """
SELECT * FROM (
    SELECT id, request_id, role, content, image_urls, tokens, cost_kopecks, created_at
    FROM chat_turns WHERE dialog_id = $1 ORDER BY id DESC LIMIT $2
) recent ORDER BY id
"""

INSERT_TURNS = """
INSERT INTO chat_turns (dialog_id, request_id, role, content, image_urls, tokens, cost_kopecks)
VALUES ($1, $2, 'user', $3, $4, $5, NULL), ($1, $2, 'assistant', $6, '{}', $7, $8)
ON CONFLICT ON CONSTRAINT chat_turns_once DO NOTHING
"""

# The first message names the dialog (🗂 История).
TOUCH_DIALOG = "UPDATE dialogs SET updated_at = now(), title = coalesce(title, $2) WHERE id = $1"

# 🗂 История: dialogs with at least one exchange (the first message names them), newest first.
LIST_DIALOGS = f"""
SELECT {DIALOG_COLUMNS} FROM dialogs WHERE user_id = $1 AND title IS NOT NULL
ORDER BY updated_at DESC, id DESC LIMIT $2
"""

ANSWER_OF = """
SELECT content FROM chat_turns WHERE dialog_id = $1 AND request_id = $2 AND role = 'assistant'
"""


def _dialog(row: asyncpg.Record) -> Dialog:
    return Dialog(**dict(row))


def title_of(text: str) -> str:
    line = " ".join(text.split())
    return (line[:77] + "…") if len(line) > 80 else (line or "…")


async def open_dialog(conn: asyncpg.Connection, user_id: int, model_id: str, mode: str) -> Dialog:
    """The user's open dialog with the model, opened in `mode` when there is none."""
    row = await conn.fetchrow(FIND_OPEN, user_id, model_id)
    if row is None:
        row = await conn.fetchrow(INSERT_DIALOG, user_id, model_id, mode)
    if row is None:  # opened concurrently
        row = await conn.fetchrow(FIND_OPEN, user_id, model_id)
    return _dialog(row)


async def close_dialog(db: Db, user_id: int, model_id: str) -> bool:
    return (await db.execute(CLOSE_OPEN, user_id, model_id)).endswith(" 1")


async def set_mode(db: Db, user_id: int, model_id: str, mode: str) -> bool:
    """False when there is no open dialog (the next one opens in the mode the session remembers)."""
    return (await db.execute(SET_MODE, user_id, model_id, mode)).endswith(" 1")


async def reopen(conn: asyncpg.Connection, user_id: int, dialog_id: int) -> Dialog | None:
    """Make a past dialog the open one for its model (🗂 История → open); None if it is not the user's."""
    row = await conn.fetchrow(GET_DIALOG, dialog_id)
    if row is None or row["user_id"] != user_id:
        return None
    if not row["open"]:
        await conn.execute(CLOSE_OPEN, user_id, row["model_id"])
        row = await conn.fetchrow(REOPEN, dialog_id, user_id)
    return _dialog(row)


async def get(db: Db, dialog_id: int) -> Dialog | None:
    row = await db.fetchrow(GET_DIALOG, dialog_id)
    return _dialog(row) if row else None


async def summary(db: Db, user_id: int, model_id: str) -> DialogSummary | None:
    row = await db.fetchrow(SUMMARY, user_id, model_id)
    return DialogSummary(**dict(row)) if row else None


async def recent_turns(db: Db, dialog_id: int, limit: int = 200) -> list[Turn]:
    return [Turn(**dict(r)) for r in await db.fetch(RECENT_TURNS, dialog_id, limit)]


async def add_exchange(
    conn: asyncpg.Connection,
    dialog_id: int,
    request_id: str,
    *,
    question: str,
    image_urls: Sequence[str],
    question_tokens: int,
    answer: str,
    answer_tokens: int,
    cost_kopecks: int,
) -> bool:
    """Store a message and its answer (once per request id); False when they were stored already."""
    result = await conn.execute(
        INSERT_TURNS,
        dialog_id,
        request_id,
        question,
        list(image_urls),
        question_tokens,
        answer,
        answer_tokens,
        cost_kopecks,
    )
    if result.endswith(" 0"):
        return False
    await conn.execute(TOUCH_DIALOG, dialog_id, title_of(question))
    return True


async def answer_of(db: Db, dialog_id: int, request_id: str) -> str | None:
    return await db.fetchval(ANSWER_OF, dialog_id, request_id)


async def list_dialogs(db: Db, user_id: int, limit: int = 10) -> list[Dialog]:
    return [_dialog(r) for r in await db.fetch(LIST_DIALOGS, user_id, limit)]
