"""Top-up requests: at most 3 open per user; «Я оплатил» takes photos and PDF receipts only.

Regressions (issue 13, item 5): a user could open any number of requests (each one a row and an admin
alert away), and any file (a video, an archive) was accepted as the payment screenshot and forwarded
to every admin.
"""

from __future__ import annotations

from tests.e2e.harness import running_app
from tests.money.helpers import CODE, Chat, request_topup


async def test_a_fourth_open_topup_request_is_refused_pointing_at_the_open_ones(db, database_url):
    async with running_app(database_url) as client:
        user = Chat(client, 721, "many")
        codes = [await request_topup(user, f"top:a:{amount}") for amount in (50000, 60000, 70000)]
        await user.tap_label("💰 Баланс")
        await user.tap_label("💳 Пополнить")
        await user.tap("top:a:80000")
        text = user.last_text()
        assert "3 открытые заявки" in text, text
        assert all(code in text for code in codes)
        assert await db.fetchval("SELECT count(*) FROM topup_requests WHERE user_id = 721") == 3
        # Typed amounts are refused the same way.
        await user.tap_label("💳 Пополнить")
        await user.say("900")
        assert "3 открытые заявки" in user.last_text()
        assert await db.fetchval("SELECT count(*) FROM topup_requests WHERE user_id = 721") == 3
        # After cancelling one, a new request opens.
        await user.tap(f"top:x:{codes[0]}")
        await user.tap_label("💳 Пополнить")
        await user.tap("top:a:80000")
        assert CODE.search(user.last_text()) and "800 ₽" in user.last_text()


async def test_i_paid_accepts_photos_and_pdf_receipts_only(db, database_url):
    async with running_app(database_url) as client:
        user = Chat(client, 722, "files")
        await user.say("/start")
        await user.tap_label("💰 Баланс")
        await user.tap_label("💳 Пополнить")
        await user.tap("top:a:50000")
        for wrong in (
            {"document": {"file_name": "receipt.zip", "mime_type": "application/zip"}},
            {"video": True},
        ):
            await user.say(**wrong)
            assert "чек в PDF" in user.last_text(), user.last_text()
            assert "Скриншот прикреплён" not in user.last_text()
        await user.say(document={"file_name": "receipt.pdf", "mime_type": "application/pdf"})
        assert "прикреплён" in user.last_text()
        await user.say(document={"file_name": "shot.png", "mime_type": "image/png"})
        assert "прикреплён" in user.last_text()
        await user.say(photo=True)
        assert "прикреплён" in user.last_text()
