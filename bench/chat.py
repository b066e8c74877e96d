"""Chat benchmark: concurrent dialogs, each one streamed answer of ~400 tokens at a realistic pace.

    python3 -m bench.chat [--dialogs 50] [--tokens 400] [--first-token 1.2] [--tokens-per-second 40]

What runs: the real app (`TrtApp`, webhook mode) on a fresh PostgreSQL database, in this process with
the fake Bot API; the fake Kie chat server in a child process (its 400 SSE events per answer are not
the bot's CPU). Every user first opens a dialog with the model through the webhook (not timed); then
each posts one message to the webhook, spread over `--arrival` seconds, as Telegram would: the inbox
stores it, phase 1 decides and holds the money, phase 2 streams the answer (drafts at most one a
second), settles it and sends the final message.

Figures: time from the user's message (the webhook POST) to the first draft (the "✍️ печатает…"
placeholder) and to the first draft with answer text, minus the fake's first-token delay (target p99
≤ 300 ms); Bot API calls per answer and the shortest gap between two updates of one chat (the 1 per
second rule); CPU per answer of this process (webhook, inbox, runner, the fake Bot API and the load
generator) and of the fake Kie.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import cProfile
import itertools
import pstats
import subprocess
import sys
import time
from typing import TextIO

from aiohttp import web

from bench.common import cpu_seconds, fmt, percentile


def _serve_kie(first_token: float, tokens_per_second: float, tokens: int) -> int:
    """The child process: the fake Kie chat server until stdin closes."""
    from sandbox.kie.chat import add_chat_routes
    from sandbox.kie.chat_state import KieChatState

    words = " ".join(f"слово{n}" for n in range(tokens))
    state = KieChatState(first_token_delay=first_token, token_delay=1.0 / tokens_per_second)
    state.answer_for = lambda model, text: words

    async def main() -> None:
        app = web.Application()
        add_chat_routes(app, state)
        runner = web.AppRunner(app, access_log=None, handler_cancellation=True)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        sys.stdout.write(f"URL http://127.0.0.1:{port}\n")
        sys.stdout.flush()
        await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)
        await runner.cleanup()

    asyncio.run(main())
    return 0


async def measure(
    dialogs: int,
    tokens: int,
    first_token: float,
    tokens_per_second: float,
    model_id: str,
    profile: bool = False,
    arrival: float = 1.0,
) -> dict[str, float | None]:
    from persistence import ledger, users
    from sandbox.telegram import FakeTelegram
    from tests.db import create_database, drop_database, url_for
    from tests.e2e.harness import running_app

    child = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "bench.chat",
            "--kie-fake",
            str(first_token),
            str(tokens_per_second),
            str(tokens),
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    name = await create_database("trt_bench_chat")
    try:
        base = child.stdout.readline().split()[1]  # type: ignore[union-attr]
        async with (
            FakeTelegram() as tg,
            running_app(
                url_for(name),
                tg,
                KIE_API_BASE=base,
                KIE_UPLOAD_BASE=base,
                DB_MAXCONN="20",
                LOG_LEVEL="WARNING",
            ) as client,
        ):
            pool = client.app.pool
            users_ = [1000 + n for n in range(dialogs)]
            for user_id in users_:
                await users.touch(pool, user_id, None, "Bench", "ru")
                await ledger.credit_topup(pool, user_id, 1_000_00, f"bench-{user_id}", "transfer")
            ids = itertools.count(1)
            for user_id in users_:  # into the dialog, through the webhook (not timed)
                await client.post(_tap(next(ids), user_id, f"tx:go:{model_id}"))
            await client.settle(timeout=60)
            started: dict[int, float] = {}
            cpu_before, cpu_child_before = cpu_seconds(), cpu_seconds(child.pid)
            wall = time.time()
            profiler = cProfile.Profile() if profile else None
            if profiler is not None:
                profiler.enable()
            # The messages arrive spread evenly over `arrival` seconds (0: all in the same instant).
            spacing = arrival / dialogs
            mark = len(tg.call_log)
            await asyncio.gather(
                *(_one(client, next(ids), u, started, n * spacing) for n, u in enumerate(users_))
            )
            await client.settle(timeout=600)
            if profiler is not None:
                profiler.disable()
                pstats.Stats(profiler, stream=sys.stderr).sort_stats("cumulative").print_stats(40)
            wall = time.time() - wall
            cpu = cpu_seconds() - cpu_before
            cpu_child = cpu_seconds(child.pid) - cpu_child_before
            figures = _figures(tg.call_log[mark:], started, first_token)
            answered = await pool.fetchval("SELECT count(*) FROM chat_runs WHERE state = 'answered'")
        figures.update(
            dialogs=dialogs,
            answered=answered,
            wall_s=wall,
            cpu_ms_per_answer=cpu * 1000 / dialogs,
            kie_fake_cpu_ms_per_answer=cpu_child * 1000 / dialogs,
        )
        return figures
    finally:
        await drop_database(name)
        with contextlib.suppress(Exception):
            child.stdin.close()  # type: ignore[union-attr]
            child.wait(timeout=10)


def _tap(update_id: int, user_id: int, data: str) -> dict:
    from sandbox.telegram import make_callback_update

    return make_callback_update(update_id, user_id, data, 1)


async def _one(client, update_id: int, user_id: int, started: dict[int, float], delay: float) -> None:
    """One user's message, posted to the webhook like Telegram does."""
    from sandbox.telegram import make_message_update

    await asyncio.sleep(delay)
    update = make_message_update(
        update_id, user_id, "Расскажи подробно, как устроен двигатель внутреннего сгорания"
    )
    started[user_id] = time.time()
    status, _ = await client.post(update)
    assert status == 200, status


