"""Cold start of `trt demo`: `python -m bench.demo_start [--runs 5]`.

Each run starts `trt demo` as a new process (the way a newcomer does), with the embedded PostgreSQL in
a scratch data folder, and measures from the process start until
  page   the web chat answers GET / (what the browser needs to show something),
  bot    the bot has answered /start typed in the web chat (everything is up: database, migrations,
         aiogram, the webhook),
then stops it with Ctrl+C (SIGINT) and measures how long the clean stop takes (the embedded server
included). Run 0 initialises the database folder and is reported apart; the target (≤ 5 s to the page
after the first run) is about the runs after it. Everything is local: no figure depends on a network.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import statistics
import sys
import tempfile
import time
from pathlib import Path

import aiohttp

from tests.e2e.harness import free_port

ROOT = Path(__file__).resolve().parents[1]


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.demo_start", description=__doc__)
    parser.add_argument("--runs", type=int, default=5, help="warm runs after the first (default 5)")
    parser.add_argument("--timeout", type=float, default=60.0)
    return parser.parse_args(argv)


async def one_run(data_dir: Path, timeout: float) -> tuple[float, float, float]:
    port = free_port()
    environ = {key: value for key, value in os.environ.items() if key != "DATABASE_URL"}
    started = time.monotonic()
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "runtime.cli",
        "demo",
        "--port",
        str(port),
        "--data-dir",
        str(data_dir),
        "--log-level",
        "WARNING",
        cwd=ROOT,
        env=environ,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=5)) as http:
            async with asyncio.timeout(timeout):
                page = await _until_page(http, base, started)
                bot = await _until_bot_answers(http, base, started)
    finally:
        stopping = time.monotonic()
        process.send_signal(signal.SIGINT)
        await asyncio.wait_for(process.wait(), timeout)
        stop = time.monotonic() - stopping
    return page, bot, stop


async def _until_page(http: aiohttp.ClientSession, base: str, started: float) -> float:
    while True:
        try:
            async with http.get(base + "/") as response:
                if response.status == 200:
                    return time.monotonic() - started
        except aiohttp.ClientError:
            pass
        await asyncio.sleep(0.02)


async def _until_bot_answers(http: aiohttp.ClientSession, base: str, started: float) -> float:
    async with http.post(base + "/api/user/send", json={"text": "/start"}) as response:
        assert response.status == 200, await response.text()
    while True:
        async with http.get(base + "/api/state") as response:
            messages = (await response.json())["chats"]["user"]["messages"]
        if any(m.get("from", {}).get("is_bot") for m in messages):
            return time.monotonic() - started
        await asyncio.sleep(0.05)


async def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    out = sys.stdout
    with tempfile.TemporaryDirectory(prefix="trt-demo-bench-") as scratch:
        data_dir = Path(scratch) / "demo"
        first = await one_run(data_dir, args.timeout)
        runs = [await one_run(data_dir, args.timeout) for _ in range(args.runs)]
    out.write("Cold `trt demo` (new process, embedded PostgreSQL), seconds from the process start\n")
    out.write(f"{'':24}{'page answers':>14}{'bot answers':>14}{'clean stop':>12}\n")
    out.write(f"{'first run (initdb)':24}{first[0]:>14.2f}{first[1]:>14.2f}{first[2]:>12.2f}\n")
    for label, pick in (("median of later runs", statistics.median), ("worst of later runs", max)):
        row = [pick(run[i] for run in runs) for i in range(3)]
        out.write(f"{label:24}{row[0]:>14.2f}{row[1]:>14.2f}{row[2]:>12.2f}\n")
    out.write(f"({len(runs)} later runs; target: page ≤ 5 s after the first run)\n")
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
