"""Inbox plus dispatch: how many inbound events one Porch handles per second on SQLite.

Each event goes through `Porch.handle`: one transaction that claims the dedupe key in the Inbox,
finds the community, keeps the member record current, routes to the features and (for commands)
writes the reply to the Outbox. The database is a migrated SQLite file (WAL) in a temp dir, the
platform is the in-memory adapter, time is a FakeClock. The process is pinned to one CPU.

Run: .venv/bin/python bench/bench_inbox.py [--events N] [--profile]
Target (issue 2, "Figures"): at least 2,000 events/s for plain channel messages.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import gc
import tempfile
import time
from datetime import timedelta
from pathlib import Path

from _common import Verdict, code_state, machine, percentile, pin_one_core, profile_top
from sqlalchemy import func
from sqlmodel import select

from bot.app import Porch
from bot.core.clock import FakeClock
from bot.core.events import Event, MessagePosted
from bot.store.db import Store
from bot.store.migrate import upgrade
from bot.store.models import InboxItem, MemberRecord, OutboxItem
from bot.testing.builders import T0, command, config, said
from bot.testing.memory import MemoryAdapter

TARGET_EVENTS_PER_S = 2_000.0
MEMBERS = 500
WARMUP = 200
TICK = timedelta(milliseconds=10)


def make_events(n: int, *, command_every: int, prefix: str) -> list[Event]:
    """`n` events in #general from MEMBERS members; every `command_every`-th is `/porch ping`."""
    events: list[Event] = []
    for i in range(n):
        member = f"m{i % MEMBERS:04d}"
        key = f"bench:{prefix}:{i}"
        at = T0 + i * TICK
        if command_every and i % command_every == command_every - 1:
            events.append(command(member, "/porch ping", "#general", at=at, key=key))
        else:
            events.append(said(member, f"message {i} from {member}", "#general", at=at, key=key))
    return events


async def run_variant(
    label: str, events: list[Event], *, profiler: cProfile.Profile | None = None
) -> dict[str, float]:
    with tempfile.TemporaryDirectory(prefix="porch-bench-inbox-") as tmp:
        store = Store(f"sqlite:///{Path(tmp) / 'porch.db'}")
        upgrade(store)
        clock = FakeClock(T0)
        adapter = MemoryAdapter(clock=clock)
        porch = Porch(config=config(), store=store, clock=clock, adapters=[adapter])
        await porch.start(loops=False)
        if profiler is None and label == "messages":
            names = [f.name for f in porch.services.features]
            on_message = [
                f.name for f in porch.services.features if MessagePosted in getattr(f, "events", ())
            ]
            print(
                f"  features: {', '.join(names)}; on MessagePosted: {', '.join(on_message) or '-'}"
            )
        try:
            # Warm up caches, the connection pool and the member table with distinct keys.
            for e in make_events(WARMUP, command_every=0, prefix=f"warm-{label}"):
                await porch.handle(e)
            with store.transaction() as s:
                outbox_before = s.exec(select(func.count()).select_from(OutboxItem)).one()

            latencies: list[float] = []
            handled = 0
            gc.collect()
            if profiler:
                profiler.enable()
            perf = time.perf_counter
            cpu0 = time.process_time()
            start = perf()
            for e in events:
                clock.set(e.occurred_at)
                t0 = perf()
                handled += await porch.handle(e)
                latencies.append(perf() - t0)
            elapsed = perf() - start
            cpu = time.process_time() - cpu0
            if profiler:
                profiler.disable()

            # Correctness: every event handled once; a redelivery of each is dropped.
            dupes = 0
            for e in events[:500]:
                dupes += not await porch.handle(e)
            with store.transaction() as s:
                inbox_rows = s.exec(select(func.count()).select_from(InboxItem)).one()
                outbox_rows = s.exec(select(func.count()).select_from(OutboxItem)).one()
                members = s.exec(select(func.count()).select_from(MemberRecord)).one()
        finally:
            await porch.stop()
            store.dispose()

    commands = sum(1 for e in events if type(e).__name__ == "CommandInvoked")
    rate = len(events) / elapsed
    result = {
        "events": len(events),
        "commands": commands,
        "elapsed": elapsed,
        "rate": rate,
        "cpu": cpu,
        "cpu_rate": len(events) / cpu,
        "first_rate": len(latencies[:2_000]) / sum(latencies[:2_000]),
        "last_rate": len(latencies[-2_000:]) / sum(latencies[-2_000:]),
        "p50_ms": percentile(latencies, 50) * 1e3,
        "p99_ms": percentile(latencies, 99) * 1e3,
        "max_ms": max(latencies) * 1e3,
        "handled": handled,
        "dupes_dropped": dupes,
        "inbox_rows": inbox_rows,
        "new_outbox_rows": outbox_rows - outbox_before,
        "members": members,
    }
    print(
        f"  {label}: {len(events):,} events ({commands:,} commands) in {elapsed:.2f} s "
        f"= {rate:,.0f} events/s; per event p50 {result['p50_ms']:.3f} ms, "
        f"p99 {result['p99_ms']:.3f} ms, max {result['max_ms']:.1f} ms"
    )
    print(
        f"      CPU {cpu:.2f} s = {result['cpu_rate']:,.0f} events per CPU-second; "
        f"first 2,000 events {result['first_rate']:,.0f}/s, last 2,000 {result['last_rate']:,.0f}/s"
    )
    print(
        f"      handled={handled:,} inbox rows={inbox_rows:,} (incl. {WARMUP} warm-up) "
        f"new outbox rows={result['new_outbox_rows']:,} members={members} "
        f"redeliveries dropped={dupes}/{min(500, len(events))}"
    )
    return result


