from datetime import UTC, datetime, timedelta

from bot.core.adapter import RateBudget
from bot.delivery.ratelimit import RateLimiter, TokenBucket

T = datetime(2026, 1, 1, tzinfo=UTC)


def test_a_bucket_allows_its_burst_then_the_rate() -> None:
    bucket = TokenBucket(rate=2, capacity=3)
    t = T.timestamp()
    for _ in range(3):
        assert bucket.wait_time(t) == 0
        bucket.take(t)
    assert bucket.wait_time(t) == 0.5
    assert bucket.wait_time(t + 0.5) == 0


def test_a_pause_holds_the_bucket_until_it_ends() -> None:
    bucket = TokenBucket(rate=100, capacity=100)
    bucket.pause(T.timestamp(), 3)
    assert bucket.wait_time(T.timestamp() + 1) == 2


def test_the_limiter_spends_from_both_the_platform_and_the_channel_bucket() -> None:
    limiter = RateLimiter({"slack": RateBudget(10, 10, 1, 1)})
    assert limiter.try_take("slack", "slack:C1", T) == 0
    assert limiter.try_take("slack", "slack:C1", T) == 1.0
    assert limiter.try_take("slack", "slack:C2", T) == 0


def test_the_platform_budget_caps_all_channels_together() -> None:
    limiter = RateLimiter({"slack": RateBudget(2, 2, 100, 100)})
    waits = [limiter.try_take("slack", f"slack:C{i}", T) for i in range(3)]
    assert waits == [0, 0, 0.5]
    assert limiter.try_take("slack", "slack:C9", T + timedelta(seconds=0.5)) == 0


def test_a_tiny_remaining_wait_never_rounds_to_nothing() -> None:
    limiter = RateLimiter({"m": RateBudget(50, 1, 1000, 1000)})
    t = T
    for _ in range(200):
        wait = limiter.try_take("m", "m:a", t)
        assert wait == 0 or t + timedelta(seconds=wait) > t
        t += timedelta(seconds=wait or 0.02)


def test_the_platform_wait_is_known_before_any_channel_is_tried() -> None:
    limiter = RateLimiter({"m": RateBudget(1, 1, 100, 100)})
    assert limiter.platform_wait("m", T) == 0
    limiter.try_take("m", "m:a", T)
    assert limiter.platform_wait("m", T) == 1.0


def test_channel_buckets_are_forgotten_once_full_again_but_a_busy_one_is_kept() -> None:
    limiter = RateLimiter({"m": RateBudget(1e9, 1_000_000, 1, 1)})
    limiter.try_take("m", "m:busy", T)
    for i in range(5_000):
        assert limiter.try_take("m", f"m:dm:{i}", T + timedelta(seconds=i / 100)) == 0
        if i == 4_000:
            limiter.pause("m", "m:busy", "channel", T + timedelta(seconds=i / 100), 3600)
    assert limiter.channel_buckets() <= 1_100
    # The paused bucket survived every pruning: it still makes the caller wait.
    assert limiter.try_take("m", "m:busy", T + timedelta(seconds=51)) > 3000
    # A bucket that was just used is empty, not forgotten: it still makes the caller wait.
    assert limiter.try_take("m", "m:dm:4999", T + timedelta(seconds=49.99)) > 0
