"""What every job step needs, composed once by runtime.app (handles, not data)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from functools import partial

import asyncpg

from flows.catalog import Catalog, PricingPolicy, load_policy
from integrations.kie import KieClient
from integrations.net import resolve_public
from integrations.telegram.media import MediaSender
from integrations.telegram.renderer import TelegramRenderer
from runtime.jobs.files import TelegramFiles
from runtime.jobs.options import JobTimings

HOST_CHECK_TIMEOUT = 3.0


@dataclass
class JobServices:
    pool: asyncpg.Pool
    kie: KieClient
    catalog: Catalog
    renderer: TelegramRenderer
    media: MediaSender
    files: TelegramFiles
    timings: JobTimings
    callback_url: str | None
    admin_ids: tuple[int, ...] = ()
    # Prices of per-second models are checked again against the measured media length.
    policy: PricingPolicy = field(default_factory=load_policy)
    # Raises unless a pasted link's host resolves to public addresses only (integrations.net).
    check_host: Callable[[str, int], Awaitable[None]] = field(
        default=partial(resolve_public, timeout=HOST_CHECK_TIMEOUT)
    )
    # request id → loop time of the last chat action (only to space them out; losing it is harmless).
    last_action: dict[str, float] = field(default_factory=dict)
