"""The in-memory adapter: a platform that lives in a list, for tests and benchmarks.

It records every executed action with the Outbox id it came from, so a test can prove that
nothing was doubled (`doubled()`) and nothing lost. Failures are injected per action kind.
"""

from __future__ import annotations

import itertools
from collections import Counter, deque
from dataclasses import dataclass, field
from datetime import datetime

from bot.core.actions import Action, Capability, Delivered, ListMembers
from bot.core.adapter import UNLIMITED, DeliveryContext, EventSink, RateBudget, member_present
from bot.core.clock import Clock
from bot.core.events import Event


@dataclass(frozen=True)
class Executed:
    action: Action
    outbox_id: int
    key: str
    message_id: str
    at: datetime | None


@dataclass
class MemoryAdapter:
    platform: str = "memory"
    capabilities: frozenset[Capability] = frozenset(Capability)
    rate_budget: RateBudget = UNLIMITED
    clock: Clock | None = None
    executed: list[Executed] = field(default_factory=list)
    failures: dict[str, deque[Exception]] = field(default_factory=dict)
    started: bool = False
    bot_id: str = "porch"
    started_at: datetime | None = None
    rosters: dict[str, list[tuple[str, str]]] = field(default_factory=dict)
    """Who is in each channel, as (member id, display name), for `ListMembers`."""
    _sink: EventSink | None = None
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    async def start(self, sink: EventSink) -> None:
        self._sink = sink
        self.started = True
        self.started_at = self.clock.now() if self.clock else None

    async def stop(self) -> None:
        self.started = False
        self._sink = None

    async def receive(self, event: Event) -> None:
        """Deliver an inbound event as a platform would; like every adapter, drop our own and old ones."""
        assert self._sink is not None, "start() the adapter first"
        if event.member == self.bot_id:
            return
        if self.started_at is not None and event.occurred_at < self.started_at:
            return
        await self._sink(event)

    def fail_next(self, kind: str, *errors: Exception) -> None:
        """The next executions of actions of `kind` raise these, in order."""
        self.failures.setdefault(kind, deque()).extend(errors)

    async def execute(self, action: Action, ctx: DeliveryContext) -> Delivered:
        """Record the action; a DM is delivered to the conversation `dm:<member>`."""
        queue = self.failures.get(action.kind)
        if queue:
            raise queue.popleft()
        message_id = f"{self.platform}-{next(self._ids)}"
        now = self.clock.now() if self.clock else None
        self.executed.append(Executed(action, ctx.outbox_id, ctx.key, message_id, now))
        if isinstance(action, ListMembers):
            await self._list_members(action, ctx)
        channel = f"dm:{action.member}" if action.kind == "dm" else getattr(action, "channel", None)
        return Delivered(message_id=message_id, channel=channel)

    async def _list_members(self, action: ListMembers, ctx: DeliveryContext) -> None:
        assert self._sink is not None, "start() the adapter first"
        at = self.clock.now() if self.clock else None
        assert at is not None, "ListMembers needs the adapter's clock"
        for member, name in self.rosters.get(action.channel, []):
            if member == self.bot_id:
                continue
            await self._sink(member_present(action, ctx, member, at, name))

    def doubled(self) -> list[str]:
        """Idempotency keys that were executed more than once."""
        return [key for key, n in Counter(e.key for e in self.executed).items() if n > 1]

    def texts(self, kind: str | None = None) -> list[str]:
        return [
            e.action.message.text
            for e in self.executed
            if (kind is None or e.action.kind == kind) and hasattr(e.action, "message")
        ]
