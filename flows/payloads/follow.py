"""Callback payloads of the follow-up actions under a result (➕ Продлить, 🎚 Разделить на дорожки…)."""

from __future__ import annotations

from typing import Annotated

from msgspec import Meta

from flows.catalog.follow_ups import ActionName
from flows.payloads.jobs import RequestId
from flows.routing.payloads import Payload


class FollowUpAction(Payload, frozen=True):
    """An action on the result of the job `request_id` (the parent): its wizard opens prefilled.
    `item`: which of the job's results (Suno's second track); None: ask when there are several."""

    prefix = "fu"
    request_id: RequestId
    action: ActionName
    item: Annotated[int, Meta(ge=0, le=9)] | None = None
