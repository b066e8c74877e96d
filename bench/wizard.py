"""Wizard benchmark: `python -m bench.wizard [--users 100] [--rounds 10] [--model kling-3.0/video]`.

Three figures of the model wizards (statecharts generated from each model's schema):

1. **Charts at startup** — in fresh processes (`python -m bench.wizard --probe …`, so every module
   cache is cold): `load_catalog()`, `Book.chart()` for every enabled model, then the first-use cost
   of one chart, of its machine instance and of one transition.
2. **One wizard step through the webhook** — the real app in a subprocess (bench/_app_process.py,
   fresh PostgreSQL database, the fake Telegram of the tests), `--users` chats each at an input step
   of `--model`; every round all of them send their next step action (a text message or a button
   press, as the model's example says) at the same moment. Latency = POST start → that chat's screen
   (`sendMessage`/`editMessageText`) at the fake. Between rounds the inbox is drained, so rounds do
   not overlap. After the last field the chats are at the review; there they tap "edit" on the first
   field and type it again, so any number of rounds stays at input steps.
3. **Session snapshot size** — one chat per `--snapshot-models` model walks from the card to the
   review; after every step `octet_length(state::text)` (and the stored `pg_column_size`) of its
   `sessions.state` row.

Figures go to stdout (print is banned outside tests); `--json PATH` writes them as JSON too.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import contextlib
import itertools
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any, TextIO

import aiohttp
import asyncpg
import msgspec

from bench.common import (
    REPO_ROOT,
    SECRET_HEADER,
    Out,
    ReplyWatchingTelegram,
    Target,
    cpu_growth,
    cpu_seconds,
    fmt,
    percentile,
    postgres_cpu_by_pid,
)
from sandbox.telegram import Call, make_callback_update, make_message_update
from tests.db import url_for

TITLE = "TRT wizard benchmark (charts, one step through the webhook, session size)"
DEFAULT_MODEL = "kling-3.0/video"
DEFAULT_SNAPSHOT_MODELS = ("kling-3.0/video", "z-image")
FIRST_CHAT_ID = 20_000_000
SNAPSHOT_CHAT_ID = 19_000_000
SCREEN_METHODS = ("sendMessage", "editMessageText")
# Targets (reported, never asserted).
TARGET_CHARTS_S = 1.0
TARGET_STEP_P99_MS = 100.0
TARGET_SNAPSHOT_BYTES = 2048


# ---- 1. charts, in fresh processes --------------------------------------------------------------------


def _probe(mode: str, model_id: str) -> dict[str, Any]:
    """Runs in a fresh process (`--probe`): the wizard modules are imported here, after the clock starts."""
    started = time.perf_counter()
    from flows.book import Book
    from flows.catalog import load_catalog
    from flows.wizard import chart

    figures: dict[str, Any] = {"import_s": time.perf_counter() - started}
    started = time.perf_counter()
    catalog = load_catalog()
    figures["load_catalog_s"] = time.perf_counter() - started
    enabled = catalog.enabled()
    figures["models"] = len(catalog)
    figures["enabled"] = len(enabled)

    book = Book()

    def clear_caches() -> Book:
        return Book()

    if mode == "all":
        per_chart: list[tuple[float, str]] = []
        started = time.perf_counter()
        for entry in enabled:
            one = time.perf_counter()
            book.chart(entry)
            per_chart.append((time.perf_counter() - one, entry.id))
        figures["all_charts_s"] = time.perf_counter() - started
        figures["first_chart_s"], figures["first_chart_model"] = per_chart[0]
        figures["chart_median_ms"] = statistics.median(s for s, _ in per_chart) * 1000
        slowest = max(per_chart)
        figures["chart_max_ms"], figures["chart_max_model"] = slowest[0] * 1000, slowest[1]
        figures["states"] = sum(len(book.chart(e).states) for e in enabled)
        # The same again with the module caches cleared but the library warm (a catalog reload).
        book = clear_caches()
        started = time.perf_counter()
        for entry in enabled:
            book.chart(entry)
        figures["all_charts_again_s"] = time.perf_counter() - started
        return figures

    entry = catalog.get(model_id)
    if entry is None:
        raise SystemExit(f"unknown model {model_id!r}")
    figures["model"] = entry.id
    first_field = chart.ask_order(entry)[0]
    state = chart.step_state(first_field)
    example = entry.examples[0] if entry.examples else {}
    values = {first_field: example.get(first_field, "x")}

    started = time.perf_counter()
    book.chart(entry)
    figures["chart_first_s"] = time.perf_counter() - started
    started = time.perf_counter()
    machine, model = book.machine(entry, dict(values), state)
    figures["machine_first_s"] = time.perf_counter() - started
    started = time.perf_counter()
    machine.send("next", ready=False)
    figures["transition_first_ms"] = (time.perf_counter() - started) * 1000
    figures["transition_to"] = model.state
    reuse: list[float] = []
    sends: list[float] = []
    for _ in range(200):
        started = time.perf_counter()
        machine, model = book.machine(entry, dict(values), state)
        reuse.append(time.perf_counter() - started)
        started = time.perf_counter()
        machine.send("next", ready=False)
        sends.append(time.perf_counter() - started)
    figures["machine_reuse_us"] = statistics.median(reuse) * 1e6
    figures["transition_us"] = statistics.median(sends) * 1e6
    # The same model once more with the module caches cleared: the chart's own cost, library warm.
    book = clear_caches()
    started = time.perf_counter()
    book.chart(entry)
    figures["chart_again_ms"] = (time.perf_counter() - started) * 1000
    started = time.perf_counter()
    book.machine(entry, dict(values), state)
    figures["machine_again_ms"] = (time.perf_counter() - started) * 1000
    return figures


def _run_probe(mode: str, model_id: str) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, "-m", "bench.wizard", "--probe", mode, "--model", model_id],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    if done.returncode != 0:
        raise RuntimeError(f"chart probe {mode} failed:\n{done.stderr[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


@dataclass
class ChartFigures:
    repeats: int
    model: str
    runs_all: list[dict[str, Any]]
    runs_one: list[dict[str, Any]]

    def median(self, key: str, runs: str = "all") -> float:
        return statistics.median(run[key] for run in getattr(self, f"runs_{runs}"))

    def best(self, key: str, runs: str = "all") -> float:
        return min(run[key] for run in getattr(self, f"runs_{runs}"))


def measure_charts(repeats: int = 3, model_id: str = DEFAULT_MODEL) -> ChartFigures:
    """`repeats` fresh processes building every chart, and as many building one chart and machine."""
    runs_all = [_run_probe("all", model_id) for _ in range(repeats)]
    runs_one = [_run_probe("one", model_id) for _ in range(repeats)]
    return ChartFigures(repeats, model_id, runs_all, runs_one)


def write_charts(fig: ChartFigures, out: Out) -> None:
    first = fig.runs_all[0]
    out.line()
    out.line(f"## 1. Charts at startup (fresh process each; median of {fig.repeats}, best in brackets)")
    total = fig.median("all_charts_s")
    verdict = "meets" if total < TARGET_CHARTS_S else "MISSES"
    rows = [
        ("import flows.catalog + flows.wizard.chart", "import_s", "all", 1000, "ms"),
        ("load_catalog()", "load_catalog_s", "all", 1000, "ms"),
        (f"Book.chart() × {first['enabled']} enabled models, cold", "all_charts_s", "all", 1000, "ms"),
        ("  of which the first chart (library warm-up)", "first_chart_s", "all", 1000, "ms"),
        ("  same again after clearing the caches", "all_charts_again_s", "all", 1000, "ms"),
    ]
    for label, key, runs, scale, unit in rows:
        out.line(
            f"{label:<58} {fig.median(key, runs) * scale:>9.1f} {unit} ({fig.best(key, runs) * scale:.1f})"
        )
    out.line(
        f"{'per chart: median / slowest':<58} {fig.median('chart_median_ms'):>9.1f} ms / "
        f"{fig.median('chart_max_ms'):.1f} ms ({first['chart_max_model']})"
    )
    out.line(f"{'states in all charts':<58} {first['states']:>9}")
    out.line(
        f"target: all charts < {TARGET_CHARTS_S:g} s → {verdict} "
        f"({total * 1000:.0f} ms for {first['enabled']} of {first['models']} models)"
    )
    one = fig.runs_one[0]
    out.line(f"first use of {fig.model} in a fresh process:")
    rows_one = [
        ("  Book.chart() (first chart of the process)", "chart_first_s", 1000, "ms"),
        ("  Book.machine(), cold: builds the machine instance", "machine_first_s", 1000, "ms"),
        (f"  first transition (next → {one['transition_to']})", "transition_first_ms", 1, "ms"),
        ("  Book.chart() again, caches cleared (library warm)", "chart_again_ms", 1, "ms"),
        ("  Book.machine() again, caches cleared", "machine_again_ms", 1, "ms"),
        ("  Book.machine() reused (cached machine)", "machine_reuse_us", 1, "µs"),
        ("  one transition, warm", "transition_us", 1, "µs"),
    ]
    for label, key, scale, unit in rows_one:
        out.line(
            f"{label:<58} {fig.median(key, 'one') * scale:>9.1f} {unit} ({fig.best(key, 'one') * scale:.1f})"
        )


# ---- 2 and 3. the real app, driven through the webhook ------------------------------------------------


@dataclass
class Answer:
    chat: int
    action: str  # "text" | "tap"
    ack_s: float | None = None
    e2e_s: float | None = None
    error: str | None = None


class WizardUsers:
    """Chats talking to the app's webhook; an action's latency ends at that chat's next screen."""

    def __init__(self, tg: ReplyWatchingTelegram, target: Target, connections: int) -> None:
        self.tg = tg
        self.target = target
        self.connections = connections
        self._url = target.base_url + target.webhook_path
        self._headers = {"Content-Type": "application/json", SECRET_HEADER: target.header_secret}
        self._update_ids = itertools.count(1)
        self._pending: dict[int, tuple[float, asyncio.Future[float]]] = {}
        self._http: aiohttp.ClientSession | None = None
        tg.on_call = self._on_call

    async def __aenter__(self) -> WizardUsers:
        connector = aiohttp.TCPConnector(limit=self.connections)
        self._http = aiohttp.ClientSession(connector=connector, timeout=aiohttp.ClientTimeout(total=60))
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        if self._http is not None:
            await self._http.close()
        self.tg.on_call = None

    def _on_call(self, call: Call) -> None:
        if call.method not in SCREEN_METHODS or not call.ok:
            return
        pending = self._pending.pop(call.chat_id, None)  # type: ignore[arg-type]
        if pending is not None and not pending[1].done():
            pending[1].set_result(time.perf_counter() - pending[0])

    def text_update(self, chat: int, text: str) -> dict[str, Any]:
        return make_message_update(
            next(self._update_ids), chat, text, user_id=chat, username=f"u{chat}", first_name="Bench"
        )

    def tap_update(self, chat: int, data: str) -> dict[str, Any]:
        message = self.tg.last_message(chat)
        if message is None:
            raise RuntimeError(f"chat {chat}: no message to press a button under")
        return make_callback_update(
            next(self._update_ids), chat, data, message["message_id"], message=message, bot_id=self.tg.bot_id
        )

    def buttons(self, chat: int) -> list[tuple[str, str]]:
        message = self.tg.last_message(chat)
        return [(b["text"], b.get("callback_data", "")) for b in self.tg.buttons(message)]

    async def act(self, chat: int, action: str, body: bytes, timeout: float = 30.0) -> Answer:
        assert self._http is not None
        answer = Answer(chat, action)
        future: asyncio.Future[float] = asyncio.get_running_loop().create_future()
        started = time.perf_counter()
        self._pending[chat] = (started, future)
        try:
            async with self._http.post(self._url, data=body, headers=self._headers) as response:
                await response.read()
                status: int | str = response.status
        except (aiohttp.ClientError, TimeoutError, OSError) as exc:
            status = type(exc).__name__
        answer.ack_s = time.perf_counter() - started
        if status != 200:
            answer.error = f"HTTP {status}" if isinstance(status, int) else str(status)
            self._pending.pop(chat, None)
            return answer
        try:
            answer.e2e_s = await asyncio.wait_for(asyncio.shield(future), timeout)
        except TimeoutError:
            answer.error = "no screen"
            self._pending.pop(chat, None)
        return answer


