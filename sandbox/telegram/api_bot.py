"""The other Bot API methods: inline answers, pre-checkout answers and Star refunds, chat actions,
commands, getChat, the webhook, getFile and getUpdates (long polling).
"""

from __future__ import annotations

import asyncio
import re
import time
from typing import Any

from sandbox.telegram.formatting import _format_text, _utf16_len
from sandbox.telegram.objects import _chat
from sandbox.telegram.updates import _OPT_IN_UPDATES, _update_type
from sandbox.telegram.wire import (
    _SECRET_TOKEN_RE,
    MAX_DOWNLOAD_SIZE,
    MAX_TEXT_LENGTH,
    POLL_CONFLICT,
    WEBHOOK_CONFLICT,
    _ApiError,
    _bad,
)


class _BotMethods:
    """Bot API methods on inline mode, payments, commands, the webhook, files and polling."""

    # ---- inline mode ----

    def _api_answerInlineQuery(self, params: dict[str, Any]) -> bool:
        """Checks what Telegram checks of an answer; the results stay readable in the call log."""
        query_id = str(params.get("inline_query_id") or "")
        if not query_id:
            raise _bad("QUERY_ID_INVALID")
        answered = self._answered_inline
        if query_id in answered:
            raise _bad("query is too old and response timeout expired or query ID is invalid")
        results = params.get("results")
        if not isinstance(results, list):
            raise _bad("can't parse inline query results JSON object")
        if len(results) > 50:
            raise _bad("RESULTS_TOO_MUCH")
        seen: set[str] = set()
        for result in results:
            if not isinstance(result, dict) or result.get("type") != "article":
                raise _bad("RESULT_TYPE_INVALID")  # only articles are emulated
            result_id = str(result.get("id") or "")
            if not 1 <= len(result_id.encode()) <= 64:
                raise _bad("RESULT_ID_INVALID")
            if result_id in seen:
                raise _bad("RESULT_ID_DUPLICATE")
            seen.add(result_id)
            if not result.get("title"):
                raise _bad("RESULT_TITLE_EMPTY")
            content = result.get("input_message_content")
            if not isinstance(content, dict) or "message_text" not in content:
                raise _bad("MESSAGE_EMPTY")
            text, _ = _format_text(
                content["message_text"], content.get("parse_mode"), content.get("entities")
            )
            if not text:
                raise _bad("MESSAGE_EMPTY")
            if _utf16_len(text) > MAX_TEXT_LENGTH:
                raise _bad("MESSAGE_TOO_LONG")
            markup = self._check_markup({"reply_markup": result.get("reply_markup")})
            for row in (markup or {}).get("inline_keyboard", []):
                for button in row:
                    url = button.get("url")
                    if url is not None and not re.match(r"^(https?|tg)://\S+$", str(url)):
                        raise _bad("BUTTON_URL_INVALID")
        answered.add(query_id)
        return True

    def _api_answerPreCheckoutQuery(self, params: dict[str, Any]) -> bool:
        if not params.get("pre_checkout_query_id"):
            raise _bad("QUERY_ID_INVALID")
        if params.get("ok") is False and not params.get("error_message"):
            raise _bad("error_message is required when ok is false")
        return True

    def _api_refundStarPayment(self, params: dict[str, Any]) -> bool:
        if not isinstance(params.get("user_id"), int) or not params.get("telegram_payment_charge_id"):
            raise _bad("CHARGE_ID_INVALID")
        return True

    def _api_sendChatAction(self, params: dict[str, Any]) -> bool:
        self._chat_id(params)
        if not params.get("action"):
            raise _bad("wrong parameter action in request")
        return True

    def _api_setMyCommands(self, params: dict[str, Any]) -> bool:
        commands = params.get("commands")
        if not isinstance(commands, list):
            raise _bad("can't parse commands JSON object")
        for command in commands:
            name = command.get("command", "") if isinstance(command, dict) else ""
            if (
                not re.fullmatch(r"[a-z0-9_]{1,32}", name)
                or not 1 <= len(command.get("description", "")) <= 256
            ):
                raise _bad("BOT_COMMAND_INVALID")
        scope = params.get("scope") or {"type": "default"}
        key = f"{scope.get('type')}:{scope.get('chat_id', '')}:{params.get('language_code', '')}"
        self.commands[key] = commands
        return True

    def _api_getMyCommands(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        scope = params.get("scope") or {"type": "default"}
        return self.commands.get(
            f"{scope.get('type')}:{scope.get('chat_id', '')}:{params.get('language_code', '')}", []
        )

    def _api_deleteMyCommands(self, params: dict[str, Any]) -> bool:
        scope = params.get("scope") or {"type": "default"}
        self.commands.pop(
            f"{scope.get('type')}:{scope.get('chat_id', '')}:{params.get('language_code', '')}", None
        )
        return True

    def _ok(self, params: dict[str, Any]) -> bool:
        return True

    _api_setMyDescription = _api_setMyShortDescription = _api_setMyName = _ok
    _api_setChatMenuButton = _api_pinChatMessage = _api_unpinChatMessage = _ok
    _api_answerInlineQuery = _api_logOut = _api_close = _ok

    def _api_getChat(self, params: dict[str, Any]) -> dict[str, Any]:
        chat_id = self._chat_id(params)
        if isinstance(chat_id, str):
            return {
                "id": -1_001_000_000_000,
                "type": "channel",
                "title": "Channel",
                "accent_color_id": 0,
                "max_reaction_count": 11,
            }
        return {**_chat(chat_id), "accent_color_id": 0, "max_reaction_count": 11}

    def _api_setWebhook(self, params: dict[str, Any]) -> bool:
        url = str(params.get("url") or "")
        if url and self.require_https_webhook and not url.startswith("https://"):
            raise _bad("bad webhook: An HTTPS URL must be provided for webhook")
        if url and not url.startswith(("https://", "http://")):
            raise _bad("bad webhook: Failed to resolve host: Name or service not known")
        secret = params.get("secret_token")
        if secret is not None and not _SECRET_TOKEN_RE.fullmatch(str(secret)):
            raise _bad("bad webhook: secret token contains unallowed characters")
        max_connections = params.get("max_connections", 40)
        if not isinstance(max_connections, int) or not 1 <= max_connections <= 100:
            raise _bad("bad webhook: max_connections must be between 1 and 100")
        allowed = params.get("allowed_updates")
        if allowed is not None:
            if not isinstance(allowed, list):
                raise _bad("can't parse allowed updates JSON object")
            self.allowed_updates = list(allowed)
        self.webhook_url = url
        self.webhook_secret = str(secret) if secret is not None and url else None
        self.webhook_max_connections = max_connections
        if params.get("drop_pending_updates"):
            self._updates.clear()
        if url and self._active_poll is not None and not self._active_poll.done():
            self._active_poll.set_result("webhook")
        return True

    def _api_deleteWebhook(self, params: dict[str, Any]) -> bool:
        self.webhook_url = ""
        self.webhook_secret = None
        if params.get("drop_pending_updates"):
            self._updates.clear()
        return True

    def _api_getWebhookInfo(self, params: dict[str, Any]) -> dict[str, Any]:
        info: dict[str, Any] = {
            "url": self.webhook_url,
            "has_custom_certificate": False,
            "pending_update_count": 0 if self.webhook_url else len(self._updates),
        }
        if self.webhook_url:
            info["max_connections"] = self.webhook_max_connections
            info["ip_address"] = "127.0.0.1"
        if self.allowed_updates is not None:
            info["allowed_updates"] = self.allowed_updates
        return info

    def _api_getFile(self, params: dict[str, Any]) -> dict[str, Any]:
        stored = self.files.get(str(params.get("file_id") or ""))
        if stored is None:
            raise _bad("invalid file_id")
        if stored.file_size > MAX_DOWNLOAD_SIZE:
            raise _bad("file is too big")
        return {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "file_size": stored.file_size,
            "file_path": stored.file_path,
        }

    async def _api_getUpdates(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        if self.webhook_url:
            raise _ApiError(409, WEBHOOK_CONFLICT)
        if self._active_poll is not None and not self._active_poll.done():
            # Telegram answers the older request with 409 and serves the newer one.
            self._active_poll.set_result("terminated")
            self.conflicts += 1
        terminated: asyncio.Future[str] = asyncio.get_running_loop().create_future()
        self._active_poll = terminated
        try:
            offset = params.get("offset")
            limit = params.get("limit", 100)
            timeout = params.get("timeout", 0)
            if not isinstance(limit, int) or not 1 <= limit <= 100:
                limit = 100
            if not isinstance(timeout, int) or timeout < 0:
                timeout = 0
            if isinstance(params.get("allowed_updates"), list):
                self._poll_allowed = frozenset(params["allowed_updates"])
            deadline = time.monotonic() + timeout
            while True:
                ready = self._take_updates(offset if isinstance(offset, int) else None, limit)
                if ready or self._closing:
                    return ready
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return []
                arrived: asyncio.Future[None] = asyncio.get_running_loop().create_future()
                self._pollers.append(arrived)
                await asyncio.wait(
                    {arrived, terminated}, timeout=remaining, return_when=asyncio.FIRST_COMPLETED
                )
                if terminated.done():
                    reason = terminated.result()
                    if reason == "terminated":
                        raise _ApiError(409, POLL_CONFLICT)
                    if reason == "webhook":
                        raise _ApiError(409, WEBHOOK_CONFLICT)
                    return []
        finally:
            if self._active_poll is terminated:
                self._active_poll = None

    def _take_updates(self, offset: int | None, limit: int) -> list[dict[str, Any]]:
        updates = self._updates
        if offset is not None:
            if offset < 0:
                while len(updates) > -offset:
                    updates.popleft()
            else:
                while updates and updates[0]["update_id"] < offset:
                    updates.popleft()
        allowed = self._poll_allowed
        if allowed:
            kept = [u for u in updates if _update_type(u) in allowed]
        else:
            kept = [u for u in updates if _update_type(u) not in _OPT_IN_UPDATES]
        if len(kept) != len(updates):
            # Telegram never stores updates of types the bot did not ask for.
            updates.clear()
            updates.extend(kept)
        return kept[:limit]
