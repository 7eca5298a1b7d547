import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from bot.core.clock import FakeClock, OffsetClock, parse_duration

T = datetime(2026, 3, 1, 12, tzinfo=UTC)


async def test_a_sleeper_on_the_fake_clock_wakes_when_time_passes_it() -> None:
    clock = FakeClock(T)
    woke = asyncio.create_task(clock.sleep_until(T + timedelta(hours=1)))
    await asyncio.sleep(0)
    clock.advance(timedelta(minutes=59))
    await asyncio.sleep(0)
    assert not woke.done()
    clock.advance(timedelta(minutes=1))
    await asyncio.wait_for(woke, 1)


def test_the_fake_clock_never_goes_back() -> None:
    clock = FakeClock(T)
    with pytest.raises(ValueError):
        clock.set(T - timedelta(seconds=1))


def test_the_fake_clock_reports_its_next_sleeper() -> None:
    async def main() -> None:
        clock = FakeClock(T)
        task = asyncio.create_task(clock.sleep_until(T + timedelta(seconds=5)))
        await asyncio.sleep(0)
        assert clock.next_wakeup() == T + timedelta(seconds=5)
        task.cancel()

    asyncio.run(main())


async def test_advancing_the_offset_clock_wakes_a_long_sleeper_at_once() -> None:
    clock = OffsetClock()
    task = asyncio.create_task(clock.sleep_until(clock.now() + timedelta(days=3)))
    await asyncio.sleep(0)
    clock.advance(timedelta(days=3, seconds=1))
    await asyncio.wait_for(task, 1)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("45m", timedelta(minutes=45)),
        ("2d", timedelta(days=2)),
        ("1h30m", timedelta(minutes=90)),
        ("90s", timedelta(seconds=90)),
        ("2w", timedelta(weeks=2)),
    ],
)
def test_durations_parse(text: str, expected: timedelta) -> None:
    assert parse_duration(text) == expected


@pytest.mark.parametrize("text", ["", "45", "m", "3x", "1h30", "-5m"])
def test_malformed_durations_are_refused_with_an_example(text: str) -> None:
    with pytest.raises(ValueError, match="45m"):
        parse_duration(text)


@pytest.mark.parametrize("text", ["3651d", "99999999d", "9999999999999w"])
def test_a_duration_beyond_ten_years_is_refused_as_a_typo(text: str) -> None:
    with pytest.raises(ValueError, match=r"too long: Porch plans at most 10 years \(3650d\)"):
        parse_duration(text)
