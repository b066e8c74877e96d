"""Submitting a queued job to Kie: upload the user's files, then createTask exactly once.

The job is marked 'submitting' (committed) right before createTask goes out. A job found in
'submitting' by a later lease had a worker die or hang mid-request: Kie may have created — and billed —
the task, and it has no idempotency key and no task listing, so the job is NEVER submitted again. It
fails as "submit_uncertain", the money goes back, and an ERROR asks the operator to check kie.ai/logs.
The same happens when createTask itself ends in a way that may hide an accepted task (timeout after
sending, 5xx, an unreadable answer): see integrations.kie.errors.may_have_created_task.
"""

from __future__ import annotations

import datetime as dt
import logging

import msgspec

from flows.jobs.lifecycle import advance
from flows.jobs.model import Job, JobState
from integrations.kie import (
    KieAuthError,
    KieCreditsExhausted,
    KieError,
    KieFeatureDisabled,
    KieGenerationFailed,
    KieValidationError,
    may_have_created_task,
)
from persistence import jobs
from runtime.jobs.alerts import alert_admins
from runtime.jobs.errors import InputFileTransient, InputFileUnavailable
from runtime.jobs.files import fetch_once, has_telegram_files, resolve_files
from runtime.jobs.finish import finish_job
from runtime.jobs.media_length import media_length_allows
from runtime.jobs.pasted_urls import pasted_urls_allowed
from runtime.jobs.services import JobServices

log = logging.getLogger(__name__)


async def submit(services: JobServices, job: Job) -> None:
    assert job.lease_token is not None
    token = job.lease_token
    entry = services.catalog.get(job.model_id)
    if job.state == JobState.SUBMITTING:
        log.error(
            "%s: found mid-submission after a lost worker; createTask may have reached Kie. NOT resending. "
            "Check kie.ai/logs for a %s task around %s",
            job.request_id,
            job.model_id,
            job.created_at.isoformat(timespec="seconds"),
        )
        await finish_job(
            services.pool, job, "fail", failure_code="submit_uncertain", failure_message="worker lost"
        )
        return
    if entry is None:
        log.error("%s: model %s is not in the catalog any more", job.request_id, job.model_id)
        await finish_job(services.pool, job, "fail", failure_code="internal", failure_message="unknown model")
        return

    try:
        if not await pasted_urls_allowed(services, job, entry):
            return
    except InputFileTransient as exc:
        await _retry_or_give_up(services, job, str(exc))
        return
    request_input = job.input
    if has_telegram_files(request_input):
        fetch = fetch_once(services.files.fetch)
        try:
            if not await media_length_allows(services, job, entry, fetch):
                return
            request_input = await resolve_files(
                request_input, job.files, fetch, services.kie.upload_file, job.request_id
            )
        except InputFileUnavailable as exc:
            log.info("%s: input file unavailable: %s", job.request_id, exc)
            await finish_job(services.pool, job, "fail", failure_code="input_file", failure_message=str(exc))
            return
        except (InputFileTransient, KieError) as exc:
            await _retry_or_give_up(services, job, f"input upload: {exc}")
            return
        # Kept, so a retry after a refused createTask does not upload the files again.
        await jobs.save_input(services.pool, job.request_id, token, request_input)

    submitting = advance(job.state, "submit")
    if not await jobs.submit(services.pool, job, submitting):
        return
    job = msgspec.structs.replace(job, state=submitting, input=request_input)
    callback_url = services.callback_url
    try:
        task_id = await services.kie.create_task(entry.family, job.model_id, request_input, callback_url)
    except KieError as exc:
        await _create_failed(services, job, exc)
        return
    except ValueError as exc:  # the family adapter refused the request shape (our bug, not Kie's)
        log.error("%s: cannot build createTask: %s", job.request_id, exc)
        await finish_job(services.pool, job, "fail", failure_code="internal", failure_message=str(exc))
        return
    first = services.timings.first_check_delay(entry.eta_seconds, callback_url is not None)
    if not await jobs.accept(services.pool, job, advance(job.state, "accept"), task_id, first):
        log.error("%s: Kie task %s created but the job lease was lost meanwhile", job.request_id, task_id)
        return
    log.info("%s: Kie task %s created (%s)", job.request_id, task_id, job.model_id)


async def _create_failed(services: JobServices, job: Job, exc: KieError) -> None:
    pool = services.pool
    if may_have_created_task(exc):
        log.error(
            "%s: createTask outcome unknown (%s); NOT resending. Check kie.ai/logs for a %s task; "
            "the user was refunded",
            job.request_id,
            exc,
            job.model_id,
        )
        await finish_job(pool, job, "fail", failure_code="submit_uncertain", failure_message=str(exc))
        return
    if exc.retryable:
        await _retry_or_give_up(services, job, str(exc))
        return
    if isinstance(exc, KieValidationError):
        await finish_job(pool, job, "fail", failure_code="invalid_input", failure_message=exc.kie_message)
    elif isinstance(exc, KieCreditsExhausted):
        log.error("%s: Kie credits exhausted (402)", job.request_id)
        await finish_job(pool, job, "fail", failure_code="kie_credits", failure_message=exc.kie_message)
        await alert_admins(services, "kie_credits", job.request_id)
    elif isinstance(exc, KieAuthError):
        log.error("%s: Kie refused our key: %s", job.request_id, exc)
        await finish_job(pool, job, "fail", failure_code="kie_unavailable", failure_message=exc.kie_message)
        await alert_admins(services, "kie_auth", job.request_id)
    elif isinstance(exc, KieFeatureDisabled):
        await finish_job(pool, job, "fail", failure_code="model_unavailable", failure_message=exc.kie_message)
    elif isinstance(exc, KieGenerationFailed):
        await finish_job(pool, job, "fail", failure_code="generation_failed", failure_message=exc.kie_message)
    else:
        log.warning("%s: createTask refused: %s", job.request_id, exc)
        await finish_job(pool, job, "fail", failure_code="kie_unavailable", failure_message=exc.kie_message)


async def _retry_or_give_up(services: JobServices, job: Job, reason: str) -> None:
    """Back to the queue with a backoff, or — when Kie has refused for too long — money back."""
    assert job.lease_token is not None
    waited = (dt.datetime.now(dt.UTC) - job.created_at).total_seconds()
    if waited > services.timings.submit_give_up_after:
        log.warning("%s: giving up after %.0f s of refusals: %s", job.request_id, waited, reason)
        await finish_job(services.pool, job, "fail", failure_code="kie_unavailable", failure_message=reason)
        return
    delay = services.timings.submit_backoff(job.attempts + 1)
    log.warning("%s: not submitted (%s); retry in %.1f s", job.request_id, reason, delay)
    await jobs.retry(services.pool, job, advance(job.state, "retry"), delay, reason)
