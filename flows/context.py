"""What flows may know about the deployment: plain values, no I/O handles."""

from __future__ import annotations

import msgspec


class FlowContext(msgspec.Struct, frozen=True):
    support_text: str
    support_telegram: str
    admin_ids: tuple[int, ...] = ()
