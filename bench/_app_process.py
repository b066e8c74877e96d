"""TRT in its own process for the benchmarks: settings from the environment, serves on 127.0.0.1
until SIGTERM. The log level comes from LOG_LEVEL (the benchmarks set WARNING).

Experiment knobs, off by default, to measure a proposed change without editing the app:
- `BENCH_WORKER_CONCURRENCY=N`: the inbox worker's concurrency.
- `BENCH_PIN_RESPONSE_TYPES=1`: keep strong references to aiogram's `Response[...]` generic models.
  pydantic 2 caches parametrized generics in a WeakValueDictionary, and aiogram builds
  `Response[method.__returning__]` on every Bot API answer, so each time the garbage collector frees
  the class it is rebuilt (tens of ms of CPU, blocking the event loop).
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys

from runtime.config import ConfigError, load_settings
from runtime.logs import setup_logging


async def _serve() -> None:
    from runtime.app import TrtApp  # imported after logging is set: aiogram takes seconds to import

    settings, _ = load_settings(os.environ)
    if os.environ.get("BENCH_PIN_RESPONSE_TYPES") == "1":
        _pin_response_types()
    concurrency = int(os.environ.get("BENCH_WORKER_CONCURRENCY") or 0) or None
    app = TrtApp(settings, host="127.0.0.1", worker_concurrency=concurrency)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    await app.start()
    try:
        await stop.wait()
    finally:
        await app.stop()


_PINNED: list[object] = []


def _pin_response_types() -> None:
    from aiogram.client.session.base import Response
    from aiogram.types import BotCommand, Message, WebhookInfo

    for returning in (Message, bool, list[BotCommand], WebhookInfo):
        _PINNED.append(Response[returning])


def main() -> int:
    try:
        settings, _ = load_settings(os.environ)
    except ConfigError as exc:
        setup_logging("ERROR")
        sys.stderr.write(f"{exc}\n")
        return 2
    setup_logging(settings.log_level, settings.log_format, settings.secret_values())
    asyncio.run(_serve())
    return 0


if __name__ == "__main__":
    sys.exit(main())
