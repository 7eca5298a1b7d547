"""Deliverer: 10,000 messages to the in-memory adapter under a 50/s budget, on a fake clock.

The Outbox is seeded with 10,000 DirectMessage rows spread over 1,000 DM conversations (a
migrated SQLite file DB in a temp dir). The driver does what a scripted run does: call
`deliverer.deliver_due()` and move the FakeClock to the wake time it returns, until it returns
None. Figures: fake-clock duration against the ideal 200 s (10,000 / 50 per s), wall time, and
proof that nothing was lost or doubled (MemoryAdapter.executed, .doubled(), Outbox statuses).

A pass that delivers nothing and asks to be called again at the same instant is a stall: on a
fake clock the strict driver would spin forever. The strict run stops after STALL_LIMIT stalls in
a row and counts as a missed target; the "nudged" runs then advance the clock by one token
interval (1/50 s) on a stall, which is what a real clock does for free (while the loop spins).

Run: .venv/bin/python bench/bench_deliverer.py [--messages N] [--profile]
Target (issue 2, "Figures"): within 105% of the ideal 200 s of fake time, none lost or doubled.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import random
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from _common import Verdict, machine, profile_top
from sqlalchemy import func
from sqlmodel import select

from bot.app import Porch
from bot.core.actions import Action, Delivered, DirectMessage
from bot.core.adapter import DeliveryContext, RateBudget
from bot.core.clock import FakeClock
from bot.core.errors import RateLimited, Transient
from bot.core.message import Message
from bot.delivery import outbox
from bot.store.db import Store
from bot.store.migrate import upgrade
from bot.store.models import OutboxItem
from bot.testing.builders import T0, config
from bot.testing.memory import MemoryAdapter

PER_SECOND = 50
BUDGET = RateBudget(
    per_second=PER_SECOND, burst=50, per_channel_per_second=100, per_channel_burst=100
)
CONVERSATIONS = 1_000
STALL_LIMIT = 200
MAX_WALL = 5_400.0


@dataclass
class FlakyMemoryAdapter(MemoryAdapter):
    """The in-memory adapter, failing a fraction of sends with RateLimited or Transient."""

    failure_rate: float = 0.0
    seed: int = 7
    injected: Counter[str] = field(default_factory=Counter)
    _rng: random.Random = field(default_factory=random.Random)

    def __post_init__(self) -> None:
        self._rng.seed(self.seed)

    async def execute(self, action: Action, ctx: DeliveryContext) -> Delivered:
        if self.failure_rate and self._rng.random() < self.failure_rate:
            if self._rng.random() < 0.5:
                self.injected["RateLimited"] += 1
                raise RateLimited(retry_after=1.0, scope="channel")
            self.injected["Transient"] += 1
            raise Transient("injected: connection reset")
        return await super().execute(action, ctx)


@dataclass
class Run:
    label: str
    messages: int
    delivered: int = 0
    unique_keys: int = 0
    doubled: list[str] = field(default_factory=list)
    statuses: dict[str, int] = field(default_factory=dict)
    passes: int = 0
    stalls: int = 0
    stalls_backlog: int = 0
    """Stalls while at least a full batch (500) of rows was due: deliver_due returns `now`."""
    livelocked: bool = False
    fake_seconds: float = 0.0
    last_delivery_seconds: float = 0.0
    wall: float = 0.0
    injected: dict[str, int] = field(default_factory=dict)
    note: str = ""

    @property
    def complete(self) -> bool:
        return (
            self.delivered == self.messages
            and self.unique_keys == self.messages
            and not self.doubled
            and self.statuses.get("done", 0) == self.messages
        )


async def run(
    label: str,
    messages: int,
    *,
    nudge: bool,
    failure_rate: float = 0.0,
    profiler: cProfile.Profile | None = None,
) -> Run:
    result = Run(label, messages)
    with tempfile.TemporaryDirectory(prefix="porch-bench-deliverer-") as tmp:
        store = Store(f"sqlite:///{Path(tmp) / 'porch.db'}")
        upgrade(store)
        clock = FakeClock(T0)
        adapter = FlakyMemoryAdapter(clock=clock, rate_budget=BUDGET, failure_rate=failure_rate)
        porch = Porch(config=config(), store=store, clock=clock, adapters=[adapter])
        await porch.start(loops=False)
        with store.transaction() as session:
            for i in range(messages):
                member = f"u{i % CONVERSATIONS:04d}"
                action = DirectMessage(
                    platform="memory", member=member, message=Message(text=f"Hello {member}, #{i}")
                )
                outbox.enqueue(session, key=f"bench:{i}", action=action, now=T0)

        deliverer = porch.deliverer
        step = timedelta(seconds=1 / PER_SECOND)
        streak = 0
        if profiler:
            profiler.enable()
        start = time.perf_counter()
        report_at = start + 60
        while True:
            if time.perf_counter() > report_at:
                report_at += 60
                print(
                    f"    ... {label}: {len(adapter.executed):,} delivered, fake "
                    f"t+{(clock.now() - T0).total_seconds():.1f} s, {result.passes:,} passes, "
                    f"{result.stalls:,} stalls, wall {time.perf_counter() - start:.0f} s",
                    flush=True,
                )
            before = len(adapter.executed)
            wake = await deliverer.deliver_due()
            result.passes += 1
            if wake is None:
                break
            now = clock.now()
            if wake > now:
                clock.set(wake)
                streak = 0
                continue
            if len(adapter.executed) > before:
                streak = 0
                continue
            # Nothing delivered, and asked to come back at this very instant: a stall.
            result.stalls += 1
            streak += 1
            with store.transaction() as session:
                due_now = session.exec(
                    select(func.count())
                    .select_from(OutboxItem)
                    .where(OutboxItem.status == "pending", OutboxItem.next_attempt_at <= now)
                ).one()
            result.stalls_backlog += due_now >= getattr(deliverer, "_batch", 500)
            if nudge:
                clock.set(now + step)
            elif streak >= STALL_LIMIT:
                result.livelocked = True
                result.note = (
                    f"livelock: {streak} passes in a row at fake t+{(now - T0).total_seconds():.3f} s"
                    f" delivered nothing and returned wake == now"
                )
                break
            if time.perf_counter() - start > MAX_WALL:
                result.note = f"gave up after {MAX_WALL:.0f} s of wall time"
                break
        result.wall = time.perf_counter() - start
        if profiler:
            profiler.disable()
        result.fake_seconds = (clock.now() - T0).total_seconds()
        result.delivered = len(adapter.executed)
        result.unique_keys = len({e.key for e in adapter.executed})
        result.doubled = adapter.doubled()
        times = [e.at for e in adapter.executed if e.at is not None]
        result.last_delivery_seconds = (max(times) - T0).total_seconds() if times else 0.0
        result.injected = dict(adapter.injected)
        with store.transaction() as session:
            rows = session.exec(
                select(OutboxItem.status, func.count()).group_by(OutboxItem.status)
            ).all()
            result.statuses = {status: n for status, n in rows}
        await porch.stop()
        store.dispose()

    ideal = messages / PER_SECOND
    pct = result.last_delivery_seconds / ideal * 100 if ideal else 0.0
    print(
        f"  {label}: delivered {result.delivered:,}/{messages:,} (unique keys "
        f"{result.unique_keys:,}, doubled {len(result.doubled)}), outbox {result.statuses}"
    )
    print(
        f"      fake time to last delivery {result.last_delivery_seconds:.2f} s = {pct:.1f}% of "
        f"ideal {ideal:.0f} s; wall {result.wall:.1f} s; {result.passes:,} passes, "
        f"{result.stalls:,} stalls ({result.stalls_backlog:,} with a full batch due, "
        f"{result.stalls - result.stalls_backlog:,} other)"
        + (f"; injected {result.injected}" if result.injected else "")
    )
    if result.note:
        print(f"      {result.note}")
    return result


async def realtime(messages: int) -> tuple[float, float, int, int]:
    """Porch's own loop on the system clock: wall and CPU seconds, passes, delivered."""
    from bot.core.clock import SystemClock

    with tempfile.TemporaryDirectory(prefix="porch-bench-deliverer-rt-") as tmp:
        store = Store(f"sqlite:///{Path(tmp) / 'porch.db'}")
        upgrade(store)
        clock = SystemClock()
        adapter = MemoryAdapter(clock=clock, rate_budget=BUDGET)
        porch = Porch(config=config(), store=store, clock=clock, adapters=[adapter])
        now = clock.now()
        with store.transaction() as session:
            for i in range(messages):
                member = f"u{i % CONVERSATIONS:04d}"
                action = DirectMessage(
                    platform="memory", member=member, message=Message(text=f"Hello {member}, #{i}")
                )
                outbox.enqueue(session, key=f"bench:{i}", action=action, now=now)
        passes = 0
        original = porch.deliverer.deliver_due

        async def counted() -> object:
            nonlocal passes
            passes += 1
            return await original()

        porch.deliverer.deliver_due = counted  # type: ignore[method-assign]
        cpu0, wall0 = time.process_time(), time.perf_counter()
        await porch.start()
        deadline = wall0 + messages / PER_SECOND * 3 + 10
        while len(adapter.executed) < messages and time.perf_counter() < deadline:  # noqa: ASYNC110
            await asyncio.sleep(0.05)
        wall, cpu = time.perf_counter() - wall0, time.process_time() - cpu0
        await porch.stop()
        store.dispose()
    return wall, cpu, passes, len(adapter.executed)


