"""Every enabled model's chart: no dead ends, guaranteed navigation, nothing unreachable, every
transition fired by some values; the buttons each screen shows are the chart's enabled events; and
each model's example drives its wizard to the review with the request Kie would receive."""

import msgspec
import pytest

from flows.book import Book
from flows.catalog.human import field_label
from flows.catalog.validate import build_request_input
from flows.export import mermaid
from flows.jobs.model import CreateJob
from flows.payloads.wizard import WizardButton
from flows.preload import Loaded
from flows.routing.registry import Request
from flows.wizard import chart
from flows.wizard.render import guard_values, review_and_charge
from tests.flows.charts import dead_ends, edges, fire_everything, unreachable
from tests.flows.driver import CATALOG, CTX, Driver, drive_example, fill_from_example, open_for_example

ENABLED = CATALOG.enabled()
IDS = [e.id for e in ENABLED]
BOOK = Book()


@pytest.mark.parametrize("entry", ENABLED, ids=IDS)
def test_chart_has_no_dead_end_and_no_unreachable_state(entry):
    cls = BOOK.chart(entry)
    finals = {s.id for s in cls.states if s.final}
    assert finals == set(chart.FINAL_STATES), entry.id
    assert not dead_ends(cls, finals), f"{entry.id}: dead-end states"
    assert not unreachable(cls, chart.CARD), f"{entry.id}: unreachable states"
    # Every input state (and the card, review and settings) has back, cancel and continue.
    events: dict[str, set[str]] = {}
    for source, event, _ in edges(cls):
        events.setdefault(source, set()).add(event)
    for state in [s for s in events if chart.field_of(s) or s in (chart.CARD, chart.REVIEW, chart.SETTINGS)]:
        missing = set(chart.NAVIGATION_EVENTS) - events[state]
        assert not missing, f"{entry.id}: state {state!r} lacks {sorted(missing)}"


@pytest.mark.parametrize("entry", ENABLED, ids=IDS)
def test_every_transition_is_fired_by_some_values(entry):
    """No transition nothing can take: each one fires for some collected values and guard values."""
    missing = edges(BOOK.chart(entry)) - fire_everything(entry)
    assert not missing, f"{entry.id}: transitions nothing fires: {sorted(missing)[:5]}"


def _expected_events(driver: Driver, entry) -> set[tuple[str, int | None]]:
    """What the chart allows in the driver's current state, asked of a machine of our own."""
    snap = driver.snapshot
    machine, _ = BOOK.machine(entry, dict(snap.values), snap.state)
    guards = {}
    if snap.state in (chart.REVIEW, chart.INSUFFICIENT):
        request = Request(driver.last_event, driver.session, Loaded(account=driver.account), CTX)
        guards = guard_values(*review_and_charge(request, entry, snap))
    enabled = {(e.id, None) for e in machine.enabled_events(**guards)}
    names = chart.ask_order(entry) + chart.advanced_order(entry)
    for index, name in enumerate(names):
        if "edit" in {e.id for e in machine.enabled_events(field_name=name, **guards)}:
            enabled.add(("edit", index))
    return enabled


def _shown_events(driver: Driver) -> set[tuple[str, int | None]]:
    shown = set()
    for _, data in driver.view.buttons:
        if data.startswith("w:"):
            fields = dict(zip(("version", "event", "arg"), data.split(":")[1:], strict=False))
            button = msgspec.convert(fields, WizardButton, strict=False)
            arg = button.arg if button.event == "edit" else None
            shown.add((button.event, arg))
    return shown


def _normalized(events: set[tuple[str, int | None]]) -> set[tuple[str, int | None]]:
    # The card's launch and the review's launch are `next` too; "edit" is compared per field.
    return {e for e in events if e != ("edit", None)}


@pytest.mark.parametrize("entry", ENABLED, ids=IDS)
async def test_screen_buttons_are_the_charts_enabled_events(entry):
    driver = Driver()
    seen_states = []

    async def act(kind, value, media="video"):
        check()
        if kind == "media":
            return driver.media(
                {"image": "photo", "video": "video", "audio": "audio"}[media], file_id=value, duration=5
            )
        return driver.tap(value) if kind == "tap" else driver.text(value)

    def check():
        snap = driver.snapshot
        if snap is None or snap.state in chart.FINAL_STATES:
            return
        seen_states.append(snap.state)
        assert _shown_events(driver) == _normalized(_expected_events(driver, entry)), (entry.id, snap.state)

    async def current_field():
        snap = driver.snapshot
        return chart.field_of(snap.state) if snap else None

    view, from_card = open_for_example(driver, entry, dict(entry.examples[0]))
    await fill_from_example(entry, dict(entry.examples[0]), act, current_field, view, from_card=from_card)
    check()  # the review
    if driver.view.has("⚙️"):
        driver.press("⚙️")
        check()
        names = chart.advanced_order(entry)
        if names:
            driver.press(f"✏️ {field_label(names[0], 'ru')}")
            check()
    # A follow-up opens past its card (flows/follow/routes.py): its card is never shown.
    assert (chart.CARD in seen_states or not from_card) and chart.REVIEW in seen_states


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
    assert jobs[0].job.input == build_request_input(entry, example)
    assert driver.snapshot.state == chart.SUBMITTED


def test_charts_are_built_once_per_schema():
    entry = ENABLED[0]
    assert BOOK.chart(entry) is BOOK.chart(entry)


@pytest.mark.parametrize("entry", ENABLED, ids=IDS)
def test_chart_diagram_snapshot(entry, snapshot):
    assert mermaid(BOOK.chart(entry)) == snapshot


def test_reused_machine_keeps_working_after_a_final_state():
    """Regression: a cached machine that reached `cancelled` stopped its engine and silently ignored
    the next user's `back` on the same model's card."""
    book = Book()
    entry = CATALOG.get("z-image")
    machine, model = book.machine(entry, {}, chart.CARD)
    machine.send("cancel")
    assert model.state == chart.CANCELLED
    machine, model = book.machine(entry, {}, chart.CARD)
    machine.send("back")
    assert model.state == chart.CLOSED
    machine, model = book.machine(entry, {}, chart.CARD)
    machine.send("next")
    assert model.state == "f_prompt"
