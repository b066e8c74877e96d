"""A Stars refund takes the credit back exactly once, whatever happened to earlier attempts.

Regression (issue 13, item 2: "a retried Stars refund pays the user twice"): a refused first refund
restored the credit under a new key, while the reversal key `stars:<charge>` already existed; a second,
accepted refund then "reversed" nothing, and the user kept both the Stars and the rubles. Every attempt
now has its own reversal, so the net of a charge is its amount while paid and 0 once refunded — and
the ledger audit checks exactly that.
"""

from __future__ import annotations

from persistence import ledger, users
from tests.e2e.harness import running_app
from tests.money.helpers import Chat, admin_chat
from tests.money.test_stars_admin_e2e import _buy_pack


async def test_a_retried_stars_refund_pays_the_user_twice(db, database_url):
    async with running_app(database_url) as client:
        user = Chat(client, 611, "twice")
        payload, stars = await _buy_pack(user, 300)
        await user.pre_checkout(payload, stars)
        await user.paid(payload, stars, "charge-11")
        admin = admin_chat(client)
        await admin.say("/admin")
        # First attempt: Telegram refuses, the credit comes back, the order is paid again.
        client.tg.fail_next("refundStarPayment", error_code=400, description="Bad Request: REFUND_FAILED")
        await admin.tap("adm:u:611")
        await admin.tap_label("↩️ Вернуть звёзды")
        await client.settle()
        assert (await ledger.balance(db, 611)).available == 300_00
        # Second attempt: accepted. The user gets the Stars back and loses the rubles — once.
        await admin.tap("adm:u:611")
        await admin.tap_label("↩️ Вернуть звёзды")
        await client.settle()
        assert [c.status for c in client.tg.calls("refundStarPayment")] == [400, 200]
        assert (await ledger.balance(db, 611)).available == 0
        assert await db.fetchval("SELECT status FROM stars_orders WHERE id = $1", payload) == "refunded"
        assert await ledger.audit(db) == []


async def test_ledger_audit_catches_a_double_paid_stars_charge(db):
    """The state the old code left behind: the order refunded, the charge's credit still there."""
    await users.touch(db, 612, "ghost", "Ghost", "ru")
    await db.execute(
        "INSERT INTO stars_orders (id, user_id, amount_kopecks, stars, status, charge_id, refund_attempts) "
        "VALUES ('S-AAAAAA', 612, 30000, 231, 'refunded', 'charge-12', 1)"
    )
    await ledger.credit_topup(db, 612, 300_00, "stars:charge-12", "stars", note="S-AAAAAA")
    problems = await ledger.audit(db)
    assert any("S-AAAAAA" in p and "charge-12" in p for p in problems), problems


async def test_ledger_audit_catches_a_stars_credit_without_an_order(db):
    await users.touch(db, 613, "orphan", "Orphan", "ru")
    await ledger.credit_topup(db, 613, 100_00, "stars:charge-13", "stars", note="S-BBBBBB")
    problems = await ledger.audit(db)
    assert any("charge-13" in p for p in problems), problems


async def test_two_charges_on_one_order_are_both_credited_and_linked(db, database_url):
    """Regression (issue 13, item 7): the second charge of an order was credited but linked to no
    order row, so it could never be refunded from the panel."""
    async with running_app(database_url) as client:
        user = Chat(client, 614, "double")
        payload, stars = await _buy_pack(user, 100)
        await user.pre_checkout(payload, stars)
        await user.paid(payload, stars, "charge-14a")
        await user.paid(payload, stars, "charge-14b")
        assert (await ledger.balance(db, 614)).available == 200_00
        rows = await db.fetch(
            "SELECT id, status, charge_id, amount_kopecks, stars FROM stars_orders WHERE user_id = 614 "
            "ORDER BY paid_at"
        )
        assert [(r["status"], r["charge_id"], r["amount_kopecks"]) for r in rows] == [
            ("paid", "charge-14a", 100_00),
            ("paid", "charge-14b", 100_00),
        ]
        assert rows[0]["id"] == payload and rows[1]["id"] != payload
        assert await ledger.audit(db) == []
        # Both are refundable from the admin's user card.
        admin = admin_chat(client)
        await admin.say("/admin")
        await admin.tap("adm:u:614")
        labels = [b["text"] for b in client.tg.buttons(client.tg.last_message(admin.user_id))]
        assert sum(label.startswith("↩️ Вернуть звёзды") for label in labels) == 2, labels
