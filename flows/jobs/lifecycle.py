"""A job's life as a statechart, and the money each step moves.

queued → submitting → running → succeeded / failed / timed_out, with the ways back and out: a refused
createTask or upload goes back to the queue (`retry`), a queued job can be cancelled by its user, any
open job can fail, and a success can still be refunded (its results could not be delivered, or an
admin gave the money back). runtime/jobs asks `advance` before every change of a job's state and
settles the money `SETTLEMENT` names, in the same transaction; the SQL matches on the state it left,
so two workers never both move a job.

The chart's states are the stored states, plus `refunded`: a succeeded job with its one refund record.
"""

from __future__ import annotations

from statemachine import StateChart
from statemachine.io.class_factory import create_machine_class_from_definition

from flows.jobs.model import Job, JobState
from flows.transitions import Transitions

REFUNDED = "refunded"


def _go(target: str) -> list[dict]:
    return [{"target": target}]


_FAIL = {"fail": _go(JobState.FAILED.value)}

STATES: dict[str, dict] = {
    JobState.QUEUED.value: {
        "initial": True,
        "name": "Queued (hold taken at confirm; ❌ still possible)",
        "on": {
            "submit": _go(JobState.SUBMITTING.value),
            "retry": [{"target": JobState.QUEUED.value, "internal": True}],
            "cancel": _go(JobState.FAILED.value),
            **_FAIL,
        },
    },
    JobState.SUBMITTING.value: {
        "name": "Submitting (createTask on its way: never sent twice)",
        "on": {"accept": _go(JobState.RUNNING.value), "retry": _go(JobState.QUEUED.value), **_FAIL},
    },
    JobState.RUNNING.value: {
        "name": "Running at Kie (callbacks are hints, the query is the truth)",
        "on": {
            "check": [{"target": JobState.RUNNING.value, "internal": True}],
            "succeed": _go(JobState.SUCCEEDED.value),
            "time_out": _go(JobState.TIMED_OUT.value),
            **_FAIL,
        },
    },
    JobState.SUCCEEDED.value: {
        "name": "Succeeded: hold captured",
        "on": {"refund": _go(REFUNDED)},
    },
    JobState.FAILED.value: {"final": True, "name": "Failed or cancelled: hold released, free run given back"},
    JobState.TIMED_OUT.value: {"final": True, "name": "Timed out: hold released, free run given back"},
    REFUNDED: {"final": True, "name": "Refunded once: undeliverable results, or by an admin"},
}

# The money each event moves (ledger operations on the job's hold, in the state change's transaction).
SETTLEMENT: dict[str, str] = {
    "succeed": "capture",
    "fail": "release",
    "cancel": "release",
    "time_out": "release",
    "refund": "credit_back",
}


def job_chart() -> type[StateChart]:
    return create_machine_class_from_definition(
        "JobLifecycle", states=STATES, catch_errors_as_events=False, allow_event_without_transition=False
    )


LIFECYCLE = Transitions(job_chart())


class JobTransitionRefused(Exception):
    """A change the job chart does not allow from the job's state (a bug, or a stale worker)."""


def chart_state(job: Job) -> str:
    """Where a stored job stands in the chart."""
    if job.state == JobState.SUCCEEDED and job.refunded:
        return REFUNDED
    return JobState(job.state).value


def advance(state: str, event: str) -> JobState:
    """The state `event` leads a job to from `state`; JobTransitionRefused when the chart says no."""
    target = LIFECYCLE.lead(state, event)
    if target is None or target == REFUNDED:
        raise JobTransitionRefused(f"a job cannot {event} from {state}")
    return JobState(target)


def may(job: Job, event: str) -> bool:
    return LIFECYCLE.allows(chart_state(job), event)
