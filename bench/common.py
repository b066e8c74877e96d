"""What both benchmarks share: the bot-under-test subprocess, the open-loop load generator, the fake
Telegram that reports replies as they arrive, /proc readings, percentiles and the printed table.

The bot runs in its own process so that the load generator and the fake Telegram (which live in this
process, on one event loop) do not steal its event loop; on a 2-core machine the three of them (bot,
this process, PostgreSQL) still share the CPU, which the table makes visible with per-process CPU.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import contextlib
import itertools
import math
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, TextIO

import aiohttp
import msgspec

from sandbox.telegram import Call, FakeTelegram, make_message_update

REPO_ROOT = Path(__file__).resolve().parents[1]
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
FIRST_CHAT_ID = 10_000_000
DEFAULT_RAMP = (100, 150, 200, 250, 300, 400, 500, 600, 800, 1000)

# A ramp step counts as sustained when this share of the offered rate was answered (replies reached
# Telegram) over the step's send window plus its drain, with no errors and nothing left unanswered.
SUSTAINED_SHARE = 0.95


# ---- figures ---------------------------------------------------------------------------------------------


def percentile(values: Sequence[float], pct: float) -> float | None:
    """Nearest-rank percentile (the value below which `pct` % of the samples fall); None when empty."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, math.ceil(pct / 100.0 * len(ordered)))
    return ordered[min(rank, len(ordered)) - 1]


@dataclass(frozen=True)
class Memory:
    peak_mb: float  # VmHWM: the resident-set high-water mark since the process started
    current_mb: float  # VmRSS


def read_memory(pid: int | str = "self") -> Memory:
    fields: dict[str, float] = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmHWM", "VmRSS"):
            fields[key] = int(value.split()[0]) / 1024.0  # kB → MB
    return Memory(fields.get("VmHWM", 0.0), fields.get("VmRSS", 0.0))


def cpu_seconds(pid: int | str = "self") -> float:
    """User + system CPU time of one process."""
    stat = Path(f"/proc/{pid}/stat").read_text()
    # The command name (field 2) may contain spaces; the fields after its closing paren are fixed.
    after = stat[stat.rindex(")") + 2 :].split()
    return (int(after[11]) + int(after[12])) / CLOCK_TICKS


def postgres_cpu_by_pid(database: str | None) -> dict[int, float]:
    """CPU time of the PostgreSQL backends serving `database` (their process title names it), by pid;
    empty without a database. Processes that end between listing and reading are skipped."""
    found: dict[int, float] = {}
    if not database:
        return found
    marker = f" {database} ".encode()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        with contextlib.suppress(OSError, ValueError, IndexError):
            if (entry / "comm").read_text().startswith("postgres") and marker in (
                entry / "cmdline"
            ).read_bytes():
                found[int(entry.name)] = cpu_seconds(entry.name)
    return found


def cpu_growth(before: dict[int, float], after: dict[int, float]) -> float:
    """CPU used in between by the processes alive at the end (new ones count from zero)."""
    return sum(max(0.0, seconds - before.get(pid, 0.0)) for pid, seconds in after.items())


def machine_ticks() -> tuple[int, int]:
    """(busy, total) jiffies of all CPUs, from the first line of /proc/stat."""
    values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = values[3] + values[4]  # idle + iowait
    total = sum(values[:8])  # without guest time, which is already counted in user
    return total - idle, total


class Out:
    """Where figures go: stdout by default (print is banned outside tests)."""

    def __init__(self, stream: TextIO | None = None) -> None:
        self.stream = stream or sys.stdout

    def line(self, text: str = "") -> None:
        self.stream.write(text + "\n")
        self.stream.flush()


def fmt(value: float | None, digits: int = 1) -> str:
    return "—" if value is None else f"{value:.{digits}f}"


# ---- the fake Telegram, reporting replies as they arrive --------------------------------------------------


