"""The aiogram Bot, pointed at TELEGRAM_API_BASE so tests and self-hosted Bot API servers work."""

from __future__ import annotations

from aiogram import Bot, methods
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.session.base import Response
from aiogram.client.telegram import TelegramAPIServer

# The Bot API methods TRT calls.
USED_METHODS = (
    methods.AnswerCallbackQuery,
    methods.AnswerPreCheckoutQuery,
    methods.DeleteMessage,
    methods.DeleteWebhook,
    methods.EditMessageText,
    methods.GetFile,
    methods.GetMe,
    methods.RefundStarPayment,
    methods.SendAnimation,
    methods.SendAudio,
    methods.SendChatAction,
    methods.SendDocument,
    methods.SendInvoice,
    methods.SendMediaGroup,
    methods.SendMessage,
    methods.SendPhoto,
    methods.SendVideo,
    methods.SendVoice,
    methods.SetMyCommands,
    methods.SetWebhook,
)

# aiogram parses every answer as Response[<method's result type>]; pydantic caches those generic
# classes only weakly, so the garbage collector keeps freeing them and each answer rebuilds one (tens of
# ms of CPU with the event loop blocked). Holding them here keeps them built once per process.
_PINNED_RESPONSE_TYPES = [Response[method.__returning__] for method in USED_METHODS]


def create_bot(token: str, api_base: str, *, timeout: float = 30.0) -> Bot:
    session = AiohttpSession(api=TelegramAPIServer.from_base(api_base), timeout=timeout)
    return Bot(
        token=token,
        session=session,
        default=DefaultBotProperties(parse_mode="HTML", link_preview_is_disabled=True),
    )