def _ending(buttons: Sequence[tuple[str, str]], suffix: str) -> str:
    for _, data in buttons:
        if data.endswith(suffix):
            return data
    raise LookupError(f"no button ending with {suffix!r} in {[label for label, _ in buttons]}")


def next_action(entry: Any, state: str, buttons: Sequence[tuple[str, str]], round_no: int) -> tuple[str, str]:
    """The step action a user takes at `state`, following the model's example: ("text", text) or
    ("tap", callback data). At the review: edit the first field (its step then returns to the review)."""
    from flows.catalog.types import BooleanField, EnumField, FileField, FileListField
    from flows.wizard import chart

    if state == chart.CARD:
        return "tap", _ending(buttons, ":next")
    if state == chart.REVIEW:
        return "tap", _ending(buttons, ":edit:0")
    name = chart.field_of(state)
    if name is None:
        raise RuntimeError(f"{entry.id}: no step action at state {state!r}")
    spec = entry.schema.properties[name]
    example = entry.examples[0] if entry.examples else {}
    value = example.get(name)
    if value is None:
        return "tap", _ending(buttons, ":next")
    if isinstance(spec, EnumField):
        return "tap", _ending(buttons, f":choose:{[str(v) for v in spec.values].index(str(value))}")
    if isinstance(spec, BooleanField):
        on = any(data.endswith(":toggle") and label.startswith("🟢") for label, data in buttons)
        return "tap", _ending(buttons, ":toggle" if on != bool(value) else ":next")
    if isinstance(spec, FileField | FileListField):
        raise RuntimeError(f"{entry.id}: step {name} needs a file; pick a model whose example has none")
    text = repr(value) if isinstance(value, float) else str(value)
    if name == chart.ask_order(entry)[0] and round_no:
        text = f"{text} (take {round_no})"  # a fresh prompt each time the user edits it
    return "text", text


