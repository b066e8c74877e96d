"""Callback payloads of Stars packs (`sp`) and the monthly plan (`pl:*`)."""

from __future__ import annotations

from typing import Annotated

from msgspec import Meta

from flows.routing.payloads import Payload


class StarsOffer(Payload, frozen=True):
    """A Stars pack of the policy's `stars_packs` (the ⭐ count, not rubles)."""

    prefix = "sp"
    stars: Annotated[int, Meta(ge=1, le=100_000)]


class OpenPlan(Payload, frozen=True):
    prefix = "pl:open"


class PlanSubscribe(Payload, frozen=True):
    prefix = "pl:buy"


class PlanCancel(Payload, frozen=True):
    prefix = "pl:x"


class PlanCancelConfirm(Payload, frozen=True):
    prefix = "pl:xok"


class PlanRefund(Payload, frozen=True):
    prefix = "pl:rf"


class PlanRefundConfirm(Payload, frozen=True):
    prefix = "pl:rfok"
