"""Short human ids: R- and 6 characters of Crockford base32 (no I, L, O, U to misread).

Flows draw no randomness of their own: every update brings fresh characters (`Incoming.entropy`,
made by the runtime, fixed by tests), and the ids an update creates are cut from them.
"""

from __future__ import annotations

import re

CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
REQUEST_ID = re.compile(r"^R-[0-9A-HJKMNP-TV-Z]{6}$")
ENTROPY_CHARS = 16


def request_id(entropy: str) -> str:
    """The request id of the job or request an update creates: R-7K2F9Q."""
    return code("R", entropy)


def code(prefix: str, entropy: str) -> str:
    """A short code: T-4K7Q2M (a transfer's payment comment), S-… (a Stars order)."""
    return f"{prefix}-{entropy[:6]}"


def token(entropy: str) -> str:
    """A longer one-time token (an admin's pending adjustment)."""
    return entropy[6:ENTROPY_CHARS].lower()


def normalize_request_id(text: str) -> str | None:
    """A request id as a user or admin might type it (r-7k2f9q, R 7K2F9Q, with O for 0) or None."""
    cleaned = re.sub(r"[\s_-]", "", text.strip().upper())
    if cleaned.startswith("R"):
        cleaned = cleaned[1:]
    cleaned = cleaned.translate(str.maketrans({"O": "0", "I": "1", "L": "1"}))
    candidate = f"R-{cleaned}"
    return candidate if REQUEST_ID.match(candidate) else None
