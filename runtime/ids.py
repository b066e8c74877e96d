"""Fresh randomness for the ids flows cut from an update (flows.ids), and for the runtime's own."""

from __future__ import annotations

import base64
import os

from flows.ids import CROCKFORD, ENTROPY_CHARS, code, request_id

# RFC 4648 base32 → Crockford's alphabet, letter for letter (both have 32 symbols).
_TO_CROCKFORD = bytes.maketrans(b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", CROCKFORD.encode())
_RANDOM_BYTES = ENTROPY_CHARS * 5 // 8  # 5 bits a character


def fresh_entropy() -> str:
    """ENTROPY_CHARS characters of Crockford base32 from the OS's randomness (one call per update)."""
    return base64.b32encode(os.urandom(_RANDOM_BYTES)).translate(_TO_CROCKFORD).decode()


def new_request_id() -> str:
    """A request id for what the runtime itself creates (a parked update, a test's job)."""
    return request_id(fresh_entropy())


def new_code(prefix: str) -> str:
    """A short code the runtime itself makes (S-… for an order row of a second Stars charge)."""
    return code(prefix, fresh_entropy())
