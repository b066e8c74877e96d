"""Smoke runs of the benchmarks with a tiny load (20 updates, no ramp): each starts its bot in a
subprocess, drives it over HTTP and prints its figures. No figure is asserted against a threshold:
timings depend on the machine, and benchmarks only report."""

from __future__ import annotations

import io
import re
from concurrent.futures import ThreadPoolExecutor

import pytest

from bench import baseline_echo, webhook_load
from bench.common import percentile, read_memory

TINY = [
    "--rate",
    "20",
    "--seconds",
    "1",
    "--chats",
    "5",
    "--warmup",
    "0",
    "--ramp",
    "40",
    "--ramp-seconds",
    "0.5",
]
SUMMARY = re.compile(
    r"summary: throughput_max=(?P<throughput>[\d.]+)/s sustained=\S+ ack_p99@20=(?P<ack>[\d.]+)ms "
    r"e2e_p99@20=(?P<e2e>[\d.]+)ms peak_rss=(?P<rss>[\d.]+)MB errors=(?P<errors>\d+)"
)


def _run(module) -> tuple[int, str]:
    stream = io.StringIO()
    code = module.main(TINY, stream)
    return code, stream.getvalue()


@pytest.fixture(scope="module")
def outputs() -> dict[str, tuple[int, str]]:
    # Each bot process spends seconds importing aiogram: run the two smoke runs side by side.
    with ThreadPoolExecutor(max_workers=2) as pool:
        trt = pool.submit(_run, webhook_load)
        echo = pool.submit(_run, baseline_echo)
        return {"trt": trt.result(), "echo": echo.result()}


@pytest.mark.parametrize("name", ["trt", "echo"])
def test_benchmark_runs_and_reports_its_figures(outputs, name):
    code, text = outputs[name]
    assert code == 0
    summary = SUMMARY.search(text)
    assert summary is not None, text
    assert int(summary["errors"]) == 0, text
    assert float(summary["rss"]) > 0
    # Every update of the fixed phase was answered (a correctness check, not a timing one).
    fixed = next(line for line in text.splitlines() if line.startswith("fixed 20/s"))
    sent, replied = fixed.split()[3:5]
    assert (sent, replied) == ("20", "20"), text
    assert "Bot API calls per update (fixed 20/s): sendMessage 1" in text


def test_percentile_is_nearest_rank():
    values = list(range(1, 101))
    assert percentile(values, 50) == 50
    assert percentile(values, 99) == 99
    assert percentile(values, 100) == 100
    assert percentile([7.0], 99) == 7.0
    assert percentile([], 50) is None


def test_memory_of_this_process_is_read_from_proc():
    memory = read_memory()
    assert memory.peak_mb >= memory.current_mb > 0
