"""Handling one stored update: decide in one transaction, then send the replies.

Phase 1 (one transaction): register the user, lock the chat's session, run the flow, store the new
session, the effects and the replies to send. Phase 2: send the replies in order, recording progress,
then mark the update done. A crash in phase 2 resends at most the reply that was in flight: Telegram
has no idempotent send.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import time
import traceback
from collections.abc import Awaitable, Callable

import asyncpg
import msgspec

from flows.app import REGISTRY
from flows.catalog.text import NO_TEXT
from flows.context import FlowContext
from flows.incoming import AccountView
from flows.menus.screens import error_screen
from flows.screens import Action, AnswerCallback, RefundStarPayment, RunChatTurn, SendScreen
from flows.session import session_from_state, session_to_state
from integrations.telegram.errors import RejectedByTelegram, TransientSendError, UserBlockedBot
from integrations.telegram.renderer import TelegramRenderer
from persistence import inbox, sessions, update_context, users
from persistence.inbox import LeasedUpdate
from runtime import effects
from runtime.ids import fresh_entropy, new_request_id
from runtime.incoming import actor_of, to_incoming
from runtime.logs import redact
from runtime.money import refund_rejected
from runtime.outage import INFRASTRUCTURE_ERRORS as INFRASTRUCTURE_ERRORS  # errors that are not the update's
from runtime.preload import Preloader
from runtime.updates import convert_update

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 3

Heartbeat = Callable[[], Awaitable[None]]
AnswerRunner = Callable[[RunChatTurn, Heartbeat], Awaitable[None]]

_actions_type = list[Action]


def _chat_of(action: Action, own_chat: int) -> int:
    """The chat a reply goes to (answers to callbacks and pre-checkouts belong to the update's chat)."""
    if isinstance(action, RefundStarPayment):
        return action.user_id
    chat = getattr(action, "chat_id", None)
    return chat if isinstance(chat, int) else own_chat


def _chat_missing(exc: Exception) -> bool:
    """Telegram's 400 for a chat the bot may not write to (it never pressed /start, or is gone)."""
    text = str(exc).lower()
    return "chat not found" in text or "user not found" in text or "peer_id_invalid" in text


class UnreachableChats:
    """Chats other than the update's own (admins) that refuse our messages: logged at most once per
    interval each, so an admin who blocked the bot does not fill the log with one line per alert.
    Process memory is enough here: it only spaces out log lines."""

    def __init__(self, every_seconds: float = 3600.0, keep: int = 1000) -> None:
        self.every_seconds = every_seconds
        self.keep = keep
        self._logged: dict[int, float] = {}

    def note(self, chat_id: int, reason: str) -> None:
        now = time.monotonic()
        last = self._logged.get(chat_id)
        if last is not None and now - last < self.every_seconds:
            return
        if len(self._logged) >= self.keep:
            self._logged.clear()
        self._logged[chat_id] = now
        log.warning("chat %s is unreachable (%s); its messages are skipped", chat_id, reason)


def retry_delay(attempts: int) -> float:
    return min(30.0, 1.0 * 2 ** max(0, attempts - 1))


class UpdateProcessor:
    def __init__(
        self, pool: asyncpg.Pool, renderer: TelegramRenderer, ctx: FlowContext, admin_ids: tuple[int, ...]
    ) -> None:
        self.pool = pool
        self.renderer = renderer
        self.ctx = ctx
        self.admin_ids = admin_ids
        self.free_quota = ctx.policy.free_daily_quota if ctx.policy is not None else 0
        self.text_quota = ctx.policy.text_free_daily_quota if ctx.policy is not None else 0
        # While the monthly plan is paid (read with every update), the free tier allows more a day.
        self.plan_quota = ctx.policy.plan_free_daily_quota if ctx.policy is not None else 0
        # The app sets preload.kie_balance once the Kie client exists (admin figures show "—" until then).
        text = ctx.catalog.text if ctx.catalog is not None else NO_TEXT
        self.preload = Preloader(text=text, text_quota=self.text_quota, policy=ctx.policy)
        self.unreachable = UnreachableChats()
        # 💬 Тексты: runs a chat answer (the app sets it: runtime.chat.runner.run_turn with its services);
        # the inbox worker's lease, which a long answer keeps extending.
        self.answer: AnswerRunner | None = None
        self.lease_seconds = 60.0
        # The updates whose answer is being streamed now: they wait on Kie, not on the database, so the
        # inbox worker does not count them against its concurrency (it is told when one starts).
        self.answering: set[asyncio.Task] = set()
        self.on_answering: Callable[[], None] = lambda: None

    async def process(self, row: LeasedUpdate) -> None:
        if row.status == "pending":
            try:
                actions = await self._decide(row)
            except Exception as exc:  # the error boundary: every failure ends in a retry or a parked row
                await self._failed(row, exc)
                return
            start = 0
        else:
            actions = msgspec.convert(row.actions or [], _actions_type)
            start = row.actions_sent
        await self._send(row, actions, start)

    async def _decide(self, row: LeasedUpdate) -> list[Action]:
        update = convert_update(row.payload)
        actor = actor_of(update)
        async with self.pool.acquire() as conn, conn.transaction():
            if actor is None or actor.is_bot:
                await inbox.mark_replying(conn, row.update_id, [])
                return []
            # One round trip: register the user, lock the chat's session row, read the money.
            context = await update_context.load(
                conn,
                actor.id,
                actor.username,
                actor.first_name,
                users.language_from_telegram(actor.language_code),
                row.chat_key,
            )
            event = to_incoming(
                update, context.user, self.admin_ids, now=dt.datetime.now(dt.UTC), entropy=fresh_entropy()
            )
            if event is None:
                await inbox.mark_replying(conn, row.update_id, [])
                return []
            session = session_from_state(context.session_state)
            # Pure: which route, what it needs loaded; then load exactly that; then pure again: decide.
            matched = REGISTRY.match(event, session)
            free_quota = (
                self.free_quota if context.plan_until is None else max(self.free_quota, self.plan_quota)
            )
            account = AccountView(
                available_kopecks=context.available_kopecks,
                held_kopecks=context.held_kopecks,
                free_left=max(0, free_quota - context.free_used),
                free_quota=free_quota,
                plan_until=context.plan_until,
            )
            loaded = await self.preload.load(
                conn,
                event,
                matched.needs,
                account=account,
                blocked=context.blocked,
                recent=context.user.recent_models,
                chat_key=row.chat_key,
                update_id=row.update_id,
            )
            outcome = REGISTRY.decide(matched, event, session, loaded, self.ctx)
            for effect in outcome.effects:
                await effects.apply(conn, effect, context.user.id, free_quota, self.text_quota)
            actions = list(outcome.actions)
            if event.callback_id and not any(isinstance(a, AnswerCallback) for a in actions):
                # Every button press is answered, or the user's client keeps spinning.
                actions.insert(0, AnswerCallback(event.callback_id))
            await update_context.save(
                conn,
                row.chat_key,
                context.session_version + 1,
                session_to_state(outcome.session),
                row.update_id,
                msgspec.to_builtins(actions),
            )
            return actions

    async def _send(self, row: LeasedUpdate, actions: list[Action], start: int) -> None:
        control_message_id: int | None = None
        chat_id = row.chat_key
        # Chats that refused a reply of this update: their later replies are skipped, others still go.
        gone: set[int] = set()
        for index in range(start, len(actions)):
            action = actions[index]
            target = _chat_of(action, chat_id)
            if target in gone:
                continue
            try:
                if isinstance(action, RunChatTurn):
                    await self._answer(row, action)
                    new_id = None
                else:
                    new_id = await self.renderer.perform(action)
            except (UserBlockedBot, RejectedByTelegram) as exc:
                if isinstance(action, RefundStarPayment):
                    log.error("update %s: Telegram refused a Stars refund: %s", row.update_id, exc)
                    await refund_rejected(self.pool, action.user_id, action.charge_id, str(exc))
                elif isinstance(exc, UserBlockedBot):
                    # A 403 is about the chat the call was for, not about the update's own user.
                    gone.add(target)
                    await users.mark_inactive(self.pool, target)
                    if target == chat_id:
                        log.info("update %s: user blocked the bot; replies to it dropped", row.update_id)
                    else:
                        self.unreachable.note(target, str(exc))
                elif target != chat_id and _chat_missing(exc):
                    gone.add(target)
                    self.unreachable.note(target, str(exc))
                else:
                    log.error("update %s: Telegram rejected a reply: %s", row.update_id, exc)
                continue
            except TransientSendError as exc:
                log.warning("update %s: sending failed, will retry: %s", row.update_id, exc)
                await inbox.retry_later(self.pool, row.update_id, str(exc), retry_delay(row.attempts))
                return
            if new_id is not None:
                control_message_id = new_id
            if isinstance(action, SendScreen) and index + 1 < len(actions):
                # Not the last reply: record progress now, so a crash never repeats this one.
                if new_id is not None:
                    await sessions.set_control_message(self.pool, chat_id, new_id)
                await inbox.mark_sent(self.pool, row.update_id, index + 1)
        # The common case in one statement: done, and the newest control message remembered.
        await update_context.finish(self.pool, row.update_id, chat_id, control_message_id)

    async def _answer(self, row: LeasedUpdate, action: RunChatTurn) -> None:
        """A chat answer, streamed while this update stays 'replying' (the chat's next message waits).
        The run is idempotent: a crash mid-answer brings the update back after its lease, and the runner
        tries once more at most (then gives the money back and tells the user); TransientSendError
        means: deliver it again later."""
        if self.answer is None:
            log.error("update %s: a chat answer with no chat services; skipped", row.update_id)
            return
        task = asyncio.current_task()
        assert task is not None
        self.answering.add(task)
        self.on_answering()
        try:
            await self.answer(action, self._lease_keeper(row.update_id))
        finally:
            self.answering.discard(task)

    def _lease_keeper(self, update_id: int) -> Heartbeat:
        """Keeps the update's lease while an answer is written, renewing it a third of the way through."""
        renewed = time.monotonic()

        async def beat() -> None:
            nonlocal renewed
            if time.monotonic() - renewed >= self.lease_seconds / 3:
                renewed = time.monotonic()
                await inbox.extend_lease(self.pool, update_id, self.lease_seconds)

        return beat

    async def _failed(self, row: LeasedUpdate, exc: Exception) -> None:
        error = redact("".join(traceback.format_exception_only(type(exc), exc)).strip())
        if isinstance(exc, INFRASTRUCTURE_ERRORS):
            # Not the update's fault: keep it, however many times it takes.
            log.warning("update %s: database unavailable, will retry: %s", row.update_id, error)
            try:
                await inbox.retry_later(self.pool, row.update_id, error, retry_delay(row.attempts))
            except INFRASTRUCTURE_ERRORS:
                pass  # the lease expires and another round picks the update up again
            return
        if row.attempts < MAX_ATTEMPTS:
            log.warning(
                "update %s failed (attempt %d of %d), will retry",
                row.update_id,
                row.attempts,
                MAX_ATTEMPTS,
                exc_info=exc,
            )
            await inbox.retry_later(self.pool, row.update_id, error, retry_delay(row.attempts))
            return
        request_id = new_request_id()
        log.error(
            "update %s parked after %d attempts [%s]", row.update_id, row.attempts, request_id, exc_info=exc
        )
        await inbox.park(self.pool, row.update_id, error, request_id)
        await self._tell_user_about_failure(row, request_id)

    async def _tell_user_about_failure(self, row: LeasedUpdate, request_id: str) -> None:
        try:
            user = await users.get(self.pool, row.chat_key)
            lang = user.language if user else "ru"
            callback_id = (row.payload.get("callback_query") or {}).get("id")
            if callback_id:
                await self.renderer.perform(AnswerCallback(callback_id))
            await self.renderer.perform(
                SendScreen(row.chat_key, error_screen(lang, request_id), control=True)
            )
        except Exception:
            log.exception("update %s: could not tell the user about failure [%s]", row.update_id, request_id)
