"""Smoke run of the chat benchmark with tiny sizes: it runs real chat turns against the fakes and prints
its figures. No figure is compared with a target: timings depend on the machine."""

from __future__ import annotations

import io
import re

from bench import chat


def test_the_chat_benchmark_runs_and_reports():
    out = io.StringIO()
    code = chat.main(
        [
            "--dialogs",
            "3",
            "--tokens",
            "30",
            "--first-token",
            "0.1",
            "--tokens-per-second",
            "100",
            "--arrival",
            "0",
        ],
        out,
    )
    text = out.getvalue()
    assert code == 0
    summary = re.search(
        r"summary: first_draft_p99=([\d.]+)ms first_text_p99=(\S+)ms calls_per_answer=([\d.]+)", text
    )
    assert summary, text
    assert float(summary.group(3)) >= 2  # at least the placeholder draft and the final message
