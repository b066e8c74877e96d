"""A gap the catalog lint reports: one documented limit the catalog does not hold."""

from __future__ import annotations

import msgspec


class Gap(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """One documented limit the catalog does not hold (or holds more loosely)."""

    model: str
    where: str
    message: str

    def __str__(self) -> str:
        return f"{self.model}: {self.where}: {self.message}"