class ReplyWatchingTelegram(FakeTelegram):
    """The test fake, plus a hook called for every recorded Bot API call and a per-method count."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.on_call: Callable[[Call], None] | None = None
        self.method_counts: collections.Counter[str] = collections.Counter()

    def _record(self, call: Call) -> None:
        super()._record(call)
        self.method_counts[call.method] += 1
        if self.on_call is not None:
            self.on_call(call)

    def forget_calls(self) -> None:
        """Drop the call log between phases (it only grows); chats and messages are kept."""
        self.call_log.clear()
        self._calls_by_method.clear()


# ---- the bot under test, in its own process -----------------------------------------------------------


class AppProcess:
    """`python -m <module> [args]` with the given environment; stopped with SIGTERM like on Render."""

    def __init__(self, name: str, module_args: Sequence[str], env: dict[str, str]) -> None:
        self.name = name
        self.module_args = list(module_args)
        self.env = {**os.environ, **env}
        self._log = tempfile.TemporaryFile()
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    def start(self) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", *self.module_args],
            env=self.env,
            cwd=REPO_ROOT,
            stdin=subprocess.DEVNULL,
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )

    async def wait_ready(self, health_url: str, timeout: float = 120.0) -> None:
        deadline = time.monotonic() + timeout
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=2)) as http:
            while True:
                if self.proc is None or self.proc.poll() is not None:
                    raise RuntimeError(f"{self.name} exited during startup:\n" + "\n".join(self.log_tail()))
                with contextlib.suppress(aiohttp.ClientError, TimeoutError):
                    async with http.get(health_url) as response:
                        if response.status == 200:
                            return
                if time.monotonic() > deadline:
                    raise RuntimeError(f"{self.name} did not answer {health_url} within {timeout:.0f} s")
                await asyncio.sleep(0.1)

    def memory(self) -> Memory:
        return read_memory(self.pid)

    def cpu_seconds(self) -> float:
        return cpu_seconds(self.pid)

    def log_lines(self) -> list[str]:
        self._log.seek(0)
        return self._log.read().decode("utf-8", "replace").splitlines()

    def log_tail(self, count: int = 20) -> list[str]:
        return self.log_lines()[-count:]

    async def stop(self, timeout: float = 30.0) -> int | None:
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                await asyncio.get_running_loop().run_in_executor(None, self.proc.wait, timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        return self.proc.returncode

    def close(self) -> None:
        self._log.close()


@dataclass(frozen=True)
class Target:
    """A running bot: where to POST updates and which process to watch."""

    base_url: str
    webhook_path: str
    header_secret: str
    process: AppProcess
    database: str | None = None  # the bot's PostgreSQL database, to measure its backends' CPU


# ---- the load generator -----------------------------------------------------------------------------------


@dataclass
class PhaseResult:
    name: str
    offered_rate: float
    seconds: float
    sent: int = 0
    acked: int = 0
    replied: int = 0
    errors: dict[str, int] = field(default_factory=dict)
    throughput: float = 0.0  # replies per second, first send → last reply
    drain_s: float = 0.0  # last send → last reply
    ack_p50_ms: float | None = None
    ack_p99_ms: float | None = None
    ack_max_ms: float | None = None
    e2e_p50_ms: float | None = None
    e2e_p99_ms: float | None = None
    e2e_max_ms: float | None = None
    send_lag_p99_ms: float | None = None  # how late the generator itself sent (its own health)
    new_chats: int = 0  # chats added because every known chat had an update in flight
    backlog_at_start: int = 0  # updates of earlier phases still unanswered when this one started
    app_cpu_cores: float = 0.0
    app_cpu_ms_per_update: float | None = None
    pg_cpu_cores: float = 0.0
    bench_cpu_cores: float = 0.0
    machine_busy_cores: float = 0.0
    other_cpu_cores: float = 0.0  # busy minus bot, its database and this process: other work on the box
    app_rss_mb: float = 0.0
    calls_per_update: dict[str, float] = field(default_factory=dict)

    @property
    def error_count(self) -> int:
        return sum(self.errors.values())

    @property
    def unanswered(self) -> int:
        return self.sent - self.replied

    @property
    def sustained(self) -> bool:
        return (
            self.sent > 0
            and self.error_count == 0
            and self.unanswered == 0
            and self.throughput >= SUSTAINED_SHARE * self.offered_rate
        )


class LoadGenerator:
    """Open loop: sends are scheduled at the target rate whatever the answers do, over a pool of
    `connections` keep-alive connections (Telegram's max_connections). A chat has at most one update
    in flight, so its next sendMessage is the reply to that update; when every chat is busy a new chat
    joins rather than the schedule slipping."""

    def __init__(self, tg: ReplyWatchingTelegram, target: Target, chats: int, connections: int) -> None:
        self.tg = tg
        self.target = target
        self.connections = connections
        self._url = target.base_url + target.webhook_path
        self._headers = {"Content-Type": "application/json", SECRET_HEADER: target.header_secret}
        self._idle: collections.deque[int] = collections.deque(range(FIRST_CHAT_ID, FIRST_CHAT_ID + chats))
        self._next_chat = FIRST_CHAT_ID + chats
        self._update_ids = itertools.count(1)
        self._in_flight: dict[int, float] = {}  # chat → perf_counter at POST start
        self._abandoned: set[int] = set()  # still unanswered when their phase ended
        self._settled = asyncio.Event()
        self._phase: _PhaseState | None = None
        self._http: aiohttp.ClientSession | None = None
        tg.on_call = self._on_call

    async def __aenter__(self) -> LoadGenerator:
        connector = aiohttp.TCPConnector(limit=self.connections)
        self._http = aiohttp.ClientSession(connector=connector, timeout=aiohttp.ClientTimeout(total=60))
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        if self._http is not None:
            await self._http.close()
        self.tg.on_call = None

    def _on_call(self, call: Call) -> None:
        if call.method != "sendMessage" or not call.ok:
            return
        chat = call.chat_id
        started = self._in_flight.pop(chat, None)  # type: ignore[arg-type]
        if started is None:
            if chat in self._abandoned:
                self._abandoned.discard(chat)  # type: ignore[arg-type]
                self._idle.append(chat)  # type: ignore[arg-type]
                if not self._abandoned:
                    self._settled.set()
            return
        now = time.perf_counter()
        state = self._phase
        if state is not None:
            state.e2e.append(now - started)
            state.last_reply = now
            if not self._in_flight:
                state.all_answered.set()
        self._idle.append(chat)  # type: ignore[arg-type]

    def _take_chat(self, state: _PhaseState) -> int:
        if self._idle:
            return self._idle.popleft()
        state.new_chats += 1
        chat = self._next_chat
        self._next_chat += 1
        return chat

    async def _send(self, state: _PhaseState, chat: int) -> None:
        assert self._http is not None
        update_id = next(self._update_ids)
        body = msgspec.json.encode(
            make_message_update(
                update_id, chat, "/start", user_id=chat, username=f"u{chat}", first_name="Bench"
            )
        )
        started = time.perf_counter()
        self._in_flight[chat] = started
        try:
            async with self._http.post(self._url, data=body, headers=self._headers) as response:
                await response.read()
                status = response.status
        except (aiohttp.ClientError, TimeoutError, OSError) as exc:
            status = type(exc).__name__
        if status == 200:
            state.ack.append(time.perf_counter() - started)
            state.acked += 1
            return
        key = f"HTTP {status}" if isinstance(status, int) else status
        state.errors[key] += 1
        # Not stored, so never answered: free the chat (unless a reply somehow came already).
        if self._in_flight.get(chat) == started:
            del self._in_flight[chat]
            self._idle.append(chat)
        if not self._in_flight:
            state.all_answered.set()

    async def settle(self, timeout: float) -> int:
        """Wait until updates abandoned by earlier phases are answered too, so a phase never starts
        on someone else's backlog; returns how many are still unanswered."""
        if self._abandoned:
            self._settled.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._settled.wait(), timeout)
        return len(self._abandoned)

    async def run_phase(self, name: str, rate: float, seconds: float, drain_timeout: float) -> PhaseResult:
        total = max(1, round(rate * seconds))
        backlog = await self.settle(max(60.0, drain_timeout))
        state = _PhaseState()
        self._phase = state
        self.tg.forget_calls()
        self.tg.method_counts.clear()
        probe = _CpuProbe(self.target.process.pid, self.target.database)
        tasks: set[asyncio.Task] = set()
        start = time.perf_counter()
        state.first_send = start
        for index in range(total):
            due = start + index / rate
            delay = due - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            elif index % 32 == 0:
                await asyncio.sleep(0)  # running late: still let answers in
            state.send_lag.append(max(0.0, time.perf_counter() - due))
            task = asyncio.create_task(self._send(state, self._take_chat(state)))
            tasks.add(task)
            task.add_done_callback(tasks.discard)
        last_send = time.perf_counter()
        if tasks:
            await asyncio.wait(tasks)
        if self._in_flight:
            state.all_answered.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(state.all_answered.wait(), drain_timeout)
        cpu = probe.read()
        self._phase = None
        # Whatever is still unanswered is abandoned: those chats come back once answered.
        self._abandoned.update(self._in_flight)
        self._in_flight.clear()

        result = PhaseResult(name=name, offered_rate=rate, seconds=seconds, sent=total)
        result.acked = state.acked
        result.backlog_at_start = backlog
        result.replied = len(state.e2e)
        result.errors = dict(state.errors)
        end = state.last_reply if state.last_reply is not None else last_send
        result.throughput = result.replied / max(end - state.first_send, 1e-9)
        result.drain_s = max(0.0, end - last_send)
        ack_ms = [v * 1000 for v in state.ack]
        e2e_ms = [v * 1000 for v in state.e2e]
        result.ack_p50_ms, result.ack_p99_ms = percentile(ack_ms, 50), percentile(ack_ms, 99)
        result.ack_max_ms = max(ack_ms) if ack_ms else None
        result.e2e_p50_ms, result.e2e_p99_ms = percentile(e2e_ms, 50), percentile(e2e_ms, 99)
        result.e2e_max_ms = max(e2e_ms) if e2e_ms else None
        result.send_lag_p99_ms = percentile([v * 1000 for v in state.send_lag], 99)
        result.new_chats = state.new_chats
        result.app_cpu_cores = cpu.app_cores
        result.app_cpu_ms_per_update = cpu.app_seconds * 1000 / result.replied if result.replied else None
        result.pg_cpu_cores = cpu.pg_cores
        result.bench_cpu_cores = cpu.bench_cores
        result.machine_busy_cores = cpu.machine_cores
        result.other_cpu_cores = max(0.0, cpu.machine_cores - cpu.app_cores - cpu.pg_cores - cpu.bench_cores)
        result.app_rss_mb = self.target.process.memory().current_mb
        if result.replied:
            result.calls_per_update = {
                method: round(count / result.replied, 2)
                for method, count in sorted(self.tg.method_counts.items())
            }
        return result


