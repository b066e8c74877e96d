"""Replies to other chats (admins) fail on their own: the update's user and the other admins are not
affected.

Regression (issue 13, item 3: "one unreachable admin drops every top-up alert and marks the paying
user inactive"): any 403 while sending an update's replies marked the update's own chat inactive and
stopped the remaining replies, so one admin who blocked the bot silenced every later admin alert.
"""

from __future__ import annotations

import logging

from tests.e2e.harness import ADMIN_ID, running_app
from tests.money.helpers import Chat, admin_chat, request_topup

SECOND_ADMIN, THIRD_ADMIN = 900002, 900003


async def test_one_unreachable_admin_drops_every_topup_alert(db, database_url, caplog):
    admins = f"{ADMIN_ID},{SECOND_ADMIN},{THIRD_ADMIN}"
    async with running_app(database_url, ADMIN_ID=admins) as client:
        blocked = admin_chat(client)
        await blocked.say("/start")
        client.tg.block_chat(ADMIN_ID)  # this admin blocked the bot
        # … and this one never pressed /start: Telegram answers 400 "chat not found".
        client.tg.fail_next(
            "sendMessage",
            error_code=400,
            description="Bad Request: chat not found",
            chat_id=SECOND_ADMIN,
            times=2,
        )
        user = Chat(client, 701, "payer")
        with caplog.at_level(logging.INFO):
            first = await request_topup(user)
            second = await request_topup(user, amount_data="top:a:30000")
        reached = client.tg.sent_texts(THIRD_ADMIN)
        assert any(first in text for text in reached) and any(second in text for text in reached)
        assert any("отправлена" in t.lower() or first in t for t in user.texts())
        assert await db.fetchval("SELECT is_active FROM users WHERE id = 701") is True
        assert await db.fetchval("SELECT is_active FROM users WHERE id = $1", ADMIN_ID) is False
        # Each unreachable admin is logged once (an hour), not once per alert.
        for admin_id in (ADMIN_ID, SECOND_ADMIN):
            lines = [
                r
                for r in caplog.records
                if "unreachable" in r.getMessage() and str(admin_id) in r.getMessage()
            ]
            assert len(lines) == 1, [r.getMessage() for r in lines]
