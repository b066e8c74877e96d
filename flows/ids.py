"""Short human request ids: R- and 6 characters of Crockford base32 (no I, L, O, U to misread)."""

from __future__ import annotations

import re
import secrets

CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
REQUEST_ID = re.compile(r"^R-[0-9A-HJKMNP-TV-Z]{6}$")


def new_request_id() -> str:
    return "R-" + "".join(secrets.choice(CROCKFORD) for _ in range(6))


def normalize_request_id(text: str) -> str | None:
    """A request id as a user or admin might type it (r-7k2f9q, R 7K2F9Q, with O for 0) or None."""
    cleaned = re.sub(r"[\s_-]", "", text.strip().upper())
    if cleaned.startswith("R"):
        cleaned = cleaned[1:]
    cleaned = cleaned.translate(str.maketrans({"O": "0", "I": "1", "L": "1"}))
    candidate = f"R-{cleaned}"
    return candidate if REQUEST_ID.match(candidate) else None
