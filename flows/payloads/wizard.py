"""Callback payloads of the wizard: opening a model's card, and the buttons of its screens.

A wizard button carries the snapshot version it was drawn for, so a tap on an older screen is known
to be stale, and one event of the model's chart (with an argument for an option, a page or a field).
"""

from __future__ import annotations

from typing import Annotated, Literal

from msgspec import Meta

from flows.routing.payloads import Payload

WizardEvent = Literal["next", "back", "cancel", "choose", "toggle", "page", "clear", "edit", "more", "topup"]


class OpenCard(Payload, frozen=True):
    prefix = "c"
    slug: Annotated[str, Meta(min_length=1, max_length=58, pattern=r"^[A-Za-z0-9_-]+$")]


class WizardButton(Payload, frozen=True):
    prefix = "w"
    version: Annotated[int, Meta(ge=0, le=10**9)]
    event: WizardEvent
    arg: Annotated[int, Meta(ge=0, le=999)] | None = None
