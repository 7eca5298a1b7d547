"""A Porch with ritual playbooks on the memory platform and a fake clock, for scenario tests."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel import col, select

from bot.app import Porch, default_features
from bot.config.schema import PorchConfig
from bot.core.clock import FakeClock
from bot.features.base import Feature
from bot.features.rituals.settings import RitualPlaybook
from bot.store.db import Store
from bot.store.migrate import upgrade
from bot.store.rituals import RitualRun
from bot.testing.builders import community, config
from bot.testing.harness import Harness
from bot.testing.memory import MemoryAdapter

BERLIN = ZoneInfo("Europe/Berlin")


def ritual(
    action: dict[str, Any], schedule: str = "every monday 09:30", **extra: Any
) -> RitualPlaybook:
    return RitualPlaybook.model_validate(
        {"kind": "ritual", "title": "Test ritual", "schedule": schedule, "action": action, **extra}
    )


def prompt(text: str = "What are you working on?", **extra: Any) -> RitualPlaybook:
    return ritual({"do": "prompt", "text": text}, **extra)


def berlin(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=BERLIN)


def build(
    store: Store,
    clock: FakeClock,
    adapter: MemoryAdapter,
    playbooks: Mapping[str, RitualPlaybook],
    cfg: PorchConfig | None = None,
    features: list[Feature] | None = None,
) -> Porch:
    return Porch(
        config=cfg or config(community(playbooks=tuple(playbooks))),
        store=store,
        clock=clock,
        adapters=[adapter],
        playbooks=playbooks,
        features=features if features is not None else default_features(),
    )


@asynccontextmanager
async def running(
    database_url: str,
    playbooks: Mapping[str, RitualPlaybook],
    *,
    start: datetime,
    cfg: PorchConfig | None = None,
    features: list[Feature] | None = None,
) -> AsyncIterator[Harness]:
    store = Store(database_url)
    upgrade(store)
    clock = FakeClock(start)
    adapter = MemoryAdapter(clock=clock)
    porch = build(store, clock, adapter, playbooks, cfg, features)
    await porch.start(loops=False)
    try:
        yield Harness(porch, adapter, clock, store)
    finally:
        await porch.stop()
        store.dispose()


async def restart(h: Harness, playbooks: Mapping[str, RitualPlaybook]) -> None:
    """A fresh Porch on the same database and clock: what `porch run` after a stop does."""
    await h.porch.stop()
    h.porch = build(h.store, h.clock, h.adapter, playbooks, h.porch.config)
    await h.porch.start(loops=False)
    await h.porch.settle()


def runs(h: Harness) -> list[tuple[str, str, str]]:
    """(local due time, status, reason) of every recorded occurrence, in due order."""
    with h.store.transaction() as s:
        found = s.exec(select(RitualRun).order_by(col(RitualRun.due_at))).all()
        return [
            (f"{r.due_at.astimezone(BERLIN):%a %Y-%m-%d %H:%M}", r.status, r.reason) for r in found
        ]


def local_times(h: Harness, kind: str = "post") -> list[str]:
    return [
        f"{e.at.astimezone(BERLIN):%a %Y-%m-%d %H:%M}"
        for e in h.adapter.executed
        if e.action.kind == kind and e.at is not None
    ]