@dataclass
class RoundResult:
    name: str
    setup: bool
    sent: int = 0
    answered: int = 0
    errors: dict[str, int] = field(default_factory=dict)
    actions: dict[str, int] = field(default_factory=dict)
    moves: dict[str, int] = field(default_factory=dict)  # "from → to": chats
    wall_s: float = 0.0  # first send → last screen
    ack_p50_ms: float | None = None
    ack_p99_ms: float | None = None
    e2e_p50_ms: float | None = None
    e2e_p99_ms: float | None = None
    e2e_max_ms: float | None = None
    app_cpu_ms_per_step: float | None = None
    pg_cpu_ms_per_step: float | None = None
    state_bytes_median: float | None = None
    state_bytes_max: int | None = None
    e2e_ms: list[float] = field(default_factory=list, repr=False)


@dataclass
class SnapshotStep:
    after: str  # what the user did
    state: str
    values: int
    text_bytes: int  # octet_length(state::text)
    stored_bytes: int  # pg_column_size(state): jsonb as stored (binary, maybe compressed)
    e2e_ms: float | None = None  # this step's latency, the chat alone on the bot


@dataclass
class WebhookFigures:
    model: str
    users: int
    rounds: list[RoundResult]
    snapshots: dict[str, list[SnapshotStep]]
    review_state: dict[str, Any]
    app_peak_rss_mb: float
    app_rss_mb: float
    calls_per_step: dict[str, float]
    app_log_warnings: int
    log_tail: list[str]
    gc: GcFigures
    gc_freeze: bool

    @property
    def steps(self) -> list[RoundResult]:
        return [r for r in self.rounds if not r.setup]

    def step_e2e_ms(self) -> list[float]:
        return [v for r in self.steps for v in r.e2e_ms]


