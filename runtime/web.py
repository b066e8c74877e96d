"""The HTTP surface: /health, the Telegram webhook (secret path + secret header), Kie callbacks.

Every rejection (wrong path, wrong secret, oversized or malformed body) is decided before the database
is touched, so garbage traffic costs nothing. An update is stored before the 200: acknowledged means
durable; if the database is down the answer is 503 and Telegram delivers the update again later.
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Awaitable, Callable

from aiohttp import web

from integrations.kie.callbacks import MalformedCallback, parse_callback, sign, verify_signature
from runtime import __version__
from runtime.secrets import constant_time_equals
from runtime.updates import MalformedUpdate, UpdateHead, head_of, parse_update

log = logging.getLogger(__name__)

MAX_BODY_BYTES = 1024 * 1024
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"

# Stores one update; returns True when it was new. Raises when the database is unavailable.
StoreUpdate = Callable[[UpdateHead, str], Awaitable[bool]]
# Makes the job of a Kie task due for a check now. Raises when the database is unavailable.
KieHint = Callable[[str], Awaitable[object]]
# Records a callback signature; True when it was new. Raises when the database is unavailable.
SignatureStore = Callable[[str], Awaitable[object]]
KIE_OK = {"code": 200, "msg": "success"}


class WebhookSettings:
    def __init__(self, path_secret: str, header_secret: str, header_fallback: bool) -> None:
        self.path_secret = path_secret
        self.header_secret = header_secret
        self.header_fallback = header_fallback


class KieCallbackSettings:
    """Kie callbacks: POST /kie/<path_secret>; with an HMAC key, signed headers are required too, and a
    signature is accepted once (`remember` stores it for every instance; False: seen before)."""

    def __init__(
        self,
        path_secret: str,
        hmac_key: str | None,
        on_hint: KieHint,
        remember: SignatureStore | None = None,
        forget: SignatureStore | None = None,
    ) -> None:
        self.path_secret = path_secret
        self.hmac_key = hmac_key
        self.on_hint = on_hint
        self.remember = remember
        self.forget = forget


def build_web_app(
    webhook: WebhookSettings, store_update: StoreUpdate, kie: KieCallbackSettings | None = None
) -> web.Application:
    started = time.monotonic()
    # aiohttp answers 413 itself when a body exceeds client_max_size.
    app = web.Application(client_max_size=MAX_BODY_BYTES)

    async def health(_: web.Request) -> web.Response:
        return web.json_response(
            {"status": "ok", "version": __version__, "uptime_s": round(time.monotonic() - started, 1)}
        )

    async def telegram_webhook(request: web.Request) -> web.Response:
        if not constant_time_equals(request.match_info["secret"], webhook.path_secret):
            raise web.HTTPNotFound()
        return await _accept(request)

    async def telegram_webhook_plain(request: web.Request) -> web.Response:
        # Only for proxies that cannot keep a secret path: the header alone authenticates.
        if not webhook.header_fallback:
            raise web.HTTPNotFound()
        return await _accept(request)

    async def _accept(request: web.Request) -> web.Response:
        header = request.headers.get(SECRET_HEADER)
        if header is None:
            raise web.HTTPUnauthorized(text="missing secret token")
        if not constant_time_equals(header, webhook.header_secret):
            raise web.HTTPForbidden(text="wrong secret token")
        if request.content_length is not None and request.content_length > MAX_BODY_BYTES:
            raise web.HTTPRequestEntityTooLarge(max_size=MAX_BODY_BYTES, actual_size=request.content_length)
        raw = await request.read()
        try:
            update = parse_update(raw)
        except MalformedUpdate:
            # The body itself is never logged: it may carry personal data or whatever an attacker sent.
            log.warning("webhook: malformed update rejected (%d bytes)", len(raw))
            raise web.HTTPBadRequest(text="malformed update") from None
        head = head_of(update)
        if head is None:
            return web.json_response({"ok": True, "ignored": True})
        try:
            await store_update(head, raw.decode("utf-8"))
        except Exception:
            log.exception(
                "webhook: could not store update %s; Telegram will deliver it again", head.update_id
            )
            raise web.HTTPServiceUnavailable(text="try again later") from None
        return web.json_response({"ok": True})

    async def kie_callback(request: web.Request) -> web.Response:
        # A callback is a hint that never changes a job by itself: the worker re-reads the task.
        if kie is None or not constant_time_equals(request.match_info["secret"], kie.path_secret):
            raise web.HTTPNotFound()
        if request.content_length is not None and request.content_length > MAX_BODY_BYTES:
            raise web.HTTPRequestEntityTooLarge(max_size=MAX_BODY_BYTES, actual_size=request.content_length)
        raw = await request.read()
        try:
            hint = parse_callback(raw)
        except MalformedCallback as exc:
            log.warning("kie callback rejected: %s (%d bytes)", exc, len(raw))
            raise web.HTTPBadRequest(text="malformed callback") from None
        if kie.hmac_key and not verify_signature(
            hint.task_id,
            request.headers.get("X-Webhook-Timestamp"),
            request.headers.get("X-Webhook-Signature"),
            kie.hmac_key,
            now=time.time(),
        ):
            log.warning("kie callback with a missing, wrong or stale signature rejected")
            raise web.HTTPUnauthorized(text="bad signature")
        signature = None
        if kie.hmac_key and kie.remember is not None:
            # Keyed by the signature we computed, so spelling variants of the header count as one.
            timestamp = (request.headers.get("X-Webhook-Timestamp") or "").strip()
            signature = sign(hint.task_id, timestamp, kie.hmac_key)
            try:
                fresh = await kie.remember(signature)
            except Exception:
                log.exception("kie callback: could not record the signature; Kie will retry")
                raise web.HTTPServiceUnavailable(text="try again later") from None
            if not fresh:
                log.warning("kie callback with a replayed signature rejected")
                raise web.HTTPUnauthorized(text="replayed signature")
        try:
            await kie.on_hint(hint.task_id)
        except Exception:
            log.exception("kie callback: could not record the hint; Kie will retry")
            if signature is not None and kie.forget is not None:
                # Kie's retry carries the same signature: it must not look like a replay.
                with contextlib.suppress(Exception):
                    await kie.forget(signature)
            raise web.HTTPServiceUnavailable(text="try again later") from None
        return web.json_response(KIE_OK)

    app.router.add_get("/health", health)
    app.router.add_post("/kie/{secret}", kie_callback)
    app.router.add_post("/tg/{secret}", telegram_webhook)
    app.router.add_post("/tg", telegram_webhook_plain)
    return app