class _PhaseState:
    def __init__(self) -> None:
        self.ack: list[float] = []
        self.e2e: list[float] = []
        self.send_lag: list[float] = []
        self.errors: collections.Counter[str] = collections.Counter()
        self.acked = 0
        self.new_chats = 0
        self.first_send = 0.0
        self.last_reply: float | None = None
        self.all_answered = asyncio.Event()


@dataclass(frozen=True)
class _CpuReading:
    app_seconds: float
    app_cores: float
    pg_cores: float
    bench_cores: float
    machine_cores: float


class _CpuProbe:
    """CPU used between construction and `read()`: by the bot, by PostgreSQL, by this process, and by
    the whole machine (in cores: 1.0 = one core busy all the time)."""

    def __init__(self, app_pid: int, database: str | None) -> None:
        self.app_pid = app_pid
        self.database = database
        self.wall = time.perf_counter()
        self.app = cpu_seconds(app_pid)
        self.pg = postgres_cpu_by_pid(database)
        self.bench = cpu_seconds()
        self.machine = machine_ticks()

    def read(self) -> _CpuReading:
        wall = max(time.perf_counter() - self.wall, 1e-9)
        app = cpu_seconds(self.app_pid) - self.app
        busy, total = machine_ticks()
        machine = (busy - self.machine[0]) / max(total - self.machine[1], 1) * (os.cpu_count() or 1)
        return _CpuReading(
            app_seconds=app,
            app_cores=app / wall,
            pg_cores=cpu_growth(self.pg, postgres_cpu_by_pid(self.database)) / wall,
            bench_cores=(cpu_seconds() - self.bench) / wall,
            machine_cores=machine,
        )


