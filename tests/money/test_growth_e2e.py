"""Referrals and promo codes through the real webhook with the fake Telegram and a real PostgreSQL:
who is bound to whom, the inviter's share of paid top-ups (transfer and Stars) and its reversal on a
refund, promo codes' refusals, the last use of a limited code given once, money exact to the kopeck."""

from __future__ import annotations

import asyncio
import re

from flows.growth.model import GrowthRules
from persistence import ledger
from tests.e2e.harness import ADMIN_ID, running_app
from tests.money.helpers import Chat, admin_chat, request_topup
from tests.money.test_stars_admin_e2e import _buy_pack
from tests.money.test_topup_e2e import _admin_request

LINK = re.compile(r"https://t\.me/(\w+)\?start=r-([0-9A-HJKMNP-TV-Z]{8})")


async def _bot_username_known(client) -> None:
    for _ in range(200):
        if client.app._processor.ctx.bot_username:
            return
        await asyncio.sleep(0.02)
    raise TimeoutError("getMe never answered")


async def _invite_code(user: Chat) -> str:
    await user.say("/start")
    await user.tap_label("💰 Баланс")
    await user.tap_label("🎁")
    found = LINK.search(user.last_text())
    assert found, user.last_text()
    assert found.group(1) == "trt_test_bot"
    return found.group(2)


async def _bound(db, invitee: int) -> int | None:
    return await db.fetchval("SELECT inviter_id FROM referrals WHERE invitee_id = $1", invitee)


async def _approve(client, user: Chat, amount_data: str) -> None:
    code = await request_topup(user, amount_data)
    admin = admin_chat(client)
    message_id, ok, _ = await _admin_request(admin, code)
    await admin.tap(ok, message_id)


async def _invited(
    client, inviter_id: int, invitee_id: int, name: str, *, welcome_kopecks: int | None = None
) -> tuple[Chat, Chat]:
    """Anna (the inviter) and a brand-new user who started through her link; `welcome_kopecks` sets the
    policy's welcome bonus (10 % for 90 days, as by default)."""
    await _bot_username_known(client)
    if welcome_kopecks is not None:
        client.app._processor.growth = GrowthRules(
            referral_percent=10, referral_days=90, welcome_kopecks=welcome_kopecks
        )
    inviter = Chat(client, inviter_id, "anna")
    code = await _invite_code(inviter)
    invitee = Chat(client, invitee_id, name)
    await invitee.say(f"/start r-{code}")
    return inviter, invitee


async def _pay_pack(user: Chat, rubles: int, charge_id: str) -> tuple[str, int]:
    """A Stars pack bought and paid (pre-checkout, then the payment): (the invoice payload, stars)."""
    payload, stars = await _buy_pack(user, rubles)
    await user.pre_checkout(payload, stars)
    await user.paid(payload, stars, charge_id)
    return payload, stars


