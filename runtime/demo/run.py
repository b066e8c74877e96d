"""`trt demo`: the real bot (`runtime.app.TrtApp`, webhook mode) against a local Telegram and a
simulated Kie, with a web chat at http://127.0.0.1:8080/, all in this process, nothing from outside.

Start order is chosen for a fast first page: the port is checked and the web chat served before
aiogram is even imported; the database starts meanwhile in a thread. Updates typed before the bot
has registered its webhook wait in the emulator, as they would on Telegram.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import logging
import os
import shutil
import signal
import socket
import time
from dataclasses import dataclass, field
from pathlib import Path

import msgspec
from aiohttp import web

from runtime.demo.database import DemoDatabase, DemoError, open_database
from runtime.demo.settings import ADMIN, DEMO_USER, demo_environment, demo_profiles
from runtime.logs import redacting_formatter
from sandbox.simulated_kie import SimulatedKie
from sandbox.webchat import transcript
from sandbox.webchat.emulator import LiveTelegram
from sandbox.webchat.server import build_webchat_app

log = logging.getLogger("trt.demo")

WELCOME_KOPECKS = 500_00
WELCOME_PAYMENT_ID = "demo-welcome-balance"


@dataclass
class DemoOptions:
    port: int = 8080
    host: str = "127.0.0.1"
    data_dir: Path = field(default_factory=lambda: Path(".trt-demo"))
    fresh: bool = False
    delay_scale: float = 1.0
    environ: dict[str, str] = field(default_factory=lambda: dict(os.environ))


class Demo:
    """Everything `trt demo` runs; `start()` returns once the bot serves, `stop()` closes it all."""

    def __init__(self, options: DemoOptions) -> None:
        self.options = options
        self.tg: LiveTelegram | None = None
        self.kie: SimulatedKie | None = None
        self.db: DemoDatabase | None = None
        self.app = None
        self._page: web.AppRunner | None = None
        self._page_errors: logging.Handler | None = None
        self.started_at = time.monotonic()
        self.page_ready_after: float | None = None
        self.bot_ready_after: float | None = None

    @property
    def transcript_dir(self) -> Path:
        return self.options.data_dir / "telegram"

    @property
    def url(self) -> str:
        return f"http://{self.options.host}:{self.options.port}/"

    async def start(self) -> None:
        options = self.options
        ensure_port_free(options.host, options.port)
        database = asyncio.create_task(
            open_database(options.environ, options.data_dir.resolve(), fresh=options.fresh)
        )
        try:
            self.tg = LiveTelegram(
                {"user": DEMO_USER, "admin": ADMIN}, bot_username="trt_demo_bot", bot_first_name="TRT Demo"
            )
            if options.fresh:
                shutil.rmtree(self.transcript_dir, ignore_errors=True)
            restored = transcript.load(self.tg, self.transcript_dir)
            if restored:
                log.info("web chat: %d messages restored from %s", restored, self.transcript_dir)
            await self.tg.start()
            await self._serve_page()
            self.page_ready_after = time.monotonic() - self.started_at
            log.info("web chat: %s (the operator's chat: %sadmin)", self.url, self.url)
            app_module = await asyncio.to_thread(_import_app)  # aiogram takes seconds to import
            self.db = await database
            log.info("database: %s", self.db.description)
            await self._start_bot(app_module)
        except BaseException:
            if not database.done():
                database.cancel()
            with contextlib.suppress(BaseException):
                self.db = self.db or await database
            raise
        self.bot_ready_after = time.monotonic() - self.started_at

    async def _serve_page(self) -> None:
        assert self.tg is not None
        self.kie = SimulatedKie(profiles=demo_profiles(), delay_scale=self.options.delay_scale)
        await self.kie.start()
        info = {"user": DEMO_USER.first_name, "admin": ADMIN.first_name, "keys": "demo"}
        page = build_webchat_app(self.tg, kie=self.kie, info=info)
        self._page = web.AppRunner(page, access_log=None, handle_signals=False, shutdown_timeout=1.0)
        await self._page.setup()
        try:
            await web.TCPSite(self._page, self.options.host, self.options.port).start()
        except OSError as exc:
            raise DemoError(port_message(self.options.port, exc)) from exc
        self._page_errors = _PageErrors(self.tg, asyncio.get_running_loop())
        logging.getLogger().addHandler(self._page_errors)

    async def _start_bot(self, app_module) -> None:
        assert self.tg is not None and self.kie is not None and self.db is not None
        from runtime.config import load_settings

        environment = demo_environment(
            app_port=free_port(self.options.host),
            telegram_base=self.tg.base_url,
            kie=self.kie,
            token=self.tg.token,
        )
        settings, _ = load_settings(environment)
        # The embedded server is reached through its Unix socket, a URL form the contract does not take.
        settings = msgspec.structs.replace(settings, database_url=self.db.url)
        log.info(
            "configuration: the 13 required keys hold demo values (%s)",
            ", ".join(f"{k}=demo" for k in environment if k.isupper() and not k.endswith("_BASE")),
        )
        self.app = app_module.TrtApp(settings, host=self.options.host)
        await self.app.start()
        await self._credit_welcome_balance()
        await self.tg.wait_for("setWebhook", timeout=30)

    async def _credit_welcome_balance(self) -> None:
        from persistence import ledger, users

        pool = self.app.pool
        await users.touch(
            pool, DEMO_USER.user_id, DEMO_USER.username, DEMO_USER.first_name, DEMO_USER.language_code
        )
        # Keyed by a fixed payment id: credited on the first run only, whatever happens later.
        await ledger.credit_topup(
            pool, DEMO_USER.user_id, WELCOME_KOPECKS, WELCOME_PAYMENT_ID, "demo", "trt demo: starting balance"
        )

    async def stop(self) -> None:
        if self._page_errors is not None:
            logging.getLogger().removeHandler(self._page_errors)
        if self._page is not None:
            await self._page.cleanup()
        if self.app is not None:
            await self.app.stop()
        if self.kie is not None:
            await self.kie.stop()
        if self.tg is not None:
            await self.tg.stop()
            if self.app is not None:  # only a demo that ran has a transcript worth keeping
                try:
                    await asyncio.to_thread(transcript.save, self.tg, self.transcript_dir)
                except OSError:
                    log.exception("could not save the chat transcript in %s", self.transcript_dir)
        if self.db is not None:
            await self.db.stop()


def _import_app():
    import runtime.app

    return runtime.app


class _PageErrors(logging.Handler):
    """Errors of the bot reach the page too (redacted like the terminal), so a crash is seen there."""

    def __init__(self, tg: LiveTelegram, loop: asyncio.AbstractEventLoop) -> None:
        super().__init__(logging.ERROR)
        self.tg = tg
        self.loop = loop
        self.setFormatter(redacting_formatter("text"))

    def emit(self, record: logging.LogRecord) -> None:
        try:
            text = self.format(record).splitlines()[0]
            event = {"type": "log", "level": record.levelname, "text": text[-400:]}
            self.loop.call_soon_threadsafe(self.tg.publish, event)
        except Exception:  # noqa: BLE001 - a logging handler must never raise
            self.handleError(record)


def ensure_port_free(host: str, port: int) -> None:
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as exc:
            raise DemoError(port_message(port, exc)) from exc


def port_message(port: int, exc: OSError) -> str:
    if exc.errno == errno.EADDRINUSE:
        return f"Port {port} is already in use. Stop what uses it, or pick another port: trt demo --port {port + 1}"
    return f"Cannot listen on port {port} ({exc.strerror or exc}). Pick another port: trt demo --port 8090"


def free_port(host: str) -> int:
    with socket.socket() as probe:
        probe.bind((host, 0))
        return probe.getsockname()[1]


async def run_demo(options: DemoOptions) -> None:
    """Start the demo, serve until Ctrl+C (SIGINT) or SIGTERM, then stop everything, the database too."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    demo = Demo(options)
    try:
        await demo.start()
        log.info(
            "TRT demo is ready in %.1f s (the page answered after %.1f s): open %s — Ctrl+C stops it",
            demo.bot_ready_after or 0,
            demo.page_ready_after or 0,
            demo.url,
        )
        await stop.wait()
        log.info("stopping the demo")
    finally:
        await demo.stop()
