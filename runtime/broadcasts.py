"""📣 Рассылка's sender: a background loop that works through the broadcasts the admins confirmed.

Each recipient is claimed (committed as `sending`) before its message goes out and marked `sent`,
`blocked` or `failed` after, so a restart resumes where the last worker stopped and never sends to
anyone twice; a crash between a send and its mark loses that one message instead (at most once — see
persistence/broadcasts.py). Messages are paced by a token bucket below Telegram's limit of about 30
messages a second; a 429 waits exactly `retry_after` before the same message is tried again (Telegram
refused it, so nothing was sent). A 403 marks the user inactive. The admin's progress message is
edited every few seconds and a final message gives the counts.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass

import asyncpg

from flows.broadcast.post import post_screen
from flows.screens import EditScreen, Screen, SendScreen
from flows.states import BroadcastFlow
from flows.texts import t
from integrations.telegram.errors import (
    RejectedByTelegram,
    TelegramSendError,
    TransientSendError,
    UserBlockedBot,
)
from integrations.telegram.renderer import TelegramRenderer
from persistence import broadcasts, users
from persistence.broadcasts import Counts, Post

log = logging.getLogger(__name__)

LANG = "ru"  # the operator's language
ADMIN_ATTEMPTS = 5


@dataclass(frozen=True)
class BroadcastOptions:
    rate: float = 25.0  # messages a second, this worker's ceiling (Telegram allows ~30 overall)
    poll_every: float = 2.0  # seconds between looks for a confirmed broadcast
    progress_every: float = 3.0  # seconds between edits of the admin's progress message
    # A claim older than this belongs to a worker that died mid-send: counted failed, not resent.
    claim_lease: float = 120.0
    stop_grace: float = 10.0


class Pacer:
    """A token bucket holding one token: at most `rate` sends a second, evenly spaced, and a flood
    wait from Telegram pushes the next send back for everyone using this pacer."""

    def __init__(self, rate: float) -> None:
        self.interval = 1.0 / rate
        self._next = 0.0

    async def take(self) -> None:
        loop = asyncio.get_running_loop()
        now = loop.time()
        wait = self._next - now
        self._next = max(now, self._next) + self.interval
        if wait > 0:
            await asyncio.sleep(wait)

    def pause(self, seconds: float) -> None:
        self._next = max(self._next, asyncio.get_running_loop().time() + seconds)


class BroadcastWorker:
    def __init__(
        self, pool: asyncpg.Pool, renderer: TelegramRenderer, options: BroadcastOptions | None = None
    ) -> None:
        self.pool = pool
        self.renderer = renderer
        self.options = options or BroadcastOptions()
        self.pacer = Pacer(self.options.rate)
        self._stopping = asyncio.Event()
        self._task: asyncio.Task | None = None

    def start(self) -> asyncio.Task:
        self._task = asyncio.create_task(self.run(), name="broadcasts")
        return self._task

    async def stop(self) -> None:
        """Finish the message in flight (so its row is marked), then stop; cancel after the grace."""
        self._stopping.set()
        if self._task is None:
            return
        try:
            await asyncio.wait_for(asyncio.shield(self._task), self.options.stop_grace)
        except TimeoutError:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def run(self) -> None:
        while not self._stopping.is_set():
            worked = False
            try:
                worked = await self.run_once()
            except Exception:  # the database or Telegram away: the rows wait, the loop tries again
                log.warning("broadcast round failed; will try again", exc_info=True)
            if not worked:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._stopping.wait(), self.options.poll_every)

    async def run_once(self) -> bool:
        """Work on the oldest unfinished broadcast; True when something was sent or finished."""
        post = await broadcasts.next_sending(self.pool)
        if post is None:
            return False
        await broadcasts.expire_claims(self.pool, post.id, self.options.claim_lease)
        progress_id = post.progress_message_id
        if progress_id is None:
            progress_id = await self._send_progress(post)
        screen = post_screen(
            BroadcastFlow(
                text=post.text,
                photo=post.photo_file_id,
                button_text=post.button_text,
                button_url=post.button_url,
            )
        )
        loop = asyncio.get_running_loop()
        last_progress = loop.time()
        sent_any = False
        while not self._stopping.is_set():
            user_id = await broadcasts.claim(self.pool, post.id)
            if user_id is None:
                break
            outcome = await self._deliver(user_id, screen)
            await broadcasts.mark(self.pool, post.id, user_id, outcome)
            if outcome == "blocked":
                await users.mark_inactive(self.pool, user_id)
            sent_any = True
            if progress_id is not None and loop.time() - last_progress >= self.options.progress_every:
                last_progress = loop.time()
                await self._edit(post, progress_id, await broadcasts.counts(self.pool, post.id))
        if self._stopping.is_set():
            return sent_any
        if await broadcasts.finish(self.pool, post.id):
            counts = await broadcasts.counts(self.pool, post.id)
            if progress_id is not None:
                await self._edit(post, progress_id, counts)
            await self._notify(post.admin_id, t(LANG, "bc.done", id=post.id, **_figures(counts)))
            log.info("broadcast %s done: %s", post.id, counts)
            return True
        # Rows still claimed (another worker, or one that died: they expire after the lease).
        return sent_any

    async def _deliver(self, user_id: int, screen: Screen) -> broadcasts.Outcome:
        while True:
            await self.pacer.take()
            try:
                await self.renderer.perform(SendScreen(user_id, screen, control=False))
                return "sent"
            except UserBlockedBot:
                return "blocked"
            except TransientSendError as exc:
                # A long flood wait: Telegram refused the message, so sending it after the wait is safe.
                if exc.retry_after is not None and not self._stopping.is_set():
                    log.warning("broadcast: Telegram asks to wait %ss", exc.retry_after)
                    self.pacer.pause(exc.retry_after)
                    continue
                # Anything else may or may not have arrived: counted failed, never sent twice.
                log.info("broadcast to %s failed: %s", user_id, exc)
                return "failed"
            except RejectedByTelegram as exc:
                log.info("broadcast to %s refused: %s", user_id, exc)
                return "failed"

    async def _to_admin(self, action: SendScreen | EditScreen) -> int | None:
        """A message to the admin, paced with the rest and waiting out long flood waits too."""
        for _ in range(ADMIN_ATTEMPTS):
            await self.pacer.take()
            try:
                return await self.renderer.perform(action)
            except TransientSendError as exc:
                if exc.retry_after is None or self._stopping.is_set():
                    raise
                self.pacer.pause(exc.retry_after)
        raise TransientSendError("broadcast: Telegram kept asking to wait")

    async def _send_progress(self, post: Post) -> int | None:
        counts = await broadcasts.counts(self.pool, post.id)
        screen = Screen(text=_progress_text(post, counts))
        try:
            message_id = await self._to_admin(SendScreen(post.admin_id, screen, control=True))
        except TelegramSendError as exc:  # the admin's view only: the sending goes on
            log.info("broadcast %s: progress message not sent: %s", post.id, exc)
            return None
        if message_id is not None:
            await broadcasts.set_progress_message(self.pool, post.id, message_id)
        return message_id

    async def _edit(self, post: Post, message_id: int, counts: Counts) -> None:
        screen = Screen(text=_progress_text(post, counts))
        with contextlib.suppress(TelegramSendError):
            await self._to_admin(EditScreen(post.admin_id, message_id, screen))

    async def _notify(self, chat_id: int, text: str) -> None:
        try:
            await self._to_admin(SendScreen(chat_id, Screen(text=text), control=False))
        except TelegramSendError as exc:
            log.warning("broadcast: final message to the admin not sent: %s", exc)


def _figures(counts: Counts) -> dict[str, int]:
    return {"sent": counts.sent, "blocked": counts.blocked, "failed": counts.failed}


def _progress_text(post: Post, counts: Counts) -> str:
    done = counts.total - counts.left
    return t(LANG, "bc.progress", id=post.id, done=done, total=counts.total, **_figures(counts))