async def test_invite_link_binding_rules_and_bonus_on_an_approved_transfer(db, database_url):
    async with running_app(database_url) as client:
        await _bot_username_known(client)
        anna = Chat(client, 7001, "anna")
        code = await _invite_code(anna)
        # The same code every time; a share button and the stats.
        await anna.tap_label("💰 Баланс")
        await anna.tap_label("🎁")
        assert LINK.search(anna.last_text()).group(2) == code
        assert "Приглашено: 0" in anna.last_text()
        message = client.tg.last_message(7001)
        urls = [b.get("url", "") for b in client.tg.buttons(message)]
        assert any(u.startswith("https://t.me/share/url?url=https%3A%2F%2Ft.me%2Ftrt_test_bot") for u in urls)
        # The settings screen has the button too.
        await anna.say("/start")
        await anna.tap_label("⚙️")
        assert anna.button("🎁")

        # Never self; never a user who already existed.
        await anna.say(f"/start r-{code}")
        assert await _bound(db, 7001) is None
        old = Chat(client, 7002, "old")
        await old.say("/start")
        await old.say(f"/start r-{code}")
        assert await _bound(db, 7002) is None

        # A new user is bound once; a second link changes nothing.
        boris = Chat(client, 7003, "boris")
        await boris.say(f"/start r-{code.lower()}")
        assert await _bound(db, 7003) == 7001
        assert "по приглашению" in boris.last_text()
        other_code = await _invite_code(old)
        await boris.say(f"/start r-{other_code}")
        assert await _bound(db, 7003) == 7001
        # An unknown code is just the menu.
        ghost = Chat(client, 7004, "ghost")
        await ghost.say("/start r-ZZZZZZZZ")
        assert await _bound(db, 7004) is None
        assert "приглашению" not in ghost.last_text()

        # Boris tops up 333,33 ₽ by transfer: Anna earns 10 %, floored to the kopeck, and is told.
        await _approve(client, boris, "top:a:33333")
        assert await boris.available() == 333_33
        assert await anna.available() == 33_33
        assert any("вам начислено 33,33 ₽" in t for t in anna.texts())
        kinds = await db.fetch(
            "SELECT kind, key, user_id, amount FROM ledger_transactions WHERE user_id = 7001"
        )
        assert [(r["kind"], r["amount"]) for r in kinds] == [("referral_bonus", 33_33)]
        await anna.say("/invite")
        assert "Приглашено: 1" in anna.last_text() and "Пополнили баланс: 1" in anna.last_text()
        assert "33,33 ₽" in anna.last_text()
        # A welcome bonus switched on later is not paid with a second top-up: only with the first.
        client.app._processor.growth = GrowthRules(
            referral_percent=10, referral_days=90, welcome_kopecks=25_00
        )
        await _approve(client, boris, "top:a:10000")
        assert await boris.available() == 433_33
        assert await anna.available() == 43_33
        assert await ledger.audit(db) == []


async def test_concurrent_starts_bind_once(db, database_url):
    async with running_app(database_url) as client:
        await _bot_username_known(client)
        anna, vera = Chat(client, 7101, "anna"), Chat(client, 7102, "vera")
        code_a, code_v = await _invite_code(anna), await _invite_code(vera)
        # Two new users through one link at once: both bound. One new user with two links at once: once.
        one, two, three = Chat(client, 7103), Chat(client, 7104), Chat(client, 7105)
        from sandbox.telegram import make_message_update

        updates = [
            make_message_update(71_001, 7103, f"/start r-{code_a}"),
            make_message_update(71_002, 7104, f"/start r-{code_a}"),
            make_message_update(71_003, 7105, f"/start r-{code_a}"),
            make_message_update(71_004, 7105, f"/start r-{code_v}"),
        ]
        await asyncio.gather(*(client.post(u) for u in updates))
        await client.settle()
        assert await _bound(db, 7103) == 7101 and await _bound(db, 7104) == 7101
        assert await _bound(db, 7105) in (7101, 7102)
        assert await db.fetchval("SELECT count(*) FROM referrals WHERE invitee_id = 7105") == 1
        assert one and two and three


async def test_stars_bonus_welcome_and_reversal_on_refund(db, database_url):
    async with running_app(database_url) as client:
        anna, stella = await _invited(client, 7201, 7202, "stella", welcome_kopecks=25_00)
        payload, stars = await _pay_pack(stella, 100, "charge-g1")
        await stella.paid(payload, stars, "charge-g1")  # a repeated payment message: nothing twice
        # 100 ₽ + the 25 ₽ welcome bonus; Anna 10 ₽.
        assert await stella.available() == 125_00
        assert await anna.available() == 10_00
        assert any("Бонус: +25 ₽" in t for t in stella.texts())
        # A second Stars top-up: Anna earns again, no second welcome bonus.
        await _pay_pack(stella, 300, "charge-g2")
        assert await stella.available() == 425_00
        assert await anna.available() == 40_00

        # The admin refunds the first pack: its 100 ₽, its welcome bonus and Anna's 10 ₽ go back.
        admin = admin_chat(client)
        await admin.say("/admin")
        await admin.tap_label("🔎 Пользователь")
        await admin.say("@stella")
        await admin.tap(f"adm:sr:{payload}")
        assert await stella.available() == 300_00
        assert await anna.available() == 30_00
        reversals = await db.fetch(
            "SELECT kind, user_id, amount FROM ledger_transactions WHERE kind LIKE '%bonus_reversal' ORDER BY user_id"
        )
        assert [(r["kind"], r["user_id"], r["amount"]) for r in reversals] == [
            ("referral_bonus_reversal", 7201, 10_00),
            ("promo_bonus_reversal", 7202, 25_00),
        ]
        assert await ledger.audit(db) == []


