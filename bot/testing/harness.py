"""A whole Porch on the in-memory adapter and a fake clock, for scenario tests.

    async with Harness.create(database_url) as h:
        await h.send(joined("alice"))
        assert h.adapter.texts("dm") == [...]

`send` handles the event and settles (every due effect delivered); `advance` moves the fake clock
through every timer on the way, as a restart-free week would.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from bot.app import Porch, advance
from bot.config.schema import PorchConfig
from bot.core.clock import FakeClock
from bot.core.events import Event
from bot.features.base import Feature
from bot.store.db import Store
from bot.store.migrate import upgrade
from bot.testing.builders import T0
from bot.testing.builders import config as default_config
from bot.testing.memory import MemoryAdapter


@dataclass
class Harness:
    porch: Porch
    adapter: MemoryAdapter
    clock: FakeClock
    store: Store

    @classmethod
    @asynccontextmanager
    async def create(
        cls,
        database_url: str = "sqlite://",
        *,
        config: PorchConfig | None = None,
        features: Iterable[Feature] | None = None,
        adapter: MemoryAdapter | None = None,
        start: datetime = T0,
        migrate: bool = True,
        playbooks: Mapping[str, Any] | None = None,
    ) -> AsyncIterator[Harness]:
        store = Store(database_url)
        if migrate:
            upgrade(store)
        clock = FakeClock(start)
        adapter = adapter or MemoryAdapter(clock=clock)
        adapter.clock = clock
        porch = Porch(
            config=config or default_config(),
            store=store,
            clock=clock,
            adapters=[adapter],
            features=features,
            playbooks=playbooks,
        )
        harness = cls(porch, adapter, clock, store)
        await porch.start(loops=False)
        try:
            yield harness
        finally:
            await porch.stop()
            store.dispose()

    async def send(self, *events: Event) -> list[bool]:
        results = [await self.porch.handle(e) for e in events]
        await self.porch.settle()
        return results

    async def advance(self, delta: timedelta) -> None:
        await advance(self.porch, self.clock, self.clock.now() + delta)

    async def restart(self, features: Iterable[Feature] | None = None) -> None:
        """Stop this Porch and start a fresh one on the same database (and the same platform)."""
        await self.porch.stop()
        self.porch = Porch(
            config=self.porch.config,
            store=self.store,
            clock=self.clock,
            adapters=[self.adapter],
            features=features,
            playbooks=self.porch.services.playbooks,
        )
        await self.porch.start(loops=False)
        await self.porch.settle()
