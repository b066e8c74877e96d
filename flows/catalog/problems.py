"""What is wrong with a user's input, as data: a stable code and parameters; user texts are made
from the code elsewhere (flows/texts, error.<code>)."""

from __future__ import annotations

from typing import Any

import msgspec


class InputError(ValueError):
    """A user value that does not fit its field. `code` is stable; `params` fill the user text."""

    def __init__(self, code: str, **params: Any) -> None:
        super().__init__(code, params)
        self.code = code
        self.params = params


class Problem(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """One thing wrong with a whole input; `field` is None for rules spanning several fields."""

    field: str | None
    code: str
    params: dict[str, Any] = {}


class CatalogError(Exception):
    """The catalog data is wrong; the message names file, model and field."""
