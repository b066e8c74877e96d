"""A small chat helper over the e2e harness: post updates, find messages and buttons, read money."""

from __future__ import annotations

import itertools
import re

from persistence import ledger
from sandbox.telegram import (
    make_callback_update,
    make_message_update,
    make_pre_checkout_update,
    make_successful_payment_update,
)
from tests.e2e.harness import ADMIN_ID, Client

CODE = re.compile(r"\b(T-[0-9A-HJKMNP-TV-Z]{6})\b")
_ids = itertools.count(1)


class Chat:
    def __init__(self, client: Client, user_id: int, username: str | None = None) -> None:
        self.client = client
        self.tg = client.tg
        self.user_id = user_id
        self.username = username

    async def say(self, text: str | None = None, **kw) -> None:
        await self.client.post(
            make_message_update(next(_ids), self.user_id, text, username=self.username, **kw)
        )
        await self.client.settle()

    async def tap(self, data: str, message_id: int | None = None, *, settle: bool = True) -> None:
        if message_id is None:
            message_id = self.last_id()
        await self.client.post(
            make_callback_update(next(_ids), self.user_id, data, message_id, username=self.username)
        )
        if settle:
            await self.client.settle()

    async def tap_label(self, label_prefix: str) -> None:
        message_id, data = self.button(label_prefix)
        await self.tap(data, message_id)

    def last_id(self) -> int:
        message = self.tg.last_message(self.user_id)
        assert message is not None
        return message["message_id"]

    def last_text(self) -> str:
        message = self.tg.last_message(self.user_id)
        return (message or {}).get("text") or (message or {}).get("caption") or ""

    def button(self, label_prefix: str) -> tuple[int, str]:
        """The newest message of this chat with a button starting with label_prefix: (message id, data)."""
        for message in reversed(list(self.tg.messages.get(self.user_id, {}).values())):
            for b in self.tg.buttons(message):
                if b["text"].startswith(label_prefix) and "callback_data" in b:
                    return message["message_id"], b["callback_data"]
        raise LookupError(f"no button {label_prefix!r} in chat {self.user_id}")

    def texts(self) -> list[str]:
        return self.tg.sent_texts(self.user_id)

    async def pre_checkout(self, payload: str, total: int, currency: str = "XTR") -> None:
        await self.client.post(
            make_pre_checkout_update(
                next(_ids), self.user_id, payload=payload, total_amount=total, currency=currency
            )
        )
        await self.client.settle()

    async def paid(self, payload: str, total: int, charge_id: str, update_id: int | None = None) -> int:
        update_id = update_id or next(_ids)
        await self.client.post(
            make_successful_payment_update(
                update_id,
                self.user_id,
                payload=payload,
                total_amount=total,
                telegram_payment_charge_id=charge_id,
            )
        )
        await self.client.settle()
        return update_id

    async def available(self) -> int:
        return (await ledger.balance(self.client.app.pool, self.user_id)).available


async def request_topup(user: Chat, amount_data: str = "top:a:50000", *, photo: bool = False) -> str:
    """From /start to «Я оплатил»: returns the payment code."""
    await user.say("/start")
    await user.tap_label("💰 Баланс")
    await user.tap_label("💳 Пополнить")
    await user.tap(amount_data)
    code = CODE.search(user.last_text())
    assert code, user.last_text()
    if photo:
        await user.say(photo=True)
    await user.tap_label("Я оплатил")
    return code.group(1)


def admin_chat(client: Client, admin_id: int = ADMIN_ID, username: str = "boss") -> Chat:
    return Chat(client, admin_id, username)