def _figures(log, started: dict[int, float], first_token: float) -> dict[str, float | None]:
    first_draft, first_text, calls, gaps = [], [], [], []
    for chat_id, t0 in started.items():
        mine = [c for c in log if c.ok and c.chat_id == chat_id]
        drafts = [c for c in mine if c.method == "sendMessageDraft"]
        if drafts:
            first_draft.append((drafts[0].at - t0) * 1000)
        with_text = [c for c in drafts if c.params.get("text", "").startswith("слово")]
        if with_text:
            first_text.append((with_text[0].at - t0 - first_token) * 1000)
        calls.append(len(mine))
        times = [c.at for c in mine]
        gaps += [b - a for a, b in zip(times, times[1:], strict=False)]
    return {
        "first_draft_p50_ms": percentile(first_draft, 50),
        "first_draft_p99_ms": percentile(first_draft, 99),
        "first_text_after_first_token_p50_ms": percentile(first_text, 50),
        "first_text_after_first_token_p99_ms": percentile(first_text, 99),
        "bot_api_calls_per_answer": sum(calls) / len(calls) if calls else None,
        "min_gap_between_updates_s": min(gaps) if gaps else None,
    }


def main(argv: list[str] | None = None, out: TextIO = sys.stdout) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dialogs", type=int, default=50)
    parser.add_argument("--tokens", type=int, default=400)
    parser.add_argument(
        "--first-token", type=float, default=1.2, help="the fake's delay before the first token (s)"
    )
    parser.add_argument("--tokens-per-second", type=float, default=40.0)
    parser.add_argument("--model", default="gpt-5-2")
    parser.add_argument(
        "--arrival",
        type=float,
        default=1.0,
        help="the messages arrive spread over this many seconds (0: at once)",
    )
    parser.add_argument(
        "--profile", action="store_true", help="print a CPU profile of the timed part to stderr"
    )
    parser.add_argument("--kie-fake", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.kie_fake:
        first, pace, tokens = args.kie_fake
        return _serve_kie(float(first), float(pace), int(tokens))
    figures = asyncio.run(
        measure(
            args.dialogs,
            args.tokens,
            args.first_token,
            args.tokens_per_second,
            args.model,
            args.profile,
            args.arrival,
        )
    )
    out.write(
        f"chat bench: {args.dialogs} dialogs × {args.tokens} tokens at {args.tokens_per_second:g}/s, "
        f"first token after {args.first_token:g} s, arriving over {args.arrival:g} s, model {args.model}\n"
    )
    for key, value in figures.items():
        out.write(f"  {key:40} {fmt(value, 2) if isinstance(value, float) else value}\n")
    out.write(
        "summary: "
        f"first_draft_p99={fmt(figures['first_draft_p99_ms'])}ms "
        f"first_text_p99={fmt(figures['first_text_after_first_token_p99_ms'])}ms "
        f"calls_per_answer={fmt(figures['bot_api_calls_per_answer'])} "
        f"min_gap={fmt(figures['min_gap_between_updates_s'], 2)}s "
        f"cpu_per_answer={fmt(figures['cpu_ms_per_answer'])}ms\n"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
