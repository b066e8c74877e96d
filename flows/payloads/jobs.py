"""Callback payloads of the buttons under a job's messages."""

from __future__ import annotations

from typing import Annotated

from msgspec import Meta

from flows.routing.payloads import Payload

RequestId = Annotated[str, Meta(max_length=8, pattern=r"^R-[0-9A-HJKMNP-TV-Z]{6}$")]


class Repeat(Payload, frozen=True):
    """🔁 Сделать ещё раз: the same model's confirm step with that job's values."""

    prefix = "r"
    request_id: RequestId


class CancelQueued(Payload, frozen=True):
    """❌ on the progress message while a job waits for submission (Kie busy or in maintenance)."""

    prefix = "jc"
    request_id: RequestId
