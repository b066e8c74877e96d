"""Smoke run of the menus benchmark with a few rounds: every screen is decided by its route and read
nothing beyond the update's own statements; no figure is compared with a target (benchmarks report)."""

from __future__ import annotations

import io
import re

from bench import menus
from bench.common import Out


def test_every_screen_is_decided_by_its_route_and_reported():
    figures = menus.run(rounds=5)
    routes = {f.name: f.route for f in figures}
    assert routes["main menu (/start, 3 recents)"] == "open_menu"
    assert routes["family: Kling (9 versions)"] == "open_family"
    assert routes["search: «hailou» (typo)"] == "search"
    assert routes["inline: «veo»"] == "inline"
    for figure in figures:
        # Recents come with the user's row, popular counts from memory: no query per screen.
        assert figure.needs in ("nothing", "popular"), figure
        assert figure.buttons > 0 and figure.p99_ms > 0, figure
    stream = io.StringIO()
    menus.write(figures, 5, Out(stream))
    text = stream.getvalue()
    assert "target: ≤ 2 ms of bot CPU per screen (p99)" in text
    assert re.search(r"summary: screens=12 worst_p99_ms=[\d.]+ worst_mean_ms=[\d.]+", text), text
