"""Stars packs and the monthly plan (a Stars subscription) through the real webhook, the fake Telegram
and PostgreSQL: every ruble exact to the kopeck, every repeat credited once."""

from __future__ import annotations

import itertools
import time

from persistence import ledger
from sandbox.telegram import SUBSCRIPTION_PERIOD, make_successful_payment_update
from tests.e2e.harness import running_app
from tests.e2e.test_wizard_webhook import WebhookChat
from tests.money.helpers import Chat, admin_chat

PLAN_CREDIT = 650_00  # flows/pricing_policy.toml: plan_credit_rub
PLAN_STARS = 500
DAY = 24 * 3600
_ids = itertools.count(70_000)


async def _open_packs(user: Chat) -> None:
    await user.say("/start")
    await user.tap_label("💰 Баланс")
    await user.tap_label("💳 Пополнить")
    await user.tap_label("⭐")


def _labels(user: Chat) -> list[str]:
    return [b["text"] for b in user.tg.buttons(user.tg.last_message(user.user_id))]


async def _subscribe(user: Chat) -> tuple[str, str]:
    """From the packs to the subscription link: (the invoice payload, the link)."""
    await _open_packs(user)
    await user.tap_label("📅 Подписка на месяц")
    await user.tap_label("⭐ Оформить")
    params = user.tg.calls("createInvoiceLink")[-1].params
    link = user.tg.calls("createInvoiceLink")[-1].result
    return params["payload"], link


async def _period(
    user: Chat, payload: str, charge_id: str, ends_in_days: int, *, first: bool = False, update_id=None
) -> None:
    """A subscription's successful_payment: the first period or a renewal (Telegram sends the same)."""
    await user.client.post(
        make_successful_payment_update(
            update_id or next(_ids),
            user.user_id,
            payload=payload,
            total_amount=PLAN_STARS,
            telegram_payment_charge_id=charge_id,
            subscription_expiration_date=int(time.time()) + ends_in_days * DAY,
            is_recurring=True,
            is_first_recurring=first,
        )
    )
    await user.client.settle()


async def _free_today(user: Chat) -> str:
    await user.say("/balance")
    line = next(line for line in user.last_text().splitlines() if "Бесплатно сегодня" in line)
    return line.split(": ", 1)[1]


async def _subscribed(user: Chat) -> str:
    payload, _ = await _subscribe(user)
    await user.pre_checkout(payload, PLAN_STARS)
    await _period(user, payload, "sub-1", 30, first=True)
    return payload


async def test_packs_show_their_ruble_value_and_bonus_and_credit_exactly(db, database_url):
    async with running_app(database_url) as client:
        user = Chat(client, 701, "packs")
        await _open_packs(user)
        labels = _labels(user)
        # stars ÷ 0.77 to the kopeck, rounded down; +5 % on 500 ⭐, +10 % on 1000 ⭐ (rounded down).
        assert labels[:4] == [
            "100 ⭐ → 129,87 ₽",
            "500 ⭐ → 649,35 ₽ + бонус 32,46 ₽",
            "1000 ⭐ → 1\xa0298,70 ₽ + бонус 129,87 ₽",
            "📅 Подписка на месяц",
        ]
        await user.tap_label("500 ⭐")
        invoice = client.tg.calls("sendInvoice", chat_id=701)[-1].params
        assert invoice["currency"] == "XTR" and invoice["prices"][0]["amount"] == 500
        payload = invoice["payload"]
        await user.pre_checkout(payload, 500)
        assert client.tg.calls("answerPreCheckoutQuery")[-1].params["ok"] is True
        await user.paid(payload, 500, "pack-500")
        await user.paid(payload, 500, "pack-500")  # the same charge again: credited once
        assert await user.available() == 649_35 + 32_46
        assert "681,81 ₽" in user.last_text() or any("681,81 ₽" in t for t in user.texts())
        assert await db.fetchval("SELECT count(*) FROM ledger_transactions WHERE key = 'stars:pack-500'") == 1

        # The smallest pack has no bonus; a pack the policy does not offer opens the packs again.
        await _open_packs(user)
        await user.tap_label("100 ⭐")
        payload = client.tg.calls("sendInvoice", chat_id=701)[-1].params["payload"]
        await user.pre_checkout(payload, 100)
        await user.paid(payload, 100, "pack-100")
        assert await user.available() == 681_81 + 129_87
        sent = len(client.tg.calls("sendInvoice", chat_id=701))
        await user.tap("sp:250")
        assert len(client.tg.calls("sendInvoice", chat_id=701)) == sent
        assert await ledger.audit(db) == []


