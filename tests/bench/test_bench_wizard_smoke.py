"""Smoke run of the wizard benchmark with tiny sizes (5 chats, 1 step round, one chart probe each): it
builds the charts in fresh processes, drives the real app through the webhook and reports its figures.
No figure is compared with a target: timings depend on the machine, and benchmarks only report."""

from __future__ import annotations

import asyncio
import io
import re
from concurrent.futures import ThreadPoolExecutor

import pytest

from bench import wizard
from bench.common import Out


@pytest.fixture(scope="module")
def figures() -> tuple[wizard.ChartFigures, wizard.WebhookFigures]:
    # The bot process spends seconds importing aiogram: build the charts meanwhile.
    with ThreadPoolExecutor(max_workers=1) as pool:
        charts = pool.submit(wizard.measure_charts, 1)
        hook = asyncio.run(
            wizard.measure_webhook(users_count=5, rounds=1, snapshot_models=["kling-3.0/video"])
        )
        return charts.result(), hook


def test_charts_of_every_enabled_model_are_built_and_timed(figures):
    charts, _ = figures
    (everything,) = charts.runs_all
    assert everything["enabled"] > 0
    assert everything["all_charts_s"] > 0 and everything["load_catalog_s"] > 0
    (one,) = charts.runs_one
    assert one["model"] == wizard.DEFAULT_MODEL
    assert one["chart_first_s"] > 0 and one["machine_first_s"] > 0
    assert one["transition_to"] == "f_sound"


def test_every_chat_takes_its_step_through_the_webhook(figures):
    _, hook = figures
    assert [r.name for r in hook.rounds] == ["setup: /start m-…", "setup: 🚀 start", "step 1"]
    for result in hook.rounds:
        assert (result.sent, result.answered, result.errors) == (5, 5, {}), result
    (step,) = hook.steps
    assert step.moves == {"f_prompt → f_sound": 5}
    assert step.e2e_p99_ms is not None and step.state_bytes_max


def test_session_size_is_reported_mid_wizard_and_at_the_review(figures):
    _, hook = figures
    walk = hook.snapshots["kling-3.0/video"]
    assert walk[-1].state == "review"
    assert any(s.state == "f_aspect_ratio" for s in walk)  # prompt, sound and duration done
    assert all(s.text_bytes > 0 and s.stored_bytes > 0 for s in walk)
    assert hook.review_state["kling-3.0/video"]["flow"]["state"] == "review"


def test_the_report_names_every_figure(figures):
    charts, hook = figures
    stream = io.StringIO()
    out = Out(stream)
    wizard.write_charts(charts, out)
    wizard.write_webhook(hook, out)
    out.line(wizard.summary_line(charts, hook))
    text = stream.getvalue()
    summary = re.search(
        r"summary: charts_all_ms=[\d.]+ load_catalog_ms=[\d.]+ chart_first_ms=[\d.]+ machine_first_ms=[\d.]+ "
        r"step_p50_ms=[\d.]+ step_p99_ms=[\d.]+ steps=5/5 errors=0 snapshot_max_bytes=\d+ review_bytes=\d+",
        text,
    )
    assert summary is not None, text
    assert "target: all charts < 1 s" in text
    assert "target: step p99 ≤ 100 ms" in text
    assert "target: ≤ 2048 B" in text