# ---- the whole run ---------------------------------------------------------------------------------------


def add_load_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--rate", type=float, default=300.0, help="phase 1 rate, updates/s (default 300)")
    parser.add_argument("--seconds", type=float, default=10.0, help="phase 1 duration (default 10)")
    parser.add_argument("--chats", type=int, default=500, help="distinct chats sending (default 500)")
    parser.add_argument("--connections", type=int, default=40, help="HTTP connections, like max_connections")
    parser.add_argument("--warmup", type=float, default=2.0, help="seconds at 100/s first, not reported")
    parser.add_argument(
        "--ramp",
        default=",".join(str(r) for r in DEFAULT_RAMP),
        help="phase 2 rates, comma-separated; stops after the first step not sustained ('' skips it)",
    )
    parser.add_argument("--ramp-seconds", type=float, default=5.0, help="duration of each ramp step")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")


def ramp_rates(text: str) -> list[float]:
    return [float(part) for part in text.split(",") if part.strip()]


@dataclass
class Report:
    title: str
    phases: list[PhaseResult]
    ramp: list[PhaseResult]
    peak_rss_mb: float
    final_rss_mb: float
    max_sustained_rate: float | None
    max_throughput: float
    app_log_warnings: int
    settings: dict[str, Any]

    @property
    def fixed(self) -> PhaseResult | None:
        return self.phases[0] if self.phases else None

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["date"] = time.strftime("%Y-%m-%d %H:%M:%S %z")
        data["cpus"] = os.cpu_count()
        return data


