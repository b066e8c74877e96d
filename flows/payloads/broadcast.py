"""Callback payloads of 📣 Рассылка (admins only; flows/broadcast)."""

from __future__ import annotations

from typing import Annotated, Literal

from msgspec import Meta

from flows.routing.payloads import Payload


class BcStart(Payload, frozen=True):
    prefix = "bc:new"


class BcBack(Payload, frozen=True):
    prefix = "bc:back"


class BcCancel(Payload, frozen=True):
    prefix = "bc:x"


class BcSkip(Payload, frozen=True):
    """✅ Продолжить without a button."""

    prefix = "bc:skip"


class BcAudience(Payload, frozen=True):
    prefix = "bc:to"
    audience: Literal["all", "active30", "paid"]


class BcConfirm(Payload, frozen=True):
    prefix = "bc:go"
    token: Annotated[str, Meta(max_length=16, pattern=r"^[0-9a-z]+$")]
