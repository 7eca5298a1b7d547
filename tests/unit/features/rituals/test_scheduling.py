"""Occurrences: local time across DST, exactly once across restarts and replicas, missed ones."""

from __future__ import annotations

import asyncio
import threading
from datetime import timedelta

from bot.core.clock import FakeClock
from bot.store.db import Store
from bot.store.migrate import upgrade
from bot.testing.memory import MemoryAdapter
from tests.unit.features.rituals.kit import (
    berlin,
    build,
    local_times,
    prompt,
    restart,
    running,
    runs,
)

WOL = {"wol": prompt()}


async def test_a_monday_0930_ritual_stays_at_0930_berlin_time_across_the_spring_dst_change(
    sqlite_url: str,
) -> None:
    async with running(sqlite_url, WOL, start=berlin("2026-03-18T12:00")) as h:
        await h.advance(timedelta(days=21))
        assert local_times(h) == [
            "Mon 2026-03-23 09:30",
            "Mon 2026-03-30 09:30",
            "Mon 2026-04-06 09:30",
        ]


async def test_a_monday_0930_ritual_stays_at_0930_berlin_time_across_the_autumn_dst_change(
    sqlite_url: str,
) -> None:
    async with running(sqlite_url, WOL, start=berlin("2026-10-14T12:00")) as h:
        await h.advance(timedelta(days=21))
        assert local_times(h) == [
            "Mon 2026-10-19 09:30",
            "Mon 2026-10-26 09:30",
            "Mon 2026-11-02 09:30",
        ]


async def test_a_restart_across_an_occurrence_runs_it_exactly_once(sqlite_url: str) -> None:
    async with running(sqlite_url, WOL, start=berlin("2026-01-12T09:00")) as h:
        await h.porch.stop()
        h.clock.set(berlin("2026-01-12T09:50"))  # down over 09:30, back inside the 1h window
        await restart(h, WOL)
        await restart(h, WOL)
        await h.advance(timedelta(hours=1))
        assert local_times(h) == ["Mon 2026-01-12 09:50"]  # late, inside its window: once
        assert runs(h) == [("Mon 2026-01-12 09:30", "ran", "")]
        assert h.adapter.doubled() == []


async def test_occurrences_older_than_the_misfire_window_are_recorded_missed_and_told_to_managers(
    sqlite_url: str,
) -> None:
    async with running(sqlite_url, WOL, start=berlin("2026-01-10T12:00")) as h:
        await h.porch.stop()
        h.clock.set(berlin("2026-01-20T12:00"))  # down over two Mondays
        await restart(h, WOL)
        await h.advance(timedelta(days=7))
        assert runs(h) == [
            ("Mon 2026-01-12 09:30", "missed", "downtime"),
            ("Mon 2026-01-19 09:30", "missed", "downtime"),
            ("Mon 2026-01-26 09:30", "ran", ""),
        ]
        told = [e for e in h.adapter.executed if e.action.kind == "dm"]
        assert {e.action.member for e in told} == {"dana"}  # type: ignore[union-attr]
        assert len(told) == 2 and "was missed" in h.adapter.texts("dm")[0]


class Replica(threading.Thread):
    """A Porch in its own thread and event loop, sharing only the database and the clock."""

    def __init__(self, url: str, clock: FakeClock, barrier: threading.Barrier, steps: int) -> None:
        super().__init__()
        self.url, self.clock, self.barrier, self.steps = url, clock, barrier, steps
        self.keys: list[str] = []

    def run(self) -> None:
        asyncio.run(self._main())

    async def _main(self) -> None:
        store = Store(self.url)
        adapter = MemoryAdapter(clock=self.clock)
        porch = build(store, self.clock, adapter, WOL)
        await porch.start(loops=False)
        self.barrier.wait(timeout=60)  # both planned before the clock moves
        for _ in range(self.steps):
            self.barrier.wait(timeout=60)  # the clock was moved: both replicas race for it
            await porch.settle()
            self.barrier.wait(timeout=60)
        await porch.stop()
        store.dispose()
        self.keys = [e.key for e in adapter.executed]


async def test_two_porch_instances_on_one_database_run_each_occurrence_once(
    database_url: str,
) -> None:
    store = Store(database_url)
    upgrade(store)
    store.dispose()
    clock = FakeClock(berlin("2026-01-12T09:00"))
    weeks = 3
    barrier = threading.Barrier(3)
    replicas = [Replica(database_url, clock, barrier, weeks) for _ in range(2)]
    for replica in replicas:
        replica.start()
    barrier.wait(timeout=60)
    for week in range(weeks):
        clock.set(berlin("2026-01-12T09:30") + timedelta(days=7 * week))
        barrier.wait(timeout=60)
        barrier.wait(timeout=60)
    for replica in replicas:
        replica.join(timeout=60)
    posts = [k for r in replicas for k in r.keys if k.endswith(":post")]
    assert len(posts) == len(set(posts)) == weeks


async def test_a_run_by_hand_is_claimed_like_any_occurrence_and_runs_once(sqlite_url: str) -> None:
    from bot.features.rituals.cli import _queue
    from bot.features.rituals.schedule import occurrence_key

    async with running(sqlite_url, WOL, start=berlin("2026-01-13T10:00")) as h:
        community = h.porch.config.communities[0]
        at = h.clock.now()
        key = occurrence_key("demo", "memory", "wol", at)
        with h.store.transaction() as s:
            assert _queue(s, community, "memory", "wol", key, at)
            assert not _queue(s, community, "memory", "wol", key, at)
        await h.porch.settle()
        await restart(h, WOL)
        assert local_times(h) == ["Tue 2026-01-13 10:00"]
        assert runs(h) == [("Tue 2026-01-13 10:00", "ran", "")]
