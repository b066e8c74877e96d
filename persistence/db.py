"""The asyncpg pool: sized by DB_MAXCONN, connected with retries, jsonb decoded with msgspec."""

from __future__ import annotations

import logging

import asyncpg
import msgspec
from tenacity import AsyncRetrying, retry_if_exception_type, stop_after_delay, wait_random_exponential

log = logging.getLogger(__name__)

_encoder = msgspec.json.Encoder()
_decoder = msgspec.json.Decoder()


class DatabaseError(Exception):
    """Root of persistence errors."""


class DatabaseUnreachable(DatabaseError):
    def __init__(self, seconds: float) -> None:
        super().__init__(
            f"PostgreSQL is unreachable after {seconds:.0f} s of retries: check DATABASE_URL "
            "(host, port, database name, credentials) and that the database is running"
        )


def _encode_json(value: object) -> str:
    return _encoder.encode(value).decode()


async def _init_connection(conn: asyncpg.Connection) -> None:
    # asyncpg returns json/jsonb as text unless told otherwise; msgspec is both faster and stricter.
    for type_name in ("json", "jsonb"):
        await conn.set_type_codec(
            type_name, encoder=_encode_json, decoder=_decoder.decode, schema="pg_catalog", format="text"
        )


# Errors that mean "not there yet" (server starting, network blip), worth retrying at startup.
_TRANSIENT = (OSError, asyncpg.CannotConnectNowError, asyncpg.TooManyConnectionsError, TimeoutError)


async def _keep_session_state(conn: asyncpg.Connection) -> None:
    """No reset on release. asyncpg's default (unlisten, unlock all advisory locks, close cursors, reset
    settings) costs a round trip per release — several per update — and TRT holds no such session state
    on pooled connections: its advisory locks are transaction-level, the poller's lock has its own
    connection."""


async def create_pool(dsn: str, max_size: int, *, connect_within: float = 60.0) -> asyncpg.Pool:
    """Open the pool, retrying with jittered backoff while the database is not reachable yet."""
    min_size = min(2, max_size)
    try:
        async for attempt in AsyncRetrying(
            retry=retry_if_exception_type(_TRANSIENT),
            wait=wait_random_exponential(multiplier=0.5, max=5),
            stop=stop_after_delay(connect_within),
            reraise=True,
        ):
            with attempt:
                if attempt.retry_state.attempt_number > 1:
                    log.warning(
                        "database not reachable yet, retrying (attempt %d)",
                        attempt.retry_state.attempt_number,
                    )
                return await asyncpg.create_pool(
                    dsn,
                    min_size=min_size,
                    max_size=max_size,
                    init=_init_connection,
                    command_timeout=30,
                    max_inactive_connection_lifetime=300,
                    reset=_keep_session_state,
                )
    except _TRANSIENT as exc:
        raise DatabaseUnreachable(connect_within) from exc
    raise AssertionError("unreachable")  # pragma: no cover - AsyncRetrying either returns or raises
