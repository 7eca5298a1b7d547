"""Time as data.

No feature reads the wall clock: handlers get `now` from a Clock. The real clock is used in
production; the fake one drives tests, benchmarks and scripted terminal runs, where `:advance 3d`
moves time without anybody waiting.
"""

from __future__ import annotations

import asyncio
import contextlib
import heapq
import itertools
from datetime import UTC, datetime, timedelta
from typing import Protocol


def utc(dt: datetime) -> datetime:
    """Return `dt` as an aware UTC datetime (naive values from the DB are UTC by convention)."""
    return dt.replace(tzinfo=UTC) if dt.tzinfo is None else dt.astimezone(UTC)


class Clock(Protocol):
    def now(self) -> datetime:
        """The current time, aware, in UTC."""
        ...

    async def sleep_until(self, when: datetime) -> None:
        """Return once `now() >= when` (or at once if it already is)."""
        ...


class SystemClock:
    """The wall clock."""

    def now(self) -> datetime:
        return datetime.now(UTC)

    async def sleep_until(self, when: datetime) -> None:
        delay = (utc(when) - self.now()).total_seconds()
        if delay > 0:
            await asyncio.sleep(delay)


class FakeClock:
    """A clock that moves only when told to; sleepers wake as time passes them."""

    def __init__(self, start: datetime | None = None) -> None:
        self._now = utc(start) if start else datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
        self._sleepers: list[tuple[datetime, int, asyncio.Future[None]]] = []
        self._seq = itertools.count()

    def now(self) -> datetime:
        return self._now

    def set(self, when: datetime) -> None:
        """Jump to `when` (never backwards) and wake everyone who was waiting for it."""
        when = utc(when)
        if when < self._now:
            raise ValueError(f"a fake clock does not go back: {when} < {self._now}")
        self._now = when
        while self._sleepers and self._sleepers[0][0] <= self._now:
            _, _, fut = heapq.heappop(self._sleepers)
            if not fut.done():
                fut.set_result(None)

    def advance(self, delta: timedelta) -> None:
        self.set(self._now + delta)

    def next_wakeup(self) -> datetime | None:
        """The earliest time somebody is sleeping until, if anybody is."""
        live = [s for s in self._sleepers if not s[2].done()]
        return min((s[0] for s in live), default=None)

    async def sleep_until(self, when: datetime) -> None:
        when = utc(when)
        if when <= self._now:
            await asyncio.sleep(0)
            return
        fut: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        heapq.heappush(self._sleepers, (when, next(self._seq), fut))
        await fut


LONGEST_DURATION = timedelta(days=3650)
"""Beyond this a duration is a typo, and a clock moved by it could pass the year 9999."""


def parse_duration(text: str) -> timedelta:
    """Parse `45m`, `2d`, `1h30m`, `90s`, `2w` into a timedelta; raises ValueError if malformed."""
    units = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
    total = 0
    number = ""
    seen_unit = False
    for ch in text.strip().lower():
        if ch.isdigit():
            number += ch
        elif ch in units and number:
            total += int(number) * units[ch]
            number = ""
            seen_unit = True
        else:
            raise ValueError(f"not a duration: {text!r} (use for example 45m, 2h, 3d, 1h30m)")
    if number or not seen_unit:
        raise ValueError(f"not a duration: {text!r} (use for example 45m, 2h, 3d, 1h30m)")
    if total > LONGEST_DURATION.total_seconds():
        raise ValueError(f"{text!r} is too long: Porch plans at most 10 years (3650d) ahead")
    return timedelta(seconds=total)


class OffsetClock:
    """The wall clock plus an offset that `advance` grows: the interactive terminal's clock.

    Real time keeps passing (rituals tick), and `:advance 3d` lets a person see day-3 follow-ups
    without waiting three days; an advance wakes every sleeper to re-check.
    """

    def __init__(self) -> None:
        self._offset = timedelta(0)
        self._moved = asyncio.Event()

    def now(self) -> datetime:
        return datetime.now(UTC) + self._offset

    def advance(self, delta: timedelta) -> None:
        self._offset += delta
        self._moved.set()

    async def sleep_until(self, when: datetime) -> None:
        while (remaining := (utc(when) - self.now()).total_seconds()) > 0:
            self._moved.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._moved.wait(), timeout=remaining)
