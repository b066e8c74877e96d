"""Top-up by transfer through the real webhook: request → admins → approve/reject, exactly once."""

from __future__ import annotations

import asyncio

from flows.jobs.model import hold_key
from persistence import audit, ledger
from tests.e2e.harness import ADMIN_ID, running_app
from tests.money.helpers import Chat, admin_chat, request_topup

SECOND_ADMIN = 900002


async def _admin_request(admin: Chat, code: str) -> tuple[int, str, str]:
    """The admin's copy of the request: (message id, approve data, reject data)."""
    for message in reversed(list(admin.tg.messages.get(admin.user_id, {}).values())):
        if code in (message.get("text") or ""):
            buttons = {b["text"]: b["callback_data"] for b in admin.tg.buttons(message)}
            return message["message_id"], buttons["✅ Подтвердить"], buttons["🚫 Отклонить"]
    raise LookupError(f"admin {admin.user_id} got no request {code}")


async def test_worked_story_transfer_then_three_generations_one_failed(db, database_url):
    async with running_app(database_url) as client:
        user = Chat(client, 501, "anna")
        code = await request_topup(user, photo=True)
        admin = admin_chat(client)
        # The admin sees who, how much and the code, with the screenshot as a photo by file_id.
        message_id, ok, _ = await _admin_request(admin, code)
        text = client.tg.messages[ADMIN_ID][message_id]["text"]
        assert "@anna" in text and "501" in text and "500 ₽" in text and code in text
        assert client.tg.calls("sendPhoto", chat_id=ADMIN_ID)
        assert await user.available() == 0  # a screenshot never credits by itself

        await admin.tap(ok, message_id)
        assert await user.available() == 500_00
        assert any("Баланс пополнен на 500 ₽" in t for t in user.texts())
        assert "Подтверждено" in client.tg.messages[ADMIN_ID][message_id]["text"]

        # Three generations: two succeed (120 ₽ and 99,50 ₽), one fails (45 ₽ comes back).
        for request_id, price, ok_run in (
            ("R-AAAAA1", 120_00, True),
            ("R-AAAAA2", 99_50, True),
            ("R-AAAAA3", 45_00, False),
        ):
            key = hold_key(request_id, 501, "m")
            await ledger.hold(db, 501, price, key)
            await (ledger.capture if ok_run else ledger.release)(db, key)
        assert await ledger.balance(db, 501) == ledger.Balance(500_00 - 120_00 - 99_50, 0)
        assert await ledger.audit(db) == []

        # The balance screen shows it to the kopeck, with the free quota line.
        await user.tap_label("💰 Баланс")
        assert "280,50 ₽" in user.last_text()
        assert "осталось 5 из 5" in user.last_text()
        rows = await audit.recent(db, "topup_approve")
        assert [(r.admin_id, r.target, r.amount_kopecks) for r in rows] == [(ADMIN_ID, code, 500_00)]


async def test_double_tap_two_admins_and_a_repeated_webhook_credit_once(db, database_url):
    async with running_app(database_url, ADMIN_ID=f"{ADMIN_ID},{SECOND_ADMIN}") as client:
        user = Chat(client, 502, "boris")
        code = await request_topup(user, "top:a:30000")
        first, second = admin_chat(client), admin_chat(client, SECOND_ADMIN, "deputy")
        m1, ok1, _ = await _admin_request(first, code)
        m2, ok2, _ = await _admin_request(second, code)
        # Double tap and the second admin, all at once.
        await asyncio.gather(
            first.tap(ok1, m1, settle=False),
            first.tap(ok1, m1, settle=False),
            second.tap(ok2, m2, settle=False),
        )
        await client.settle()
        # Telegram retries the very same update (same update_id): stored once, processed once.
        from sandbox.telegram import make_callback_update

        retry = make_callback_update(777_001, SECOND_ADMIN, ok2, m2, username="deputy")
        await client.post(retry)
        await client.post(retry)
        await client.settle()
        assert await user.available() == 300_00
        count = await db.fetchval(
            "SELECT count(*) FROM ledger_transactions WHERE kind = 'topup' AND key = $1", code
        )
        assert count == 1
        assert sum("Баланс пополнен" in t for t in user.texts()) == 1
        # The admin who came second sees who already handled it.
        texts = [client.tg.messages[SECOND_ADMIN][m2]["text"], client.tg.messages[ADMIN_ID][m1]["text"]]
        assert any("уже подтверждена" in t for t in texts)
        assert len(await audit.recent(db, "topup_approve")) == 1
        assert await ledger.audit(db) == []


async def test_rejection_reason_reaches_the_user(db, database_url):
    async with running_app(database_url) as client:
        user = Chat(client, 503)
        code = await request_topup(user)
        admin = admin_chat(client)
        message_id, _, reject = await _admin_request(admin, code)
        await admin.tap(reject, message_id)
        await admin.say("Перевод пришёл с другой суммой")
        assert any("Перевод пришёл с другой суммой" in t and code in t for t in user.texts())
        assert await user.available() == 0
        # A later approval of the same request does nothing.
        await admin.tap(f"tp:ok:{code}", message_id)
        assert await user.available() == 0
        assert "уже отклонена" in client.tg.messages[ADMIN_ID][message_id]["text"]
        rows = await audit.recent(db, "topup_reject")
        assert rows[0].reason == "Перевод пришёл с другой суммой" and rows[0].target == code


async def test_reject_with_a_preset_reason(db, database_url):
    async with running_app(database_url) as client:
        user = Chat(client, 504)
        code = await request_topup(user)
        admin = admin_chat(client)
        message_id, _, reject = await _admin_request(admin, code)
        await admin.tap(reject, message_id)
        await admin.tap(f"tp:r:{code}:0", message_id)
        assert any("Перевод не найден" in t for t in user.texts())


async def test_expired_request_cannot_be_approved(db, database_url):
    async with running_app(database_url) as client:
        user = Chat(client, 505)
        code = await request_topup(user)
        await db.execute(
            "UPDATE topup_requests SET created_at = now() - interval '25 hours' WHERE id = $1", code
        )
        admin = admin_chat(client)
        message_id, ok, _ = await _admin_request(admin, code)
        await admin.tap(ok, message_id)
        assert await user.available() == 0
        assert await db.fetchval("SELECT status FROM topup_requests WHERE id = $1", code) == "expired"
        assert "истекла" in client.tg.messages[ADMIN_ID][message_id]["text"]


async def test_user_sees_and_cancels_a_pending_request(db, database_url):
    async with running_app(database_url) as client:
        user = Chat(client, 506)
        code = await request_topup(user)
        await user.tap_label("💰 Баланс")
        assert code in user.last_text() and "ждёт подтверждения" in user.last_text()
        await user.tap_label(f"❌ Отменить {code}")
        assert await db.fetchval("SELECT status FROM topup_requests WHERE id = $1", code) == "cancelled"
        assert code not in user.last_text().split("Последние")[0].replace(f"Заявка {code} отменена", "")


async def test_custom_amount_wrong_then_right(db, database_url):
    async with running_app(database_url) as client:
        user = Chat(client, 507)
        await user.say("/start")
        await user.tap_label("💰 Баланс")
        await user.tap_label("💳 Пополнить")
        await user.say("сто рублей")
        assert "это не сумма" in user.last_text()
        await user.say("10")
        assert "от 50 ₽ до 50\u00a0000 ₽" in user.last_text()
        await user.say("150,50")
        assert "150,50 ₽" in user.last_text() and "Тестбанк" in user.last_text()
        assert await db.fetchval("SELECT amount_kopecks FROM topup_requests WHERE user_id = 507") == 150_50
