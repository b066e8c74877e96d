"""The admin audit log: one append-only row per admin action (who, what, on whom, how much, why, when)."""

from __future__ import annotations

import datetime as dt

import asyncpg
import msgspec

from persistence.ledger import Db

INSERT = """
INSERT INTO admin_audit (admin_id, action, target_user_id, target, amount_kopecks, reason)
VALUES ($1, $2, $3, $4, $5, $6)
"""

RECENT = """
SELECT id, admin_id, action, target_user_id, target, amount_kopecks, reason, at
FROM admin_audit WHERE ($1::text IS NULL OR action = $1) ORDER BY id DESC LIMIT $2
"""


class AuditRow(msgspec.Struct, frozen=True):
    id: int
    admin_id: int
    action: str
    target_user_id: int | None
    target: str | None
    amount_kopecks: int | None
    reason: str | None
    at: dt.datetime


async def record(
    db: Db,
    admin_id: int,
    action: str,
    *,
    target_user_id: int | None = None,
    target: str | None = None,
    amount_kopecks: int | None = None,
    reason: str | None = None,
) -> None:
    await db.execute(INSERT, admin_id, action, target_user_id, target, amount_kopecks, reason)


async def recent(db: Db | asyncpg.Pool, action: str | None = None, limit: int = 50) -> list[AuditRow]:
    return [AuditRow(**dict(r)) for r in await db.fetch(RECENT, action, limit)]