VARIANTS = ("strict", "clean", "flaky", "realtime")


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=10_000)
    parser.add_argument("--failure-rate", type=float, default=0.01)
    parser.add_argument("--profile", action="store_true", help="cProfile the nudged clean run")
    parser.add_argument(
        "--realtime", type=int, default=1_000, help="messages for the real-clock run"
    )
    parser.add_argument(
        "--variants",
        default=",".join(VARIANTS),
        help=f"comma-separated subset of {','.join(VARIANTS)} (default: all)",
    )
    args = parser.parse_args()
    variants = {v.strip() for v in args.variants.split(",") if v.strip()}
    if unknown := variants - set(VARIANTS):
        parser.error(f"unknown variants: {', '.join(sorted(unknown))}")
    n = args.messages
    ideal = n / PER_SECOND
    limit = ideal * 1.05
    print(
        f"bench_deliverer: {n:,} DMs over {CONVERSATIONS:,} conversations, budget {PER_SECOND}/s "
        f"(burst 50, per conversation 100/s), FakeClock, SQLite file DB"
    )
    print(f"  at start: {machine()}")
    verdict = Verdict("bench_deliverer")

    strict = small = nudged = flaky = None
    if "strict" in variants:
        strict = await run("strict driver (advance to the returned wake time)", n, nudge=False)
        small = await run("strict driver (fewer rows due than one batch)", 400, nudge=False)
    if "clean" in variants:
        profiler = cProfile.Profile() if args.profile else None
        nudged = await run("nudged driver (+20 ms on a stall)", n, nudge=True, profiler=profiler)
        if profiler is not None:
            print("\nprofile (nudged clean run, cProfile, cumulative):")
            print(profile_top(profiler, 35))
    if "flaky" in variants:
        flaky = await run(
            f"nudged, {args.failure_rate:.0%} of sends fail (RateLimited 1 s / Transient)",
            n,
            nudge=True,
            failure_rate=args.failure_rate,
        )
    realtime_result = await realtime(args.realtime) if "realtime" in variants else None

    print(f"  at end: {machine()}")
    print("figures:")
    for r in (strict, small):
        if r is not None:
            verdict.check(
                f"{r.label.split(' (')[0]}, {r.messages:,} messages: finishes (no livelock)",
                not r.livelocked and r.complete,
                r.note or f"finished in {r.passes:,} passes",
            )
    for r in (strict, nudged):
        if r is not None and r.complete:
            verdict.check(
                f"{r.label.split(' (')[0]}: fake duration <= {limit:.0f} s (105% of {ideal:.0f} s)",
                r.last_delivery_seconds <= limit,
                f"{r.last_delivery_seconds:.2f} s ({r.last_delivery_seconds / ideal * 100:.1f}%), "
                f"wall {r.wall:.1f} s",
            )
    for r in (nudged, flaky):
        if r is not None:
            verdict.check(
                f"{r.label.split(' (')[0]}{' + failures' if r is flaky else ''}: "
                "none lost or doubled",
                r.complete,
                f"executed {r.delivered:,}, unique {r.unique_keys:,}, doubled {r.doubled[:5]}, "
                f"outbox {r.statuses}",
            )
    if flaky is not None:
        print(
            f"  info: with failures, fake duration {flaky.last_delivery_seconds:.2f} s "
            f"({flaky.last_delivery_seconds / ideal * 100:.1f}% of ideal), wall {flaky.wall:.1f} s"
        )
    if realtime_result is not None:
        wall, cpu, passes, done = realtime_result
        verdict.check(
            f"real clock: {args.realtime:,} DMs all delivered by Porch's own loop",
            done == args.realtime,
            f"delivered {done:,} in {wall:.1f} s wall "
            f"(ideal {(args.realtime - 50) / PER_SECOND:.0f} s), {cpu:.1f} s CPU "
            f"({cpu / wall * 100:.0f}% of a core), {passes:,} deliver_due passes",
        )
    verdict.exit()


if __name__ == "__main__":
    sys.stdout.reconfigure(line_buffering=True)  # type: ignore[union-attr]
    asyncio.run(main())