class Breakdown:
    """Inclusive wall time per call site of the event path, without a profiler's overhead."""

    def __init__(self) -> None:
        self.totals: dict[str, float] = {}
        self.calls: dict[str, int] = {}
        self._undo: list[tuple[object, str, object]] = []
        self._labels: list[tuple[object, str, str]] = []

    def wrap(self, owner: object, attr: str, label: str) -> None:
        original = getattr(owner, attr)
        totals, calls, perf = self.totals, self.calls, time.perf_counter

        def timed(*args: object, **kwargs: object) -> object:
            t0 = perf()
            try:
                return original(*args, **kwargs)
            finally:
                totals[label] = totals.get(label, 0.0) + perf() - t0
                calls[label] = calls.get(label, 0) + 1

        self._undo.append((owner, attr, original))
        self._labels.append((owner, attr, label))
        setattr(owner, attr, timed)

    def __enter__(self) -> Breakdown:
        from sqlalchemy.orm import Session

        import bot.dispatcher as dispatcher
        from bot.delivery import inbox, outbox
        from bot.features.base import Context

        self.wrap(dispatcher.Dispatcher, "dispatch", "  Dispatcher.dispatch")
        self.wrap(inbox, "claim", "    inbox.claim (INSERT .. ON CONFLICT)")
        self.wrap(dispatcher, "_track_member", "    _track_member")
        self.wrap(dispatcher.Dispatcher, "_run", "    Dispatcher._run (the features)")
        self.wrap(Session, "flush", "      Session.flush (all calls)")
        self.wrap(outbox, "enqueue", "      outbox.enqueue (INSERT .. ON CONFLICT)")
        self.wrap(Context, "member", "  (Context.member: SELECT member, all calls)")
        return self

    def wrap_features(self, features: tuple[object, ...]) -> None:
        """Each feature's event handler, as its own line under `_run`."""
        for feature in features:
            cls = type(feature)
            if "on_event" in vars(cls):
                name = getattr(cls, "name", cls.__name__)
                self.wrap(cls, "on_event", f"      {name}.on_event")

    def __exit__(self, *exc: object) -> None:
        for owner, attr, original in reversed(self._undo):
            setattr(owner, attr, original)

    def report(self, n: int, total: float) -> None:
        print(f"    {'Porch.handle (all of it)':52s} {total / n * 1e6:8.1f} us/event  100%")
        dispatch = self.totals.get("  Dispatcher.dispatch", 0.0)
        member = [x for x in self._labels if x[2].startswith("  (Context.member")]
        for _, _, label in [x for x in self._labels if x not in member] + member:
            if label not in self.totals:
                continue
            t = self.totals[label]
            print(
                f"    {label:52s} {t / n * 1e6:8.1f} us/event {t / total * 100:4.0f}%"
                f"  ({self.calls[label] / n:.2f} calls/event)"
            )
        rest = total - dispatch
        print(
            f"    {'  rest: Session, BEGIN, COMMIT, metrics':52s} {rest / n * 1e6:8.1f} us/event"
            f" {rest / total * 100:4.0f}%"
        )


def raw_sqlite_floor(n: int = 5_000) -> float:
    """The same three statements per event (claim, member lookup, member UPDATE) on plain sqlite3."""
    import sqlite3

    with tempfile.TemporaryDirectory(prefix="porch-bench-raw-") as tmp:
        store = Store(f"sqlite:///{Path(tmp) / 'porch.db'}")
        upgrade(store)
        store.dispose()
        con = sqlite3.connect(Path(tmp) / "porch.db", isolation_level=None)
        con.execute("PRAGMA journal_mode=WAL")
        con.execute("PRAGMA synchronous=NORMAL")
        con.executemany(
            "INSERT INTO members (platform, user_id, community, display_name, platform_roles,"
            " joined_at) VALUES ('memory', ?, 'demo', '', '', '2026-01-05 08:00:00')",
            [(f"m{i:04d}",) for i in range(MEMBERS)],
        )
        start = time.perf_counter()
        for i in range(n):
            member = f"m{i % MEMBERS:04d}"
            con.execute("BEGIN")
            con.execute(
                "INSERT INTO inbox (dedupe_key, kind, received_at) VALUES (?, 'MessagePosted', ?)"
                " ON CONFLICT DO NOTHING RETURNING id",
                (f"raw:{i}", "2026-01-05 08:00:00"),
            ).fetchall()
            con.execute(
                "SELECT * FROM members WHERE platform = 'memory' AND user_id = ? AND community = 'demo'",
                (member,),
            ).fetchall()
            con.execute(
                "UPDATE members SET last_active_at = ? WHERE platform = 'memory' AND user_id = ?"
                " AND community = 'demo'",
                (f"2026-01-05 09:00:{i % 60:02d}", member),
            )
            con.execute("COMMIT")
        elapsed = time.perf_counter() - start
        con.close()
    return n / elapsed


