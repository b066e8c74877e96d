"""Callback payloads of the follow-up actions under a result (➕ Продлить, 🎚 Разделить на дорожки…)."""

from __future__ import annotations

from flows.catalog.follow_ups import ActionName
from flows.payloads.jobs import RequestId
from flows.routing.payloads import Payload


class FollowUpAction(Payload, frozen=True):
    """An action on the result of the job `request_id` (the parent): its wizard opens prefilled."""

    prefix = "fu"
    request_id: RequestId
    action: ActionName