async def test_plan_first_payment_renewal_and_duplicates_credit_once_each(db, database_url):
    async with running_app(database_url) as client:
        user = Chat(client, 702, "plan")
        assert await _free_today(user) == "осталось 5 из 5"
        payload, link = await _subscribe(user)
        params = client.tg.calls("createInvoiceLink")[-1].params
        assert params["subscription_period"] == SUBSCRIPTION_PERIOD == 2_592_000
        assert params["currency"] == "XTR" and not params.get("provider_token")
        assert [p["amount"] for p in params["prices"]] == [PLAN_STARS] and payload.startswith("S-")
        # The link goes to the user as a URL button.
        urls = [b.get("url") for m in client.tg.messages[702].values() for b in client.tg.buttons(m)]
        assert link in urls

        await user.pre_checkout(payload, PLAN_STARS)
        assert client.tg.calls("answerPreCheckoutQuery")[-1].params["ok"] is True
        await _period(user, payload, "sub-1", 30, first=True, update_id=90_001)
        assert await user.available() == PLAN_CREDIT
        assert "Подписка оформлена" in user.last_text() and "650 ₽" in user.last_text()
        # A repeated update (Telegram retried) and the same charge in a new update: nothing more.
        await _period(user, payload, "sub-1", 30, first=True, update_id=90_001)
        await _period(user, payload, "sub-1", 30, first=True)
        assert await user.available() == PLAN_CREDIT
        assert await _free_today(user) == "осталось 15 из 15"

        # A renewal: a new charge, the same payload; credited, the plan runs a period longer.
        await _period(user, payload, "sub-2", 60)
        await _period(user, payload, "sub-2", 60)  # duplicate renewal
        assert await user.available() == 2 * PLAN_CREDIT
        assert "Подписка продлена" in user.texts()[-2] or "Подписка продлена" in " ".join(user.texts())
        plan = await db.fetchrow(
            "SELECT status, periods, paid_until, last_charge_id FROM stars_plans WHERE user_id = 702"
        )
        assert (plan["status"], plan["periods"], plan["last_charge_id"]) == ("active", 2, "sub-2")
        assert abs(plan["paid_until"].timestamp() - (time.time() + 60 * DAY)) < 120
        orders = await db.fetch(
            "SELECT kind, status, amount_kopecks, stars FROM stars_orders WHERE user_id = 702 ORDER BY paid_at"
        )
        assert [tuple(o) for o in orders] == [("plan", "paid", PLAN_CREDIT, PLAN_STARS)] * 2
        keys = await db.fetch(
            "SELECT key, source FROM ledger_transactions WHERE user_id = 702 AND kind = 'topup' ORDER BY id"
        )
        assert [tuple(k) for k in keys] == [("stars:sub-1", "stars_plan"), ("stars:sub-2", "stars_plan")]
        assert await ledger.audit(db) == []

        # Subscribed: the plan screen offers cancelling, not a second subscription.
        await _open_packs(user)
        await user.tap_label("📅 Подписка на месяц")
        assert "Подписка активна" in user.last_text()
        assert "Отменить подписку" in _labels(user)
        assert not any(label.startswith("⭐ Оформить") for label in _labels(user))


