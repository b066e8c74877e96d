"""Turns Screen actions into Bot API calls. The one place that knows Telegram's error quirks:
429 waits exactly retry_after, "message is not modified" is success, 403 means the user is gone."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import TypeVar, cast

from aiogram import Bot
from aiogram.exceptions import (
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
    TelegramUnauthorizedError,
)
from aiogram.methods import EditMessageText, SendMessage
from aiogram.types import (
    BufferedInputFile,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InlineQueryResultArticle,
    InputTextMessageContent,
    LabeledPrice,
)
from tenacity import AsyncRetrying, RetryCallState, retry_if_exception, stop_after_attempt

from flows.screens import (
    Action,
    AnswerCallback,
    AnswerInlineQuery,
    AnswerPreCheckout,
    Button,
    EditScreen,
    EditStarSubscription,
    RefundStarPayment,
    Screen,
    SendDocument,
    SendFile,
    SendInvoice,
    SendPlanInvoice,
    SendScreen,
)
from integrations.telegram.bot import TEXT_DEFAULTS, JsonBodySession
from integrations.telegram.errors import RejectedByTelegram, TransientSendError, UserBlockedBot

log = logging.getLogger(__name__)

T = TypeVar("T")

# Waiting longer than this in-process would hold a worker slot too long: hand back for a later retry.
MAX_INLINE_FLOOD_WAIT = 30.0
MAX_FLOOD_RETRIES = 3


class NotModified(Exception):
    """Internal: the edit changed nothing (Telegram says 400, we say success)."""


def keyboard_json(screen: Screen) -> dict[str, object] | None:
    """The inline keyboard as the Bot API's JSON, for text screens (see JsonBodySession.post_json)."""
    if not screen.buttons:
        return None
    return {
        "inline_keyboard": [
            [
                {"text": b.text, "url": b.url} if b.url else {"text": b.text, "callback_data": b.data}
                for b in row
            ]
            for row in screen.buttons
        ]
    }


def keyboard(screen: Screen) -> InlineKeyboardMarkup | None:
    """The same keyboard as aiogram's model, for the calls that go through aiogram (media, streaming)."""
    markup = keyboard_json(screen)
    return InlineKeyboardMarkup.model_validate(markup) if markup is not None else None


def _flood_wait(state: RetryCallState) -> float:
    exc = state.outcome.exception() if state.outcome is not None else None
    return float(exc.retry_after) if isinstance(exc, TelegramRetryAfter) else 0.0


def _short_flood(exc: BaseException) -> bool:
    return isinstance(exc, TelegramRetryAfter) and exc.retry_after <= MAX_INLINE_FLOOD_WAIT


async def _with_flood_retries(make_request: Callable[[], Awaitable[T]], what: str) -> T:
    """The request, and after a short 429 the same request again once `retry_after` has passed (a few
    times). The first try is a plain await: building tenacity's retry state cost ~75 µs on every Bot
    API call (measured; 2 % of an update's CPU), and a 429 is rare."""
    try:
        return await make_request()
    except TelegramRetryAfter as exc:
        if not _short_flood(exc):
            raise
        first_wait = float(exc.retry_after)
    log.warning("%s: Telegram asks to wait %ss (429)", what, first_wait)
    await asyncio.sleep(first_wait)
    retrying = AsyncRetrying(
        retry=retry_if_exception(_short_flood),
        wait=_flood_wait,
        stop=stop_after_attempt(MAX_FLOOD_RETRIES),
        before_sleep=lambda state: log.warning(
            "%s: Telegram asks to wait %ss (429)", what, _flood_wait(state)
        ),
        reraise=True,
    )
    async for attempt in retrying:
        with attempt:
            result = await make_request()
    return result


