"""A person chatting with 💬 Тексты through the real webhook: the app against the fake Telegram and the
fake Kie (its chat endpoints: `kie.chat`), on a real PostgreSQL."""

from __future__ import annotations

import asyncio
import itertools
from contextlib import asynccontextmanager
from typing import Any

from persistence import ledger, users
from runtime.chat.services import ChatTimings
from sandbox.kie import FakeKie
from sandbox.telegram import (
    make_callback_update,
    make_message_update,
    make_stopped_generation_update,
)
from tests.e2e.harness import ADMIN_ID, running_app

# Telegram's pace rules shrunk for tests (the throttle itself is tested in tests/integrations); no
# model waits longer than 2 s.
FAST = ChatTimings(
    stop_poll_seconds=0.05, update_interval=0.05, resend_after_seconds=0.05, timeout_cap_seconds=2.0
)
_update_ids = itertools.count(700_000)


class ChatUser:
    """One private chat with the running app; `kie` is the fake Kie the app talks to."""

    def __init__(self, client, kie: FakeKie, chat_id: int) -> None:
        self.client = client
        self.kie = kie
        self.chat_id = chat_id

    @property
    def tg(self):
        return self.client.tg

    @property
    def pool(self):
        return self.client.app.pool

    async def register(self, kopecks: int = 0) -> None:
        await users.touch(self.pool, self.chat_id, None, "Test", "ru")
        if kopecks:
            await ledger.credit_topup(self.pool, self.chat_id, kopecks, f"seed-{self.chat_id}", "transfer")

    async def post(self, update: dict[str, Any]) -> dict[str, Any]:
        status, _ = await self.client.post(update)
        assert status == 200
        return update

    async def send(self, text: str | None = None, **media: Any) -> dict[str, Any]:
        """Post a message without waiting for the answer."""
        return await self.post(make_message_update(next(_update_ids), self.chat_id, text, **media))

    async def say(self, text: str | None = None, **media: Any) -> str:
        """Post a message, wait until everything is answered; the last text the bot sent."""
        await self.send(text, **media)
        await self.client.settle(timeout=20)
        return self.last_text()

    async def tap(self, data: str, *, message_id: int | None = None) -> str:
        if message_id is None:
            message_id = self.last_message()["message_id"]
        await self.post(make_callback_update(next(_update_ids), self.chat_id, data, message_id))
        await self.client.settle(timeout=20)
        return self.last_text()

    async def press(self, label: str) -> str:
        """Tap the button starting with `label` on the newest message that has it."""
        for message in reversed(list(self.tg.messages.get(self.chat_id, {}).values())):
            for button in self.tg.buttons(message):
                if button["text"].startswith(label) and "callback_data" in button:
                    return await self.tap(button["callback_data"], message_id=message["message_id"])
        raise LookupError(f"no button {label!r} in chat {self.chat_id}")

    async def stop_draft(self, draft_id: int) -> None:
        await self.post(make_stopped_generation_update(next(_update_ids), self.chat_id, draft_id))

    async def open_dialog(self, model_id: str) -> str:
        await self.say("/start")
        return await self.tap(f"tx:go:{model_id}")

    def last_message(self) -> dict[str, Any]:
        """The message the bot sent or edited last in this chat (what the user looks at)."""
        for call in reversed(self.tg.call_log):
            if call.chat_id != self.chat_id or not call.ok:
                continue
            if call.method == "sendMessage":
                return self.tg.messages[self.chat_id][call.result["message_id"]]
            if call.method == "editMessageText":
                return self.tg.messages[self.chat_id][call.params["message_id"]]
        raise AssertionError(f"nothing was sent to {self.chat_id}")

    def last_text(self) -> str:
        return self.last_message().get("text", "")

    def texts(self) -> list[str]:
        return self.tg.sent_texts(self.chat_id)

    def buttons(self) -> list[str]:
        return [b["text"] for b in self.tg.buttons(self.last_message())]

    async def balance(self) -> ledger.Balance:
        return await ledger.balance(self.pool, self.chat_id)

    async def wait_draft(self, contains: str, timeout: float = 10.0) -> dict[str, Any]:
        """Until the streamed preview shows `contains`."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while loop.time() < deadline:
            draft = self.tg.drafts.get(self.chat_id)
            if draft is not None and contains in draft["text"]:
                return draft
            await asyncio.sleep(0.02)
        raise TimeoutError(f"no draft with {contains!r}: {self.tg.drafts.get(self.chat_id)}")


@asynccontextmanager
async def chat_app(database_url: str, *, timings: ChatTimings = FAST, tg=None):
    """The app with the fake Kie (tasks and chat) and fast chat timings; yields (client, kie)."""
    async with FakeKie() as kie, running_app(database_url, tg, kie=kie, chat=timings) as client:
        await users.touch(client.app.pool, ADMIN_ID, None, "Admin", "ru")
        yield client, kie