async def test_cancel_keeps_the_plan_until_the_period_ends_and_credits_nothing_more(db, database_url):
    async with running_app(database_url) as client:
        user = Chat(client, 703, "cancel")
        await _subscribed(user)
        await _open_packs(user)
        await user.tap_label("📅 Подписка на месяц")
        await user.tap_label("Отменить подписку")
        await user.tap_label("Да, отменить")
        edits = [c.params for c in client.tg.calls("editUserStarSubscription")]
        assert edits == [{"user_id": 703, "telegram_payment_charge_id": "sub-1", "is_canceled": True}]
        assert (703, "sub-1") in client.tg.canceled_subscriptions
        assert "Подписка отменена" in user.last_text()
        # A second tap on the old button cancels nothing more.
        await user.tap("pl:xok")
        assert len(client.tg.calls("editUserStarSubscription")) == 1

        # Kept until the end of the paid period: the larger quota stays, the balance is the one period.
        assert await db.fetchval("SELECT status FROM stars_plans WHERE user_id = 703") == "canceled"
        assert await _free_today(user) == "осталось 15 из 15"
        await user.tap_label("💳 Пополнить")
        await user.tap_label("⭐")
        await user.tap_label("📅 Подписка на месяц")
        assert "отменена" in user.last_text() and "Отменить подписку" not in _labels(user)

        # The period ends (Telegram charges a cancelled subscription no more: no update comes).
        await db.execute(
            "UPDATE stars_plans SET paid_until = now() - interval '1 minute' WHERE user_id = 703"
        )
        assert await _free_today(user) == "осталось 5 из 5"
        assert await user.available() == PLAN_CREDIT
        assert await ledger.audit(db) == []


async def test_a_failed_renewal_lapses_the_plan_and_the_free_quota_goes_back(db, database_url):
    """Telegram sends nothing when a renewal fails: the plan simply runs out at paid_until."""
    async with running_app(database_url) as client:
        user = Chat(client, 704, "lapse")
        await _subscribed(user)
        # Today's 5 free runs are used: the plan's larger quota still gives a free one.
        await db.execute(
            "INSERT INTO free_tier_days (user_id, day, used) "
            "VALUES (704, (now() AT TIME ZONE 'Europe/Moscow')::date, 5)"
        )
        chat = WebhookChat(client, 704)
        await chat.run("z-image")
        assert await db.fetchval("SELECT free FROM jobs WHERE user_id = 704") is True
        assert await user.available() == PLAN_CREDIT

        # No renewal came: the period passed; the quota is back to 5, all used — the next run is paid.
        await db.execute(
            "UPDATE stars_plans SET paid_until = now() - interval '1 second' WHERE user_id = 704"
        )
        assert await _free_today(user) == "осталось 0 из 5"
        await chat.run("z-image")
        runs = await db.fetch("SELECT free, price_kopecks FROM jobs WHERE user_id = 704 ORDER BY created_at")
        assert [r["free"] for r in runs] == [True, False] and runs[1]["price_kopecks"] > 0
        balance = await ledger.balance(db, 704)
        assert balance.available + balance.held == PLAN_CREDIT
        assert balance.held == runs[1]["price_kopecks"]

        await _open_packs(user)
        await user.tap_label("📅 Подписка на месяц")
        assert "Подписка закончилась" in user.last_text()
        assert any(label.startswith("⭐ Оформить") for label in _labels(user))


