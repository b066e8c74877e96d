"""Delivering a finished job, exactly once per lease: results, then the Result View (or the failure
view), then the row is marked delivered together with the Telegram file_ids it produced.

Only a crash between the last send and the mark can repeat a delivery (Telegram has no idempotent
send); a lease that is still held keeps every other instance away meanwhile.
"""

from __future__ import annotations

import logging

import msgspec

from flows.catalog.conditions import resolved_values
from flows.catalog.pricing import format_rub
from flows.catalog.types import ModelEntry
from flows.follow.screens import action_rows
from flows.jobs.lifecycle import may
from flows.jobs.model import Job, JobState
from flows.results import failure_screen, links_text, result_screen
from flows.screens import Screen, SendScreen
from flows.texts import t
from integrations.telegram.errors import (
    RejectedByTelegram,
    TelegramSendError,
    TransientSendError,
    UserBlockedBot,
)
from integrations.telegram.media import SentMedia
from persistence import jobs, ledger, users
from runtime.jobs.media_length import repriced
from runtime.jobs.services import JobServices

log = logging.getLogger(__name__)


async def deliver(services: JobServices, job: Job) -> None:
    assert job.lease_token is not None
    token = job.lease_token
    try:
        file_ids = await _send(services, job)
    except UserBlockedBot:
        log.info("%s: user blocked the bot; delivery closed", job.request_id)
        await users.mark_inactive(services.pool, job.user_id)
        await jobs.mark_delivered(services.pool, job.request_id, token, [], "user blocked the bot")
        return
    except Exception as exc:
        await _retry(services, job, exc)
        return
    await jobs.mark_delivered(services.pool, job.request_id, token, file_ids)
    services.last_action.pop(job.request_id, None)
    if job.progress_message_id is not None:
        try:
            await services.media.delete(job.chat_id, job.progress_message_id)
        except TelegramSendError as exc:
            log.debug("%s: progress message left in place: %s", job.request_id, exc)


async def _send(services: JobServices, job: Job) -> list[str]:
    lang = job.lang
    entry = services.catalog.get(job.model_id)
    if job.state != JobState.SUCCEEDED:
        cause = job.failure_code or "internal"
        params = None
        if cause == "media_longer":
            found = repriced(entry, job, services.policy) if entry is not None else None
            if found is None:
                cause = "media_unreadable"
            else:
                params = {"seconds": found["seconds"], "price": format_rub(found["price_kopecks"])}
        screen = failure_screen(
            lang,
            job.request_id,
            job.model_id,
            cause,
            detail=job.failure_message,
            refunded_kopecks=job.refunded_kopecks,
            params=params,
        )
        await _screen(services, job, screen)
        return []
    sent = SentMedia()
    if job.result_text:
        await services.media.send_text(job.chat_id, job.result_text)
    if job.result_urls:
        kind = entry.supports.output if entry is not None else "document"
        sent = await services.media.send_results(job.chat_id, kind, job.result_urls)
    if sent.too_big:
        await _screen(services, job, Screen(text=links_text(lang, sent.too_big)))
    delivered_something = bool(sent.file_ids or sent.too_big or job.result_text)
    if sent.unreachable:
        log.warning("%s: %d result(s) could not be fetched", job.request_id, len(sent.unreachable))
        screen = Screen(text=links_text(lang, sent.unreachable, unreachable=True))
        if not delivered_something:
            # Nothing reached the user: the charge comes back, and the failure view's ways on (support
            # included) go with the links.
            refunded = await _refund_undeliverable(services, job)
            failure = failure_screen(
                lang, job.request_id, job.model_id, "internal", refunded_kopecks=refunded
            )
            screen = Screen(text=f"{failure.text}\n\n{screen.text}", buttons=failure.buttons)
            await _screen(services, job, screen)
            return sent.file_ids
        await _screen(services, job, screen)
    if job.refunded_kopecks and entry is not None and entry.pricing.refund_unreturned:
        await _screen(services, job, _unreturned_screen(job, entry))
    # The follow-up actions need the delivered files (an image to upscale or animate), so they read
    # this job as it will be stored once delivered.
    delivered = msgspec.structs.replace(job, result_file_ids=sent.file_ids)
    actions = action_rows(lang, delivered, services.catalog, services.policy)
    screen = result_screen(lang, job.request_id, job.model_id, links_sent=bool(sent.too_big), actions=actions)
    await _screen(services, job, screen)
    return sent.file_ids


def _unreturned_screen(job: Job, entry: ModelEntry) -> Screen:
    """Fewer outputs than the upper bound the hold was priced by: say what came back to the balance."""
    asked = resolved_values(entry, job.wizard_values).get(entry.pricing.unit_field or "")
    text = t(
        job.lang,
        "job.unreturned_refund",
        returned=len(job.result_urls or ()),
        asked=asked,
        amount=format_rub(job.refunded_kopecks or 0),
    )
    return Screen(text=text)


async def _refund_undeliverable(services: JobServices, job: Job) -> int:
    """A success whose results could not be fetched (expired links) gave the user nothing: return
    what was captured, once (keyed by the request id), whatever delivery attempt gets here."""
    if job.free or job.price_kopecks <= 0 or not may(job, "refund"):
        return 0
    async with services.pool.acquire() as conn, conn.transaction():
        # One refund record per job: an admin who refunded it already leaves nothing to return.
        first = await jobs.record_refund(
            conn, job.request_id, job.user_id, None, "undeliverable", job.price_kopecks
        )
        posting = (
            await ledger.adjust(
                conn,
                job.user_id,
                job.price_kopecks,
                f"result of {job.request_id} could not be delivered",
                0,
                f"undeliverable:{job.request_id}",
            )
            if first
            else None
        )
    if posting is not None and posting.applied:
        log.warning(
            "%s: results unreachable; %d kopecks returned to the user", job.request_id, job.price_kopecks
        )
    return job.price_kopecks


async def _screen(services: JobServices, job: Job, screen: Screen) -> None:
    await services.renderer.perform(SendScreen(job.chat_id, screen, control=False))


async def _retry(services: JobServices, job: Job, exc: Exception) -> None:
    assert job.lease_token is not None
    attempts = job.delivery_attempts + 1
    if isinstance(exc, RejectedByTelegram) or attempts >= services.timings.delivery_max_attempts:
        # Retrying cannot fix a 400, and a job must not loop forever: close it loudly.
        log.error("%s: delivery abandoned after %d attempt(s): %s", job.request_id, attempts, exc)
        await jobs.mark_delivered(services.pool, job.request_id, job.lease_token, [], str(exc)[:500])
        return
    delay = services.timings.delivery_backoff(job.delivery_attempts)
    if isinstance(exc, TransientSendError):
        log.warning("%s: delivery failed, retry in %.1f s: %s", job.request_id, delay, exc)
    else:
        log.exception("%s: delivery failed, retry in %.1f s", job.request_id, delay, exc_info=exc)
    await jobs.retry_delivery(services.pool, job.request_id, job.lease_token, delay, str(exc))
