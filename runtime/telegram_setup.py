"""What every start tells Telegram, in the background: the command menu (ru, en and the default; admins
get theirs with /admin and /broadcast added, in a menu scoped to their chat), the bot's @username (for invite links), and — in webhook mode — the webhook. Retried with jittered
backoff until Telegram answers; re-registering the same webhook and commands is idempotent."""

from __future__ import annotations

import logging
from collections.abc import Callable

from aiogram import Bot
from tenacity import AsyncRetrying, retry_if_exception_type, wait_random_exponential

from flows.texts import t
from integrations.telegram.errors import RejectedByTelegram, TelegramSendError, UserBlockedBot
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
# Added to the menu in each admin's own chat only; /newpromo needs arguments, so /admin shows how.
ADMIN_COMMANDS = ("admin", "broadcast")


async def configure_telegram(bot: Bot, settings: Settings, on_username: Callable[[str], None]) -> None:
    async for attempt in AsyncRetrying(
        retry=retry_if_exception_type(TelegramSendError),
        wait=wait_random_exponential(multiplier=1, max=60),
    ):
        with attempt:
            await set_commands(bot, settings.admin_ids)
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


async def set_commands(bot: Bot, admin_ids: tuple[int, ...] = ()) -> None:
    for lang in ("ru", "en"):
        await _set_menu(bot, BOT_COMMANDS, lang)
    await _set_menu(bot, BOT_COMMANDS, None)
    for admin_id in admin_ids:
        try:
            for lang in ("ru", "en", None):
                await _set_menu(bot, BOT_COMMANDS + ADMIN_COMMANDS, lang, chat_id=admin_id)
        except (RejectedByTelegram, UserBlockedBot) as exc:
            # An admin who has never opened the bot has no chat yet ("chat not found"): their menu
            # is set on a later start; the rest of the setup goes on.
            log.warning("the admin command menu is not set for one admin: %s", exc)


async def _set_menu(
    bot: Bot, names: tuple[str, ...], lang: str | None, *, chat_id: int | None = None
) -> None:
    """One menu: for a language (None: everyone else, in Russian), in every chat or in one chat."""
    from aiogram.types import BotCommand, BotCommandScopeChat

    commands = [BotCommand(command=c, description=t(lang or "ru", f"commands.{c}")) for c in names]
    scope = BotCommandScopeChat(chat_id=chat_id) if chat_id is not None else None
    await call(lambda: bot.set_my_commands(commands, scope=scope, language_code=lang), what="setMyCommands")
