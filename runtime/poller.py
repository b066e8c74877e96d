"""Polling mode: getUpdates feeds the same durable inbox as the webhook.

Only one instance polls at a time (a PostgreSQL advisory lock held on a dedicated connection), so a
second instance waits instead of making Telegram answer 409 Conflict to both.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

import aiohttp
import asyncpg
import msgspec

from runtime.updates import ALLOWED_UPDATES, MalformedUpdate, UpdateHead, head_of, parse_update

log = logging.getLogger(__name__)

POLLER_LOCK_KEY = 7_245_002
LONG_POLL_SECONDS = 25


class _ApiResponse(msgspec.Struct):
    ok: bool
    result: msgspec.Raw = msgspec.Raw(b"null")
    description: str | None = None
    error_code: int | None = None


class Poller:
    def __init__(
        self,
        dsn: str,
        api_base: str,
        token: str,
        store_update: Callable[[UpdateHead, str], Awaitable[bool]],
        *,
        long_poll_seconds: int = LONG_POLL_SECONDS,
        lock_retry_seconds: float = 5.0,
    ) -> None:
        self.dsn = dsn
        # The URL holds the token: it is never logged (only the method name is).
        self._url = f"{api_base}/bot{token}"
        self.store_update = store_update
        self.long_poll_seconds = long_poll_seconds
        self.lock_retry_seconds = lock_retry_seconds
        self._stopping = asyncio.Event()
        self.is_leader = False

    async def stop(self) -> None:
        self._stopping.set()

    async def run(self) -> None:
        timeout = aiohttp.ClientTimeout(total=self.long_poll_seconds + 15)
        async with aiohttp.ClientSession(timeout=timeout) as http:
            while not self._stopping.is_set():
                try:
                    await self._lead(http)
                except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError, aiohttp.ClientError) as exc:
                    log.warning("poller: %s; retrying", type(exc).__name__)
                except Exception:
                    # Never let the poller die silently: a bot that stops reading updates looks alive.
                    log.exception("poller: unexpected error; retrying")
                finally:
                    self.is_leader = False
                await self._sleep(self.lock_retry_seconds)

    async def _lead(self, http: aiohttp.ClientSession) -> None:
        conn = await asyncpg.connect(self.dsn)
        try:
            if not await conn.fetchval("SELECT pg_try_advisory_lock($1)", POLLER_LOCK_KEY):
                log.debug("poller: another instance is polling; standing by")
                return
            self.is_leader = True
            log.info("poller: this instance polls Telegram")
            await self._call(http, "deleteWebhook", {"drop_pending_updates": False})
            offset = 0
            while not self._stopping.is_set():
                if conn.is_closed():
                    return  # lost the lock with the connection: compete for it again
                body = await self._call(
                    http,
                    "getUpdates",
                    {
                        "offset": offset,
                        "timeout": self.long_poll_seconds,
                        "allowed_updates": list(ALLOWED_UPDATES),
                    },
                )
                updates = (
                    msgspec.json.decode(body.result, type=list[msgspec.Raw] | None) or [] if body else []
                )
                for raw in updates:
                    offset = max(offset, await self._store(bytes(raw)) + 1)
        finally:
            await conn.close()

    async def _store(self, raw: bytes) -> int:
        try:
            update = parse_update(raw)
        except MalformedUpdate:
            log.error("poller: Telegram sent an update that does not parse; skipped")
            return msgspec.json.decode(raw, type=dict).get("update_id", 0)
        head = head_of(update)
        if head is not None:
            # Stored before the offset moves past it: a crash here means Telegram sends it again.
            await self.store_update(head, raw.decode("utf-8"))
        return update.update_id

    async def _call(self, http: aiohttp.ClientSession, method: str, params: dict) -> _ApiResponse | None:
        async with http.post(f"{self._url}/{method}", json=params) as response:
            body = msgspec.json.decode(await response.read(), type=_ApiResponse)
        if not body.ok:
            log.warning("poller: %s failed: %s %s", method, body.error_code, body.description)
            if body.error_code == 409:
                await self._sleep(self.lock_retry_seconds)
            return None
        return body

    async def _sleep(self, seconds: float) -> None:
        try:
            await asyncio.wait_for(self._stopping.wait(), timeout=seconds)
        except TimeoutError:
            pass
