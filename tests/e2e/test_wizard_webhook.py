"""Wizards through the real webhook: every enabled model's example reaches the confirm step and is
stored exactly as a job; a restart mid-wizard continues where the user was."""

import asyncio
import itertools

from flows.catalog.follow_ups import listed
from flows.catalog.validate import build_request_input
from flows.wizard import chart
from persistence import ledger, users
from sandbox.telegram import FakeTelegram, make_callback_update, make_message_update
from tests.e2e.harness import running_app
from tests.flows.driver import CATALOG, View, fill_from_example

_update_ids = itertools.count(10_000)
MEDIA_ARG = {"image": "photo", "video": "video", "audio": "audio"}


class WebhookChat:
    """One user talking to the running app over HTTP, seeing what the fake Telegram received."""

    def __init__(self, client, chat_id: int) -> None:
        self.client = client
        self.chat_id = chat_id

    async def _after(self, update: dict) -> View:
        tg = self.client.tg
        mark = tg.mark()
        status, _ = await self.client.post(update)
        assert status == 200
        # Every wizard update ends with a screen sent or edited in this chat (the session is committed
        # before that, and the next update of the chat waits for this one to finish).
        await tg.wait_for(
            lambda c: c.chat_id == self.chat_id and c.method in ("sendMessage", "editMessageText") and c.ok,
            since=mark,
            timeout=20,
        )
        return self.view()

    def view(self) -> View:
        message = self.client.tg.last_message(self.chat_id)
        buttons = [(b["text"], b.get("callback_data", "")) for b in self.client.tg.buttons(message)]
        return View(message.get("text", ""), buttons)

    async def text(self, text: str) -> View:
        return await self._after(make_message_update(next(_update_ids), self.chat_id, text))

    async def tap(self, data: str) -> View:
        message_id = self.client.tg.last_message(self.chat_id)["message_id"]
        return await self._after(make_callback_update(next(_update_ids), self.chat_id, data, message_id))

    async def run(self, model_id: str, *, photo: bool = False) -> str:
        """A run the shortest way: on the card send the description (or the photo), confirm; the new
        job's request id. Without a fake Kie the job then waits quietly (a photo Telegram knows: an
        unknown one fails the job, and its failure message would land in the middle of the next run)."""
        entry = CATALOG.get(model_id)
        view = await self.text(f"/start m-{entry.slug}")
        if photo:
            self.client.tg.add_file(f"photo-{entry.slug}", b"jpeg-bytes", "photos/file_1.jpg")
            view = await self.media(f"photo-{entry.slug}", "image")
        else:
            view = await self.text("Кот в шляпе")
        while not view.has("✅ Запустить"):
            view = await self.tap(view.data_for("✅ Продолжить"))
        return await self.launch(view.data_for("✅ Запустить"))

    async def launch(self, data: str) -> str:
        """Tap ✅ Запустить and wait for the job worker's progress message: it is sent after the tap's
        reply, so without this wait it lands in the middle of whatever the test does next."""
        before = await self._job_ids()
        await self.tap(data)
        deadline = asyncio.get_running_loop().time() + 20
        while True:
            row = await self.client.app.pool.fetchrow(
                "SELECT request_id, progress_message_id FROM jobs WHERE chat_id = $1"
                " AND NOT request_id = ANY($2::text[])",
                self.chat_id,
                before,
            )
            if row is not None and row["progress_message_id"] is not None:
                return row["request_id"]
            assert asyncio.get_running_loop().time() < deadline, "no progress message for the new job"
            await asyncio.sleep(0.02)

    async def _job_ids(self) -> list[str]:
        rows = await self.client.app.pool.fetch(
            "SELECT request_id FROM jobs WHERE chat_id = $1", self.chat_id
        )
        return [r["request_id"] for r in rows]

    async def media(self, file_id: str, kind: str) -> View:
        spec = {"file_id": file_id, "duration": 5, "file_size": 200_000}
        return await self._after(
            make_message_update(next(_update_ids), self.chat_id, **{MEDIA_ARG[kind]: spec})
        )

    async def state(self) -> str | None:
        state = await self.client.app.pool.fetchval(
            "SELECT state FROM sessions WHERE chat_id = $1", self.chat_id
        )
        flow = (state or {}).get("flow") or {}
        return flow.get("state")


async def _walk(client, chat_id: int, entry) -> None:
    chat = WebhookChat(client, chat_id)
    await users.touch(client.app.pool, chat_id, None, "Test", "ru")
    await ledger.credit_topup(client.app.pool, chat_id, 100_000_00, f"seed-{chat_id}", "transfer")
    example = dict(entry.examples[0])

    async def act(kind: str, value: str, media: str = "video") -> View:
        if kind == "media":
            return await chat.media(value, media)
        return await (chat.tap(value) if kind == "tap" else chat.text(value))

    async def current_field() -> str | None:
        return chart.field_of(await chat.state() or "")

    view = await chat.text(f"/start m-{entry.slug}")
    view = await fill_from_example(entry, example, act, current_field, view)
    assert await chat.state() == chart.REVIEW, entry.id
    await chat.tap(view.data_for("✅ Запустить"))
    row = await client.app.pool.fetchrow("SELECT model_id, input FROM jobs WHERE chat_id = $1", chat_id)
    assert row is not None, f"{entry.id}: no job stored"
    expected = build_request_input(entry, example)
    assert row["model_id"] == entry.id
    assert row["input"] == expected, entry.id


async def test_every_enabled_model_example_reaches_a_stored_job(db, database_url):
    # Follow-ups open only from a result: tests/e2e/test_follow_ups_webhook.py walks each from its parent.
    enabled = [entry for entry in CATALOG.enabled() if listed(entry)]
    async with running_app(database_url) as client:
        results = await asyncio.gather(
            *(_walk(client, 50_000 + index, entry) for index, entry in enumerate(enabled)),
            return_exceptions=True,
        )
        failures = [
            f"{entry.id}: {result!r}" for entry, result in zip(enabled, results, strict=True) if result
        ]
        assert not failures, "\n".join(failures[:10])
        assert await db.fetchval("SELECT count(*) FROM jobs") == len(enabled)
        assert await db.fetchval("SELECT count(*) FROM inbox WHERE status = 'parked'") == 0


async def test_restart_mid_wizard_continues_exactly_where_the_user_was(db, database_url):
    entry = CATALOG.get("kling-3.0/video")
    tg = FakeTelegram()
    await tg.start()
    async with running_app(database_url, tg) as client:
        chat = WebhookChat(client, 7001)
        view = await chat.text(f"/start m-{entry.slug}")
        view = await chat.tap(view.data_for("🚀"))
        view = await chat.text("Закат над морем")
        assert await chat.state() == "f_sound"
    async with running_app(database_url, tg) as restarted:
        chat = WebhookChat(restarted, 7001)
        # The old screen's buttons still work after the restart: the snapshot came back from PostgreSQL.
        view = await chat.tap(view.data_for("⚪️"))
        assert await chat.state() == "f_sound"
        view = await chat.tap(view.data_for("✅ Продолжить"))
        assert await chat.state() == "f_duration"
        session = await restarted.app.pool.fetchval("SELECT state FROM sessions WHERE chat_id = 7001")
        assert session["flow"]["values"] == {"prompt": "Закат над морем", "sound": True}
    await tg.stop()
