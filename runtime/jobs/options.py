"""The knobs of the job workers, production defaults first; tests and the benchmark shrink them."""

from __future__ import annotations

import random
from typing import Annotated, Any

import msgspec
from msgspec import Meta

from integrations.kie.client import RetryPolicy
from integrations.kie.rate_limit import CREATE_LIMIT, QUERY_LIMIT, RateLimit
from integrations.telegram.media import Limits

Seconds = Annotated[float, Meta(ge=0)]


class PollTier(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """While a task has run less than `until` seconds (None: from then on), check it every `low`–`high` s."""

    until: float | None
    low: Seconds
    high: Seconds


# Kie tasks take seconds (images) to minutes (video, music): dense checks early, sparse ones later.
DEFAULT_TIERS = (PollTier(30, 2, 3), PollTier(120, 5, 10), PollTier(None, 15, 30))


class JobTimings(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    poll_tiers: tuple[PollTier, ...] = DEFAULT_TIERS
    # With a callback registered, the first safety check may wait for the model's usual time
    # (eta × factor, capped) before the tiers take over: fewer queries, but a lost callback is then
    # noticed only after that wait. 0 (the default) polls along the tiers from the start.
    callback_grace_factor: Seconds = 0.0
    callback_grace_max: Seconds = 300.0
    # Multiplies every catalog timeout_seconds (tests use a small one).
    timeout_scale: Annotated[float, Meta(gt=0)] = 1.0
    # Kie refused before accepting (429, 455, connection refused): try again after a backoff, and
    # give up (money back) when it lasts longer than this.
    submit_backoff_base: Seconds = 2.0
    submit_backoff_max: Seconds = 60.0
    submit_give_up_after: Seconds = 900.0
    delivery_backoff_base: Seconds = 2.0
    delivery_backoff_max: Seconds = 300.0
    delivery_max_attempts: int = 20
    # Long enough for a createTask with its retries and the upload of a 20 MB input.
    lease_seconds: Annotated[float, Meta(gt=0)] = 300.0
    idle_poll_seconds: Annotated[float, Meta(gt=0)] = 1.0
    chat_action_every: Seconds = 5.0
    admin_alert_every: Seconds = 3600.0
    # Job steps in flight per instance; they mostly wait on Kie, Telegram and the database pool.
    concurrency: Annotated[int, Meta(ge=1)] = 64
    shutdown_grace_seconds: Seconds = 10.0

    def poll_delay(self, elapsed: float) -> float:
        for tier in self.poll_tiers:
            if tier.until is None or elapsed < tier.until:
                return random.uniform(tier.low, tier.high)
        last = self.poll_tiers[-1]
        return random.uniform(last.low, last.high)

    def first_check_delay(self, eta_seconds: float, callback_expected: bool) -> float:
        if callback_expected and self.callback_grace_factor > 0:
            return min(eta_seconds * self.callback_grace_factor, self.callback_grace_max)
        return self.poll_delay(0.0)

    def submit_backoff(self, attempts: int) -> float:
        return min(self.submit_backoff_max, self.submit_backoff_base * 2 ** max(0, attempts - 1))

    def delivery_backoff(self, attempts: int) -> float:
        return min(self.delivery_backoff_max, self.delivery_backoff_base * 2 ** max(0, attempts))


class JobsOptions(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    timings: JobTimings = JobTimings()
    kie_timeout_seconds: Annotated[float, Meta(gt=0)] = 60.0
    kie_retry: RetryPolicy | None = None
    create_limit: RateLimit = CREATE_LIMIT
    query_limit: RateLimit = QUERY_LIMIT
    media_limits: Limits = Limits()
    # Name → addresses for the pasted-link check (tests replace DNS); None: the system resolver.
    host_lookup: Any = None
    # False: createTask without callBackUrl (polling only). Suno cannot run without one.
    use_callbacks: bool = True
