"""What every start tells Telegram, in the background: the command menu (ru, en and the default), the
bot's @username (for invite links), and — in webhook mode — the webhook. Retried with jittered
backoff until Telegram answers; re-registering the same webhook and commands is idempotent."""

from __future__ import annotations

import logging
from collections.abc import Callable

from aiogram import Bot
from tenacity import AsyncRetrying, retry_if_exception_type, wait_random_exponential

from flows.texts import t
from integrations.telegram.errors import TelegramSendError
from integrations.telegram.renderer import call
from runtime.config import Settings
from runtime.secrets import webhook_header_secret
from runtime.updates import ALLOWED_UPDATES

log = logging.getLogger(__name__)

# The command menu, in this order; every name is a command route (tests/flows/test_routing.py).
BOT_COMMANDS = (
    "start",
    "models",
    "new",
    "mode",
    "balance",
    "history",
    "invite",
    "promo",
    "help",
    "cancel",
    "paysupport",
)


async def configure_telegram(bot: Bot, settings: Settings, on_username: Callable[[str], None]) -> None:
    async for attempt in AsyncRetrying(
        retry=retry_if_exception_type(TelegramSendError),
        wait=wait_random_exponential(multiplier=1, max=60),
    ):
        with attempt:
            await set_commands(bot)
            me = await call(bot.me, what="getMe")
            if me.username:
                on_username(me.username)
            if settings.bot_mode == "webhook":
                await call(
                    lambda: bot.set_webhook(
                        url=settings.webhook_url,
                        secret_token=webhook_header_secret(settings.telegram_bot_token),
                        allowed_updates=list(ALLOWED_UPDATES),
                        max_connections=40,
                    ),
                    what="setWebhook",
                )
                log.info("webhook registered with Telegram")


async def set_commands(bot: Bot) -> None:
    from aiogram.types import BotCommand

    for lang in ("ru", "en"):
        commands = [BotCommand(command=c, description=t(lang, f"commands.{c}")) for c in BOT_COMMANDS]
        await call(lambda c=commands, lc=lang: bot.set_my_commands(c, language_code=lc), what="setMyCommands")
    default = [BotCommand(command=c, description=t("ru", f"commands.{c}")) for c in BOT_COMMANDS]
    await call(lambda: bot.set_my_commands(default), what="setMyCommands")
