"""What confirming a broadcast stores (runtime/effects.py applies it in the update's transaction)."""

from __future__ import annotations

import msgspec

from flows.states import BroadcastAudience


class StartBroadcast(msgspec.Struct, frozen=True, tag="broadcast.start"):
    key: str  # the confirm tap's: a repeated update starts nothing new
    admin_id: int
    audience: BroadcastAudience
    text: str
    photo: str | None = None
    button_text: str | None = None
    button_url: str | None = None
