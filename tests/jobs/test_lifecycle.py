"""The job lifecycle chart (flows/jobs/lifecycle.py): no dead end, nothing unreachable, and every
transition taken by the runtime — each case below runs the real workers against the fake Kie and shows
the chart was asked for that step, from that state, with the job ending where the chart leads."""

from __future__ import annotations

import pytest

from flows.jobs import lifecycle
from flows.jobs.model import JobState
from sandbox.kie import CreateError, Fail, Phase, Succeed
from sandbox.telegram import make_callback_update
from tests.e2e.harness import running_app
from tests.flows.charts import dead_ends, edges, unreachable
from tests.jobs.conftest import FAST_TIMINGS, add_job, fast_options, wait_delivered, wait_for
from tests.jobs.test_cancel import PATIENT, _async, _cancel_button

MODEL = "google/nano-banana"


def test_job_chart_has_no_dead_end_and_nothing_unreachable():
    cls = lifecycle.LIFECYCLE.chart
    finals = [s.id for s in cls.states if s.final]
    assert set(finals) == {"failed", "timed_out", "refunded"}
    assert not dead_ends(cls, finals)
    assert not unreachable(cls, JobState.QUEUED.value)


def test_money_is_named_for_every_way_a_job_ends():
    ending = {event for source, event, target in edges(lifecycle.LIFECYCLE.chart) if source != target}
    assert ending - {"submit", "accept", "retry"} == set(lifecycle.SETTLEMENT)


@pytest.fixture
def asked(monkeypatch):
    """Every (state, event) the runtime asked the chart about while the case ran."""
    seen: set[tuple[str, str]] = set()
    table = lifecycle.LIFECYCLE
    lead, allows = table.lead, table.allows

    def spy_lead(state, event):
        seen.add((str(state), event))
        return lead(state, event)

    def spy_allows(state, event):
        seen.add((str(state), event))
        return allows(state, event)

    monkeypatch.setattr(table, "lead", spy_lead)
    monkeypatch.setattr(table, "allows", spy_allows)
    return seen


async def _run(db, database_url, kie, tg, script, *, options=None, price=1250):
    kie.script_next(MODEL, list(script))
    async with running_app(database_url, tg, kie=kie, jobs=options or fast_options()) as client:
        request_id = await add_job(db, MODEL, price=price)
        client.app.jobs.wake()
        return await wait_delivered(db, request_id, timeout=15)


async def _cancelled(db, database_url, kie, tg):
    for _ in range(200):
        kie.script_next(MODEL, [CreateError(455)])
    async with running_app(database_url, tg, kie=kie, jobs=fast_options(timings=PATIENT)) as client:
        request_id = await add_job(db, MODEL, price=1250)
        client.app.jobs.wake()
        message_id, data = await wait_for(lambda: _async(_cancel_button(tg, 4242)), what="the ❌ button")
        await client.post(make_callback_update(900_001, 4242, data, message_id))
        return await wait_delivered(db, request_id, timeout=15)


async def _dns_hiccup(host: str, port: int) -> list[str]:
    raise TimeoutError("the resolver did not answer")


CASES = {
    ("queued", "submit"): ([Phase(), Succeed()], "succeeded"),
    ("submitting", "accept"): ([Phase(), Succeed()], "succeeded"),
    ("running", "check"): ([Phase("generating", polls=2), Succeed()], "succeeded"),
    ("running", "succeed"): ([Phase(), Succeed()], "succeeded"),
    ("running", "fail"): ([Phase(), Fail("501", "Generation failed")], "failed"),
    ("running", "time_out"): ([Phase("generating", polls=10_000)], "timed_out"),
    ("submitting", "fail"): ([CreateError(422, "prompt is too long")], "failed"),
    ("submitting", "retry"): ([CreateError(455), Phase(), Succeed()], "succeeded"),
    ("succeeded", "refund"): ([Phase(), Succeed(urls=("EXPIRED",))], "succeeded"),
}


@pytest.mark.parametrize("edge", sorted(edges(lifecycle.LIFECYCLE.chart)), ids=lambda e: f"{e[0]}-{e[1]}")
async def test_every_job_transition_is_taken_by_the_runtime(db, database_url, kie, tg, asked, edge):
    source, event, target = edge
    if (source, event) == ("queued", "cancel"):
        row = await _cancelled(db, database_url, kie, tg)
        assert row["failure_code"] == "cancelled"
    elif (source, event) in (("queued", "retry"), ("queued", "fail")):
        # A pasted link whose host lookup times out: back to the queue, then given up (failed).
        options = fast_options(host_lookup=_dns_hiccup, timings=FAST_TIMINGS)
        async with running_app(database_url, tg, kie=kie, jobs=options) as client:
            pasted = _pasted_input()
            request_id = await add_job(db, "flux-kontext-pro", request_input=pasted, values=pasted, price=900)
            client.app.jobs.wake()
            row = await wait_delivered(db, request_id, timeout=15)
        assert row["state"] == "failed"
    else:
        script, final_state = CASES[(source, event)]
        if event == "refund":
            script = [Phase(), Succeed(urls=(f"{kie.base_url}/files/results/expired/9.png",))]
        row = await _run(db, database_url, kie, tg, script)
        assert row["state"] == final_state, row["failure_code"]
    assert (source, event) in asked, sorted(asked)
    assert lifecycle.LIFECYCLE.lead(source, event) == target


def _pasted_input() -> dict:
    return {"prompt": "a cat", "inputImage": "https://example.com/cat.png"}
