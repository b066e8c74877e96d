"""Menus benchmark: `python -m bench.menus [--rounds 2000] [--json PATH]`.

The bot CPU one menus screen costs to decide: the pure part of an update (the registry's `match`, the
route's handler building the screen) for the screens of issue 14 — the main menu with recent models,
a section's families, a family's versions, ⭐ Популярное, the flat list, a search typed at the menu
(exact, alias, typo, no match) and an inline query. Measured with the thread's CPU clock, each screen
`--rounds` times after a warm-up, in this process (the catalog, charts' Book and search index built
once, as the runtime does at start). What a screen needs loaded is printed too: these routes read
nothing beyond the update's own two statements (recents come with the user's row, popular counts
from the runtime's memory), so there is no query per screen or per button.

Target (reported, never asserted): ≤ 2 ms of bot CPU per screen. Figures go to stdout (print is banned
outside tests); `--json PATH` writes them as JSON too.
"""

from __future__ import annotations

import argparse
import json
import platform
import time
from dataclasses import asdict, dataclass
from typing import Any

from bench.common import Out, fmt, percentile
from flows.app import REGISTRY
from flows.book import Book
from flows.catalog import load_catalog, load_policy
from flows.context import FlowContext
from flows.incoming import Incoming
from flows.payloads.menus import OpenCategory, OpenFamily, OpenModelList, OpenPopular
from flows.preload import Loaded
from flows.session import Session

TITLE = "TRT menus benchmark (bot CPU to decide one screen, pure flows)"
TARGET_MS = 2.0
RECENT = ("kling-2.6/text-to-video", "z-image", "suno")
POPULAR = ("veo3_fast", "kling-3.0/video", "z-image", "runway", "suno", "bytedance/seedance-2")


@dataclass(frozen=True)
class Case:
    name: str
    kind: str  # command, callback, text, inline
    value: str
    place: str = "menu"


CASES = (
    Case("main menu (/start, 3 recents)", "command", "/start"),
    Case("section: 🎬 Video (families)", "callback", OpenCategory("video").data()),
    Case("section: 🎨 Images (families)", "callback", OpenCategory("image").data()),
    Case("family: Kling (9 versions)", "callback", OpenFamily("kling").data()),
    Case("family: Wan (12 versions)", "callback", OpenFamily("wan").data()),
    Case("⭐ popular: video", "callback", OpenPopular("video").data()),
    Case("flat list: video, page 1", "callback", OpenModelList("video").data()),
    Case("search: «клинг» (alias)", "text", "клинг"),
    Case("search: «kling 2.6» (exact)", "text", "kling 2.6"),
    Case("search: «hailou» (typo)", "text", "hailou"),
    Case("search: no match", "text", "нарисуй рыжего кота в шляпе на закате"),
    Case("inline: «veo»", "inline", "veo"),
)


@dataclass
class Figure:
    name: str
    route: str
    needs: str
    buttons: int
    mean_ms: float
    p50_ms: float
    p99_ms: float
    max_ms: float


def context() -> FlowContext:
    catalog = load_catalog()
    book = Book()
    book.search_index(catalog)  # the runtime builds it at start
    return FlowContext(
        support_text="Поддержка",
        support_telegram="@support",
        catalog=catalog,
        policy=load_policy(),
        book=book,
    )


def incoming(case: Case) -> Incoming:
    base: dict[str, Any] = {"chat_id": 1001, "user_id": 1001, "lang": "ru"}
    match case.kind:
        case "command":
            head, _, args = case.value.partition(" ")
            return Incoming(kind="command", command=head.lstrip("/"), args=args, text=case.value, **base)
        case "callback":
            return Incoming(kind="callback", callback_id="cb", callback_data=case.value, message_id=7, **base)
        case "inline":
            return Incoming(kind="inline", text=case.value, inline_query_id="q", chat_type="inline", **base)
    return Incoming(kind="text", text=case.value, **base)


def measure(case: Case, ctx: FlowContext, rounds: int, warmup: int = 50) -> Figure:
    event = incoming(case)
    session = Session(place=case.place, control_message_id=7)
    loaded = Loaded(recent=RECENT, popular=POPULAR)
    samples: list[float] = []
    outcome = None
    route = ""
    needs = ""
    for index in range(warmup + rounds):
        started = time.thread_time_ns()
        matched = REGISTRY.match(event, session)
        outcome = REGISTRY.decide(matched, event, session, loaded, ctx)
        spent = time.thread_time_ns() - started
        if index >= warmup:
            samples.append(spent / 1e6)
        route = matched.route.name
        fields = [f for f in matched.needs.__struct_fields__ if getattr(matched.needs, f)]
        needs = ", ".join(fields) or "nothing"
    assert outcome is not None
    buttons = sum(
        len(row)
        for action in outcome.actions
        for row in getattr(getattr(action, "screen", None), "buttons", ())
    )
    buttons += sum(len(getattr(action, "articles", ())) for action in outcome.actions)
    return Figure(
        name=case.name,
        route=route,
        needs=needs,
        buttons=buttons,
        mean_ms=sum(samples) / len(samples),
        p50_ms=percentile(samples, 50) or 0.0,
        p99_ms=percentile(samples, 99) or 0.0,
        max_ms=max(samples),
    )


def run(rounds: int) -> list[Figure]:
    ctx = context()
    return [measure(case, ctx, rounds) for case in CASES]


def write(figures: list[Figure], rounds: int, out: Out) -> None:
    out.line(f"# {TITLE}")
    out.line(
        f"# {time.strftime('%Y-%m-%d %H:%M')} · Python {platform.python_version()} · {rounds} rounds per "
        "screen after 50 warm-up · CPU time of this thread, ms"
    )
    out.line()
    header = (
        f"{'screen':34} {'route':14} {'loads':18} {'btns':>4} {'mean':>6} {'p50':>6} {'p99':>6} {'max':>6}"
    )
    out.line(header)
    out.line("-" * len(header))
    for f in figures:
        out.line(
            f"{f.name:34} {f.route:14} {f.needs:18} {f.buttons:>4} {fmt(f.mean_ms, 3):>6} "
            f"{fmt(f.p50_ms, 3):>6} {fmt(f.p99_ms, 3):>6} {fmt(f.max_ms, 3):>6}"
        )
    worst = max(f.p99_ms for f in figures)
    verdict = "met" if worst <= TARGET_MS else "missed"
    out.line()
    out.line(
        f"target: ≤ {TARGET_MS:.0f} ms of bot CPU per screen (p99) — {verdict} (worst p99 {worst:.3f} ms)"
    )
    out.line("loads: what the route asks the runtime to read; 'popular' is the runtime's in-memory count")
    out.line(
        f"summary: screens={len(figures)} worst_p99_ms={worst:.3f} worst_mean_ms={max(f.mean_ms for f in figures):.3f}"
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.menus", description=__doc__)
    parser.add_argument(
        "--rounds", type=int, default=2000, help="measured decisions per screen (default 2000)"
    )
    parser.add_argument("--json", help="also write the figures to this JSON file")
    options = parser.parse_args(argv)
    figures = run(options.rounds)
    write(figures, options.rounds, Out())
    if options.json:
        with open(options.json, "w", encoding="utf-8") as handle:
            json.dump([asdict(f) for f in figures], handle, ensure_ascii=False, indent=2)


if __name__ == "__main__":
    main()
