"""Parked updates do not keep their payload forever.

Regression (issue 13, item 13): only done rows were pruned (after 7 days); parked rows (failed for
good) kept the user's message, with whatever personal data it held, indefinitely. They now go after
INBOX_PARKED_RETENTION_DAYS (default 30).
"""

from __future__ import annotations

from persistence import inbox
from runtime.config import load_settings
from tests.runtime.test_redaction_gaps import env

DAY = 24 * 3600.0


async def _row(db, update_id: int, status: str, days_ago: float | None) -> None:
    await db.execute(
        "INSERT INTO inbox (update_id, chat_key, kind, payload, status, finished_at) "
        "VALUES ($1, 1, 'message', '{}'::jsonb, $2, CASE WHEN $3::float8 IS NULL THEN NULL "
        "ELSE now() - make_interval(secs => $3::float8) END)",
        update_id,
        status,
        None if days_ago is None else days_ago * DAY,
    )


async def test_parked_updates_keep_their_payload_forever(db):
    await _row(db, 1, "done", 8)
    await _row(db, 2, "done", 6)
    await _row(db, 3, "parked", 31)
    await _row(db, 4, "parked", 29)
    await _row(db, 5, "pending", None)
    removed = await inbox.prune(db, 7 * DAY, 30 * DAY)
    assert removed == 2
    left = [r["update_id"] for r in await db.fetch("SELECT update_id FROM inbox ORDER BY update_id")]
    assert left == [2, 4, 5]


def test_parked_retention_is_configurable():
    assert load_settings(env())[0].inbox_parked_retention_days == 30
    assert load_settings(env(INBOX_PARKED_RETENTION_DAYS="90"))[0].inbox_parked_retention_days == 90
