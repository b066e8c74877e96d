"""Operator alerts from the job workers, at most one per kind per interval across all instances
(the last-sent time lives in the database, so restarts and extra instances do not multiply them)."""

from __future__ import annotations

import logging

from flows.results import admin_alert_text
from flows.screens import Screen, SendScreen
from integrations.telegram.errors import TelegramSendError
from persistence import jobs
from runtime.jobs.services import JobServices

log = logging.getLogger(__name__)


async def alert_admins(services: JobServices, kind: str, request_id: str) -> None:
    if not await jobs.alert_due(services.pool, kind, services.timings.admin_alert_every):
        return
    text = admin_alert_text("ru", kind, request_id)
    log.error("operator alert %s (%s): sent to %d admins", kind, request_id, len(services.admin_ids))
    for admin_id in services.admin_ids:
        try:
            await services.renderer.perform(SendScreen(admin_id, Screen(text=text), control=False))
        except TelegramSendError as exc:
            log.warning("alert %s to admin %s not sent: %s", kind, admin_id, exc)
