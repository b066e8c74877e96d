"""Fresh randomness for the ids flows cut from an update (flows.ids), and for the runtime's own."""

from __future__ import annotations

import secrets

from flows.ids import CROCKFORD, ENTROPY_CHARS, code, request_id


def fresh_entropy() -> str:
    return "".join(secrets.choice(CROCKFORD) for _ in range(ENTROPY_CHARS))


def new_request_id() -> str:
    """A request id for what the runtime itself creates (a parked update, a test's job)."""
    return request_id(fresh_entropy())


def new_code(prefix: str) -> str:
    """A short code the runtime itself makes (S-… for an order row of a second Stars charge)."""
    return code(prefix, fresh_entropy())
