"""TRT in its own process for the benchmarks: settings from the environment, serves on 127.0.0.1
until SIGTERM. The log level comes from LOG_LEVEL (the benchmarks set WARNING).

Experiment knob, off by default: `BENCH_WORKER_CONCURRENCY=N`, the inbox worker's concurrency.
(The former `BENCH_PIN_RESPONSE_TYPES` experiment is now what the app itself does: see
integrations/telegram/bot.py.)
"""

from __future__ import annotations

import asyncio
import os
import sys

from runtime.config import ConfigError, load_settings
from runtime.logs import setup_logging


async def _serve() -> None:
    from runtime.app import (
        TrtApp,  # imported after logging is set: aiogram takes seconds to import
        run_until_signal,
    )

    settings, _ = load_settings(os.environ)
    concurrency = int(os.environ.get("BENCH_WORKER_CONCURRENCY") or 0) or None
    await run_until_signal(TrtApp(settings, host="127.0.0.1", worker_concurrency=concurrency))


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
