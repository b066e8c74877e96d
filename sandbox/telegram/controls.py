"""What a test does to and reads from ``FakeTelegram``: files, updates, faults, flood control, blocked
chats, seeded messages, and the assertions (calls, sent texts, buttons, ``wait_for``, ``deliver_webhook``).
"""

from __future__ import annotations

import asyncio
import itertools
import time
from collections import deque
from collections.abc import Callable
from typing import Any

import msgspec
from aiohttp import ClientSession, ClientTimeout

from sandbox.telegram.updates import make_callback_update
from sandbox.telegram.wire import _DEFAULT_DESCRIPTIONS, Call, _ApiError, _Failure, _StoredFile, _Waiter


class _Controls:
    """Test-side controls and assertions of ``FakeTelegram``."""

    # ---- test-side controls ----------------------------------------------------------------------------

    def add_file(
        self,
        file_id: str,
        data: bytes = b"",
        file_path: str | None = None,
        *,
        file_unique_id: str | None = None,
        file_size: int | None = None,
    ) -> str:
        """Make ``file_id`` known to ``getFile`` and downloadable; returns its ``file_path``.

        ``file_size`` overrides ``len(data)`` so "file is too big" can be tested without 20 MB of bytes.
        """
        seq = next(self._seq)
        stored = _StoredFile(
            file_id=file_id,
            file_unique_id=file_unique_id or f"AQAD{seq:08d}",
            file_path=file_path or f"documents/file_{seq}.bin",
            data=data,
            file_size=len(data) if file_size is None else file_size,
        )
        self.files[file_id] = stored
        self._files_by_path[stored.file_path] = stored
        return stored.file_path

    def queue_update(self, update: dict[str, Any]) -> dict[str, Any]:
        """Queue an update for ``getUpdates`` (``update_id`` is assigned when missing) and wake pollers."""
        if "update_id" not in update:
            update = {"update_id": self.next_update_id(), **update}
        self._updates.append(update)
        self._wake_pollers()
        return update

    def next_update_id(self) -> int:
        last = self._updates[-1]["update_id"] if self._updates else 0
        return max(next(self._update_seq), last + 1)

    @property
    def pending_updates(self) -> list[dict[str, Any]]:
        return list(self._updates)

    def fail_next(
        self,
        method: str,
        *,
        error_code: int,
        description: str | None = None,
        retry_after: int | None = None,
        times: int = 1,
        chat_id: int | str | None = None,
    ) -> None:
        """The next ``times`` calls of ``method`` (``"*"``: any method; optionally only for ``chat_id``) fail.

        E.g. ``fail_next("sendMessage", error_code=429, retry_after=3)`` answers like a flood limit,
        with ``parameters.retry_after``.
        """
        if description is None:
            if error_code == 429:
                description = f"Too Many Requests: retry after {retry_after or 1}"
                retry_after = retry_after or 1
            else:
                description = _DEFAULT_DESCRIPTIONS.get(error_code, "Bad Request")
        self._failures.setdefault(method.lower(), deque()).append(
            _Failure(error_code, description, retry_after, times, chat_id)
        )

    def throttle(
        self,
        per_second: int,
        retry_after: int = 1,
        methods: tuple[str, ...] = ("sendMessage", "sendPhoto"),
    ) -> None:
        """Flood control like Telegram's: after ``per_second`` messages within one second, sends answer
        429 with ``parameters.retry_after``; a send before that wait is over is refused again and
        counted in ``early_sends``. ``per_second=0`` turns it off."""
        self._flood = (per_second, retry_after, frozenset(methods)) if per_second > 0 else None
        self._flood_window.clear()
        self._flood_until = 0.0

    def _check_flood(self, method: str) -> None:
        if self._flood is None:
            return
        per_second, retry_after, methods = self._flood
        if method not in methods:
            return
        now = time.monotonic()
        refusal = _ApiError(
            429, f"Too Many Requests: retry after {retry_after}", {"retry_after": retry_after}
        )
        if now < self._flood_until:
            self.early_sends += 1
            raise refusal
        window = self._flood_window
        while window and window[0] <= now - 1.0:
            window.popleft()
        if len(window) >= per_second:
            self._flood_until = now + retry_after
            raise refusal
        window.append(now)

    def block_chat(self, chat_id: int | str) -> None:
        """The user blocked the bot: every call addressed to this chat answers 403."""
        self.blocked_chats.add(chat_id)

    def unblock_chat(self, chat_id: int | str) -> None:
        self.blocked_chats.discard(chat_id)

    def seed_message(
        self,
        chat_id: int,
        message_id: int,
        text: str = "…",
        *,
        reply_markup: dict | None = None,
    ) -> dict[str, Any]:
        """Pretend the bot sent ``message_id`` earlier (e.g. before a restart) so edits of it succeed."""
        message = self._new_message(chat_id, message_id=message_id)
        message["text"] = text
        if reply_markup is not None:
            message["reply_markup"] = reply_markup
        self._store(chat_id, message)
        return message

    # ---- assertions --------------------------------------------------------------------------------------

    def calls(self, method: str | None = None, chat_id: int | str | None = None) -> list[Call]:
        """Recorded calls in arrival order, optionally of one method and/or one chat."""
        if method is None:
            found = self.call_log
        else:
            canonical = self._handlers.get(method.lower(), (method, None))[0]
            found = self._calls_by_method.get(canonical, [])
        if chat_id is not None:
            found = [call for call in found if call.chat_id == chat_id]
        return list(found)

    def sent_texts(self, chat_id: int | str) -> list[str]:
        """What the user saw, in order: texts and captions of successful sends and edits, as rendered
        (HTML tags removed, entities unescaped)."""
        texts = []
        for call in self.calls(chat_id=chat_id):
            if not call.ok or not call.method.startswith(("send", "edit")):
                continue
            results = call.result if isinstance(call.result, list) else [call.result]
            for result in results:
                if isinstance(result, dict):
                    text = result.get("text", result.get("caption"))
                    if text is not None:
                        texts.append(text)
        return texts

    def last_message(self, chat_id: int | str) -> dict[str, Any] | None:
        """The newest message the bot has in this chat, as it is now (after edits), or None."""
        chat = self.messages.get(chat_id)
        if not chat:
            return None
        return chat[next(reversed(chat))]

    def buttons(self, message: dict[str, Any] | None) -> list[dict[str, Any]]:
        """Inline buttons of a stored message, flattened row by row."""
        if not message or "reply_markup" not in message:
            return []
        return [button for row in message["reply_markup"].get("inline_keyboard", []) for button in row]

    def press(
        self,
        chat_id: int,
        label: str,
        *,
        update_id: int | None = None,
        message_id: int | None = None,
        user_id: int | None = None,
    ) -> dict[str, Any]:
        """A callback_query update for the button whose text starts with ``label`` under the message
        ``message_id`` (default: the last one). Raises LookupError when no such button exists."""
        message = self.messages.get(chat_id, {}).get(message_id) if message_id else self.last_message(chat_id)
        for button in self.buttons(message):
            if button["text"].startswith(label) and "callback_data" in button:
                assert message is not None
                return make_callback_update(
                    update_id if update_id is not None else self.next_update_id(),
                    chat_id,
                    button["callback_data"],
                    message["message_id"],
                    user_id=user_id,
                    message=message,
                    bot_id=self.bot_id,
                )
        labels = [button["text"] for button in self.buttons(message)]
        raise LookupError(f"no callback button starting with {label!r}; buttons: {labels}")

    def mark(self) -> int:
        """A position in the call log, to pass as ``wait_for(..., since=...)``."""
        return len(self.call_log)

    async def wait_for(
        self,
        match: str | Callable[[Call], bool] | None = None,
        *,
        chat_id: int | str | None = None,
        timeout: float = 5.0,
        since: int = 0,
        count: int = 1,
    ) -> Call:
        """Wait for the ``count``-th call (from position ``since``) matching a method name or a predicate.

        Calls already recorded count, so there is no race between triggering and waiting.
        """
        matches = self._matcher(match, chat_id)
        remaining = count
        for call in itertools.islice(self.call_log, since, None):
            if matches(call):
                remaining -= 1
                if remaining == 0:
                    return call
        future: asyncio.Future[Call] = asyncio.get_running_loop().create_future()
        waiter = _Waiter(matches, remaining, future)
        self._waiters.append(waiter)
        try:
            return await asyncio.wait_for(future, timeout)
        except TimeoutError:
            seen = [f"{c.method}({c.chat_id})" for c in self.call_log[since:]][-20:]
            raise TimeoutError(
                f"no call matching {match!r} (chat {chat_id}) within {timeout}s; recent calls: {seen}"
            ) from None
        finally:
            if waiter in self._waiters:
                self._waiters.remove(waiter)

    def _matcher(
        self, match: str | Callable[[Call], bool] | None, chat_id: int | str | None
    ) -> Callable[[Call], bool]:
        if isinstance(match, str):
            wanted = self._handlers.get(match.lower(), (match, None))[0]

            def by_method(call: Call) -> bool:
                return call.method == wanted

            base = by_method
        elif match is None:

            def anything(call: Call) -> bool:
                return True

            base = anything
        else:
            base = match
        if chat_id is None:
            return base
        return lambda call: call.chat_id == chat_id and base(call)

    async def deliver_webhook(
        self,
        update: dict[str, Any],
        *,
        url: str | None = None,
        secret: str | None = None,
        timeout: float = 10.0,
    ) -> int:
        """POST an update to the webhook like Telegram does (with the secret header); returns the status."""
        target = url or self.webhook_url
        if not target:
            raise RuntimeError("no webhook is set")
        if self._client is None:
            self._client = ClientSession(timeout=ClientTimeout(total=timeout))
        headers = {"Content-Type": "application/json"}
        token = secret if secret is not None else self.webhook_secret
        if token:
            headers["X-Telegram-Bot-Api-Secret-Token"] = token
        async with self._client.post(target, data=msgspec.json.encode(update), headers=headers) as response:
            await response.read()
            return response.status
