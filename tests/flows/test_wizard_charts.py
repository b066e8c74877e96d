"""Every enabled model's chart: no dead ends, guaranteed navigation, nothing unreachable; and each
model's example drives its wizard to the review with the request Kie would receive."""

from collections import deque

import pytest

from flows.catalog.validate import build_request_input
from flows.jobs import CreateJob
from flows.wizard import chart
from tests.flows.driver import CATALOG, Driver, drive_example

ENABLED = CATALOG.enabled()
IDS = [e.id for e in ENABLED]


def _graph(entry):
    cls = chart.chart_class(entry)
    edges: dict[str, set[str]] = {}
    events: dict[str, set[str]] = {}
    for state in cls.states:
        edges[state.id] = {t.target.id for t in state.transitions if t.target is not None}
        events[state.id] = {e for t in state.transitions for e in t.events}
    return cls, edges, events


@pytest.mark.parametrize("entry", ENABLED, ids=IDS)
def test_chart_has_no_dead_end_and_no_unreachable_state(entry):
    cls, edges, events = _graph(entry)
    finals = {s.id for s in cls.states if s.final}
    assert finals == set(chart.FINAL_STATES), entry.id
    # Every non-final state reaches a final state.
    reverse: dict[str, set[str]] = {s: set() for s in edges}
    for source, targets in edges.items():
        for target in targets:
            reverse[target].add(source)
    can_finish, queue = set(finals), deque(finals)
    while queue:
        for source in reverse[queue.popleft()]:
            if source not in can_finish:
                can_finish.add(source)
                queue.append(source)
    stuck = sorted(set(edges) - can_finish)
    assert not stuck, f"{entry.id}: dead-end states {stuck}"
    # Every state is reachable from the model card.
    seen, queue = {chart.CARD}, deque([chart.CARD])
    while queue:
        for target in edges[queue.popleft()]:
            if target not in seen:
                seen.add(target)
                queue.append(target)
    assert not sorted(set(edges) - seen), f"{entry.id}: unreachable states {sorted(set(edges) - seen)}"
    # Every input state (and the card, review and settings) has back, cancel and continue.
    for state in [s for s in edges if chart.field_of(s) or s in (chart.CARD, chart.REVIEW, chart.SETTINGS)]:
        missing = set(chart.NAVIGATION_EVENTS) - events[state]
        assert not missing, f"{entry.id}: state {state!r} lacks {sorted(missing)}"


@pytest.mark.parametrize("entry", ENABLED, ids=IDS)
async def test_example_walks_to_review_and_submits_exactly_the_example(entry):
    example = dict(entry.examples[0])  # the walk swaps links for sent files where the price needs a length
    driver = Driver()
    view = await drive_example(driver, entry, example)
    assert driver.snapshot.state == chart.REVIEW, entry.id
    launch = [label for label, _ in view.buttons if label.startswith("✅ Запустить")]
    assert launch, f"{entry.id}: no launch button at the review: {view.text}"
    driver.press("✅ Запустить")
    jobs = [e for e in driver.effects if isinstance(e, CreateJob)]
    assert len(jobs) == 1, entry.id
    assert jobs[0].request.input == build_request_input(entry, example)
    assert driver.snapshot.state == chart.SUBMITTED


def test_charts_are_cached_per_schema():
    entry = ENABLED[0]
    assert chart.chart_class(entry) is chart.chart_class(entry)


@pytest.mark.parametrize("entry", ENABLED, ids=IDS)
def test_chart_diagram_snapshot(entry, snapshot):
    assert chart.mermaid(entry) == snapshot


def test_reused_machine_keeps_working_after_a_final_state():
    """Regression: a cached machine that reached `cancelled` stopped its engine and silently ignored
    the next user's `back` on the same model's card."""
    entry = CATALOG.get("z-image")
    machine, model = chart.machine_for(entry, {}, chart.CARD, False)
    machine.send("cancel")
    assert model.state == chart.CANCELLED
    machine, model = chart.machine_for(entry, {}, chart.CARD, False)
    machine.send("back")
    assert model.state == chart.CANCELLED
    machine, model = chart.machine_for(entry, {}, chart.CARD, False)
    machine.send("next")
    assert model.state == "f_prompt"
