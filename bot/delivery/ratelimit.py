"""Token buckets: one per adapter, one per channel.

Time comes in as an argument, so the buckets work the same on the real and the fake clock.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime

from bot.core.adapter import RateBudget


@dataclass
class TokenBucket:
    rate: float
    """Tokens added per second."""
    capacity: float
    tokens: float = -1.0
    updated: float | None = None
    paused_until: float = 0.0

    def __post_init__(self) -> None:
        if self.tokens < 0:
            self.tokens = self.capacity

    def _refill(self, t: float) -> None:
        if self.updated is not None and t > self.updated:
            self.tokens = min(self.capacity, self.tokens + (t - self.updated) * self.rate)
        self.updated = t if self.updated is None else max(self.updated, t)

    def wait_time(self, t: float) -> float:
        """Seconds until one token is available (0 if one is now)."""
        self._refill(t)
        if t < self.paused_until:
            return self.paused_until - t
        return 0.0 if self.tokens >= 1 else (1 - self.tokens) / self.rate

    def take(self, t: float) -> None:
        self._refill(t)
        self.tokens -= 1

    def is_fresh(self, t: float) -> bool:
        """Full and not paused at `t`: no different from a new bucket, so it may be forgotten."""
        if t < self.paused_until:
            return False
        if self.updated is None:
            return True
        return self.tokens + max(0.0, t - self.updated) * self.rate >= self.capacity

    def pause(self, t: float, seconds: float) -> None:
        """The platform said 429: nothing from this bucket until `t + seconds`, and start empty."""
        self.paused_until = max(self.paused_until, t + seconds)
        self.tokens = min(self.tokens, 0.0)


@dataclass
class RateLimiter:
    """All buckets of all adapters. `budgets` maps platform -> its RateBudget."""

    budgets: dict[str, RateBudget]
    _global: dict[str, TokenBucket] = field(default_factory=dict)
    _channel: dict[str, TokenBucket] = field(default_factory=dict)
    _origin: datetime | None = None
    _prune_at: int = 1024
    """Forget fresh channel buckets when there are more than this many: a wave of DMs to
    thousands of members would otherwise keep one bucket per member for ever."""

    def _seconds(self, now: datetime) -> float:
        """Seconds since the first call: small floats, so a 20 ms wait is not lost to rounding
        (epoch seconds are ~1.8e9, where a float keeps only about a microsecond)."""
        if self._origin is None:
            self._origin = now
        return (now - self._origin).total_seconds()

    def _buckets(self, platform: str, rate_key: str, t: float) -> tuple[TokenBucket, TokenBucket]:
        budget = self.budgets[platform]
        g = self._global.get(platform)
        if g is None:
            g = self._global[platform] = TokenBucket(budget.per_second, budget.burst)
        c = self._channel.get(rate_key)
        if c is None:
            if len(self._channel) >= self._prune_at:
                self._prune(t)
            c = self._channel[rate_key] = TokenBucket(
                budget.per_channel_per_second, budget.per_channel_burst
            )
        return g, c

    def _prune(self, t: float) -> None:
        for key in [k for k, b in self._channel.items() if b.is_fresh(t)]:
            del self._channel[key]
        self._prune_at = max(1024, 2 * len(self._channel))

    def channel_buckets(self) -> int:
        """How many per-channel buckets are kept (for tests and metrics)."""
        return len(self._channel)

    def try_take(self, platform: str, rate_key: str, now: datetime) -> float:
        """Take a token from both buckets, or return how long to wait (taking nothing).

        A wait is rounded up to whole microseconds (what a datetime can hold).
        """
        t = self._seconds(now)
        g, c = self._buckets(platform, rate_key, t)
        wait = max(g.wait_time(t), c.wait_time(t))
        if wait > 0:
            return _round_up(wait)
        g.take(t)
        c.take(t)
        return 0.0

    def platform_wait(self, platform: str, now: datetime) -> float:
        """How long until the platform's own bucket has a token (0 if it has one now)."""
        budget = self.budgets[platform]
        g = self._global.get(platform)
        if g is None:
            g = self._global[platform] = TokenBucket(budget.per_second, budget.burst)
        wait = g.wait_time(self._seconds(now))
        return _round_up(wait) if wait > 0 else 0.0

    def pause(
        self, platform: str, rate_key: str, scope: str, now: datetime, seconds: float
    ) -> None:
        t = self._seconds(now)
        g, c = self._buckets(platform, rate_key, t)
        (g if scope == "global" else c).pause(t, seconds)


def _round_up(seconds: float) -> float:
    """Up to whole microseconds, and at least one: a datetime cannot hold less, and a wait that
    rounds to nothing would make the caller look again at the same instant forever."""
    return max(1, math.ceil(seconds * 1_000_000 - 1e-6)) / 1_000_000