async def _sessions(conn: asyncpg.Connection, chats: Sequence[int]) -> dict[int, tuple[str, int, int, int]]:
    """chat → (wizard state, values filled, octet_length(state::text), pg_column_size(state))."""
    rows = await conn.fetch(
        "SELECT chat_id, state -> 'flow' ->> 'state' AS wizard_state, "
        "(SELECT count(*) FROM jsonb_object_keys(coalesce(state -> 'flow' -> 'values', '{}'::jsonb))) AS n, "
        "octet_length(state::text) AS text_bytes, pg_column_size(state) AS stored_bytes "
        "FROM sessions WHERE chat_id = ANY($1::bigint[])",
        list(chats),
    )
    return {r["chat_id"]: (r["wizard_state"] or "", r["n"], r["text_bytes"], r["stored_bytes"]) for r in rows}


async def _drain_inbox(conn: asyncpg.Connection, timeout: float = 30.0) -> None:
    """Wait until the app has finished every stored update (its screens, its bookkeeping)."""
    deadline = time.monotonic() + timeout
    while await conn.fetchval("SELECT count(*) FROM inbox WHERE status IN ('pending', 'replying')"):
        if time.monotonic() > deadline:
            raise RuntimeError("the inbox did not drain")
        await asyncio.sleep(0.02)


async def _round(
    name: str,
    setup: bool,
    users: WizardUsers,
    conn: asyncpg.Connection,
    plan: dict[int, tuple[str, bytes]],
    before: dict[int, tuple[str, int, int, int]],
    database: str | None,
) -> tuple[RoundResult, dict[int, tuple[str, int, int, int]]]:
    result = RoundResult(name=name, setup=setup, sent=len(plan))
    result.actions = dict(collections.Counter(action for action, _ in plan.values()))
    app_pid = users.target.process.pid
    app_cpu, pg_cpu = cpu_seconds(app_pid), postgres_cpu_by_pid(database)
    started = time.perf_counter()
    answers = await asyncio.gather(*(users.act(chat, action, body) for chat, (action, body) in plan.items()))
    result.wall_s = time.perf_counter() - started
    await _drain_inbox(conn)
    app_used = cpu_seconds(app_pid) - app_cpu
    pg_used = cpu_growth(pg_cpu, postgres_cpu_by_pid(database))
    after = await _sessions(conn, list(plan))
    errors: collections.Counter[str] = collections.Counter(a.error for a in answers if a.error)
    result.errors = dict(errors)
    e2e = [a.e2e_s * 1000 for a in answers if a.e2e_s is not None]
    ack = [a.ack_s * 1000 for a in answers if a.ack_s is not None]
    result.answered = len(e2e)
    result.e2e_ms = e2e
    result.ack_p50_ms, result.ack_p99_ms = percentile(ack, 50), percentile(ack, 99)
    result.e2e_p50_ms, result.e2e_p99_ms = percentile(e2e, 50), percentile(e2e, 99)
    result.e2e_max_ms = max(e2e) if e2e else None
    if result.answered:
        result.app_cpu_ms_per_step = app_used * 1000 / result.answered
        result.pg_cpu_ms_per_step = pg_used * 1000 / result.answered
    moves = collections.Counter(
        f"{before.get(chat, ('—',))[0] or '—'} → {after.get(chat, ('—',))[0] or '—'}" for chat in plan
    )
    result.moves = dict(moves.most_common())
    sizes = [after[chat][2] for chat in plan if chat in after]
    if sizes:
        result.state_bytes_median = statistics.median(sizes)
        result.state_bytes_max = max(sizes)
    return result, after


