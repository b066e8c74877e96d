"""The aiogram Bot, pointed at TELEGRAM_API_BASE so tests and self-hosted Bot API servers work."""

from __future__ import annotations

from collections.abc import Callable
from http import HTTPStatus
from typing import Any, cast

import msgspec
from aiogram import Bot, methods
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.session.base import Response
from aiogram.client.telegram import TelegramAPIServer
from aiogram.exceptions import TelegramAPIError, TelegramNetworkError
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
        status, raw_result = await self._post(bot, method.__api_method__, body, timeout, lambda: method)
        response = self.check_response(bot=bot, method=method, status_code=status, content=raw_result)
        return cast(TelegramType, response.result)

    async def post_json(self, bot: Bot, method_type: type[TelegramMethod[Any]], body: dict[str, Any]) -> Any:
        """A `method_type` request with a JSON body the caller built (text screens: the keyboard as
        plain dicts). Building aiogram's pydantic keyboard and walking it back into a dict cost ~400 µs
        for a 13-button menu (measured), a tenth of an update's CPU. A success returns the raw `result`;
        an error raises what aiogram's check_response raises for any call (the method object the
        exception carries is built only then: even `model_construct` costs ~0.4 ms)."""

        def method() -> TelegramMethod[Any]:
            return method_type.model_construct(chat_id=body.get("chat_id"))

        status, raw_result = await self._post(bot, method_type.__api_method__, body, None, method)
        if status == HTTPStatus.OK:
            answer = msgspec.json.decode(raw_result)
            if isinstance(answer, dict) and answer.get("ok") is True:
                return answer.get("result")
        self.check_response(bot=bot, method=method(), status_code=status, content=raw_result)
        raise TelegramAPIError(method=method(), message=f"no result in Telegram's answer ({status})")

    async def _post(
        self,
        bot: Bot,
        api_method: str,
        body: dict[str, Any],
        timeout: int | None,
        method: Callable[[], TelegramMethod[Any]],
    ) -> tuple[int, str]:
        session = await self.create_session()
        url = self.api.api_url(token=bot.token, method=api_method)
        try:
            async with session.post(
                url,
                data=_json_encode(body),
                headers=_JSON,
                timeout=self.timeout if timeout is None else timeout,
            ) as resp:
                return resp.status, await resp.text()
        except TimeoutError as e:
            raise TelegramNetworkError(method=method(), message="Request timeout error") from e
        except ClientError as e:
            raise TelegramNetworkError(method=method(), message=f"{type(e).__name__}: {e}") from e


BOT_DEFAULTS = DefaultBotProperties(parse_mode="HTML", link_preview_is_disabled=True)

# What BOT_DEFAULTS add to every text message, as aiogram writes them: the direct JSON path
# (post_json) adds the same, so both paths send the same body.
TEXT_DEFAULTS: dict[str, Any] = {
    "parse_mode": BOT_DEFAULTS.parse_mode,
    "link_preview_options": {"is_disabled": BOT_DEFAULTS.link_preview_is_disabled},
    "disable_web_page_preview": BOT_DEFAULTS.link_preview_is_disabled,
}


def create_bot(token: str, api_base: str, *, timeout: float = 30.0) -> Bot:
    session = JsonBodySession(
        api=TelegramAPIServer.from_base(api_base), timeout=timeout, json_loads=msgspec.json.decode
    )
    return Bot(
        token=token,
        session=session,
        default=BOT_DEFAULTS,
    )
