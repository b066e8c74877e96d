"""Every money effect answers the processor with a list of notices (possibly empty), also when it
finds nothing left to do: the processor adds them to the update's replies, and a None there failed
the whole update (a second tap on «Вернуть Stars», an approval decided meanwhile)."""

from __future__ import annotations

from flows.money.effects import ApproveTopup, RefundStarsOrder
from runtime import effects

ADMIN = 900001


async def test_effects_with_nothing_left_to_do_return_no_notices(db):
    await db.execute("INSERT INTO users (id) VALUES ($1)", 7301)
    async with db.acquire() as conn, conn.transaction():
        assert await effects.apply(conn, RefundStarsOrder("S-NOSUCH", ADMIN), ADMIN, 0) == []
        assert await effects.apply(conn, ApproveTopup("T-NOSUCH", ADMIN), ADMIN, 0) == []
