"""What a database outage looks like to the workers: errors that say "PostgreSQL is not reachable right
now", not "this update (or job) is broken". Work that meets them is kept and tried again later, however
many times it takes; they never count as a failed attempt.

A module of its own so the inbox processor and the job worker share it without importing each other.
"""

from __future__ import annotations

import asyncpg

INFRASTRUCTURE_ERRORS = (
    OSError,
    TimeoutError,
    asyncpg.PostgresConnectionError,
    asyncpg.InterfaceError,
    asyncpg.CannotConnectNowError,
    asyncpg.TooManyConnectionsError,
)