async def test_refund_takes_back_only_what_the_inviter_has_left(db, database_url):
    async with running_app(database_url) as client:
        anna, stella = await _invited(client, 7301, 7302, "stella")
        payload, _ = await _pay_pack(stella, 100, "charge-g3")
        assert await anna.available() == 10_00
        # Anna spends 7 ₽ of it on a generation.
        await ledger.hold(db, 7301, 7_00, "R-SPENT1:7301:m")
        await ledger.capture(db, "R-SPENT1:7301:m")
        admin = admin_chat(client)
        await admin.say("/admin")
        await admin.tap_label("🔎 Пользователь")
        await admin.say("@stella")
        await admin.tap(f"adm:sr:{payload}")
        assert await stella.available() == 0
        assert await anna.available() == 0  # 3 ₽ taken back, 7 ₽ were spent
        taken = await db.fetchval(
            "SELECT amount FROM ledger_transactions WHERE kind = 'referral_bonus_reversal'"
        )
        assert taken == 3_00
        assert await ledger.audit(db) == []


async def _new_promo(client, line: str) -> str:
    admin = admin_chat(client)
    await admin.say(f"/newpromo {line}")
    return admin.last_text()


async def test_promo_codes_every_refusal_and_a_fixed_credit(db, database_url):
    async with running_app(database_url) as client:
        admin = admin_chat(client)
        await admin.say("/admin")
        await admin.tap_label("🎟 Промокоды")
        assert "Промокодов пока нет" in admin.last_text()
        assert "Создан" in await _new_promo(client, "SPRING 150,50 uses=2")
        assert "уже есть" in await _new_promo(client, "spring 10")
        assert "Создан" in await _new_promo(client, "OLD 100 days=1")
        assert "Создан" in await _new_promo(client, "FRESH 50 new")
        assert "Не понял" in await _new_promo(client, "BAD")
        await db.execute("UPDATE promo_codes SET expires_at = now() - interval '1 minute' WHERE code = 'OLD'")

        anna = Chat(client, 7401, "anna")
        await anna.say("/start")
        await anna.say("/promo NOPE")
        assert "NOPE не найден" in anna.last_text()
        await anna.say("/promo old")
        assert "Срок действия промокода OLD закончился" in anna.last_text()
        # Through 🎟 Промокод in 💰 Баланс: type the code.
        await anna.tap_label("💰 Баланс")
        await anna.tap_label("🎟")
        assert "Отправьте промокод" in anna.last_text()
        await anna.say("spring")
        assert "начислено 150,50 ₽" in anna.last_text()
        assert await anna.available() == 150_50
        await anna.say("/promo SPRING")
        assert "Вы уже использовали промокод SPRING" in anna.last_text()
        assert await anna.available() == 150_50

        boris = Chat(client, 7402, "boris")
        await boris.say("/promo SPRING")
        assert await boris.available() == 150_50
        vera = Chat(client, 7403, "vera")
        await vera.say("/promo SPRING")
        assert "максимальное число раз" in vera.last_text()
        assert await vera.available() == 0

        # New users only: one who topped up is refused.
        await _approve(client, vera, "top:a:10000")
        await vera.say("/promo FRESH")
        assert "только для новых" in vera.last_text()
        await boris.say("/promo FRESH")
        assert await boris.available() == 200_50

        rows = await db.fetch(
            "SELECT kind, user_id, amount FROM ledger_transactions WHERE kind = 'promo_bonus'"
        )
        assert sorted((r["user_id"], r["amount"]) for r in rows) == [
            (7401, 150_50),
            (7402, 50_00),
            (7402, 150_50),
        ]
        await admin.say("/admin")
        await admin.tap_label("🎟 Промокоды")
        assert "SPRING" in admin.last_text() and "2/2" in admin.last_text()
        assert await ledger.audit(db) == []


