"""``FakeTelegram``: its constructor, lifecycle, state reset and HTTP plumbing (the aiohttp app and router);
the rest of it comes from the mixins in controls, state, api_messages and api_bot.
"""

from __future__ import annotations

import asyncio
import itertools
import re
import time
from collections import deque
from collections.abc import Callable
from typing import Any

import msgspec
from aiohttp import ClientSession, web

from sandbox.telegram.api_bot import _BotMethods
from sandbox.telegram.api_messages import _MessageMethods
from sandbox.telegram.controls import _Controls
from sandbox.telegram.formatting import _coerce, _resolve_attachments
from sandbox.telegram.state import _MessageState
from sandbox.telegram.wire import (
    BLOCKED,
    DEFAULT_BOT_NAME,
    DEFAULT_BOT_USERNAME,
    DEFAULT_TOKEN,
    MAX_UPLOAD_SIZE,
    Call,
    Upload,
    _ApiError,
    _bad,
    _Failure,
    _StoredFile,
    _Waiter,
)

# --------------------------------------------------------------------------------------------------------
# The server


class FakeTelegram(_Controls, _MessageState, _MessageMethods, _BotMethods):
    """The Bot API on 127.0.0.1:<random port>. Use as ``async with FakeTelegram() as tg:``.

    State a test may read: ``messages[chat_id][message_id]`` (current Message dicts), ``webhook_url``,
    ``webhook_secret``, ``allowed_updates``, ``conflicts``, ``files``. Knobs: ``latency`` (seconds per
    call), ``fail_next``, ``block_chat``, ``throttle``.
    """

    def __init__(
        self,
        token: str = DEFAULT_TOKEN,
        *,
        bot_username: str = DEFAULT_BOT_USERNAME,
        bot_first_name: str = DEFAULT_BOT_NAME,
        latency: float = 0.0,
        require_https_webhook: bool = False,
    ) -> None:
        if not re.fullmatch(r"\d+:[A-Za-z0-9_-]{30,}", token):
            raise ValueError("token must look like a real bot token: <digits>:<35 chars of [A-Za-z0-9_-]>")
        self._token = token
        self.bot_id = int(token.split(":", 1)[0])
        self.bot_username = bot_username
        self.bot_first_name = bot_first_name
        self.latency = latency
        self.require_https_webhook = require_https_webhook
        self._runner: web.AppRunner | None = None
        self._port: int | None = None
        self._client: ClientSession | None = None
        self._handlers: dict[str, tuple[str, Callable[[dict[str, Any]], Any]]] = {}
        for name in dir(self):
            if name.startswith("_api_"):
                method = name.removeprefix("_api_")
                self._handlers[method.lower()] = (method, getattr(self, name))
        self.reset()

    # ---- lifecycle -------------------------------------------------------------------------------------

    async def start(self) -> None:
        app = web.Application(client_max_size=MAX_UPLOAD_SIZE + 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._handle_method)
        app.router.add_get("/file/bot{token}/{file_path:.+}", self._handle_file)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self._port = self._runner.addresses[0][1]
        self._closing = False

    async def stop(self) -> None:
        self._closing = True
        self._wake_pollers()
        if self._active_poll is not None and not self._active_poll.done():
            self._active_poll.set_result("closing")
        if self._client is not None:
            await self._client.close()
            self._client = None
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> FakeTelegram:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    @property
    def token(self) -> str:
        return self._token

    @property
    def base_url(self) -> str:
        if self._port is None:
            raise RuntimeError("FakeTelegram is not started")
        return f"http://127.0.0.1:{self._port}"

    def api_url(self, method: str, token: str | None = None) -> str:
        return f"{self.base_url}/bot{token or self._token}/{method}"

    def file_url(self, file_path: str) -> str:
        return f"{self.base_url}/file/bot{self._token}/{file_path}"

    @property
    def bot_user(self) -> dict[str, Any]:
        return {
            "id": self.bot_id,
            "is_bot": True,
            "first_name": self.bot_first_name,
            "username": self.bot_username,
        }

    def reset(self) -> None:
        """Forget everything but the token and the port: calls, chats, files, webhook, updates, faults."""
        self.call_log: list[Call] = []
        self._calls_by_method: dict[str, list[Call]] = {}
        self.messages: dict[int | str, dict[int, dict[str, Any]]] = {}
        self._next_message_id: dict[int | str, int] = {}
        self._deleted: set[tuple[int | str, int]] = set()
        self.files: dict[str, _StoredFile] = {}
        self._files_by_path: dict[str, _StoredFile] = {}
        self._failures: dict[str, deque[_Failure]] = {}
        self.blocked_chats: set[int | str] = set()
        # Flood control (`throttle`): off until a test sets it.
        self._flood: tuple[int, int, frozenset[str]] | None = None
        self._flood_window: deque[float] = deque()
        self._flood_until = 0.0
        self.early_sends = 0  # sends that came back before the retry_after they were told to wait
        self.drafts: dict[int | str, dict[str, Any]] = {}  # the latest sendMessageDraft per chat
        self.invoice_links: dict[str, dict[str, Any]] = {}  # createInvoiceLink: link -> its parameters
        # editUserStarSubscription(is_canceled=true): (user id, charge id) whose renewals are stopped.
        self.canceled_subscriptions: set[tuple[int, str]] = set()
        self._answered_inline: set[str] = set()  # inline query ids answered (each only once)
        self.webhook_url = ""
        self.webhook_secret: str | None = None
        self.allowed_updates: list[str] | None = None
        self.webhook_max_connections = 40
        self.commands: dict[str, list[dict[str, Any]]] = {}
        self.conflicts = 0
        self._updates: deque[dict[str, Any]] = deque()
        self._update_seq = itertools.count(1)
        self._poll_allowed: frozenset[str] | None = None
        self._pollers: list[asyncio.Future[None]] = []
        self._active_poll: asyncio.Future[str] | None = None
        self._waiters: list[_Waiter] = []
        self._closing = False
        self._seq = itertools.count(1)
        self._media_group_seq = itertools.count(13_000_000_000_000_000)

    # ---- HTTP plumbing -----------------------------------------------------------------------------------

    async def _handle_method(self, request: web.Request) -> web.Response:
        at = time.time()
        raw_method = request.match_info["method"]
        method, handler = self._handlers.get(raw_method.lower(), (raw_method, None))
        params: dict[str, Any] = {}
        try:
            if request.match_info["token"] != self._token:
                raise _ApiError(401, "Unauthorized")
            if handler is None:
                raise _ApiError(404, "Not Found")
            params = await self._read_params(request)
            if self.latency:
                await asyncio.sleep(self.latency)
            self._inject_faults(method, params)
            result = handler(params)
            if asyncio.iscoroutine(result):
                result = await result
            status, payload = 200, {"ok": True, "result": result}
        except _ApiError as error:
            status = error.code
            payload = {"ok": False, "error_code": error.code, "description": error.description}
            if error.parameters:
                payload["parameters"] = error.parameters
        self._record(Call(method, params, at, status, payload))
        return web.Response(body=msgspec.json.encode(payload), status=status, content_type="application/json")

    async def _read_params(self, request: web.Request) -> dict[str, Any]:
        raw: dict[str, Any] = dict(request.query)
        uploads: dict[str, Upload] = {}
        if request.can_read_body:
            content_type = request.content_type
            if content_type == "application/json":
                body = await request.read()
                if body:
                    try:
                        decoded = msgspec.json.decode(body)
                    except msgspec.DecodeError:
                        raise _bad("can't parse JSON request body") from None
                    if not isinstance(decoded, dict):
                        raise _bad("JSON object expected")
                    raw.update(decoded)
            elif content_type in ("multipart/form-data", "application/x-www-form-urlencoded"):
                form = await request.post()
                for key, value in form.items():
                    if isinstance(value, web.FileField):
                        data = value.file.read()
                        if len(data) > MAX_UPLOAD_SIZE:
                            raise _ApiError(413, "Request Entity Too Large")
                        uploads[key] = Upload(value.filename, value.content_type, data)
                    else:
                        raw[key] = value
        params = {key: _coerce(key, value) for key, value in raw.items()}
        for key, upload in uploads.items():
            # A file sent directly in its own field (photo=@file) rather than via attach://.
            if key not in params:
                params[key] = upload
        if uploads:
            params = {key: _resolve_attachments(value, uploads) for key, value in params.items()}
        return params

    def _inject_faults(self, method: str, params: dict[str, Any]) -> None:
        chat_id = params.get("chat_id")
        scope = params.get("scope")
        if chat_id is None and isinstance(scope, dict):
            chat_id = scope.get("chat_id")  # setMyCommands for one chat is addressed to that chat
        for key in (method.lower(), "*"):
            queue = self._failures.get(key)
            if not queue:
                continue
            for failure in queue:
                if failure.chat_id is not None and failure.chat_id != chat_id:
                    continue
                failure.times -= 1
                if failure.times <= 0:
                    queue.remove(failure)
                parameters = {"retry_after": failure.retry_after} if failure.retry_after is not None else None
                raise _ApiError(failure.error_code, failure.description, parameters)
        self._check_flood(method)
        if chat_id is not None and chat_id in self.blocked_chats:
            raise _ApiError(403, BLOCKED)

    def _record(self, call: Call) -> None:
        self.call_log.append(call)
        self._calls_by_method.setdefault(call.method, []).append(call)
        if not self._waiters:
            return
        for waiter in list(self._waiters):
            if waiter.future.done() or not waiter.matches(call):
                continue
            waiter.remaining -= 1
            if waiter.remaining == 0:
                waiter.future.set_result(call)
                self._waiters.remove(waiter)

    async def _handle_file(self, request: web.Request) -> web.Response:
        stored = self._files_by_path.get(request.match_info["file_path"])
        if request.match_info["token"] != self._token or stored is None:
            body = msgspec.json.encode({"ok": False, "error_code": 404, "description": "Not Found"})
            return web.Response(body=body, status=404, content_type="application/json")
        return web.Response(body=stored.data, content_type="application/octet-stream")
