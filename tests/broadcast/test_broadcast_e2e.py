"""📣 Рассылка through the real webhook, the fake Telegram and PostgreSQL: compose → preview → audience →
confirm, then the background sender — each recipient at most once, across a restart, with blocked
users, flood waits and the admin's counts. Assertions are on orders and counts, never on timings."""

from __future__ import annotations

import asyncio

from integrations.telegram import renderer
from persistence import ledger
from runtime.broadcasts import BroadcastOptions
from sandbox.telegram import FakeTelegram, make_message_update
from tests.e2e.harness import ADMIN_ID, running_app
from tests.money.helpers import Chat, admin_chat

FAST = BroadcastOptions(poll_every=0.05, progress_every=0.2)
LABEL = {"all": "👥 Всем", "active30": "🕒 Активным", "paid": "💳 Платившим"}
SENDS = ("sendMessage", "sendPhoto")


async def seed(db, ids, *, days_ago: int = 0, paid: bool = False) -> None:
    for user_id in ids:
        await db.execute(
            "INSERT INTO users (id, username, last_seen_at) VALUES ($1, $2, now() - make_interval(days => $3))",
            user_id,
            f"user{user_id}",
            days_ago,
        )
        if paid:
            await ledger.credit_topup(db, user_id, 100_00, f"pay-{user_id}", "transfer")


async def compose(
    admin: Chat,
    text: str,
    *,
    audience: str = "all",
    button: str | None = None,
    before_send=None,
    via_panel: bool = False,
    photo: str | None = None,
) -> tuple[int, str]:
    """From /admin (or /broadcast) to ✅ Отправить; returns the confirm button (message id, data)."""
    if via_panel:
        await admin.say("/admin")
        await admin.tap_label("📣 Рассылка")
    else:
        await admin.say("/broadcast")
    if photo is not None:
        await admin.say(photo=photo, caption=text)
    else:
        await admin.say(text)
    if button:
        await admin.say(button)
    else:
        await admin.tap_label("✅ Продолжить")
    await admin.tap_label(LABEL[audience])
    if before_send is not None:
        before_send()
    message_id, data = admin.button("✅ Отправить")
    await admin.tap(data, message_id)
    return message_id, data