async def test_the_last_use_of_a_limited_code_is_given_once(db, database_url):
    async with running_app(database_url) as client:
        await _new_promo(client, "LAST 100 uses=1")
        users = [Chat(client, 7500 + i, f"u{i}") for i in range(4)]
        for user in users:
            await user.say("/start")
        from sandbox.telegram import make_message_update

        await asyncio.gather(
            *(
                client.post(make_message_update(75_000 + i, u.user_id, "/promo LAST"))
                for i, u in enumerate(users)
            )
        )
        await client.settle()
        balances = [await u.available() for u in users]
        assert sorted(balances) == [0, 0, 0, 100_00]
        refused = [u for u, b in zip(users, balances, strict=True) if b == 0]
        assert all("максимальное число раз" in u.last_text() for u in refused)
        assert await db.fetchval("SELECT used FROM promo_codes WHERE code = 'LAST'") == 1
        assert await ledger.audit(db) == []


async def test_percent_code_applies_once_on_the_next_top_up(db, database_url):
    async with running_app(database_url) as client:
        await _new_promo(client, "PLUS15 15%")
        anna = Chat(client, 7601, "anna")
        await anna.say("/start")
        await anna.say("/promo plus15")
        assert "добавим 15 %" in anna.last_text()
        assert await anna.available() == 0
        await _approve(client, anna, "top:a:33333")
        # 333,33 ₽ + 15 % floored = 49,99 ₽.
        assert await anna.available() == 333_33 + 49_99
        assert any("Бонус: +49,99 ₽" in t for t in anna.texts())
        await _approve(client, anna, "top:a:10000")
        assert await anna.available() == 333_33 + 49_99 + 100_00
        status = await db.fetchrow("SELECT status, credited_kopecks FROM promo_uses WHERE code = 'PLUS15'")
        assert (status["status"], status["credited_kopecks"]) == ("applied", 49_99)
        assert await ledger.audit(db) == []
        assert ADMIN_ID


async def test_an_ended_code_is_refused_to_new_users_and_kept_by_those_who_used_it(db, database_url):
    """`/endpromo`: a leaked code stops at once; a fixed credit stays, a pending % still applies."""
    async with running_app(database_url) as client:
        await _new_promo(client, "LEAK 100")
        await _new_promo(client, "PLUS10 10%")
        anna = Chat(client, 7651, "anna")
        await anna.say("/start")
        await anna.say("/promo leak")
        await anna.say("/promo plus10")
        assert await anna.available() == 100_00

        # Only an admin can end a code: a user's /endpromo changes nothing.
        await anna.say("/endpromo LEAK")
        assert await db.fetchval("SELECT expires_at FROM promo_codes WHERE code = 'LEAK'") is None

        admin = admin_chat(client)
        await admin.say("/endpromo leak")
        notice, listed = admin.last_text().split("🎟 Промокоды")
        assert notice.startswith("⛔ Закончен: LEAK · 100 ₽ · 1/∞ · ") and "бонус сохраняет" in notice
        # The list shows the code ended (a date, not ∞) right away.
        assert "LEAK · 100 ₽ · 1/∞ · " in listed and "LEAK · 100 ₽ · 1/∞ · ∞" not in listed
        ended_at = await db.fetchval("SELECT expires_at FROM promo_codes WHERE code = 'LEAK'")
        assert ended_at is not None
        await admin.say("/endpromo LEAK")
        assert "Промокод LEAK уже не действует" in admin.last_text()
        assert await db.fetchval("SELECT expires_at FROM promo_codes WHERE code = 'LEAK'") == ended_at
        await admin.say("/endpromo NOPE")
        assert "Промокода NOPE нет" in admin.last_text()
        await admin.say("/endpromo")
        assert "Какой промокод закончить" in admin.last_text()
        await admin.say("/endpromo plus10")
        assert "Закончен" in admin.last_text()

        boris = Chat(client, 7652, "boris")
        await boris.say("/start")
        await boris.say("/promo LEAK")
        assert "Срок действия промокода LEAK закончился" in boris.last_text()
        await boris.say("/promo PLUS10")
        assert "закончился" in boris.last_text()
        assert await boris.available() == 0

        # Anna keeps the 100 ₽, and her % (entered before the end) rides on her next top-up.
        await _approve(client, anna, "top:a:10000")
        assert await anna.available() == 100_00 + 100_00 + 10_00
        assert await ledger.audit(db) == []