async def call(make_request: Callable[[], Awaitable[T]], *, what: str) -> T:
    """Run one Bot API request with Telegram's error semantics mapped to ours. A 429 waits exactly
    `retry_after` and tries again (a few times); a longer wait goes back to the caller as transient."""
    try:
        result = await _with_flood_retries(make_request, what)
    except TelegramRetryAfter as exc:
        raise TransientSendError(
            f"{what}: flood wait {exc.retry_after}s", retry_after=exc.retry_after
        ) from exc
    except TelegramForbiddenError as exc:
        raise UserBlockedBot(f"{what}: {exc.message}") from exc
    except TelegramBadRequest as exc:
        if "message is not modified" in exc.message:
            raise NotModified from exc
        raise RejectedByTelegram(f"{what}: {exc.message}") from exc
    except TelegramUnauthorizedError as exc:
        # A revoked token is the operator's problem; retrying later keeps the update.
        raise TransientSendError(f"{what}: unauthorized (check TELEGRAM_BOT_TOKEN)") from exc
    except (TimeoutError, TelegramNetworkError, TelegramServerError, OSError) as exc:
        raise TransientSendError(f"{what}: {type(exc).__name__}") from exc
    return result


class TelegramRenderer:
    def __init__(self, bot: Bot) -> None:
        self.bot = bot
        # Text screens go through the session's direct JSON path (integrations/telegram/bot.py).
        self._session = cast(JsonBodySession, bot.session)

    async def perform(self, action: Action) -> int | None:
        """Carry out one action; returns the id of a newly sent control message, if any."""
        match action:
            case AnswerCallback():
                await self._answer(action)
                return None
            case EditScreen():
                return await self._edit(action)
            case SendScreen():
                message_id = await self._send(action.chat_id, action.screen)
                return message_id if action.control else None
            case SendFile() | SendDocument() | SendInvoice() | AnswerPreCheckout() | RefundStarPayment():
                await self._payments_and_files(action)
                return None
            case AnswerInlineQuery():
                await self._answer_inline(action)
                return None
            case SendPlanInvoice() | EditStarSubscription():
                await self._subscription(action)
                return None
        raise TypeError(f"unknown action {type(action).__name__}")

    async def _answer(self, action: AnswerCallback) -> None:
        try:
            await call(
                lambda: self.bot.answer_callback_query(
                    action.callback_query_id, text=action.text, show_alert=action.alert
                ),
                what="answerCallbackQuery",
            )
        except RejectedByTelegram as exc:
            # "query is too old": the user already saw the spinner stop; the screen still updates.
            log.info("callback answer skipped: %s", exc)

    async def _answer_inline(self, action: AnswerInlineQuery) -> None:
        """Inline mode: each article's button opens the bot at `/start <start>` (a t.me link, which
        needs the bot's username: asked once, aiogram keeps it)."""
        me = await call(self.bot.me, what="getMe")
        results = [
            InlineQueryResultArticle(
                id=article.id,
                title=article.title,
                description=article.description,
                input_message_content=InputTextMessageContent(message_text=article.text, parse_mode="HTML"),
                reply_markup=InlineKeyboardMarkup(
                    inline_keyboard=[
                        [
                            InlineKeyboardButton(
                                text=article.button, url=f"https://t.me/{me.username}?start={article.start}"
                            )
                        ]
                    ]
                ),
            )
            for article in action.articles
        ]
        try:
            await call(
                lambda: self.bot.answer_inline_query(
                    action.query_id, results, cache_time=action.cache_time, is_personal=action.personal
                ),
                what="answerInlineQuery",
            )
        except RejectedByTelegram as exc:
            # "query is too old": the user typed on; a newer query gets its own answer.
            log.info("inline answer skipped: %s", exc)

    async def _send(self, chat_id: int, screen: Screen) -> int:
        if len(screen.media) == 1 and screen.media[0].kind == "photo":
            # A photo with the screen's text as its caption (a broadcast post and its preview).
            photo = screen.media[0].source
            sent = await call(
                lambda: self.bot.send_photo(
                    chat_id, photo, caption=screen.text, reply_markup=keyboard(screen)
                ),
                what="sendPhoto",
            )
            return sent.message_id
        body = {"chat_id": chat_id, "text": screen.text, **TEXT_DEFAULTS}
        markup = keyboard_json(screen)
        if markup is not None:
            body["reply_markup"] = markup
        message = await call(
            lambda: self._session.post_json(self.bot, SendMessage, body),
            what="sendMessage",
        )
        return int(message["message_id"])

    async def _edit(self, action: EditScreen) -> int | None:
        screen = action.screen
        body = {
            "chat_id": action.chat_id,
            "message_id": action.message_id,
            "text": screen.text,
            **TEXT_DEFAULTS,
        }
        markup = keyboard_json(screen)
        if markup is not None:
            body["reply_markup"] = markup
        try:
            await call(
                lambda: self._session.post_json(self.bot, EditMessageText, body), what="editMessageText"
            )
            return None
        except NotModified:
            return None
        except RejectedByTelegram as exc:
            # Too old to edit, deleted, or a media message: send the screen anew instead.
            log.info("edit failed (%s); sending a new control message", exc)
            return await self._send(action.chat_id, screen)

    # --- files by file_id and Telegram Stars (flows/money) ---

    async def _subscription(self, action: SendPlanInvoice | EditStarSubscription) -> None:
        """A Stars subscription: its invoice link (sent as a button), or cancelling its renewals."""
        bot = self.bot
        if isinstance(action, EditStarSubscription):
            await call(
                lambda: bot.edit_user_star_subscription(
                    user_id=action.user_id,
                    telegram_payment_charge_id=action.charge_id,
                    is_canceled=action.is_canceled,
                ),
                what="editUserStarSubscription",
            )
            return
        link = await call(
            lambda: bot.create_invoice_link(
                title=action.title,
                description=action.description,
                payload=action.payload,
                currency="XTR",
                prices=[LabeledPrice(label=action.label, amount=action.stars)],
                provider_token="",
                subscription_period=action.period_seconds,
            ),
            what="createInvoiceLink",
        )
        screen = action.screen
        pay = (Button(action.button, url=link),)
        await self._send(action.chat_id, Screen(text=screen.text, buttons=(pay, *screen.buttons)))

    async def _payments_and_files(self, action: Action) -> None:
        bot = self.bot
        match action:
            case SendFile(chat_id=chat_id, kind=kind, file_id=file_id, caption=caption):
                senders = {
                    "photo": bot.send_photo,
                    "video": bot.send_video,
                    "audio": bot.send_audio,
                    "animation": bot.send_animation,
                    "voice": bot.send_voice,
                    "document": bot.send_document,
                }
                send = senders[kind]
                await call(lambda: send(chat_id, file_id, caption=caption), what=f"send{kind.capitalize()}")
            case SendDocument(chat_id=chat_id, filename=filename, content=content, caption=caption):
                document = BufferedInputFile(content.encode("utf-8"), filename=filename)
                await call(lambda: bot.send_document(chat_id, document, caption=caption), what="sendDocument")
            case SendInvoice():
                await call(
                    lambda: bot.send_invoice(
                        chat_id=action.chat_id,
                        title=action.title,
                        description=action.description,
                        payload=action.payload,
                        currency="XTR",
                        prices=[LabeledPrice(label=action.label, amount=action.stars)],
                        provider_token="",
                    ),
                    what="sendInvoice",
                )
            case AnswerPreCheckout():
                await call(
                    lambda: bot.answer_pre_checkout_query(
                        action.query_id, ok=action.ok, error_message=action.error_message
                    ),
                    what="answerPreCheckoutQuery",
                )
            case RefundStarPayment():
                await call(
                    lambda: bot.refund_star_payment(
                        user_id=action.user_id, telegram_payment_charge_id=action.charge_id
                    ),
                    what="refundStarPayment",
                )
