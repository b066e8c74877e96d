"""The fake Telegram's Stars subscriptions: createInvoiceLink with subscription_period, recurring
successful_payment updates, editUserStarSubscription — through aiogram, as the app calls them."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.exceptions import TelegramBadRequest
from aiogram.types import LabeledPrice, Update

from sandbox.telegram import SUBSCRIPTION_PERIOD, FakeTelegram, make_successful_payment_update


@pytest.fixture
async def bot(tg: FakeTelegram) -> AsyncIterator[Bot]:
    bot = Bot(tg.token, session=AiohttpSession(api=TelegramAPIServer.from_base(tg.base_url)))
    try:
        yield bot
    finally:
        await bot.session.close()


async def _link(bot: Bot, *, period: int | None = SUBSCRIPTION_PERIOD, stars: int = 500, **kw) -> str:
    return await bot.create_invoice_link(
        title="Подписка",
        description="30 дней",
        payload="S-AAAAAA",
        currency=kw.pop("currency", "XTR"),
        prices=[LabeledPrice(label="30 дней", amount=stars)],
        subscription_period=period,
        **kw,
    )


async def test_subscription_invoice_link_is_checked_like_telegram(bot: Bot, tg: FakeTelegram) -> None:
    link = await _link(bot)
    assert link.startswith("https://t.me/$")
    assert tg.invoice_links[link]["subscription_period"] == 2_592_000
    assert tg.invoice_links[link]["total_amount"] == 500
    with pytest.raises(TelegramBadRequest, match="SUBSCRIPTION_PERIOD_INVALID"):
        await _link(bot, period=86_400)
    with pytest.raises(TelegramBadRequest, match="SUBSCRIPTION_PRICE_INVALID"):
        await _link(bot, stars=10_001)
    with pytest.raises(TelegramBadRequest, match="SUBSCRIPTION_PERIOD_INVALID"):
        await _link(bot, currency="RUB", provider_token="x")
    assert len(tg.invoice_links) == 1


async def test_edit_user_star_subscription_records_the_cancel(bot: Bot, tg: FakeTelegram) -> None:
    assert await bot.edit_user_star_subscription(7, "sub-1", is_canceled=True)
    assert (7, "sub-1") in tg.canceled_subscriptions
    assert await bot.edit_user_star_subscription(7, "sub-1", is_canceled=False)
    assert tg.canceled_subscriptions == set()
    with pytest.raises(TelegramBadRequest, match="CHARGE_ID_INVALID"):
        await bot.edit_user_star_subscription(7, "", is_canceled=True)


def test_recurring_payment_update_parses_in_aiogram() -> None:
    raw = make_successful_payment_update(
        5,
        7,
        payload="S-AAAAAA",
        total_amount=500,
        telegram_payment_charge_id="sub-2",
        subscription_expiration_date=1_900_000_000,
        is_recurring=True,
    )
    paid = Update.model_validate(raw).message.successful_payment
    assert paid.is_recurring and not paid.is_first_recurring
    assert paid.subscription_expiration_date == 1_900_000_000
    plain = make_successful_payment_update(6, 7, payload="S-BBBBBB", total_amount=100)
    assert "is_recurring" not in plain["message"]["successful_payment"]
