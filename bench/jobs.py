"""Generation jobs under load: `python -m bench.jobs [--jobs 1000] [--lost 0.1]`.

The real TRT app (in a child process: job worker, webhook for Kie callbacks, PostgreSQL leases) runs
`--jobs` confirmed jobs at once against the fake Kie and the fake Telegram of the tests. Every Kie task
takes a random `--min`..`--max` seconds; the callback of a `--lost` share of them never comes, so
polling must finish those. Figures:
  * Kie queries per job (median; target ≤ 2): every recordInfo call the fake answered, per task;
  * delivery latency after Kie completes (p50/p99; target p99 ≤ 2 s): from the moment the fake task
    completed to the moment the fake Telegram received the job's Result View;
  * duplicate deliveries (must be 0): Result Views and media messages beyond one per job;
  * tasks created per job (must be 1).
Kie's real rate limits (20 createTask per 10 s, 10 queries per s) are raised for the run: with them
1000 jobs could not even be submitted in under 500 s, and the benchmark measures TRT, not that cap.
The job timings are the production defaults unless flags change them.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import contextlib
import hashlib
import math
import os
import random
import signal
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import aiohttp
import msgspec

from flows.catalog.validate import build_request_input
from flows.jobs.model import Job, hold_key
from integrations.kie.rate_limit import RateLimit
from persistence import jobs as job_rows
from persistence import ledger, users
from persistence.db import create_pool
from persistence.migrations import migrate
from runtime.config import load_settings
from runtime.ids import new_request_id
from runtime.jobs import JobsOptions, JobTimings, PollTier
from runtime.logs import setup_logging
from sandbox.kie import FakeKie, FakeTask, Phase, Succeed
from sandbox.telegram import FakeTelegram
from tests.db import create_database, drop_database, url_for
from tests.e2e.harness import env_for, free_port
from tests.flows.driver import CATALOG

REPO_ROOT = Path(__file__).resolve().parents[1]
MODEL = "google/nano-banana"
FIRST_CHAT = 20_000_000


class LossyKie(FakeKie):
    """The fake Kie, losing the callbacks of a fixed share of tasks (chosen by a hash of the task id)."""

    def __init__(self, lost_share: float, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.lost_share = lost_share
        self.lost_tasks: set[str] = set()

    async def _send_callbacks(self, task: FakeTask) -> None:
        digest = int(hashlib.sha256(task.task_id.encode()).hexdigest()[:8], 16)
        if digest / 0xFFFFFFFF < self.lost_share:
            self.lost_tasks.add(task.task_id)
            return
        await super()._send_callbacks(task)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.jobs", description=__doc__)
    parser.add_argument("--jobs", type=int, default=1000)
    parser.add_argument("--lost", type=float, default=0.1, help="share of callbacks lost (default 0.1)")
    parser.add_argument("--min", type=float, default=3.0, help="shortest Kie task, seconds (default 3)")
    parser.add_argument("--max", type=float, default=8.0, help="longest Kie task, seconds (default 8)")
    parser.add_argument("--db-maxconn", type=int, default=30)
    parser.add_argument("--concurrency", type=int, default=JobTimings().concurrency)
    parser.add_argument(
        "--first-tier",
        type=float,
        nargs=2,
        metavar=("LOW", "HIGH"),
        help="poll every LOW–HIGH s during the first 30 s instead of the default 2–3 s",
    )
    parser.add_argument("--timeout", type=float, default=180.0, help="give up after this many seconds")
    parser.add_argument("--seed", type=int, default=7)
    return parser.parse_args(argv)


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered), math.ceil(pct / 100 * len(ordered))) - 1)]


def out(line: str = "") -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


async def seed_jobs(pool, count: int) -> list[tuple[str, int]]:
    entry = CATALOG.get(MODEL)
    request_input = build_request_input(entry, dict(entry.examples[0]))
    created = []
    for n in range(count):
        chat_id = FIRST_CHAT + n
        request_id = new_request_id()
        async with pool.acquire() as conn, conn.transaction():
            await users.touch(conn, chat_id, None, "Bench", "ru")
            await ledger.credit_topup(conn, chat_id, 1000, f"bench-{request_id}", "transfer")
            await ledger.hold(conn, chat_id, 1000, hold_key(request_id, chat_id, MODEL))
            await job_rows.create(
                conn,
                Job(
                    request_id=request_id,
                    user_id=chat_id,
                    chat_id=chat_id,
                    model_id=MODEL,
                    input=request_input,
                    files={},
                    price_kopecks=1000,
                    wizard_values=dict(entry.examples[0]),
                ),
            )
        created.append((request_id, chat_id))
    return created


@contextlib.asynccontextmanager
async def app_process(url: str, tg: FakeTelegram, kie: FakeKie, jobs_options: JobsOptions, db_maxconn: int):
    """TRT in a child process (so it does not share this event loop with the fakes); yields a coroutine
    function that pokes it (a no-op: the app's worker finds the queued jobs by itself)."""
    port = free_port()
    env = env_for(
        tg,
        url,
        port,
        DB_MAXCONN=str(db_maxconn),
        LOG_LEVEL="WARNING",
        KIE_API_BASE=kie.api_base,
        KIE_UPLOAD_BASE=kie.upload_base,
        KIE_API_KEY=kie.api_key,
    )
    env = {
        **os.environ,
        **env,
        "BENCH_JOBS_CHILD": "1",
        "BENCH_JOBS_OPTIONS": msgspec.json.encode(jobs_options).decode(),
    }
    process = await asyncio.create_subprocess_exec(sys.executable, "-m", "bench.jobs", env=env, cwd=REPO_ROOT)
    try:
        async with aiohttp.ClientSession() as http:
            for _ in range(600):
                with contextlib.suppress(aiohttp.ClientError):
                    async with http.get(f"http://127.0.0.1:{port}/health") as response:
                        if response.status == 200:
                            break
                if process.returncode is not None:
                    raise RuntimeError("the app process exited at start")
                await asyncio.sleep(0.1)

        async def wake() -> None:
            return None

        yield wake
    finally:
        if process.returncode is None:
            process.send_signal(signal.SIGTERM)
            await process.wait()


async def run(options: argparse.Namespace) -> int:
    random.seed(options.seed)
    database = await create_database("trt_bench_jobs")
    url = url_for(database)
    try:
        pool = await create_pool(url, 10)
        await migrate(pool)
        async with FakeTelegram() as tg, LossyKie(options.lost) as kie:
            steps = [
                [Phase("generating", seconds=random.uniform(options.min, options.max)), Succeed()]
                for _ in range(options.jobs)
            ]
            for script in steps:
                kie.script_next(MODEL, script)
            out(f"seeding {options.jobs} jobs…")
            seeded = await seed_jobs(pool, options.jobs)
            timings = JobTimings(concurrency=options.concurrency)
            if options.first_tier:
                low, high = options.first_tier
                timings = msgspec.structs.replace(
                    timings, poll_tiers=(PollTier(30, low, high), *timings.poll_tiers[1:])
                )
            jobs_options = JobsOptions(
                timings=timings,
                create_limit=RateLimit(100_000, 1.0),
                query_limit=RateLimit(100_000, 1.0),
            )
            started = time.time()
            async with app_process(url, tg, kie, jobs_options, options.db_maxconn) as wake:
                await wake()
                deadline = started + options.timeout
                while time.time() < deadline:
                    left = await pool.fetchval("SELECT count(*) FROM jobs WHERE delivered_at IS NULL")
                    if left == 0:
                        break
                    await asyncio.sleep(0.25)
                await asyncio.sleep(1.0)  # anything duplicated would arrive now
            elapsed = time.time() - started
            await report(options, seeded, tg, kie, pool, elapsed)
            undelivered = await pool.fetchval("SELECT count(*) FROM jobs WHERE delivered_at IS NULL")
            failed = await pool.fetchval("SELECT count(*) FROM jobs WHERE state <> 'succeeded'")
            out(f"undelivered: {undelivered}   not succeeded: {failed}")
        await pool.close()
    finally:
        await drop_database(database)
    return 0


async def report(options, seeded, tg: FakeTelegram, kie: LossyKie, pool, elapsed: float) -> None:
    by_request = {request_id: chat_id for request_id, chat_id in seeded}
    views: collections.Counter[str] = collections.Counter()
    view_at: dict[str, float] = {}
    for call in tg.calls("sendMessage"):
        markup = call.params.get("reply_markup") or {}
        for row in markup.get("inline_keyboard", []):
            for button in row:
                data = button.get("callback_data") or ""
                if call.ok and data.startswith("r:") and data[2:] in by_request:
                    views[data[2:]] += 1
                    view_at.setdefault(data[2:], call.at)
    media = collections.Counter(c.chat_id for c in tg.calls("sendPhoto") if c.ok)
    task_of: dict[str, FakeTask] = {}
    for task in kie.tasks.values():
        task_of[task.task_id] = task
    queries = [kie.queries_per_task.get(task_id, 0) for task_id in task_of]
    rows = await pool.fetch("SELECT request_id, kie_task_id FROM jobs WHERE kie_task_id IS NOT NULL")
    latencies: list[float] = []
    lost_latencies: list[float] = []
    kept: list[float] = []
    for row in rows:
        request_id, task_id = row["request_id"], row["kie_task_id"]
        task = task_of.get(task_id)
        if task is None or task.completed_at is None or request_id not in view_at:
            continue
        latency = view_at[request_id] - task.completed_at
        latencies.append(latency)
        (lost_latencies if task_id in kie.lost_tasks else kept).append(latency)
    duplicates = sum(n - 1 for n in views.values() if n > 1) + sum(n - 1 for n in media.values() if n > 1)
    created_per_job = kie.created_per_model[MODEL] / max(1, len(seeded))
    out("")
    out(f"TRT generation jobs: {len(seeded)} concurrent jobs, fake Kie + fake Telegram, real PostgreSQL")
    out(f"  task duration {options.min:.0f}–{options.max:.0f} s, callbacks lost: {len(kie.lost_tasks)}")
    out(f"  wall time until all delivered: {elapsed:.1f} s, job worker concurrency {options.concurrency}")
    tier = options.first_tier or (2.0, 3.0)
    out(f"  polling in the first 30 s: every {tier[0]:g}–{tier[1]:g} s; DB_MAXCONN {options.db_maxconn}")
    out(
        f"  Kie queries per job: median {statistics.median(queries):.1f}, mean {statistics.mean(queries):.2f}, "
        f"max {max(queries)}   (target: median ≤ 2)"
    )
    if latencies:
        out(
            f"  delivery latency after Kie completes: p50 {percentile(latencies, 50):.2f} s, "
            f"p99 {percentile(latencies, 99):.2f} s, max {max(latencies):.2f} s   (target: p99 ≤ 2 s)"
        )
    if lost_latencies:
        out(
            f"    of which lost-callback jobs: p50 {percentile(lost_latencies, 50):.2f} s, "
            f"p99 {percentile(lost_latencies, 99):.2f} s"
        )
        if kept:
            out(
                f"    callback-delivered jobs: p50 {percentile(kept, 50):.2f} s, p99 {percentile(kept, 99):.2f} s"
            )
    out(f"  duplicate deliveries: {duplicates}   (must be 0)")
    out(f"  Kie tasks created per job: {created_per_job:.3f}   (must be 1)")
    out(f"  Result Views: {sum(views.values())} for {len(seeded)} jobs")


async def _serve() -> None:
    """The child process: TRT with the JobsOptions the parent passed, until SIGTERM."""
    from runtime.app import TrtApp, run_until_signal

    settings, _ = load_settings(os.environ)
    options = msgspec.json.decode(os.environ["BENCH_JOBS_OPTIONS"], type=JobsOptions)
    await run_until_signal(TrtApp(settings, host="127.0.0.1", jobs=options))


def main(argv: list[str] | None = None) -> int:
    if os.environ.get("BENCH_JOBS_CHILD") == "1":
        settings, _ = load_settings(os.environ)
        setup_logging(settings.log_level, settings.log_format, settings.secret_values())
        asyncio.run(_serve())
        return 0
    return asyncio.run(run(parse_args(argv)))


if __name__ == "__main__":
    sys.exit(main())
