"""What flows may know about the deployment: plain values, the loaded catalog and the Book of
things built once (charts, price summaries); no I/O handles."""

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
    # Manual transfer details shown on the top-up screen (PAYMENT_BANK, PAYMENT_CARD_HOLDER, PAYMENT_PHONE).
    payment_bank: str = ""
    payment_card_holder: str = ""
    payment_phone: str = ""
    # flows.book.Book: the charts and price summaries built once per process (the runtime makes it).
    book: Any = None
    # The bot's @username without the @ (from getMe at start; "" until Telegram answered): invite links.
    bot_username: str = ""