async def run_load(
    title: str,
    options: argparse.Namespace,
    launch: Callable[[ReplyWatchingTelegram], contextlib.AbstractAsyncContextManager[Target]],
    out: Out,
    settings: dict[str, Any] | None = None,
) -> Report:
    """Start the fake Telegram, launch the bot with `launch`, run the warm-up, the fixed-rate phase and
    the ramp, and print the table."""
    settings = {
        "rate": options.rate,
        "seconds": options.seconds,
        "chats": options.chats,
        "connections": options.connections,
        **(settings or {}),
    }
    out.line(f"# {title}")
    out.line(
        f"# {time.strftime('%Y-%m-%d %H:%M')} · {os.cpu_count()} CPUs · Python {sys.version.split()[0]} · "
        + " ".join(f"{k}={v}" for k, v in settings.items())
    )
    tg = ReplyWatchingTelegram()
    await tg.start()
    try:
        async with (
            launch(tg) as target,
            LoadGenerator(tg, target, options.chats, options.connections) as load,
        ):
            out.line(f"# bot process pid {target.process.pid} ready; load starts")
            drain = max(10.0, options.seconds)
            if options.warmup > 0:
                await load.run_phase("warm-up", min(100.0, options.rate), options.warmup, drain)
            phases = [await load.run_phase(f"fixed {options.rate:g}/s", options.rate, options.seconds, drain)]
            ramp: list[PhaseResult] = []
            for rate in ramp_rates(options.ramp):
                step = await load.run_phase(
                    f"ramp {rate:g}/s", rate, options.ramp_seconds, max(10.0, 2 * options.ramp_seconds)
                )
                ramp.append(step)
                if not step.sustained:
                    break
            memory = target.process.memory()
            warnings = sum(
                1 for line in target.process.log_lines() if " WARNING " in line or " ERROR " in line
            )
            log_tail = [line for line in target.process.log_tail(5) if line.strip()]
    finally:
        await tg.stop()
    sustained = [step.offered_rate for step in ramp if step.sustained]
    all_steps = phases + ramp
    report = Report(
        title=title,
        phases=phases,
        ramp=ramp,
        peak_rss_mb=memory.peak_mb,
        final_rss_mb=memory.current_mb,
        max_sustained_rate=max(sustained) if sustained else None,
        max_throughput=max((p.throughput for p in all_steps), default=0.0),
        app_log_warnings=warnings,
        settings=settings,
    )
    write_report(report, out)
    if warnings:
        out.line(f"bot log: {warnings} WARNING/ERROR lines; last lines:")
        for line in log_tail:
            out.line(f"  {line}")
    if options.json is not None:
        options.json.write_text(msgspec.json.format(msgspec.json.encode(report.to_json())).decode() + "\n")
    return report


