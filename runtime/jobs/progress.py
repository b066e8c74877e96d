"""The user's view while a job runs: one progress message per job, edited when the stage changes,
and the matching chat action ("sending a video…") at most every few seconds."""

from __future__ import annotations

import asyncio
import logging

import msgspec

from flows.jobs.model import Job
from flows.results import ProgressStage, progress_screen
from flows.screens import EditScreen, SendScreen
from integrations.telegram.errors import RejectedByTelegram, TransientSendError
from integrations.telegram.media import ACTION_FOR_RESULT
from persistence import jobs
from runtime.jobs.services import JobServices

log = logging.getLogger(__name__)


async def show_stage(services: JobServices, job: Job, stage: ProgressStage) -> Job:
    """Send the progress message (first time) or edit it (stage changed). UserBlockedBot propagates;
    other Telegram trouble only costs the user this update of the message, never the job."""
    if job.progress_message_id is not None and job.progress_stage == stage:
        return job
    entry = services.catalog.get(job.model_id)
    eta = entry.eta_seconds if entry is not None else 60
    screen = progress_screen(job.lang, job.request_id, job.model_id, stage, eta)
    try:
        if job.progress_message_id is None:
            message_id = await services.renderer.perform(SendScreen(job.chat_id, screen, control=True))
        else:
            # The renderer sends a new message when the old one cannot be edited; keep that one.
            new_id = await services.renderer.perform(EditScreen(job.chat_id, job.progress_message_id, screen))
            message_id = new_id or job.progress_message_id
    except (TransientSendError, RejectedByTelegram) as exc:
        log.warning("%s: progress message not updated: %s", job.request_id, exc)
        return job
    assert job.lease_token is not None
    await jobs.set_progress(services.pool, job.request_id, job.lease_token, message_id, stage)
    return _replace(job, message_id, stage)


def _replace(job: Job, message_id: int | None, stage: str) -> Job:
    return msgspec.structs.replace(job, progress_message_id=message_id, progress_stage=stage)


async def chat_action(services: JobServices, job: Job) -> None:
    entry = services.catalog.get(job.model_id)
    action = ACTION_FOR_RESULT.get(entry.supports.output if entry else "", "typing")
    now = asyncio.get_running_loop().time()
    last = services.last_action.get(job.request_id)
    if last is not None and now - last < services.timings.chat_action_every:
        return
    services.last_action[job.request_id] = now
    try:
        await services.media.chat_action(job.chat_id, action)
    except (TransientSendError, RejectedByTelegram) as exc:
        log.debug("%s: chat action skipped: %s", job.request_id, exc)