async def finished(db, tg: FakeTelegram, timeout: float = 30.0) -> int:
    """Wait for the newest broadcast to be done and its final message to reach the admin; its id."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        row = await db.fetchrow("SELECT id, status FROM broadcasts ORDER BY id DESC LIMIT 1")
        if (
            row is not None
            and row["status"] == "done"
            and any(f"Рассылка #{row['id']} завершена" in t for t in tg.sent_texts(ADMIN_ID))
        ):
            return row["id"]
        assert asyncio.get_running_loop().time() < deadline, "the broadcast did not finish"
        await asyncio.sleep(0.05)


def delivered(tg: FakeTelegram, marker: str) -> dict[int, int]:
    """chat id → how many messages carrying `marker` Telegram accepted for it."""
    found: dict[int, int] = {}
    for method in SENDS:
        for call in tg.calls(method):
            body = call.params.get("text") or call.params.get("caption") or ""
            if call.ok and marker in body:
                found[call.chat_id] = found.get(call.chat_id, 0) + 1
    return found


def final_message(tg: FakeTelegram) -> str:
    texts = [t for t in tg.sent_texts(ADMIN_ID) if "завершена" in t]
    assert len(texts) == 1, texts
    return texts[0]


async def test_compose_preview_audience_confirm_and_everyone_gets_exactly_one(db, database_url):
    await seed(db, range(1001, 1016))
    async with running_app(database_url, broadcasts=FAST) as client:
        admin = admin_chat(client)
        confirm = await compose(
            admin,
            "<b>Новинка</b>: Kling 2.6 уже в боте",
            button="Открыть | https://example.com/new",
            via_panel=True,
        )
        tg = client.tg
        # The preview reached the admin before anyone else, with its button and formatting.
        preview = [m for m in tg.messages[ADMIN_ID].values() if m.get("text", "").startswith("Новинка")]
        assert preview and preview[0]["entities"][0]["type"] == "bold"
        assert tg.buttons(preview[0])[0]["url"] == "https://example.com/new"
        assert any("поставлена в очередь: 16 получателей" in t for t in admin.texts())

        # A second tap of the same confirm (a double tap, a retried update) starts nothing.
        await admin.tap(confirm[1], confirm[0])
        broadcast_id = await finished(db, client.tg)
        assert await db.fetchval("SELECT count(*) FROM broadcasts") == 1

        got = delivered(tg, "Kling 2.6 уже в боте")
        # Every user once, and the admin (a user too) once more besides the preview.
        assert {k: v for k, v in got.items() if k != ADMIN_ID} == {uid: 1 for uid in range(1001, 1016)}
        assert got[ADMIN_ID] == 2
        sent = [c for c in tg.calls("sendMessage") if c.ok and c.chat_id == 1001]
        assert tg.buttons(sent[0].result)[0]["url"] == "https://example.com/new"

        text = final_message(tg)
        assert f"#{broadcast_id}" in text and "Доставлено: 16" in text
        assert "Заблокировали бота: 0" in text and "Не доставлено: 0" in text
        # The progress message was sent once and ends with the final figures.
        progress = [m for m in tg.messages[ADMIN_ID].values() if "Рассылка #" in (m.get("text") or "")]
        assert any("отправлено 16 из 16" in m["text"] for m in progress)
        progress_id = await db.fetchval("SELECT progress_message_id FROM broadcasts")
        edits = [
            c for c in tg.calls("editMessageText", chat_id=ADMIN_ID) if c.params["message_id"] == progress_id
        ]
        assert edits and "отправлено 16 из 16" in edits[-1].params["text"]


async def test_audiences_pick_the_right_users(db, database_url):
    await seed(db, (2001, 2002))  # active, never paid
    await seed(db, (2003,), days_ago=45)  # quiet for 45 days, never paid
    await seed(db, (2004,), days_ago=45, paid=True)  # quiet, paid once
    await seed(db, (2005,), paid=True)  # active and paid
    await seed(db, (2006,), paid=True)
    await db.execute("UPDATE users SET is_active = false WHERE id = 2006")  # blocked the bot earlier
    await seed(db, (2007,))
    await db.execute("UPDATE users SET blocked_at = now() WHERE id = 2007")  # blocked by an admin
    async with running_app(database_url, broadcasts=FAST) as client:
        admin = admin_chat(client)
        expected = {
            "all": {2001, 2002, 2003, 2004, 2005, ADMIN_ID},
            "active30": {2001, 2002, 2005, ADMIN_ID},
            "paid": {2004, 2005},
        }
        for audience, who in expected.items():
            marker = f"Письмо для {audience}"
            await compose(admin, marker, audience=audience)
            broadcast_id = await finished(db, client.tg)
            rows = await db.fetch(
                "SELECT user_id FROM broadcast_recipients WHERE broadcast_id = $1", broadcast_id
            )
            assert {r["user_id"] for r in rows} == who, audience
            got = delivered(client.tg, marker)
            got[ADMIN_ID] = got.get(ADMIN_ID, 0) - 1  # the preview
            assert {k for k, v in got.items() if v} == who and set(got.values()) <= {0, 1}, audience


async def test_a_restart_midway_sends_nobody_twice_and_finishes(db, database_url):
    users = range(3001, 3031)
    await seed(db, users)
    slow = BroadcastOptions(rate=20, poll_every=0.05, progress_every=0.2)
    async with running_app(database_url, broadcasts=slow) as client:
        admin = admin_chat(client)
        await compose(admin, "Перезапуск посреди рассылки")
        tg = client.tg
        deadline = asyncio.get_running_loop().time() + 30
        while len(delivered(tg, "Перезапуск посреди")) < 6:
            assert asyncio.get_running_loop().time() < deadline, "the sending never started"
            await asyncio.sleep(0.01)
        await client.app.broadcasts.stop()
        first = delivered(tg, "Перезапуск посреди")
        left = await db.fetchval("SELECT count(*) FROM broadcast_recipients WHERE state = 'pending'")
        assert left > 0 and await db.fetchval("SELECT status FROM broadcasts") == "sending"
        assert await db.fetchval("SELECT count(*) FROM broadcast_recipients WHERE state = 'sending'") == 0
        # A worker that died mid-send left this claim behind: it is not sent again, it counts as failed.
        lost = await db.fetchval(
            "UPDATE broadcast_recipients SET state = 'sending', updated_at = now() - interval '1 hour'"
            " WHERE user_id = (SELECT max(user_id) FROM broadcast_recipients"
            "                  WHERE state = 'pending' AND user_id < 4000)"
            " RETURNING user_id"
        )

        client.app.start_broadcasts()
        await finished(db, client.tg)
        got = delivered(tg, "Перезапуск посреди")
        recipients = {*users, ADMIN_ID}
        assert set(got.values()) <= {1, 2}
        assert got.pop(ADMIN_ID) == 2  # the preview and the post
        assert lost not in got and set(got) == recipients - {ADMIN_ID, lost}
        assert all(v == 1 for v in got.values())
        assert all(got[k] == 1 for k in first if k != ADMIN_ID)
        text = final_message(tg)
        assert "Доставлено: 30" in text and "Не доставлено: 1" in text


async def test_a_redeploy_midway_is_finished_by_the_new_instance(db, database_url):
    users = range(3101, 3126)
    await seed(db, users)
    slow = BroadcastOptions(rate=20, poll_every=0.05, progress_every=0.2)
    async with FakeTelegram() as tg:
        async with running_app(database_url, tg, broadcasts=slow) as client:
            await compose(admin_chat(client), "Деплой посреди рассылки")
            deadline = asyncio.get_running_loop().time() + 30
            while len(delivered(tg, "Деплой посреди")) < 6:
                assert asyncio.get_running_loop().time() < deadline, "the sending never started"
                await asyncio.sleep(0.01)
        # The old instance stopped gracefully: the message in flight was finished and marked.
        assert await db.fetchval("SELECT count(*) FROM broadcast_recipients WHERE state = 'pending'") > 0
        assert await db.fetchval("SELECT count(*) FROM broadcast_recipients WHERE state = 'sending'") == 0
        async with running_app(database_url, tg, broadcasts=slow):
            await finished(db, tg)
        got = delivered(tg, "Деплой посреди")
        assert got.pop(ADMIN_ID) == 2  # the preview and the post
        assert got == {uid: 1 for uid in users}
        assert "Доставлено: 26" in final_message(tg) and "Не доставлено: 0" in final_message(tg)


async def test_blocked_users_are_marked_inactive_and_counted(db, database_url):
    await seed(db, range(4001, 4007))
    async with running_app(database_url, broadcasts=FAST) as client:
        client.tg.block_chat(4002)
        client.tg.block_chat(4005)
        admin = admin_chat(client)
        await compose(admin, "Кто-то нас заблокировал")
        broadcast_id = await finished(db, client.tg)
        states = dict(
            await db.fetch(
                "SELECT user_id, state FROM broadcast_recipients WHERE broadcast_id = $1", broadcast_id
            )
        )
        assert states[4002] == states[4005] == "blocked"
        assert [r["id"] for r in await db.fetch("SELECT id FROM users WHERE NOT is_active ORDER BY id")] == [
            4002,
            4005,
        ]
        text = final_message(client.tg)
        assert "Доставлено: 5" in text and "Заблокировали бота: 2" in text and "Не доставлено: 0" in text
        # The next broadcast does not even try them.
        await compose(admin, "Вторая рассылка")
        await finished(db, client.tg)
        tried = [c.chat_id for c in client.tg.calls("sendMessage") if "Вторая" in c.params.get("text", "")]
        assert 4001 in tried and 4002 not in tried and 4005 not in tried


async def test_flood_waits_are_honoured_and_no_message_is_lost(db, database_url):
    users = range(5001, 5013)
    await seed(db, users)
    async with running_app(database_url, broadcasts=FAST) as client:
        tg = client.tg
        admin = admin_chat(client)
        await compose(
            admin, "Под флуд-контролем", before_send=lambda: tg.throttle(per_second=4, retry_after=1)
        )
        await finished(db, client.tg)
        refused = [c for m in SENDS for c in tg.calls(m) if c.status == 429]
        assert refused, "the fake never throttled"
        assert all(c.response["parameters"]["retry_after"] == 1 for c in refused)
        # Nothing came back before the wait Telegram named was over, and each refusal was sent again.
        assert tg.early_sends == 0
        for call in refused:
            later = [c for c in tg.calls(call.method, chat_id=call.chat_id) if c.at > call.at]
            assert later and later[0].params.get("text") == call.params.get("text")
        got = delivered(tg, "Под флуд-контролем")
        assert got.pop(ADMIN_ID) == 2
        assert got == {uid: 1 for uid in users}
        assert "Доставлено: 13" in final_message(tg)


async def test_non_admins_cannot_reach_any_of_it(db, database_url):
    await seed(db, (6001,))
    async with running_app(database_url, broadcasts=FAST) as client:
        user = Chat(client, 6002, "mallory")
        await user.say("/start")
        await user.say("/broadcast")
        for data in ("bc:new", "bc:to:all", "bc:go:abcdef", "bc:skip", "bc:back", "bc:x"):
            await user.tap(data)
        answers = [c.params.get("text") or "" for c in client.tg.calls("answerCallbackQuery")]
        assert len(answers) == 6 and all("устарела" in a for a in answers), answers
        assert "Рассылка" not in " ".join(user.texts())
        await asyncio.sleep(0.2)  # a worker poll or two
        assert await db.fetchval("SELECT count(*) FROM broadcasts") == 0
        session = await db.fetchval("SELECT state->>'place' FROM sessions WHERE chat_id = 6002")
        assert session != "broadcast"


async def test_a_photo_post_under_long_flood_waits_pauses_and_loses_nothing(db, database_url, monkeypatch):
    """Every 429 here is "too long to wait inside the call": the sender pauses the whole broadcast for
    retry_after and sends the same message again."""
    monkeypatch.setattr(renderer, "MAX_INLINE_FLOOD_WAIT", 0.0)
    users = range(7001, 7007)
    await seed(db, users)
    async with running_app(database_url, broadcasts=FAST) as client:
        tg = client.tg
        admin = admin_chat(client)
        await compose(
            admin,
            "<i>Скидки</i> до пятницы",
            photo="PHOTO-PROMO",
            button="Подробнее | https://example.com/sale",
            before_send=lambda: tg.throttle(per_second=3, retry_after=1),
        )
        await finished(db, tg)
        photos = [c for c in tg.calls("sendPhoto") if c.ok]
        assert {c.chat_id for c in photos} == {*users, ADMIN_ID}
        assert all(
            c.params["photo"] == "PHOTO-PROMO" and c.params["caption"] == "<i>Скидки</i> до пятницы"
            for c in photos
        )
        assert all(tg.buttons(c.result)[0]["url"] == "https://example.com/sale" for c in photos)
        got = delivered(tg, "до пятницы")
        assert got.pop(ADMIN_ID) == 2 and got == {uid: 1 for uid in users}
        assert [c for m in SENDS for c in tg.calls(m) if c.status == 429] and tg.early_sends == 0
        assert "Доставлено: 7" in final_message(tg) and "Не доставлено: 0" in final_message(tg)


async def test_formatting_made_with_telegram_buttons_reaches_the_users(db, database_url):
    await seed(db, (8001,))
    async with running_app(database_url, broadcasts=FAST) as client:
        admin = admin_chat(client)
        await admin.say("/broadcast")
        update = make_message_update(880001, ADMIN_ID, "Скидка 😀 до пятницы <всем>", username="boss")
        update["message"]["entities"] = [{"type": "bold", "offset": 10, "length": 10}]
        await client.post(update)
        await client.settle()
        await admin.tap_label("✅ Продолжить")
        await admin.tap_label("👥 Всем")
        await admin.tap_label("✅ Отправить")
        await finished(db, client.tg)
        [call] = [c for c in client.tg.calls("sendMessage", chat_id=8001) if c.ok]
        assert call.params["text"] == "Скидка 😀 <b>до пятницы</b> &lt;всем&gt;"
        assert call.result["text"] == "Скидка 😀 до пятницы <всем>"
        assert call.result["entities"] == [{"type": "bold", "offset": 10, "length": 10}]
