"""A wave of joins: 5,000 members join within a minute (a company-wide channel import).

Setup: a migrated SQLite file (WAL) in a temp dir, the in-memory adapter, the real clock, the
default features, and the demo-like community running the shipped `interest` playbook with
`house-rules`. Porch runs as in production: its delivery loop works while the joins arrive.

The joins are fed on a fixed schedule (join i arrives at i * 60 s / 5,000) by one producer that
hands each to `Porch.handle`, as an adapter would. For each join, "join to welcome in the
Outbox" is measured from its scheduled arrival to the moment its `Porch.handle` returned, i.e.
the transaction that wrote the welcome DM to the Outbox committed; a join that has to wait
behind earlier ones counts that wait. Afterwards the loop is stopped, the rest is delivered, and:

- every join has a journey, waiting at the welcome question;
- the Outbox holds exactly one welcome per member, and every one was delivered
  (no idempotency key executed twice, and every member got exactly one DM); the platform
  counts what it was sent instead of keeping every action, so its own memory stays out of the
  resident-set figures;
- memory: peak RSS (getrusage) and the resident set sampled every 500 joins, to show it stays flat.

Run: .venv/bin/python bench/bench_join_wave.py [--joins N] [--seconds S]
Targets (issue 3, "Figures"): every journey starts, nothing doubled or lost, p99 join-to-Outbox
under 1 s.
"""

from __future__ import annotations

import argparse
import asyncio
import resource
import tempfile
import time
from collections import Counter
from pathlib import Path

from _common import ROOT, Verdict, machine, percentile
from sqlalchemy import func
from sqlmodel import col, select

from bot.app import Porch
from bot.core.actions import Action, Delivered, DirectMessage
from bot.core.adapter import DeliveryContext
from bot.core.clock import SystemClock
from bot.playbooks.registry import playbooks_for
from bot.store import onboarding
from bot.store.db import Store
from bot.store.migrate import upgrade
from bot.store.models import OutboxItem
from bot.testing.builders import community, config, joined
from bot.testing.memory import MemoryAdapter

TARGET_P99_S = 1.0


class CountingAdapter(MemoryAdapter):
    """The in-memory platform, counting deliveries rather than keeping 5,000 actions around."""

    def __init__(self) -> None:
        super().__init__()
        self.keys: Counter[str] = Counter()
        self.dms: Counter[str] = Counter()

    async def execute(self, action: Action, ctx: DeliveryContext) -> Delivered:
        delivered = await super().execute(action, ctx)
        self.executed.clear()
        self.keys[ctx.key] += 1
        if isinstance(action, DirectMessage):
            self.dms[action.member] += 1
        return delivered

    def doubled(self) -> list[str]:
        return [key for key, n in self.keys.items() if n > 1]


SAMPLE_EVERY = 500


def rss_mb() -> float:
    """The resident set now (Linux /proc), in MB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


async def wave(
    porch: Porch, joins: int, seconds: float
) -> tuple[list[float], list[float], list[tuple[int, float]]]:
    """Feed the joins on schedule.

    Returns each join's time from arrival to welcome in the Outbox, the time its own handling
    took (without waiting behind earlier joins), and RSS samples.
    """
    latencies: list[float] = []
    handling: list[float] = []
    samples: list[tuple[int, float]] = [(0, rss_mb())]
    gap = seconds / joins
    start = time.perf_counter()
    for i in range(joins):
        arrival = start + i * gap
        delay = arrival - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        began = time.perf_counter()
        await porch.handle(joined(f"member{i:05d}", key=f"bench:join:{i}"))
        done = time.perf_counter()
        latencies.append(done - arrival)
        handling.append(done - began)
        if (i + 1) % SAMPLE_EVERY == 0:
            samples.append((i + 1, rss_mb()))
    return latencies, handling, samples


def check_store(store: Store, joins: int) -> tuple[int, int, int]:
    """Journeys waiting at the welcome, welcome rows in the Outbox, and those delivered."""
    with store.transaction() as session:
        waiting = session.exec(
            select(func.count())
            .select_from(onboarding.Journey)
            .where(onboarding.Journey.step == "welcome", onboarding.Journey.waiting == "answer")
        ).one()
        welcome = col(OutboxItem.key).like("onboarding:%:welcome:0:ask")
        queued = session.exec(select(func.count()).select_from(OutboxItem).where(welcome)).one()
        done = session.exec(
            select(func.count()).select_from(OutboxItem).where(welcome, OutboxItem.status == "done")
        ).one()
    return int(waiting), int(queued), int(done)


async def main(joins: int, seconds: float) -> None:
    print(f"join wave: {joins} joins in {seconds:.0f} s on SQLite; {machine()}")
    cfg = config(
        community(
            playbooks=("interest", "house-rules"),
            others=("#help", "#show-and-tell", "#events", "#random"),
        )
    )
    with tempfile.TemporaryDirectory(prefix="porch-bench-joins-") as tmp:
        store = Store(f"sqlite:///{Path(tmp) / 'porch.db'}")
        upgrade(store)
        adapter = CountingAdapter()
        porch = Porch(
            config=cfg,
            store=store,
            clock=SystemClock(),
            adapters=[adapter],
            playbooks=playbooks_for(cfg, ROOT),
        )
        await porch.start()
        began = time.perf_counter()
        latencies, handling, samples = await wave(porch, joins, seconds)
        fed = time.perf_counter() - began
        await porch.stop()
        await porch.settle()
        drained = time.perf_counter() - began
        waiting, queued, done = check_store(store, joins)
        store.dispose()

    per_member = adapter.dms
    report(joins, fed, drained, latencies, handling, samples)
    verdict = Verdict("join wave")
    verdict.check("every journey starts", waiting == joins, f"{waiting} of {joins} at the welcome")
    verdict.check("one welcome per member in the Outbox", queued == joins, f"{queued} welcome rows")
    doubled = adapter.doubled()
    once = sum(1 for n in per_member.values() if n == 1)
    verdict.check(
        "nothing doubled or lost",
        not doubled and done == joins and once == joins,
        f"{done} delivered, {once} members with exactly one DM, {len(doubled)} doubled keys",
    )
    p99 = percentile(latencies, 99)
    verdict.check(
        "p99 join to welcome in the Outbox < 1 s", p99 < TARGET_P99_S, f"{p99 * 1000:.1f} ms"
    )
    verdict.exit()


def report(
    joins: int,
    fed: float,
    drained: float,
    latencies: list[float],
    handling: list[float],
    samples: list[tuple[int, float]],
) -> None:
    ms = [x * 1000 for x in latencies]
    own = [x * 1000 for x in handling]
    print(
        f"  fed {joins} joins in {fed:.1f} s ({joins / fed:.0f}/s); all delivered after {drained:.1f} s"
    )
    print(
        "  join to welcome in the Outbox: "
        f"p50 {percentile(ms, 50):.1f} ms, p99 {percentile(ms, 99):.1f} ms, max {max(ms):.1f} ms"
    )
    print(
        "  handling one join (its own transaction, no queue): "
        f"p50 {percentile(own, 50):.1f} ms, p99 {percentile(own, 99):.1f} ms"
    )
    shown = ", ".join(f"{n}: {mb:.0f}" for n, mb in samples)
    print(f"  resident set (MB) after N joins: {shown}")
    print(f"  peak RSS {peak_rss_mb():.0f} MB")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--joins", type=int, default=5_000)
    parser.add_argument("--seconds", type=float, default=60.0)
    args = parser.parse_args()
    asyncio.run(main(args.joins, args.seconds))
