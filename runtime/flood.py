"""Per-user flood control on the way in, before an update is stored.

One user sending more than `rate` updates a second (a burst of `burst` is fine: an album, fast taps)
gets one short "slow down" answer per flood and the rest of their updates are acknowledged to
Telegram but not stored: they cost no database row, no worker time and no Bot API call, so one user
cannot eat the bot's Telegram quota (about 30 messages a second for the whole bot). Payments, pre-
checkout queries and block/unblock are never dropped.

A token bucket per user in this process's memory: a dictionary lookup and a few float operations
per update, no database round trip on the webhook's hot path. With several instances behind one
webhook URL each counts on its own, so a user gets at most `rate` × instances through: the limit is
about protecting the bot, not about exact accounting. Buckets of quiet users are dropped when the
table grows past `max_users`.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from enum import Enum


class Verdict(Enum):
    PASS = "pass"
    DROP_AND_NOTIFY = "notify"  # the first dropped update of a flood: answer "slow down" once
    DROP = "drop"


class FloodGate:
    def __init__(
        self,
        rate: float = 5.0,
        burst: int = 20,
        *,
        clock: Callable[[], float] = time.monotonic,
        max_users: int = 50_000,
    ) -> None:
        self.rate = rate
        self.burst = float(burst)
        self.clock = clock
        self.max_users = max_users
        # user id → [tokens, last refill time, notified during this flood]
        self._buckets: dict[int, list] = {}

    def admit(self, user_id: int) -> Verdict:
        now = self.clock()
        bucket = self._buckets.get(user_id)
        if bucket is None:
            if len(self._buckets) >= self.max_users:
                self._forget_quiet(now)
            self._buckets[user_id] = [self.burst - 1.0, now, False]
            return Verdict.PASS
        tokens = min(self.burst, bucket[0] + (now - bucket[1]) * self.rate)
        bucket[1] = now
        if tokens >= 1.0:
            if tokens >= self.burst - 1.0:
                bucket[2] = False  # calm again: a next flood gets its own notice
            bucket[0] = tokens - 1.0
            return Verdict.PASS
        bucket[0] = tokens
        if bucket[2]:
            return Verdict.DROP
        bucket[2] = True
        return Verdict.DROP_AND_NOTIFY

    def _forget_quiet(self, now: float) -> None:
        full_after = self.burst / self.rate
        quiet = [user for user, (_, last, _) in self._buckets.items() if now - last >= full_after]
        for user in quiet:
            del self._buckets[user]
        if len(self._buckets) >= self.max_users:
            self._buckets.clear()  # everyone is busy: forgetting is safe (they start with a full bucket)

    def __len__(self) -> int:
        return len(self._buckets)