async def breakdown(label: str, events: list[Event]) -> None:
    with tempfile.TemporaryDirectory(prefix="porch-bench-inbox-") as tmp:
        store = Store(f"sqlite:///{Path(tmp) / 'porch.db'}")
        upgrade(store)
        clock = FakeClock(T0)
        porch = Porch(
            config=config(), store=store, clock=clock, adapters=[MemoryAdapter(clock=clock)]
        )
        await porch.start(loops=False)
        for e in make_events(WARMUP, command_every=0, prefix=f"warm-{label}"):
            await porch.handle(e)
        with Breakdown() as b:
            b.wrap_features(porch.services.features)
            start = time.perf_counter()
            for e in events:
                clock.set(e.occurred_at)
                await porch.handle(e)
            total = time.perf_counter() - start
        await porch.stop()
        store.dispose()
    print(f"  where the time goes ({label}, {len(events):,} events, inclusive wall time):")
    b.report(len(events), total)


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=10_000)
    parser.add_argument("--command-every", type=int, default=10, help="mix: 1 in N is a command")
    parser.add_argument("--profile", action="store_true", help="print a cProfile of each variant")
    parser.add_argument("--pin", action="store_true", help="pin the process to one CPU")
    args = parser.parse_args()

    pinned = pin_one_core() if args.pin else "one thread, not pinned"
    print(f"bench_inbox: Inbox + dispatch via Porch.handle, SQLite file DB (WAL), {pinned}")
    print(f"  at start: {machine()}")
    print(f"  code: {code_state()}")
    verdict = Verdict("bench_inbox")

    plain_events = make_events(args.events, command_every=0, prefix="plain")
    plain = await run_variant("messages", plain_events)
    mixed_events = make_events(args.events, command_every=args.command_every, prefix="mixed")
    mixed = await run_variant(f"mix 1/{args.command_every} /porch ping", mixed_events)

    print(f"  at end: {machine()}")
    print("figures (judged on events per CPU-second of this single-threaded process):")
    for name, r in (("messages", plain), ("mix with commands", mixed)):
        verdict.check(
            f"{name}: >= 2,000 events/s on one core",
            r["cpu_rate"] >= TARGET_EVENTS_PER_S,
            f"{r['cpu_rate']:,.0f} events per CPU-second, {r['rate']:,.0f}/s wall "
            f"(p50 {r['p50_ms']:.3f} ms, p99 {r['p99_ms']:.3f} ms)",
        )
    for name, r in (("messages", plain), ("mix", mixed)):
        verdict.check(
            f"{name}: each event handled exactly once",
            r["handled"] == r["events"]
            and r["dupes_dropped"] == min(500, r["events"])
            and r["inbox_rows"] == r["events"] + WARMUP,
            f"handled {r['handled']:,}/{r['events']:,}, inbox rows {r['inbox_rows']:,}, "
            f"redeliveries dropped {r['dupes_dropped']}/{min(500, r['events'])}",
        )
        verdict.check(
            f"{name}: one outbox row per command",
            r["new_outbox_rows"] == r["commands"],
            f"{r['new_outbox_rows']:,} rows for {r['commands']:,} commands",
        )

    floor = raw_sqlite_floor()
    print(
        f"  reference: the same 3 SQL statements + COMMIT per event on plain sqlite3: "
        f"{floor:,.0f} events/s (the database itself is not the limit)"
    )
    if verdict.missed or args.profile:
        await breakdown("messages", plain_events[:3_000])
        await breakdown("mix", mixed_events[:3_000])
    if args.profile:
        for label, evs in (("messages", plain_events), ("mix", mixed_events)):
            profiler = cProfile.Profile()
            n = min(len(evs), 3_000)
            print(f"\nprofile ({label}, {n:,} events, cProfile, cumulative):")
            await run_variant(f"{label} (profiled)", evs[:n], profiler=profiler)
            print(profile_top(profiler, 40))
    verdict.exit()


if __name__ == "__main__":
    asyncio.run(main())
