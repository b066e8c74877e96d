"""Webhook load on the real TRT app: `python -m bench.webhook_load [--rate 300] [--seconds 10] [--chats 500]`.

TRT runs in a subprocess (bench/_app_process.py) in webhook mode against a fresh PostgreSQL database
(created here, dropped at the end) and the fake Telegram of the tests, which runs here together with
the load generator. `/start` updates from many chats are POSTed to the secret webhook path with the
secret header, open loop, over 40 connections. Figures: see bench/common.py and docs/performance.md.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
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
from tests.db import create_database, drop_database, url_for
from tests.e2e.harness import env_for, free_port

TITLE = "TRT webhook load (real app, PostgreSQL, fake Telegram)"


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.webhook_load", description=__doc__)
    add_load_arguments(parser)
    parser.add_argument("--db-maxconn", type=int, default=10, help="DB_MAXCONN of the app (default 10)")
    parser.add_argument(
        "--workers", type=int, default=0, help="inbox worker concurrency (default: the app's own choice)"
    )
    return parser.parse_args(argv)


def launcher(options: argparse.Namespace):
    @contextlib.asynccontextmanager
    async def launch(tg: ReplyWatchingTelegram) -> AsyncIterator[Target]:
        database = await create_database("trt_bench")
        try:
            port = free_port()
            env = env_for(
                tg, url_for(database), port, DB_MAXCONN=str(options.db_maxconn), LOG_LEVEL="WARNING"
            )
            if options.workers:
                env["BENCH_WORKER_CONCURRENCY"] = str(options.workers)
            process = AppProcess("trt", ["bench._app_process"], env)
            async with running(process, f"http://127.0.0.1:{port}/health"):
                # The app registers its webhook in the background; wait so that is not part of the load.
                await tg.wait_for("setWebhook", timeout=60)
                yield Target(
                    base_url=f"http://127.0.0.1:{port}",
                    webhook_path=f"/tg/{webhook_path_secret(tg.token)}",
                    header_secret=webhook_header_secret(tg.token),
                    process=process,
                    database=database,
                )
        finally:
            await drop_database(database)

    return launch


async def run(options: argparse.Namespace, out: Out) -> Report:
    worker_note = options.workers or f"{max(4, min(32, options.db_maxconn * 2))}(default)"
    return await run_load(
        TITLE,
        options,
        launcher(options),
        out,
        settings={
            "db_maxconn": options.db_maxconn,
            "workers": worker_note,
        },
    )


def main(argv: list[str] | None = None, stream: TextIO | None = None) -> int:
    asyncio.run(run(parse_args(argv), Out(stream)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
