"""Telegram Stars and the admin panel through the real webhook."""

from __future__ import annotations

from flows.jobs.model import Job, hold_key
from persistence import audit, jobs, ledger
from tests.e2e.harness import ADMIN_ID, running_app
from tests.money.helpers import Chat, admin_chat


async def _buy_pack(user: Chat, rubles: int = 100) -> tuple[str, int]:
    await user.say("/start")
    await user.tap_label("💰 Баланс")
    await user.tap_label("💳 Пополнить")
    await user.tap_label("⭐")
    await user.tap(f"st:{rubles}")
    invoice = user.tg.calls("sendInvoice", chat_id=user.user_id)[-1].params
    return invoice["payload"], invoice["prices"][0]["amount"]


async def test_stars_invoice_pre_checkout_and_one_credit_per_charge(db, database_url):
    async with running_app(database_url) as client:
        user = Chat(client, 601, "stella")
        payload, stars = await _buy_pack(user, 100)
        invoice = client.tg.calls("sendInvoice", chat_id=601)[-1].params
        assert invoice["currency"] == "XTR" and not invoice.get("provider_token")
        assert len(invoice["prices"]) == 1 and stars == 77  # 100 ₽ × 0.77, rounded up
        assert payload.startswith("S-") and len(payload.encode()) <= 128

        await user.pre_checkout(payload, stars + 1)
        await user.pre_checkout("S-NOPE00", stars)
        await user.pre_checkout(payload, stars)
        answers = [c.params for c in client.tg.calls("answerPreCheckoutQuery")]
        assert [a["ok"] for a in answers] == [False, False, True]
        assert all(a.get("error_message") for a in answers[:2])

        await user.paid(payload, stars, "charge-1")
        await user.paid(payload, stars, "charge-1")  # a duplicate successful_payment (new update id)
        assert await user.available() == 100_00
        assert await db.fetchval("SELECT count(*) FROM ledger_transactions WHERE key = 'stars:charge-1'") == 1
        assert sum("Баланс пополнен на 100 ₽" in t for t in user.texts()) == 1

        # A paid order cannot be paid again.
        await user.pre_checkout(payload, stars)
        assert client.tg.calls("answerPreCheckoutQuery")[-1].params["ok"] is False

        await user.say("/paysupport")
        assert "@trt_support" in user.last_text() and "Возврат" in user.last_text()

        # The admin refunds it from the user's card: Telegram refund + ledger reversal, once.
        admin = admin_chat(client)
        await admin.say("/admin")
        await admin.tap_label("🔎 Пользователь")
        await admin.say("@stella")
        await admin.tap_label("↩️ Вернуть звёзды")
        refunds = client.tg.calls("refundStarPayment")
        assert [(r.params["user_id"], r.params["telegram_payment_charge_id"]) for r in refunds] == [
            (601, "charge-1")
        ]
        assert await user.available() == 0
        await admin.tap(f"adm:sr:{payload}")
        assert len(client.tg.calls("refundStarPayment")) == 1
        assert [r.target for r in await audit.recent(db, "stars_refund")] == [payload]
        assert await ledger.audit(db) == []


async def test_stars_refund_refused_when_already_spent(db, database_url):
    async with running_app(database_url) as client:
        user = Chat(client, 602, "spender")
        payload, stars = await _buy_pack(user, 300)
        await user.pre_checkout(payload, stars)
        await user.paid(payload, stars, "charge-2")
        await ledger.hold(db, 602, 50_00, hold_key("R-SPENT1", 602, "m"))
        admin = admin_chat(client)
        await admin.say("/admin")
        await admin.tap("adm:u:602")
        await admin.tap_label("↩️ Вернуть звёзды")
        assert "уже потратил" in admin.last_text()
        assert client.tg.calls("refundStarPayment") == []
        assert (await ledger.balance(db, 602)).available == 250_00
        assert await db.fetchval("SELECT status FROM stars_orders WHERE id = $1", payload) == "paid"


