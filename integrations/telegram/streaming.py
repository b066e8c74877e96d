"""A streamed answer on Telegram: drafts while the model writes, then the final messages.

`sendMessageDraft` shows the growing answer as an animated preview (private chats; the draft lasts
about 30 s and vanishes when the bot sends a message). Where Telegram refuses drafts (an older Bot API
server, a chat type without them) the answer is shown in one placeholder message edited instead. Either
way at most one update a second per chat goes out, a 429 pauses exactly `retry_after`, and the model's
stream is never slowed down: `show()` only records the latest text; a separate task pushes it.

The final answer is sent as real messages (split at 4096 characters); a part Telegram cannot parse as
HTML goes again as plain text, so an answer is never lost to formatting.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable

from aiogram import Bot
from aiogram.exceptions import TelegramBadRequest, TelegramNotFound, TelegramRetryAfter
from aiogram.types import InlineKeyboardMarkup

from flows.screens import Button, Screen
from integrations.telegram import markdown
from integrations.telegram.errors import RejectedByTelegram, TelegramSendError
from integrations.telegram.renderer import NotModified, call, keyboard

log = logging.getLogger(__name__)

MIN_INTERVAL = 1.0  # seconds between two updates of one chat (drafts, edits, final messages)
Rows = tuple[tuple[Button, ...], ...]


def _unparsable(exc: BaseException) -> bool:
    return "can't parse entities" in str(exc).lower() or "unsupported start tag" in str(exc).lower()


class AnswerStream:
    """One answer's output. Use: `start()`, `show(markdown)` as text arrives, then `finish(...)`
    (or `abandon()` when the answer failed: the draft or placeholder is cleared)."""

    def __init__(
        self,
        bot: Bot,
        chat_id: int,
        *,
        draft_id: int,
        placeholder: str,
        stop_buttons: Rows = (),
        min_interval: float = MIN_INTERVAL,
        clock: Callable[[], float] = time.monotonic,
        use_drafts: bool = True,
    ) -> None:
        self.bot = bot
        self.chat_id = chat_id
        self.draft_id = draft_id
        self.placeholder = placeholder
        self.stop_buttons = stop_buttons
        self.min_interval = min_interval
        self.clock = clock
        self.mode = "draft" if use_drafts else "edit"
        self.message_id: int | None = None  # the placeholder (edit mode)
        self.updates_sent = 0
        self.first_update_at: float | None = None
        self._latest = ""
        self._shown = ""
        self._next_at = 0.0
        self._changed = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    # --- while generating ---------------------------------------------------------------------------

    async def start(self) -> None:
        """Show that the model is writing (an empty draft is Telegram's "Thinking…"), then keep the
        preview current in the background."""
        await self._push(self.placeholder, first=True)
        self._task = asyncio.create_task(self._pusher(), name=f"answer-stream-{self.chat_id}")

    @property
    def has_text(self) -> bool:
        """Whether any of the answer arrived (then resending the request could pay for it twice)."""
        return bool(self._latest)

    def show(self, markdown_so_far: str) -> None:
        """Record the answer so far; the pusher sends it when the interval allows (never blocks)."""
        self._latest = markdown_so_far
        self._changed.set()

    async def _pusher(self) -> None:
        while True:
            await self._changed.wait()
            self._changed.clear()
            wait = self._next_at - self.clock()
            if wait > 0:
                await asyncio.sleep(wait)
            if self._latest != self._shown:
                await self._push(self._latest)

    def _preview(self, text: str) -> str:
        """The part being written (a long answer's earlier parts are already final in the draft's
        place once sent), rendered to HTML."""
        parts = markdown.render(text)
        return markdown.to_html(parts[-1]) if parts else self.placeholder

    async def _push(self, text: str, *, first: bool = False) -> None:
        html_text = self.placeholder if first else self._preview(text)
        # The slot is taken when the request leaves: a push cancelled mid-flight (the answer ended)
        # may still reach Telegram, and the final message must keep its distance from it.
        self._next_at = self.clock() + self.min_interval
        try:
            await self._send_preview(html_text)
            self._spaced_from_now()
        except TelegramRetryAfter as exc:
            log.info(
                "chat %s: Telegram asks to wait %ss before the next preview", self.chat_id, exc.retry_after
            )
            self._next_at = self.clock() + exc.retry_after
            self._changed.set()  # the latest text goes out after the pause
            return
        except (TelegramBadRequest, TelegramNotFound) as exc:
            if self.mode == "draft" and first and not _unparsable(exc):
                log.info(
                    "chat %s: drafts refused (%s); editing one message instead", self.chat_id, exc.message
                )
                self.mode = "edit"
                await self._push(text, first=True)
                return
            if _unparsable(exc):
                parts = markdown.render(text)
                await self._send_preview(markdown.to_plain(parts[-1]) if parts else "…", plain=True)
            else:
                log.info("chat %s: preview refused: %s", self.chat_id, exc.message)
        except TelegramSendError as exc:
            log.info("chat %s: preview not shown: %s", self.chat_id, exc)
        except Exception as exc:  # a preview is best effort: the final answer is what matters
            log.warning("chat %s: preview failed: %s", self.chat_id, type(exc).__name__)
        self._shown = text

    async def _send_preview(self, text: str, *, plain: bool = False) -> None:
        mode = None if plain else "HTML"
        if self.first_update_at is None:
            self.first_update_at = self.clock()
        self.updates_sent += 1
        if self.mode == "draft":
            await self.bot.send_message_draft(
                chat_id=self.chat_id, draft_id=self.draft_id, text=text, parse_mode=mode, can_stop=True
            )
        elif self.message_id is None:
            message = await self.bot.send_message(
                self.chat_id,
                text,
                parse_mode=mode,
                reply_markup=keyboard(Screen(text="", buttons=self.stop_buttons)),
            )
            self.message_id = message.message_id
        else:
            try:
                await self.bot.edit_message_text(
                    text=text,
                    chat_id=self.chat_id,
                    message_id=self.message_id,
                    parse_mode=mode,
                    reply_markup=keyboard(Screen(text="", buttons=self.stop_buttons)),
                )
            except TelegramBadRequest as exc:
                if "message is not modified" not in exc.message:
                    raise

    async def _stop_pusher(self) -> None:
        if self._task is not None:
            self._task.cancel()
            try:
                await self._task
            except asyncio.CancelledError:
                pass
            self._task = None

    # --- the end ------------------------------------------------------------------------------------

    async def finish(self, answer_markdown: str, footer_html: str, buttons: Rows) -> list[int]:
        """Send the answer as messages (the footer and buttons under the last part); returns their ids."""
        await self._stop_pusher()
        footer = [markdown.Atom("\n\n"), markdown.raw_html(footer_html)] if footer_html else []
        parts = markdown.render(answer_markdown) or [[]]
        if footer and markdown.length(parts[-1]) + markdown.length(footer) > markdown.MAX_MESSAGE:
            parts.append([])
        parts[-1] = [*parts[-1], *footer] if parts[-1] else footer[1:]
        ids: list[int] = []
        for index, part in enumerate(parts):
            last = index == len(parts) - 1
            ids.append(await self._final(part, buttons if last else (), reuse=index == 0))
        return ids

    async def _final(self, part: list[markdown.Atom], buttons: Rows, *, reuse: bool) -> int:
        wait = self._next_at - self.clock()
        if wait > 0:
            await asyncio.sleep(wait)
        markup = keyboard(Screen(text="", buttons=buttons))
        html_text = markdown.to_html(part)
        self._next_at = self.clock() + self.min_interval
        try:
            message_id = await self._deliver(html_text, markup, reuse=reuse, plain=False)
        except RejectedByTelegram as exc:
            if not _unparsable(exc):
                raise
            log.warning(
                "chat %s: answer part not parsed as HTML (%s); sending it as plain text", self.chat_id, exc
            )
            message_id = await self._deliver(markdown.to_plain(part), markup, reuse=reuse, plain=True)
        self._spaced_from_now()
        return message_id

    def _spaced_from_now(self) -> None:
        """The next update waits a full interval after Telegram answered this one too: counted from the
        send alone, a slow request followed by a fast one would reach Telegram less than a second apart."""
        self._next_at = max(self._next_at, self.clock() + self.min_interval)

    async def _deliver(
        self, text: str, markup: InlineKeyboardMarkup | None, *, reuse: bool, plain: bool
    ) -> int:
        mode = None if plain else "HTML"
        if reuse and self.mode == "edit" and self.message_id is not None:
            message_id = self.message_id
            try:
                await call(
                    lambda: self.bot.edit_message_text(
                        text=text,
                        chat_id=self.chat_id,
                        message_id=message_id,
                        parse_mode=mode,
                        reply_markup=markup,
                    ),
                    what="editMessageText",
                )
                return message_id
            except NotModified:
                return message_id
            except RejectedByTelegram as exc:
                if _unparsable(exc):
                    raise
                log.info("chat %s: final edit refused (%s); sending anew", self.chat_id, exc)
        message = await call(
            lambda: self.bot.send_message(self.chat_id, text, parse_mode=mode, reply_markup=markup),
            what="sendMessage",
        )
        return message.message_id

    async def abandon(self, notice_html: str, buttons: Rows = ()) -> int:
        """The answer failed or produced nothing: replace the preview with `notice_html`."""
        await self._stop_pusher()
        return await self._final([markdown.raw_html(notice_html)], buttons, reuse=True)