async def test_paysupport_refunds_the_last_period_exactly(db, database_url):
    async with running_app(database_url) as client:
        user = Chat(client, 705, "refund")
        payload = await _subscribed(user)
        await _period(user, payload, "sub-2", 60)
        assert await user.available() == 2 * PLAN_CREDIT

        await user.say("/paysupport")
        assert "↩️ Вернуть последний месяц подписки (500 ⭐)" in _labels(user)
        await user.tap_label("↩️ Вернуть последний месяц")
        assert "спишем 650 ₽" in user.last_text()
        await user.tap_label("Да, вернуть")
        await user.tap("pl:rfok")  # a second tap: refunded already, nothing moves

        refunds = [c.params for c in client.tg.calls("refundStarPayment")]
        assert refunds == [{"user_id": 705, "telegram_payment_charge_id": "sub-2"}]
        edits = [c.params for c in client.tg.calls("editUserStarSubscription")]
        assert edits == [{"user_id": 705, "telegram_payment_charge_id": "sub-2", "is_canceled": True}]
        # Exactly the last period's credit is reversed; the first period's stays.
        assert await user.available() == PLAN_CREDIT
        reversal = await db.fetchrow(
            "SELECT t.kind, e.amount FROM ledger_transactions t JOIN ledger_entries e ON e.transaction_id = t.id "
            "JOIN ledger_accounts a ON a.id = e.account_id "
            "WHERE t.kind = 'topup_reversal' AND a.user_id = 705 AND a.kind = 'available'"
        )
        assert (reversal["kind"], reversal["amount"]) == ("topup_reversal", -PLAN_CREDIT)
        plan = await db.fetchrow(
            "SELECT status, paid_until <= now() AS ended FROM stars_plans WHERE user_id = 705"
        )
        assert (plan["status"], plan["ended"]) == ("refunded", True)
        assert await _free_today(user) == "осталось 5 из 5"
        audit = await db.fetchrow("SELECT action, amount_kopecks, target_user_id FROM admin_audit")
        assert tuple(audit) == (
            "plan_refund",
            PLAN_CREDIT,
            705,
        )  # as an admin Stars refund: the amount given back
        assert await ledger.audit(db) == []

        # Nothing left to refund: /paysupport has no refund button now.
        await user.say("/paysupport")
        assert not any(label.startswith("↩️") for label in _labels(user))


async def test_paysupport_refuses_a_refund_when_the_credit_is_spent(db, database_url):
    async with running_app(database_url) as client:
        user = Chat(client, 706, "spent")
        await _subscribed(user)
        await ledger.adjust(db, 706, -1_00, "spent on a run", 1, "spent-706")
        await user.say("/paysupport")
        await user.tap_label("↩️ Вернуть последний месяц")
        assert "уже потрачена" in user.last_text()
        assert client.tg.calls("refundStarPayment") == []
        assert await user.available() == PLAN_CREDIT - 1_00


async def test_an_admin_refund_of_the_last_period_ends_the_plan_and_its_renewals(db, database_url):
    async with running_app(database_url) as client:
        user = Chat(client, 707, "adminrefund")
        await _subscribed(user)
        admin = admin_chat(client)
        await admin.say("/admin")
        await admin.tap("adm:u:707")
        await admin.tap_label("↩️ Вернуть звёзды")
        assert [c.params for c in client.tg.calls("refundStarPayment")] == [
            {"user_id": 707, "telegram_payment_charge_id": "sub-1"}
        ]
        assert (707, "sub-1") in client.tg.canceled_subscriptions
        assert await user.available() == 0
        plan = await db.fetchrow(
            "SELECT status, paid_until <= now() AS ended FROM stars_plans WHERE user_id = 707"
        )
        assert (plan["status"], plan["ended"]) == ("refunded", True)
        assert await _free_today(user) == "осталось 5 из 5"
        assert await ledger.audit(db) == []


async def test_an_older_subscription_link_is_refused_while_a_plan_renews(db, database_url):
    async with running_app(database_url) as client:
        user = Chat(client, 708, "twolinks")
        older, _ = await _subscribe(user)  # a link made and left unpaid
        await _subscribed(user)
        await user.say("/balance")
        assert "📅 Подписка до" in user.last_text()
        await user.pre_checkout(older, PLAN_STARS)
        answer = client.tg.calls("answerPreCheckoutQuery")[-1].params
        assert answer["ok"] is False and "уже есть подписка" in answer["error_message"]
        assert await user.available() == PLAN_CREDIT
