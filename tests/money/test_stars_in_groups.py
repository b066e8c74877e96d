"""A Stars payment is credited in whatever chat it was made.

Regression (issue 13, item 6: "a Stars payment made outside the private chat is lost silently"): the
router answered every non-private chat with "private only" before money handling, so a forwarded
invoice paid in a group took the Stars and credited nothing.
"""

from __future__ import annotations

from persistence import ledger
from sandbox.telegram import make_successful_payment_update
from tests.e2e.harness import running_app
from tests.money.helpers import Chat
from tests.money.test_stars_admin_e2e import _buy_pack

GROUP = -1001234567890


async def test_a_stars_payment_made_outside_the_private_chat_is_lost_silently(db, database_url):
    async with running_app(database_url) as client:
        user = Chat(client, 731, "grouppayer")
        payload, stars = await _buy_pack(user, 100)
        update = make_successful_payment_update(
            9_731,
            GROUP,
            user_id=731,
            payload=payload,
            total_amount=stars,
            telegram_payment_charge_id="charge-31",
        )
        update["message"]["chat"] = {"id": GROUP, "type": "supergroup", "title": "Friends"}
        await client.post(update)
        await client.settle()
        assert (await ledger.balance(db, 731)).available == 100_00
        assert await db.fetchval("SELECT status FROM stars_orders WHERE id = $1", payload) == "paid"
        assert await ledger.audit(db) == []
