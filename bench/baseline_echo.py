"""The reference: a minimal aiogram 3 bot under the same load, `python -m bench.baseline_echo`.

A Dispatcher with one handler (`/start` → `send_message`), served by aiogram's own webhook handler
(`SimpleRequestHandler`, which answers 200 at once and handles the update in a background task), no
database. It runs in a subprocess (this module with `--serve`) against the same fake Telegram, with the
same load generator and figures as bench/webhook_load.py, so the two tables compare directly: the gap
is what durability (store before 200), per-chat ordering and the session in PostgreSQL cost.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import os
import signal
import sys
from collections.abc import AsyncIterator
from typing import TextIO

from bench.common import (
    AppProcess,
    Out,
    ReplyWatchingTelegram,
    Report,
    Target,
    add_load_arguments,
    run_load,
    running,
)
from runtime.secrets import webhook_header_secret, webhook_path_secret
from tests.e2e.harness import free_port

TITLE = "Baseline: minimal aiogram 3 echo bot (SimpleRequestHandler, no database, fake Telegram)"


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.baseline_echo", description=__doc__)
    add_load_arguments(parser)
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)  # the bot process itself
    return parser.parse_args(argv)


# ---- the bot process ---------------------------------------------------------------------------------


async def serve_echo_bot() -> None:
    from aiogram import Bot, Dispatcher
    from aiogram.client.session.aiohttp import AiohttpSession
    from aiogram.client.telegram import TelegramAPIServer
    from aiogram.filters import CommandStart
    from aiogram.types import Message
    from aiogram.webhook.aiohttp_server import SimpleRequestHandler, setup_application
    from aiohttp import web

    env = os.environ
    bot = Bot(
        token=env["TELEGRAM_BOT_TOKEN"],
        session=AiohttpSession(api=TelegramAPIServer.from_base(env["TELEGRAM_API_BASE"])),
    )
    dispatcher = Dispatcher()

    @dispatcher.message(CommandStart())
    async def start(message: Message) -> None:
        await bot.send_message(message.chat.id, "Hello! This is the echo baseline.")

    async def health(_: web.Request) -> web.Response:
        return web.json_response({"status": "ok"})

    app = web.Application()
    app.router.add_get("/health", health)
    SimpleRequestHandler(dispatcher=dispatcher, bot=bot, secret_token=env["WEBHOOK_SECRET"]).register(
        app, path=env["WEBHOOK_PATH"]
    )
    setup_application(app, dispatcher, bot=bot)
    runner = web.AppRunner(app, handle_signals=False)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", int(env["PORT"])).start()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    try:
        await stop.wait()
    finally:
        await runner.cleanup()


# ---- the benchmark -------------------------------------------------------------------------------------


@contextlib.asynccontextmanager
async def launch(tg: ReplyWatchingTelegram) -> AsyncIterator[Target]:
    port = free_port()
    path = f"/tg/{webhook_path_secret(tg.token)}"
    secret = webhook_header_secret(tg.token)
    env = {
        "TELEGRAM_BOT_TOKEN": tg.token,
        "TELEGRAM_API_BASE": tg.base_url,
        "PORT": str(port),
        "WEBHOOK_PATH": path,
        "WEBHOOK_SECRET": secret,
    }
    process = AppProcess("echo baseline", ["bench.baseline_echo", "--serve"], env)
    async with running(process, f"http://127.0.0.1:{port}/health"):
        yield Target(
            base_url=f"http://127.0.0.1:{port}", webhook_path=path, header_secret=secret, process=process
        )


async def run(options: argparse.Namespace, out: Out) -> Report:
    return await run_load(TITLE, options, launch, out)


def main(argv: list[str] | None = None, stream: TextIO | None = None) -> int:
    options = parse_args(argv)
    if options.serve:
        logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
        asyncio.run(serve_echo_bot())
        return 0
    asyncio.run(run(options, Out(stream)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