def _plan(
    users: WizardUsers, entry: Any, chats: Sequence[int], states: dict[int, tuple[str, int, int, int]], n: int
) -> dict[int, tuple[str, bytes]]:
    plan: dict[int, tuple[str, bytes]] = {}
    for chat in chats:
        action, value = next_action(entry, states[chat][0], users.buttons(chat), n)
        update = users.text_update(chat, value) if action == "text" else users.tap_update(chat, value)
        plan[chat] = (action, msgspec.json.encode(update))
    return plan


async def snapshot_walk(
    users: WizardUsers, conn: asyncpg.Connection, entry: Any, chat: int, database: str | None
) -> tuple[list[SnapshotStep], dict[str, Any]]:
    """One chat from the deep link to the review; the session row's size after every step."""
    from flows.wizard import chart

    steps: list[SnapshotStep] = []
    states: dict[int, tuple[str, int, int, int]] = {}
    body = msgspec.json.encode(users.text_update(chat, f"/start m-{entry.slug}"))
    plan = {chat: ("text", body)}
    label = "/start (card)"
    for _ in range(40):
        result, states = await _round(label, True, users, conn, plan, states, database)
        if result.errors or chat not in states:
            raise RuntimeError(f"{entry.id}: snapshot walk failed at {label}: {result.errors}")
        state, values, text_bytes, stored_bytes = states[chat]
        steps.append(SnapshotStep(label, state, values, text_bytes, stored_bytes, result.e2e_p50_ms))
        if state == chart.REVIEW:
            row = await conn.fetchval("SELECT state::text FROM sessions WHERE chat_id = $1", chat)
            return steps, json.loads(row)
        action, value = next_action(entry, state, users.buttons(chat), 0)
        update = users.text_update(chat, value) if action == "text" else users.tap_update(chat, value)
        plan = {chat: (action, msgspec.json.encode(update))}
        label = f"{action} at {state}" if action == "text" else f"{value.split(':', 1)[1]} at {state}"
    raise RuntimeError(f"{entry.id}: the walk did not reach the review")