async def test_a_refund_telegram_refuses_gives_the_bonuses_back_and_a_later_one_takes_them_once(
    db, database_url
):
    async with running_app(database_url) as client:
        anna, stella = await _invited(client, 7701, 7702, "stella", welcome_kopecks=5_00)
        await _pay_pack(stella, 300, "charge-g7")
        assert (await stella.available(), await anna.available()) == (305_00, 30_00)
        client.tg.fail_next("refundStarPayment", error_code=400, description="Bad Request: CHARGE_NOT_FOUND")
        admin = admin_chat(client)
        await admin.say("/admin")
        await admin.tap("adm:u:7702")
        await admin.tap_label("↩️ Вернуть звёзды")
        await client.settle()
        # Refused: the top-up and both bonuses are back.
        assert (await stella.available(), await anna.available()) == (305_00, 30_00)
        assert await ledger.audit(db) == []
        # The second attempt succeeds: everything goes back exactly once.
        await admin.tap("adm:u:7702")
        await admin.tap_label("↩️ Вернуть звёзды")
        await client.settle()
        assert (await stella.available(), await anna.available()) == (0, 0)
        assert await ledger.audit(db) == []


async def test_no_share_of_bonuses_or_adjustments_and_none_after_the_window(db, database_url):
    async with running_app(database_url) as client:
        anna, boris = await _invited(client, 7801, 7802, "boris")
        # A promo credit and an admin credit are not top-ups: the inviter earns nothing on them.
        await _new_promo(client, "GIFT 100")
        await boris.say("/promo GIFT")
        await ledger.adjust(db, 7802, 50_00, "goodwill", ADMIN_ID, "adj-7802")
        assert await boris.available() == 150_00
        assert await anna.available() == 0
        # After referral_days the share stops.
        await db.execute("UPDATE referrals SET bound_at = now() - interval '91 days' WHERE invitee_id = 7802")
        await _approve(client, boris, "top:a:10000")
        assert await boris.available() == 250_00
        assert await anna.available() == 0
        assert await ledger.audit(db) == []


async def test_guessing_codes_is_slowed_down(db, database_url):
    async with running_app(database_url) as client:
        await _new_promo(client, "REAL 10")
        guesser = Chat(client, 7901, "guesser")
        await guesser.say("/start")
        for i in range(10):
            await guesser.say(f"/promo GUESS{i}")
            assert "не найден" in guesser.last_text()
        # The eleventh try, even a real code, gets the same answer and no money.
        await guesser.say("/promo REAL")
        assert "Слишком много неверных промокодов" in guesser.last_text()
        await guesser.say("/promo GUESS99")
        assert "Слишком много неверных промокодов" in guesser.last_text()
        assert await guesser.available() == 0
        # An hour later it works.
        await db.execute("UPDATE promo_misses SET at = at - interval '61 minutes'")
        await guesser.say("/promo REAL")
        assert await guesser.available() == 10_00


async def test_the_share_of_a_pack_skips_its_bonus_and_a_plan_period_earns_one_refunded_with_it(
    db, database_url
):
    """Stars alike: a 1000 ⭐ pack earns the inviter 10 % of what was paid for (1 298,70 ₽), not of the
    pack's bonus; each paid period of the monthly plan is a paid top-up too, and /paysupport's refund of
    the period takes the inviter's share back."""
    from tests.money.test_stars_plan_e2e import PLAN_CREDIT, _subscribed

    async with running_app(database_url) as client:
        anna, paul = await _invited(client, 7211, 7212, "paul")
        await paul.tap_label("💰 Баланс")
        await paul.tap_label("💳 Пополнить")
        await paul.tap_label("⭐")
        await paul.tap_label("1000 ⭐")
        payload = client.tg.calls("sendInvoice", chat_id=7212)[-1].params["payload"]
        await paul.pre_checkout(payload, 1000)
        await paul.paid(payload, 1000, "pack-1000")
        assert await paul.available() == 1298_70 + 129_87
        assert await anna.available() == 129_87  # 10 % of 1 298,70 ₽, not of 1 428,57 ₽

        await _subscribed(paul)
        assert await paul.available() == 1298_70 + 129_87 + PLAN_CREDIT
        assert await anna.available() == 129_87 + 65_00
        await paul.say("/paysupport")
        await paul.tap_label("↩️ Вернуть последний месяц")
        await paul.tap_label("Да, вернуть")
        assert await paul.available() == 1298_70 + 129_87
        assert await anna.available() == 129_87
        assert await ledger.audit(db) == []
