"""Users: registered on first contact, language remembered, marked inactive when they block the bot;
found, blocked and counted by the admin panel."""

from __future__ import annotations

import re

import asyncpg
import msgspec

Db = asyncpg.Pool | asyncpg.Connection


class UserRow(msgspec.Struct, frozen=True):
    id: int
    username: str | None
    first_name: str | None
    language: str
    language_chosen: bool
    is_active: bool
    created: bool = False
    # Blocked by an admin (the money section tells such a user and refuses generations).
    blocked: bool = False
    # The last models the user ran, newest first (kept by a trigger on jobs, migration 010).
    recent_models: tuple[str, ...] = ()


# xmax = 0 tells a fresh insert from an update of an existing row in an upsert.
UPSERT = """
INSERT INTO users AS u (id, username, first_name, language)
VALUES ($1, $2, $3, $4)
ON CONFLICT (id) DO UPDATE
SET username = EXCLUDED.username,
    first_name = EXCLUDED.first_name,
    is_active = true,
    last_seen_at = now(),
    language = CASE WHEN u.language_chosen THEN u.language ELSE EXCLUDED.language END
RETURNING id, username, first_name, language, language_chosen, is_active, (xmax = 0) AS created,
          blocked_at IS NOT NULL AS blocked, recent_models
"""

SET_LANGUAGE = "UPDATE users SET language = $2, language_chosen = true WHERE id = $1"
MARK_INACTIVE = "UPDATE users SET is_active = false WHERE id = $1"
GET = "SELECT id, username, first_name, language, language_chosen, is_active FROM users WHERE id = $1"


def language_from_telegram(code: str | None) -> str:
    """Russian first; English for everyone whose Telegram is not in a Russian-reading language."""
    if code and not code.lower().startswith(("ru", "uk", "be", "kk")):
        return "en"
    return "ru"


async def touch(
    conn: asyncpg.Connection | asyncpg.Pool,
    user_id: int,
    username: str | None,
    first_name: str | None,
    telegram_language: str | None,
) -> UserRow:
    row = await conn.fetchrow(
        UPSERT, user_id, username, first_name, language_from_telegram(telegram_language)
    )
    return UserRow(**{**dict(row), "recent_models": tuple(row["recent_models"])})


async def set_language(conn: asyncpg.Connection | asyncpg.Pool, user_id: int, language: str) -> None:
    await conn.execute(SET_LANGUAGE, user_id, language)


async def mark_inactive(conn: asyncpg.Connection | asyncpg.Pool, user_id: int) -> None:
    await conn.execute(MARK_INACTIVE, user_id)


async def get(conn: asyncpg.Connection | asyncpg.Pool, user_id: int) -> UserRow | None:
    row = await conn.fetchrow(GET, user_id)
    return UserRow(**dict(row)) if row else None


# --- the admin panel: finding and blocking a user, the figures -----------------------------------

# ASCII digits only: int() would read «١٢٣» and crash on «²».
_USER_ID = re.compile(r"-?[0-9]{1,18}")

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


async def figures(db: Db) -> asyncpg.Record:
    """Users, active today, and where today (Moscow) began."""
    return await db.fetchrow(STATS)
