"""Checking a running job: Kie's query endpoint is the truth (a callback only made the job due now).

Each check reads the task once (the limiter spaces queries across instances), then either finishes
the job (success with a result, failure by cause, timeout at the entry's timeout_seconds) or schedules
the next check along the backoff tiers.
"""

from __future__ import annotations

import datetime as dt
import logging
import re

from flows.catalog.pricing import unreturned_refund
from flows.jobs.lifecycle import advance
from flows.jobs.model import Job
from flows.numbers import ascii_uint
from integrations.kie import KieError, TaskStatus
from persistence import jobs
from runtime.jobs.finish import finish_job
from runtime.jobs.progress import chat_action, show_stage
from runtime.jobs.services import JobServices

log = logging.getLogger(__name__)

# Words Kie's models use when a prompt or image breaks their content rules (api.md §8).
_POLICY = re.compile(
    r"flagged|policy|sensitive|nsfw|inappropriate|prohibited|violat|moderation|safety|rejected by",
    re.IGNORECASE,
)


def failure_cause(status: TaskStatus) -> str:
    """The user-facing cause of a failed task."""
    message = status.fail_message or ""
    code = status.fail_code or ""
    if status.raw_state == "SENSITIVE_WORD_ERROR" or _POLICY.search(message):
        return "content_policy"
    if code in ("400", "413", "422", "451"):
        return "invalid_input"
    if code == "402":
        return "kie_credits"
    number = ascii_uint(code)
    if code == "455" or (number is not None and 500 <= number < 600 and code not in ("501", "531")):
        return "kie_unavailable"
    return "generation_failed"


async def check(services: JobServices, job: Job) -> None:
    assert job.lease_token is not None and job.kie_task_id is not None
    entry = services.catalog.get(job.model_id)
    started = job.submitted_at or job.created_at
    elapsed = (dt.datetime.now(dt.UTC) - started).total_seconds()
    timeout = (entry.timeout_seconds if entry else 1800) * services.timings.timeout_scale
    family = entry.family if entry else "market"
    try:
        status = await services.kie.get_task(family, job.kie_task_id)
    except KieError as exc:
        if elapsed >= timeout:
            await _time_out(services, job, elapsed)
            return
        log.warning("%s: query of task %s failed: %s", job.request_id, job.kie_task_id, exc)
        await jobs.schedule_check(
            services.pool, job.request_id, job.lease_token, services.timings.poll_delay(elapsed)
        )
        return

    if status.state == "succeeded":
        urls = list(status.result_urls)
        if not urls and not (status.result_text and status.result_text.strip()):
            await finish_job(
                services.pool,
                job,
                "fail",
                failure_code="empty_result",
                failure_message="no URLs and no text",
            )
            return
        await finish_job(
            services.pool,
            job,
            "succeed",
            result_urls=urls or None,
            result_text=status.result_text,
            unreturned_kopecks=_unreturned(services, job, len(urls)),
            result_ids=list(status.result_ids) or None,
            kie_credits_billed=_billed(status.credits_consumed),
        )
        return
    if status.state == "failed":
        cause = failure_cause(status)
        detail = status.fail_message or (f"code {status.fail_code}" if status.fail_code else None)
        log.info("%s: Kie task failed (%s, code %s): %s", job.request_id, cause, status.fail_code, detail)
        await finish_job(services.pool, job, "fail", failure_code=cause, failure_message=detail)
        return
    if elapsed >= timeout:
        await _time_out(services, job, elapsed)
        return
    job = await show_stage(services, job, "generating" if status.state == "running" else "queued")
    await chat_action(services, job)
    advance(job.state, "check")  # still running: the chart's way to wait for the next look
    await jobs.schedule_check(
        services.pool, job.request_id, job.lease_token, services.timings.poll_delay(elapsed)
    )


def _billed(credits: float | None) -> float | None:
    """Kie's bill of a succeeded task; a 0 there means "not reported" (Kie reports 0 for failed tasks)."""
    return credits if credits is not None and credits > 0 else None


def _unreturned(services: JobServices, job: Job, returned: int) -> int:
    """What the outputs Kie did not return cost, when the hold was priced by an upper bound."""
    entry = services.catalog.get(job.model_id)
    if entry is None or job.free or not returned:
        return 0
    return unreturned_refund(entry, job.wizard_values, job.price_kopecks, returned, services.policy)


async def _time_out(services: JobServices, job: Job, elapsed: float) -> None:
    log.warning("%s: timed out after %.0f s (task %s)", job.request_id, elapsed, job.kie_task_id)
    await finish_job(
        services.pool, job, "time_out", failure_code="timeout", failure_message=f"{elapsed:.0f} s"
    )
