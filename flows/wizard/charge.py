"""How a run is paid: from the balance, from today's free quota, or an admin's run (both free)."""

from __future__ import annotations

from typing import Literal

import msgspec

from flows.catalog.types import ModelEntry
from flows.incoming import AccountView


class Charge(msgspec.Struct, frozen=True):
    price_kopecks: int
    kind: Literal["paid", "free", "admin"] = "paid"
    balance_kopecks: int | None = None
    free_left: int = 0
    free_quota: int = 0

    @property
    def charged_kopecks(self) -> int:
        return self.price_kopecks if self.kind == "paid" else 0

    @property
    def enough(self) -> bool:
        """The funds guard of the chart's launch: free and admin runs always have enough."""
        return self.balance_kopecks is None or self.balance_kopecks >= self.charged_kopecks


def charge_for(entry: ModelEntry, price_kopecks: int, account: AccountView | None, is_admin: bool) -> Charge:
    """Free models use today's quota first; admins run at zero price; everyone else pays from the balance.
    All three take the same path (a hold) — free and admin runs hold zero."""
    balance = account.available_kopecks if account is not None else None
    if entry.free and account is not None and account.free_left > 0:
        return Charge(price_kopecks, "free", balance, account.free_left, account.free_quota)
    if is_admin:
        return Charge(price_kopecks, "admin", balance)
    return Charge(price_kopecks, "paid", balance)