def write_report(report: Report, out: Out) -> None:
    header = (
        f"{'phase':<14} {'offered/s':>9} {'sent':>6} {'replied':>7} {'err':>4} {'done/s':>7} "
        f"{'ack p50':>8} {'ack p99':>8} {'e2e p50':>8} {'e2e p99':>8} {'drain s':>7} "
        f"{'bot cpu':>7} {'ms/upd':>6} {'pg cpu':>6} {'gen cpu':>7} {'other':>5} {'busy':>5} {'lag p99':>7} "
        f"{'ok':>3}"
    )
    out.line()
    out.line(
        "latencies in ms · cpu in cores (1.0 = one core busy): bot process, its PostgreSQL backends, "
        "this generator + fake Telegram, other work on the machine, whole machine · ms/upd = bot CPU per "
        "answered update · lag = generator lateness"
    )
    out.line(header)
    out.line("-" * len(header))
    for phase in report.phases + report.ramp:
        out.line(
            f"{phase.name:<14} {phase.offered_rate:>9.0f} {phase.sent:>6} {phase.replied:>7} "
            f"{phase.error_count:>4} {phase.throughput:>7.1f} {fmt(phase.ack_p50_ms):>8} "
            f"{fmt(phase.ack_p99_ms):>8} {fmt(phase.e2e_p50_ms):>8} {fmt(phase.e2e_p99_ms):>8} "
            f"{phase.drain_s:>7.2f} {phase.app_cpu_cores:>7.2f} {fmt(phase.app_cpu_ms_per_update, 2):>6} "
            f"{phase.pg_cpu_cores:>6.2f} {phase.bench_cpu_cores:>7.2f} {phase.other_cpu_cores:>5.2f} "
            f"{phase.machine_busy_cores:>5.2f} "
            f"{fmt(phase.send_lag_p99_ms):>7} {'yes' if phase.sustained else 'no':>3}"
        )
    out.line()
    for phase in report.phases + report.ramp:
        if phase.errors:
            out.line(f"errors in {phase.name}: {phase.errors}")
        if phase.backlog_at_start:
            out.line(f"{phase.name}: started with {phase.backlog_at_start} earlier updates still unanswered")
        if phase.new_chats:
            out.line(
                f"{phase.name}: {phase.new_chats} chats added (every known chat had an update in flight)"
            )
    fixed = report.fixed
    if fixed is not None and fixed.calls_per_update:
        calls = ", ".join(f"{m} {n:g}" for m, n in fixed.calls_per_update.items())
        out.line(f"Bot API calls per update ({fixed.name}): {calls}")
    sustained = "—" if report.max_sustained_rate is None else f"{report.max_sustained_rate:.0f}/s"
    out.line(
        f"max sustained rate (ramp, ≥{SUSTAINED_SHARE:.0%} answered, no errors): {sustained}; "
        f"best throughput seen: {report.max_throughput:.1f} updates/s"
    )
    out.line(
        f"bot process memory: peak RSS (VmHWM) {report.peak_rss_mb:.1f} MB, at end {report.final_rss_mb:.1f} MB"
    )
    if fixed is not None:
        out.line(
            f"summary: throughput_max={report.max_throughput:.1f}/s sustained={sustained} "
            f"ack_p99@{fixed.offered_rate:g}={fmt(fixed.ack_p99_ms)}ms "
            f"e2e_p99@{fixed.offered_rate:g}={fmt(fixed.e2e_p99_ms)}ms "
            f"peak_rss={report.peak_rss_mb:.1f}MB errors={sum(p.error_count for p in report.phases + report.ramp)}"
        )


@contextlib.asynccontextmanager
async def running(process: AppProcess, health_url: str) -> AsyncIterator[AppProcess]:
    """Start `process`, wait for its /health, stop it (SIGTERM) on the way out."""
    process.start()
    try:
        await process.wait_ready(health_url)
        yield process
    finally:
        await process.stop()
        process.close()
