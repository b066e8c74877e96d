"""What flows may know about the deployment: plain values and the loaded catalog, no I/O handles."""

from __future__ import annotations

from typing import Any

import msgspec


class FlowContext(msgspec.Struct, frozen=True):
    support_text: str
    support_telegram: str
    admin_ids: tuple[int, ...] = ()
    # flows.catalog.Catalog and flows.catalog.pricing.PricingPolicy; None in tests of the bare menus.
    catalog: Any = None
    policy: Any = None