def _serve_instrumented() -> int:
    """The bot process of this benchmark: bench/_app_process.py, plus a log of every garbage collection
    (BENCH_GC_LOG: "unix-time generation pause-ms" lines) and, as an experiment, `gc.freeze()` once
    the app has started (BENCH_GC_FREEZE=1), so the long-lived startup objects are never scanned again."""
    import gc

    from bench import _app_process

    path = os.environ.get("BENCH_GC_LOG")
    log = open(path, "a", buffering=1) if path else None  # open as long as the process lives
    started = [0.0]

    def on_gc(phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            started[0] = time.perf_counter()
        elif log is not None:
            log.write(
                f"{time.time():.4f} {info['generation']} {(time.perf_counter() - started[0]) * 1000:.3f}\n"
            )

    gc.callbacks.append(on_gc)
    if os.environ.get("BENCH_GC_FREEZE") == "1":
        from runtime.app import TrtApp

        original = TrtApp.start

        async def start(self: TrtApp) -> None:
            await original(self)
            gc.collect()
            gc.freeze()

        TrtApp.start = start  # type: ignore[method-assign]
    return _app_process.main()


@dataclass
class GcFigures:
    collections: dict[int, int]  # generation → collections during the step rounds
    pause_ms: dict[int, float]  # generation → total pause
    max_pause_ms: float


def _gc_during(path: str, start: float, end: float) -> GcFigures:
    counts: collections.Counter[int] = collections.Counter()
    pauses: collections.Counter[int] = collections.Counter()
    longest = 0.0
    with open(path) as fh:
        for line in fh:
            at, generation, pause = line.split()
            if start <= float(at) <= end:
                counts[int(generation)] += 1
                pauses[int(generation)] += float(pause)
                longest = max(longest, float(pause))
    return GcFigures(
        dict(sorted(counts.items())), {g: round(p, 1) for g, p in sorted(pauses.items())}, longest
    )


@contextlib.asynccontextmanager
async def _launch(
    tg: ReplyWatchingTelegram, db_maxconn: int, workers: int, gc_log: str, gc_freeze: bool
) -> AsyncIterator[Target]:
    """Like bench/webhook_load.py's launcher, with the bot process of `_serve_instrumented`."""
    from bench.common import AppProcess, running
    from runtime.secrets import webhook_header_secret, webhook_path_secret
    from tests.db import create_database, drop_database
    from tests.e2e.harness import env_for, free_port

    database = await create_database("trt_bench_wizard")
    try:
        port = free_port()
        env = env_for(tg, url_for(database), port, DB_MAXCONN=str(db_maxconn), LOG_LEVEL="WARNING")
        env["BENCH_GC_LOG"] = gc_log
        if workers:
            env["BENCH_WORKER_CONCURRENCY"] = str(workers)
        if gc_freeze:
            env["BENCH_GC_FREEZE"] = "1"
        process = AppProcess("trt", ["bench.wizard", "--serve"], env)
        async with running(process, f"http://127.0.0.1:{port}/health"):
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


async def measure_webhook(
    users_count: int = 100,
    rounds: int = 10,
    model_id: str = DEFAULT_MODEL,
    connections: int = 100,
    db_maxconn: int = 10,
    workers: int = 0,
    snapshot_models: Sequence[str] = DEFAULT_SNAPSHOT_MODELS,
    gc_freeze: bool = False,
) -> WebhookFigures:
    from flows.catalog import load_catalog

    catalog = load_catalog()
    entry = catalog.get(model_id)
    if entry is None or not entry.enabled:
        raise SystemExit(f"unknown or disabled model {model_id!r}")
    tg = ReplyWatchingTelegram()
    await tg.start()
    gc_log = tempfile.NamedTemporaryFile(prefix="trt_gc_", suffix=".log", delete=False)
    gc_log.close()
    try:
        async with _launch(tg, db_maxconn, workers, gc_log.name, gc_freeze) as target:
            conn = await asyncpg.connect(url_for(target.database))
            try:
                async with WizardUsers(tg, target, connections) as users:
                    snapshots: dict[str, list[SnapshotStep]] = {}
                    review_state: dict[str, Any] = {}
                    for index, snap_model in enumerate(snapshot_models):
                        snap_entry = catalog.get(snap_model)
                        if snap_entry is None:
                            raise SystemExit(f"unknown model {snap_model!r}")
                        steps, state = await snapshot_walk(
                            users, conn, snap_entry, SNAPSHOT_CHAT_ID + index, target.database
                        )
                        snapshots[snap_model] = steps
                        review_state.setdefault(snap_model, state)

                    chats = list(range(FIRST_CHAT_ID, FIRST_CHAT_ID + users_count))
                    results: list[RoundResult] = []
                    states: dict[int, tuple[str, int, int, int]] = {}
                    opening = {
                        chat: ("text", msgspec.json.encode(users.text_update(chat, f"/start m-{entry.slug}")))
                        for chat in chats
                    }
                    result, states = await _round(
                        "setup: /start m-…", True, users, conn, opening, states, target.database
                    )
                    results.append(result)
                    result, states = await _round(
                        "setup: 🚀 start",
                        True,
                        users,
                        conn,
                        _plan(users, entry, chats, states, 0),
                        states,
                        target.database,
                    )
                    results.append(result)
                    tg.method_counts.clear()
                    steps_from = time.time()
                    for n in range(1, rounds + 1):
                        plan = _plan(users, entry, chats, states, n)
                        result, states = await _round(
                            f"step {n}", False, users, conn, plan, states, target.database
                        )
                        results.append(result)
                    steps_to = time.time()
                    answered = sum(r.answered for r in results if not r.setup)
                    calls = {
                        method: round(count / answered, 2)
                        for method, count in sorted(tg.method_counts.items())
                        if answered
                    }
            finally:
                await conn.close()
            memory = target.process.memory()
            lines = target.process.log_lines()
            warnings = [line for line in lines if " WARNING " in line or " ERROR " in line]
        gc_figures = _gc_during(gc_log.name, steps_from, steps_to)
    finally:
        await tg.stop()
        os.unlink(gc_log.name)
    return WebhookFigures(
        model=entry.id,
        users=users_count,
        rounds=results,
        snapshots=snapshots,
        review_state=review_state,
        app_peak_rss_mb=memory.peak_mb,
        app_rss_mb=memory.current_mb,
        calls_per_step=calls,
        app_log_warnings=len(warnings),
        log_tail=warnings[-5:],
        gc=gc_figures,
        gc_freeze=gc_freeze,
    )


def write_webhook(fig: WebhookFigures, out: Out) -> None:
    out.line()
    out.line(
        f"## 2. One wizard step through the webhook: {fig.users} chats at once, {fig.model} "
        "(latency: POST → that chat's sendMessage/editMessageText at the fake; ms)"
    )
    header = (
        f"{'round':<18} {'sent':>5} {'ok':>5} {'err':>4} {'actions':<16} {'ack p50':>8} {'ack p99':>8} "
        f"{'e2e p50':>8} {'e2e p99':>8} {'e2e max':>8} {'wall s':>6} {'bot ms':>6} {'pg ms':>6} "
        f"{'state B':>7}  moves"
    )
    out.line(header)
    out.line("-" * len(header))
    for r in fig.rounds:
        actions = ",".join(f"{k} {v}" for k, v in sorted(r.actions.items()))
        moves = "; ".join(f"{k} ×{v}" for k, v in list(r.moves.items())[:2])
        out.line(
            f"{r.name:<18} {r.sent:>5} {r.answered:>5} {sum(r.errors.values()):>4} {actions:<16} "
            f"{fmt(r.ack_p50_ms):>8} {fmt(r.ack_p99_ms):>8} {fmt(r.e2e_p50_ms):>8} {fmt(r.e2e_p99_ms):>8} "
            f"{fmt(r.e2e_max_ms):>8} {r.wall_s:>6.2f} {fmt(r.app_cpu_ms_per_step, 2):>6} "
            f"{fmt(r.pg_cpu_ms_per_step, 2):>6} {fmt(r.state_bytes_max, 0):>7}  {moves}"
        )
    out.line(
        "bot ms / pg ms = CPU of the bot process / its PostgreSQL backends per answered step; "
        "state B = largest sessions.state (octet_length of its text) after the round"
    )
    for r in fig.rounds:
        if r.errors:
            out.line(f"errors in {r.name}: {r.errors}")
    steps = fig.steps
    e2e = fig.step_e2e_ms()
    sent = sum(r.sent for r in steps)
    errors = sum(sum(r.errors.values()) for r in steps)
    p50, p99 = percentile(e2e, 50), percentile(e2e, 99)
    by_action: dict[str, list[float]] = collections.defaultdict(list)
    for r in steps:
        if len(r.actions) == 1:
            by_action[next(iter(r.actions))].extend(r.e2e_ms)
    split = ", ".join(
        f"{action} p50/p99 {fmt(percentile(v, 50))}/{fmt(percentile(v, 99))} ms"
        for action, v in sorted(by_action.items())
    )
    bot = [r.app_cpu_ms_per_step for r in steps if r.app_cpu_ms_per_step is not None]
    pg = [r.pg_cpu_ms_per_step for r in steps if r.pg_cpu_ms_per_step is not None]
    verdict = "meets" if p99 is not None and p99 <= TARGET_STEP_P99_MS else "MISSES"
    out.line(
        f"all {len(steps)} step rounds: {len(e2e)}/{sent} answered, {errors} errors; "
        f"e2e p50 {fmt(p50)} ms, p99 {fmt(p99)} ms, max {fmt(max(e2e) if e2e else None)} ms ({split})"
    )
    if bot:
        out.line(
            f"CPU per step: bot {statistics.mean(bot):.2f} ms, PostgreSQL {statistics.mean(pg):.2f} ms; "
            f"Bot API calls per step: " + ", ".join(f"{m} {n:g}" for m, n in fig.calls_per_step.items())
        )
    out.line(f"target: step p99 ≤ {TARGET_STEP_P99_MS:g} ms → {verdict}")
    gc_total = sum(fig.gc.pause_ms.values())
    out.line(
        f"bot garbage collection during the step rounds{' (gc.freeze() after start)' if fig.gc_freeze else ''}: "
        + ", ".join(f"gen{g} ×{n} {fig.gc.pause_ms[g]:.1f} ms" for g, n in fig.gc.collections.items())
        + f"; total {gc_total:.1f} ms, longest pause {fig.gc.max_pause_ms:.1f} ms"
    )
    out.line(f"bot process memory: peak RSS {fig.app_peak_rss_mb:.1f} MB, at end {fig.app_rss_mb:.1f} MB")
    if fig.app_log_warnings:
        out.line(f"bot log: {fig.app_log_warnings} WARNING/ERROR lines; last ones:")
        for line in fig.log_tail:
            out.line(f"  {line}")

    out.line()
    out.line("## 3. Session snapshot (sessions.state of one chat, bytes)")
    out.line(
        f"{'model':<18} {'after':<34} {'state':<16} {'values':>6} {'text B':>7} {'stored B':>8} {'e2e ms':>7}"
    )
    worst = 0
    for model, steps_ in fig.snapshots.items():
        for step in steps_:
            worst = max(worst, step.text_bytes)
            out.line(
                f"{model:<18} {step.after:<34} {step.state:<16} {step.values:>6} "
                f"{step.text_bytes:>7} {step.stored_bytes:>8} {fmt(step.e2e_ms):>7}"
            )
    verdict = "meets" if worst <= TARGET_SNAPSHOT_BYTES else "MISSES"
    out.line(
        "text B = octet_length(state::text); stored B = pg_column_size(state) (jsonb on disk); "
        "e2e ms = that step's latency with the chat alone on the bot"
    )
    alone = [s.e2e_ms for steps_ in fig.snapshots.values() for s in steps_[2:] if s.e2e_ms is not None]
    if alone:
        out.line(
            f"one chat alone, input steps: e2e p50 {fmt(percentile(alone, 50))} ms, "
            f"max {fmt(max(alone))} ms ({len(alone)} steps)"
        )
    out.line(f"target: ≤ {TARGET_SNAPSHOT_BYTES} B → {verdict} (largest seen {worst} B)")
    for model, state in fig.review_state.items():
        out.line(f"{model} at the review: {json.dumps(state, ensure_ascii=False)}")


def summary_line(charts: ChartFigures | None, hook: WebhookFigures | None) -> str:
    parts = ["summary:"]
    if charts is not None:
        parts.append(f"charts_all_ms={charts.median('all_charts_s') * 1000:.1f}")
        parts.append(f"load_catalog_ms={charts.median('load_catalog_s') * 1000:.1f}")
        parts.append(f"chart_first_ms={charts.median('chart_first_s', 'one') * 1000:.1f}")
        parts.append(f"machine_first_ms={charts.median('machine_first_s', 'one') * 1000:.1f}")
    if hook is not None:
        e2e = hook.step_e2e_ms()
        parts.append(f"step_p50_ms={fmt(percentile(e2e, 50))}")
        parts.append(f"step_p99_ms={fmt(percentile(e2e, 99))}")
        parts.append(f"steps={len(e2e)}/{sum(r.sent for r in hook.steps)}")
        parts.append(f"errors={sum(sum(r.errors.values()) for r in hook.rounds)}")
        sizes = [s for steps in hook.snapshots.values() for s in steps]
        review = [s.text_bytes for s in sizes if s.state == "review"]
        parts.append(f"snapshot_max_bytes={max((s.text_bytes for s in sizes), default=0)}")
        parts.append(f"review_bytes={max(review, default=0)}")
    return " ".join(parts)


# ---- the whole run --------------------------------------------------------------------------------------


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.wizard", description=__doc__)
    parser.add_argument("--users", type=int, default=100, help="chats stepping at once (default 100)")
    parser.add_argument("--rounds", type=int, default=10, help="step rounds (default 10)")
    parser.add_argument("--model", default=DEFAULT_MODEL, help=f"model of the step rounds ({DEFAULT_MODEL})")
    parser.add_argument(
        "--snapshot-models",
        default=",".join(DEFAULT_SNAPSHOT_MODELS),
        help="models whose session size is walked to the review, comma-separated",
    )
    parser.add_argument(
        "--connections", type=int, default=100, help="HTTP connections (default 100: all users at once)"
    )
    parser.add_argument("--db-maxconn", type=int, default=10, help="DB_MAXCONN of the app (default 10)")
    parser.add_argument(
        "--workers", type=int, default=0, help="inbox worker concurrency (default: the app's)"
    )
    parser.add_argument("--chart-repeats", type=int, default=3, help="fresh processes per chart probe")
    parser.add_argument("--skip-charts", action="store_true", help="skip part 1")
    parser.add_argument("--skip-webhook", action="store_true", help="skip parts 2 and 3")
    parser.add_argument(
        "--gc-freeze", action="store_true", help="experiment: gc.freeze() in the bot once it has started"
    )
    parser.add_argument("--json", help="also write the figures to this file")
    parser.add_argument("--probe", choices=("all", "one"), help=argparse.SUPPRESS)
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def main(argv: list[str] | None = None, stream: TextIO | None = None) -> int:
    options = parse_args(argv)
    if options.serve:
        return _serve_instrumented()
    if options.probe:
        sys.stdout.write(json.dumps(_probe(options.probe, options.model)) + "\n")
        return 0
    out = Out(stream)
    out.line(f"# {TITLE}")
    out.line(
        f"# {time.strftime('%Y-%m-%d %H:%M')} · {os.cpu_count()} CPUs · Python {sys.version.split()[0]} · "
        f"users={options.users} rounds={options.rounds} model={options.model} "
        f"connections={options.connections} db_maxconn={options.db_maxconn}"
        + (" gc-freeze" if options.gc_freeze else "")
    )
    charts = None if options.skip_charts else measure_charts(options.chart_repeats, options.model)
    if charts is not None:
        write_charts(charts, out)
    hook = None
    if not options.skip_webhook:
        hook = asyncio.run(
            measure_webhook(
                options.users,
                options.rounds,
                options.model,
                options.connections,
                options.db_maxconn,
                options.workers,
                [m for m in options.snapshot_models.split(",") if m.strip()],
                options.gc_freeze,
            )
        )
        write_webhook(hook, out)
    out.line()
    out.line(summary_line(charts, hook))
    if options.json:
        data = {
            "date": time.strftime("%Y-%m-%d %H:%M:%S %z"),
            "cpus": os.cpu_count(),
            "charts": asdict(charts) if charts else None,
            "webhook": asdict(hook) if hook else None,
        }
        with open(options.json, "w") as fh:
            fh.write(json.dumps(data, ensure_ascii=False, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