async def test_admin_is_admin_only(db, database_url):
    async with running_app(database_url) as client:
        user = Chat(client, 603)
        await user.say("/admin")
        assert "Такой команды нет" in user.last_text()
        await user.tap("adm:u:603")
        assert "Админка" not in user.last_text()
        admin = admin_chat(client)
        await admin.say("/admin")
        text = admin.last_text()
        assert "Админка" in text and "Выручка сегодня" in text and "Кредиты Kie: —" in text


async def test_block_credit_and_job_refund_with_audit(db, database_url):
    async with running_app(database_url) as client:
        user = Chat(client, 604, "victor")
        await user.say("/start")
        admin = admin_chat(client)
        await admin.say("/admin")
        await admin.tap_label("🔎 Пользователь")
        await admin.say("604")
        assert "@victor" in admin.last_text()

        # Manual credit with a reason: confirmed twice, applied once.
        await admin.tap_label("➕ Начислить")
        await admin.say("200 компенсация за сбой")
        message_id, confirm = admin.button("✅ Подтвердить")
        await admin.tap(confirm, message_id)
        await admin.tap(confirm, message_id)
        assert await user.available() == 200_00
        assert [(r.amount_kopecks, r.reason) for r in await audit.recent(db, "credit")] == [
            (200_00, "компенсация за сбой")
        ]

        # A paid job that failed to please: the admin refunds it once (captured → credit).
        job = Job(
            request_id="R-JB0001",
            user_id=604,
            chat_id=604,
            model_id="google/imagen4-fast",
            input={},
            price_kopecks=50_00,
        )
        async with db.acquire() as conn:
            await jobs.create(conn, job)
        await ledger.hold(db, 604, 50_00, job.hold_key)
        await ledger.capture(db, job.hold_key)
        await admin.say("/admin")
        await admin.tap_label("🔎 Запрос")
        await admin.say("r-jb0001")
        assert "R-JB0001" in admin.last_text() and "captured" in admin.last_text()
        await admin.tap_label("↩️ Вернуть")
        await admin.tap("adm:jr:R-JB0001")
        assert await user.available() == 200_00
        assert len(await audit.recent(db, "job_refund")) == 1

        # Blocked: a short notice on any action, and no generation starts.
        await admin.tap("adm:u:604")
        await admin.tap_label("⛔ Заблокировать")
        await user.say("/start")
        assert "ограничен" in user.last_text()
        await user.tap("c:google-imagen4-fast")
        assert "ограничен" in user.last_text()
        assert await db.fetchval("SELECT count(*) FROM jobs WHERE user_id = 604") == 1
        actions = [r.action for r in await audit.recent(db)]
        assert {"credit", "job_refund", "block"} <= set(actions)
        assert all(r.admin_id == ADMIN_ID for r in await audit.recent(db))
        await admin.tap("adm:b:604:0")
        await user.say("/start")
        assert "ограничен" not in user.last_text()
        assert await ledger.audit(db) == []


async def test_stars_refund_refused_by_telegram_restores_the_credit(db, database_url):
    """Regression: the ledger reversal committed before refundStarPayment; when Telegram refused the
    refund the user had lost both the rubles and the Stars."""
    async with running_app(database_url) as client:
        user = Chat(client, 605, "unlucky")
        payload, stars = await _buy_pack(user, 300)
        await user.pre_checkout(payload, stars)
        await user.paid(payload, stars, "charge-5")
        assert (await ledger.balance(db, 605)).available == 300_00
        client.tg.fail_next("refundStarPayment", error_code=400, description="Bad Request: CHARGE_NOT_FOUND")
        admin = admin_chat(client)
        await admin.say("/admin")
        await admin.tap("adm:u:605")
        await admin.tap_label("↩️ Вернуть звёзды")
        await client.settle()
        assert [c.status for c in client.tg.calls("refundStarPayment")] == [400]
        assert (await ledger.balance(db, 605)).available == 300_00
        assert await db.fetchval("SELECT status FROM stars_orders WHERE id = $1", payload) == "paid"
        assert len(await audit.recent(db, "stars_refund_failed")) == 1
        assert await ledger.audit(db) == []
