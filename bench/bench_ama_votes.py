"""AMA votes: 200 members vote for the same question at the same moment. How long from a vote
arriving to it being recorded (its transaction committed), and are the counts exact?

Setup: a migrated database (SQLite file in WAL mode; PostgreSQL if PORCH_TEST_POSTGRES_URL is
set), the in-memory adapter, a fake clock, the AMA feature. One live AMA with one question; then
200 distinct members' `/ama vote 1` commands are submitted together:

- `one Porch`: `asyncio.gather` of 200 `Porch.handle` calls on one Porch, as a single replica
  receives a burst (each handler's transaction is synchronous, so the burst is queued).
- `two replicas, threads` (PostgreSQL only): two Porch instances on the same database, each vote
  handled in a worker thread, so transactions really race.

"Vote to recorded" is measured per vote from the moment the burst was submitted to the moment its
`Porch.handle` returned (committed), so it includes waiting behind the rest of the burst. After
every round the stored count must equal 200 and the board must show it. Five rounds per variant
(a new question each round), results pooled.

Run: .venv/bin/python bench/bench_ama_votes.py [--rounds N]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import tempfile
import time
from collections.abc import Awaitable, Callable
from datetime import timedelta
from pathlib import Path

from _common import percentile

from bot.app import Porch, advance
from bot.core.clock import FakeClock
from bot.core.events import Event
from bot.features.ama import repo
from bot.features.ama.feature import Ama
from bot.features.builtin import Builtin
from bot.store.db import Store
from bot.store.migrate import upgrade
from bot.testing.builders import T0, command, config
from bot.testing.memory import MemoryAdapter

VOTERS = 200


def _porch(store: Store, clock: FakeClock) -> Porch:
    return Porch(
        config=config(),
        store=store,
        clock=clock,
        adapters=[MemoryAdapter(clock=clock)],
        features=[Builtin(), Ama()],
    )


def _count(store: Store, number: int) -> int:
    with store.transaction() as s:
        ama = repo.live_in_channel(s, platform="memory", channel="#general")
        assert ama is not None and ama.id is not None
        question = repo.question(s, ama_id=ama.id, number=number)
        return repo.vote_counts(s, ama_id=ama.id).get(question.id or 0, 0)


async def _timed(submit: Callable[[Event], Awaitable[bool]], events: list[Event]) -> list[float]:
    start = time.perf_counter()

    async def one(event: Event) -> float:
        assert await submit(event)
        return time.perf_counter() - start

    return list(await asyncio.gather(*(one(e) for e in events)))


async def _one_by_one(porch: Porch, number: int) -> list[float]:
    """The service time of one vote with nothing queued before it (what the burst queues on)."""
    took: list[float] = []
    for i in range(50):
        start = time.perf_counter()
        assert await porch.handle(command(f"solo{number}-{i:02d}", f"/ama vote {number}"))
        took.append(time.perf_counter() - start)
    return took


def _alternating(
    first: Porch, second: Porch, events: list[Event]
) -> Callable[[Event], Awaitable[bool]]:
    """Every other vote to the other replica, each handled in a worker thread of its own."""
    replica = {e.dedupe_key: (first, second)[i % 2] for i, e in enumerate(events)}

    async def submit(event: Event) -> bool:
        return await asyncio.to_thread(asyncio.run, replica[event.dedupe_key].handle(event))

    return submit


async def run_variant(label: str, url: str, rounds: int, *, replicas: bool) -> list[float]:
    store = Store(url)
    upgrade(store)
    clock = FakeClock(T0)
    porch = _porch(store, clock)
    other_store = Store(url) if replicas else None
    other = _porch(other_store, clock) if other_store is not None else None
    await porch.start(loops=False)
    latencies: list[float] = []
    bursts: list[float] = []
    service: list[float] = []
    try:
        await porch.handle(command("dana", '/ama start "Bench"'))
        for r in range(1, rounds + 1):
            await porch.handle(command(f"asker{r}", f"/ama ask Question {r}?"))
            votes = [command(f"r{r}-m{i:03d}", f"/ama vote {r}") for i in range(VOTERS)]
            submit = porch.handle if other is None else _alternating(porch, other, votes)
            burst = await _timed(submit, votes)
            bursts.append(max(burst))
            latencies += burst
            if other is None:
                service += await _one_by_one(porch, r)
            counted = _count(store, r) - (50 if other is None else 0)
            assert counted == VOTERS, f"round {r}: {counted} votes stored, {VOTERS} cast"
            await advance(porch, clock, clock.now() + timedelta(seconds=5))
    finally:
        await porch.stop()
        store.dispose()
        if other_store is not None:
            other_store.dispose()
    print(
        f"  {label}: {rounds} rounds x {VOTERS} simultaneous votes, counts exact in every round;"
        f" vote to recorded p50 {percentile(latencies, 50) * 1e3:.1f} ms,"
        f" p99 {percentile(latencies, 99) * 1e3:.1f} ms;"
        f" whole burst {min(bursts) * 1e3:.0f}-{max(bursts) * 1e3:.0f} ms"
        f" ({VOTERS / max(bursts):.0f}-{VOTERS / min(bursts):.0f} votes/s)"
    )
    if service:
        print(
            f"      one vote alone (no queue), {len(service)} votes: "
            f"p50 {percentile(service, 50) * 1e3:.1f} ms, p99 {percentile(service, 99) * 1e3:.1f} ms"
        )
    return latencies


async def main(rounds: int) -> None:
    print(f"AMA votes: {VOTERS} members voting at the same moment")
    with tempfile.TemporaryDirectory() as tmp:
        await run_variant(
            "SQLite, one Porch", f"sqlite:///{Path(tmp) / 'porch.db'}", rounds, replicas=False
        )
    pg = os.environ.get("PORCH_TEST_POSTGRES_URL")
    if not pg:
        print("  PostgreSQL: skipped (set PORCH_TEST_POSTGRES_URL)")
        return
    for replicas, label in (
        (False, "PostgreSQL, one Porch"),
        (True, "PostgreSQL, two replicas in threads"),
    ):
        url = _fresh_postgres(pg)
        try:
            await run_variant(label, url, rounds, replicas=replicas)
        finally:
            _drop_postgres(pg, url)


def _admin(base: str) -> str:
    from bot.store.db import normalize_url

    return normalize_url(base).replace("postgresql+psycopg://", "postgresql://")


def _fresh_postgres(base: str) -> str:
    import uuid

    import psycopg

    name = f"porch_bench_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(_admin(base), autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return _admin(base).rsplit("/", 1)[0] + f"/{name}"


def _drop_postgres(base: str, url: str) -> None:
    import psycopg

    name = url.rsplit("/", 1)[1]
    with psycopg.connect(_admin(base), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    asyncio.run(main(parser.parse_args().rounds))
