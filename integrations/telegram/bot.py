"""The aiogram Bot, pointed at TELEGRAM_API_BASE so tests and self-hosted Bot API servers work."""

from __future__ import annotations

from typing import Any, cast

import msgspec
from aiogram import Bot, methods
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.session.base import Response
from aiogram.client.telegram import TelegramAPIServer
from aiogram.exceptions import TelegramNetworkError
from aiogram.methods.base import TelegramMethod, TelegramType
from aiohttp import ClientError

_json_encode = msgspec.json.Encoder().encode
_JSON = {"Content-Type": "application/json"}

# The Bot API methods TRT calls.
USED_METHODS = (
    methods.AnswerCallbackQuery,
    methods.AnswerInlineQuery,
    methods.AnswerPreCheckoutQuery,
    methods.CreateInvoiceLink,
    methods.DeleteMessage,
    methods.DeleteWebhook,
    methods.EditMessageText,
    methods.EditUserStarSubscription,
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
    methods.SendMessageDraft,
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


class JsonBodySession(AiohttpSession):
    """aiogram's session, but requests without files go as one JSON body (msgspec) instead of a
    url-encoded form with JSON-in-strings: the Bot API accepts both, and the form costs most of the
    per-call CPU. Requests carrying files keep aiogram's multipart path."""

    async def make_request(
        self, bot: Bot, method: TelegramMethod[TelegramType], timeout: int | None = None
    ) -> TelegramType:
        files: dict[str, Any] = {}
        body = {}
        for key, value in method.model_dump(warnings=False).items():
            prepared = self.prepare_value(value, bot=bot, files=files, _dumps_json=False)
            if prepared is not None:
                body[key] = prepared
        if files:
            return await super().make_request(bot, method, timeout)
        session = await self.create_session()
        url = self.api.api_url(token=bot.token, method=method.__api_method__)
        try:
            async with session.post(
                url,
                data=_json_encode(body),
                headers=_JSON,
                timeout=self.timeout if timeout is None else timeout,
            ) as resp:
                raw_result = await resp.text()
        except TimeoutError as e:
            raise TelegramNetworkError(method=method, message="Request timeout error") from e
        except ClientError as e:
            raise TelegramNetworkError(method=method, message=f"{type(e).__name__}: {e}") from e
        response = self.check_response(bot=bot, method=method, status_code=resp.status, content=raw_result)
        return cast(TelegramType, response.result)


def create_bot(token: str, api_base: str, *, timeout: float = 30.0) -> Bot:
    session = JsonBodySession(
        api=TelegramAPIServer.from_base(api_base), timeout=timeout, json_loads=msgspec.json.decode
    )
    return Bot(
        token=token,
        session=session,
        default=DefaultBotProperties(parse_mode="HTML", link_preview_is_disabled=True),
    )
