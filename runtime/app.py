"""Composition and lifecycle: config → logging → database → bot → web server + workers → graceful stop."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import signal
from functools import partial

import aiohttp
import asyncpg
import msgspec
from aiohttp import web

from flows.book import Book
from flows.catalog import load_catalog, load_policy
from flows.context import FlowContext
from flows.screens import Action, AnswerCallback, Screen, SendScreen
from flows.texts import t
from integrations.kie import KieClient, KieLimiter
from integrations.kie.chat import ChatClient
from integrations.kie.client import DEFAULT_RETRY
from integrations.net import Origins, origin_of, public_session, resolve_public
from integrations.telegram.bot import create_bot
from integrations.telegram.errors import TelegramSendError
from integrations.telegram.media import MediaSender
from integrations.telegram.renderer import TelegramRenderer
from persistence import inbox
from persistence import kie_callbacks as callback_signatures
from persistence.db import create_pool
from persistence.kie_limits import KieRateSlots
from persistence.migrations import migrate
from persistence.users import language_from_telegram
from runtime.broadcasts import BroadcastOptions, BroadcastWorker
from runtime.chat.runner import run_turn
from runtime.chat.services import STOP_DATA, ChatServices, ChatTimings, operator_alert
from runtime.chat.stop import note_stop
from runtime.config import Settings
from runtime.flood import FloodGate, Verdict
from runtime.inbox_worker import InboxWorker
from runtime.jobs import JobServices, JobsOptions, JobWorker
from runtime.jobs.files import TelegramFiles
from runtime.jobs.services import HOST_CHECK_TIMEOUT
from runtime.poller import Poller
from runtime.processor import UpdateProcessor
from runtime.secrets import kie_callback_secret, webhook_header_secret, webhook_path_secret
from runtime.telegram_setup import configure_telegram
from runtime.updates import UpdateHead
from runtime.web import KieCallbackSettings, WebhookSettings, build_web_app

log = logging.getLogger(__name__)

HOUSEKEEPING_EVERY_SECONDS = 600.0
SHUTDOWN_GRACE_SECONDS = 10.0


class TrtApp:
    """One running instance of the bot. `start()` returns once it serves; `stop()` drains and closes."""

    def __init__(
        self,
        settings: Settings,
        *,
        host: str = "0.0.0.0",
        worker_concurrency: int | None = None,
        jobs: JobsOptions | None = None,
        flood: FloodGate | None = None,
        chat: ChatTimings | None = None,
        broadcasts: BroadcastOptions | None = None,
    ) -> None:
        self.settings = settings
        self.jobs_options = jobs or JobsOptions()
        self.jobs: JobWorker | None = None
        self.kie: KieClient | None = None
        self.chat_timings = chat or ChatTimings()
        self.broadcast_options = broadcasts or BroadcastOptions()
        self.broadcasts: BroadcastWorker | None = None
        self.chat: ChatServices | None = None
        self._chat_client: ChatClient | None = None
        self._http: aiohttp.ClientSession | None = None
        self._results_http: aiohttp.ClientSession | None = None
        self.host = host
        self.worker_concurrency = worker_concurrency or max(4, min(32, settings.db_maxconn * 2))
        self.pool: asyncpg.Pool | None = None
        self.worker: InboxWorker | None = None
        self.poller: Poller | None = None
        self._runner: web.AppRunner | None = None
        self._tasks: list[asyncio.Task] = []
        self._bot = None
        self._renderer: TelegramRenderer | None = None
        self._processor: UpdateProcessor | None = None
        self.port: int | None = None
        # Not `flood or …`: an empty gate is falsy (it has a length), and would be swapped for the default.
        self.flood = flood if flood is not None else FloodGate()
        self._notices: set[asyncio.Task] = set()

    async def start(self) -> None:
        s = self.settings
        # The catalog first: a broken entry stops the start before anything else is touched.
        catalog = load_catalog()
        self.pool = await create_pool(s.database_url, s.db_maxconn)
        await migrate(self.pool)
        self._bot = create_bot(s.telegram_bot_token, s.telegram_api_base)
        renderer = TelegramRenderer(self._bot)
        self._renderer = renderer
        ctx = FlowContext(
            support_text=s.support_text,
            support_telegram=s.support_telegram,
            admin_ids=s.admin_ids,
            catalog=catalog,
            policy=load_policy(),
            payment_bank=s.payment_bank,
            payment_card_holder=s.payment_card_holder,
            payment_phone=s.payment_phone,
            book=Book(),
        )
        log.info("catalog %s: %d models, %d enabled", catalog.version, len(catalog), len(catalog.enabled()))
        processor = UpdateProcessor(self.pool, renderer, ctx, s.admin_ids)
        self._processor = processor
        # Built here rather than on the first search (~20 ms), and kept out of the collector below.
        ctx.book.search_index(catalog)
        self._tasks.append(
            asyncio.create_task(processor.preload.popular.run(self.pool), name="popular-models")
        )
        self.worker = InboxWorker(
            self.pool,
            processor,
            concurrency=self.worker_concurrency,
            prune_parked_after_seconds=s.inbox_parked_retention_days * 24 * 3600.0,
        )
        processor.lease_seconds = self.worker.lease_seconds
        self.jobs = self._job_worker(catalog, renderer, ctx.policy)
        processor.preload.kie_balance = self.kie.credit_balance if self.kie is not None else None
        self.chat = self._chat_services(catalog, renderer, ctx.policy)
        processor.answer = partial(run_turn, self.chat)
        self._tasks.append(asyncio.create_task(self.worker.run(), name="inbox-worker"))
        self._tasks.append(asyncio.create_task(self.jobs.run(), name="job-worker"))
        self.start_broadcasts()

        webhook = WebhookSettings(
            webhook_path_secret(s.telegram_bot_token),
            webhook_header_secret(s.telegram_bot_token),
            s.webhook_header_fallback,
        )
        kie_callbacks = KieCallbackSettings(
            kie_callback_secret(s.telegram_bot_token),
            s.kie_webhook_hmac_key,
            self.jobs.on_callback,
            remember=partial(callback_signatures.remember, self.pool),
            forget=partial(callback_signatures.forget, self.pool),
        )
        app = build_web_app(webhook, self.store_update, kie_callbacks)
        self._runner = web.AppRunner(
            app, access_log=logging.getLogger("aiohttp.access"), handle_signals=False, shutdown_timeout=5.0
        )
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, s.port)
        await site.start()
        self.port = _bound_port(self._runner) or s.port
        log.info("serving HTTP on port %s (mode: %s)", self.port, s.bot_mode)

        # Telegram may be briefly unreachable at boot: keep serving /health and retry in the background.
        self._tasks.append(
            asyncio.create_task(
                configure_telegram(self._bot, self.settings, self._learn_username), name="telegram-setup"
            )
        )
        self._tasks.append(asyncio.create_task(self._housekeeping(), name="housekeeping"))
        if s.bot_mode == "polling":
            self.poller = Poller(s.database_url, s.telegram_api_base, s.telegram_bot_token, self.store_update)
            self._tasks.append(asyncio.create_task(self.poller.run(), name="poller"))
        # Everything loaded so far (aiogram, the catalog, charts) lives as long as the process: moving it
        # out of the collector's reach keeps full collections from freezing the loop for ~200 ms.
        gc.freeze()

    def start_broadcasts(self) -> BroadcastWorker:
        """📣 Рассылка's sender (runtime/broadcasts.py); a new one resumes whatever the last one left."""
        assert self.pool is not None and self._renderer is not None
        self.broadcasts = BroadcastWorker(self.pool, self._renderer, self.broadcast_options)
        self.broadcasts.start()
        return self.broadcasts

    def _job_worker(self, catalog, renderer: TelegramRenderer, policy) -> JobWorker:
        s = self.settings
        options = self.jobs_options
        assert self.pool is not None and self._bot is not None
        # Telegram file downloads use a plain session; result links (chosen outside) a session that only
        # reaches public addresses; Kie's client keeps its own (its key).
        self._http = aiohttp.ClientSession()
        self._results_http = public_session(self.trusted_origins)
        limiter = KieLimiter(KieRateSlots(self.pool), create=options.create_limit, query=options.query_limit)
        self.kie = KieClient(
            s.kie_api_base,
            s.kie_upload_base,
            s.kie_api_key,
            limiter=limiter,
            timeout=aiohttp.ClientTimeout(total=options.kie_timeout_seconds, connect=10),
            retry=options.kie_retry or DEFAULT_RETRY,
        )
        services = JobServices(
            pool=self.pool,
            kie=self.kie,
            catalog=catalog,
            renderer=renderer,
            media=MediaSender(
                self._bot,
                self._results_http,
                limits=options.media_limits,
                trusted_origins=self.trusted_origins,
            ),
            files=TelegramFiles(self._bot, self._http, s.telegram_api_base, s.telegram_bot_token),
            timings=options.timings,
            callback_url=s.kie_callback_url if options.use_callbacks else None,
            admin_ids=s.admin_ids,
            policy=policy,
            check_host=partial(
                resolve_public,
                timeout=HOST_CHECK_TIMEOUT,
                trusted=self.trusted_origins,
                lookup=options.host_lookup,
            ),
        )
        return JobWorker(services)

    def _chat_services(self, catalog, renderer: TelegramRenderer, policy) -> ChatServices:
        """💬 Тексты: Kie's chat endpoints (on KIE_API_BASE, with the same key), photos from Telegram to
        Kie's upload, the operator alert of the jobs (at most hourly per kind)."""
        s = self.settings
        assert self.pool is not None and self._bot is not None and self.kie is not None and self._http
        self._chat_client = ChatClient(s.kie_api_base, s.kie_api_key)
        files = TelegramFiles(self._bot, self._http, s.telegram_api_base, s.telegram_bot_token)
        return ChatServices(
            pool=self.pool,
            chat=self._chat_client,
            bot=self._bot,
            catalog=catalog,
            policy=policy,
            fetch_file=files.fetch,
            upload=self.kie.upload_file,
            alert=operator_alert(self.pool, renderer, s.admin_ids, self.chat_timings.admin_alert_every),
            timings=self.chat_timings,
        )

    @property
    def trusted_origins(self) -> Origins:
        """The operator's own servers: the only private addresses outgoing fetches may reach."""
        s = self.settings
        bases = (s.kie_api_base, s.kie_upload_base, s.telegram_api_base)
        return frozenset(origin for base in bases if (origin := origin_of(base)) is not None)

    async def store_update(self, head: UpdateHead, raw_json: str) -> bool:
        assert self.pool is not None and self.worker is not None
        if head.kind != "message":
            # ❌ Остановить acts now: the update itself waits behind the answer it stops. Before the
            # flood gate, so a stop is never dropped with a burst of taps.
            await note_stop(self.pool, head, STOP_DATA)
        if head.limited and head.user_id is not None:
            verdict = self.flood.admit(head.user_id)
            if verdict is not Verdict.PASS:
                # Acknowledged, never stored: only the bucket remembers it. Typing in inline mode
                # sends a query per keystroke; a dropped one just shows no new results.
                if verdict is Verdict.DROP_AND_NOTIFY and head.kind != "inline_query":
                    self._slow_down(head)
                return False
        created = await inbox.store(self.pool, head.update_id, head.chat_key, head.kind, raw_json)
        if created:
            self.worker.wake()
        return created

    def _slow_down(self, head: UpdateHead) -> None:
        """One short answer per flood, sent in the background (the webhook answers at once)."""
        if self._renderer is None:
            return
        text = t(language_from_telegram(head.language_code), "flood.slow_down")
        action: Action
        if head.callback_id is not None:
            action = AnswerCallback(head.callback_id, text=text)
        else:
            action = SendScreen(head.chat_key, Screen(text=text), control=False)
        task = asyncio.create_task(self._notify(action), name=f"slow-down-{head.user_id}")
        self._notices.add(task)
        task.add_done_callback(self._notices.discard)

    async def _notify(self, action: Action) -> None:
        assert self._renderer is not None
        try:
            await self._renderer.perform(action)
        except TelegramSendError as exc:
            log.info("slow-down notice not sent: %s", exc)

    async def _housekeeping(self) -> None:
        """Periodic chores: top-up requests older than a day expire (they also expire when read)."""
        from runtime.money import sweep_expired

        while True:
            try:
                expired = await sweep_expired(self.pool)
                if expired:
                    log.info("expired %d top-up requests older than a day", expired)
                await callback_signatures.prune(self.pool)
            except Exception:
                log.exception("housekeeping failed; will try again")
            await asyncio.sleep(HOUSEKEEPING_EVERY_SECONDS)

    def _learn_username(self, username: str) -> None:
        """The bot's @username for invite links (flows/growth), from getMe at start."""
        if self._processor is not None:
            self._processor.ctx = msgspec.structs.replace(self._processor.ctx, bot_username=username)

    async def stop(self) -> None:
        """Stop taking work, let in-flight updates finish within a bound, then close everything.
        The webhook is deliberately not deleted: during a deploy the new instance is already serving."""
        if self._runner is not None:
            await self._runner.cleanup()
        if self.poller is not None:
            await self.poller.stop()
        if self.worker is not None:
            await self.worker.stop(SHUTDOWN_GRACE_SECONDS)
        if self.jobs is not None:
            await self.jobs.stop()
        if self.broadcasts is not None:
            await self.broadcasts.stop()
        for task in [*self._tasks, *self._notices]:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        self._tasks.clear()
        if self.kie is not None:
            await self.kie.close()
        if self._chat_client is not None:
            await self._chat_client.close()
        if self._http is not None:
            await self._http.close()
        if self._results_http is not None:
            await self._results_http.close()
        if self._bot is not None:
            await self._bot.session.close()
        if self.pool is not None:
            await self.pool.close()
        log.info("stopped")


def _bound_port(runner: web.AppRunner) -> int | None:
    for address in runner.addresses:
        if isinstance(address, tuple) and len(address) >= 2:
            return address[1]
    return None


async def serve(settings: Settings) -> None:
    """Run until SIGTERM or SIGINT (Render sends SIGTERM on every deploy)."""
    await run_until_signal(TrtApp(settings))


async def run_until_signal(app: TrtApp) -> None:
    """Start `app`, serve until SIGTERM or SIGINT, then stop it gracefully."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    await app.start()
    try:
        await stop.wait()
        log.info("shutdown signal received")
    finally:
        await app.stop()
