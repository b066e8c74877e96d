"""The one Job type: a generation request from a confirmed wizard, as its row in PostgreSQL.

The wizard makes a Job (state queued) and hands it over with CreateJob; the runtime stores it in the
same transaction as the session and the hold, and runtime/jobs moves it along flows/jobs/lifecycle.py.
Reads for the screens fill the money facts joined from the ledger (hold status, a refund).
"""

from __future__ import annotations

import datetime as dt
import uuid
from enum import StrEnum
from typing import Any

import msgspec

from flows.files import FileRef


class JobState(StrEnum):
    QUEUED = "queued"
    SUBMITTING = "submitting"  # committed right before createTask: a task may exist at Kie
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"  # refused, failed at Kie, cancelled while queued (failure_code "cancelled")
    TIMED_OUT = "timed_out"


OPEN_STATES = (JobState.QUEUED, JobState.SUBMITTING, JobState.RUNNING)
TERMINAL_STATES = (JobState.SUCCEEDED, JobState.FAILED, JobState.TIMED_OUT)


def hold_key(request_id: str, user_id: int, model_id: str) -> str:
    """The idempotency key of a job's hold (and of its free-tier unit): built here and nowhere else."""
    return f"{request_id}:{user_id}:{model_id}"


def sql_states(states: tuple[JobState, ...]) -> str:
    """`('queued', 'submitting')`: a state list for SQL, from the one enum."""
    return "(" + ", ".join(f"'{s.value}'" for s in states) + ")"


class Job(msgspec.Struct, frozen=True, kw_only=True):
    request_id: str
    user_id: int
    chat_id: int
    model_id: str
    # Exactly what Kie receives, except "tgfile:<file_id>" values the jobs layer uploads first.
    input: dict[str, Any]
    files: dict[str, FileRef] = {}
    # The wizard's values, to prefill "🔁 Сделать ещё раз".
    wizard_values: dict[str, Any] = {}
    price_kopecks: int
    free: bool = False
    # Kie credits this input costs (the catalog's price row × units), for the margin report; None: unknown.
    kie_credits: float | None = None
    lang: str = "ru"
    # The job whose result this one follows up (➕ Продлить, 🖥 1080p…; flows/follow), shown in history.
    parent_job_id: str | None = None
    state: JobState = JobState.QUEUED
    # The rest is the runtime's, as the row holds it.
    kie_task_id: str | None = None
    attempts: int = 0
    lease_token: uuid.UUID | None = None
    next_check_at: dt.datetime | None = None
    progress_message_id: int | None = None
    progress_stage: str | None = None
    result_urls: list[str] | None = None
    result_text: str | None = None
    result_file_ids: list[str] | None = None
    # Kie's ids of the results, where a follow-up needs them (Suno track ids: extend, stems, WAV).
    result_ids: list[str] | None = None
    failure_code: str | None = None
    failure_message: str | None = None
    refunded_kopecks: int | None = None
    delivery_attempts: int = 0
    created_at: dt.datetime | None = None
    submitted_at: dt.datetime | None = None
    finished_at: dt.datetime | None = None
    delivered_at: dt.datetime | None = None
    # Money facts joined from the ledger by the reads the screens use (history, the admin job card).
    hold_status: str | None = None  # held, captured, released; None without a hold
    refund_how: str | None = None  # released / credited (an admin) or undeliverable (automatic); None: none

    @property
    def hold_key(self) -> str:
        return hold_key(self.request_id, self.user_id, self.model_id)

    @property
    def refunded(self) -> bool:
        return self.refund_how is not None


class CreateJob(msgspec.Struct, frozen=True, tag="create_job"):
    job: Job


class CancelQueuedJob(msgspec.Struct, frozen=True, tag="cancel_queued_job"):
    """Cancel a job nothing was sent to Kie for yet, releasing its hold. The runtime refuses (and the
    update is decided again) when a worker took the job meanwhile."""

    request_id: str
    user_id: int
