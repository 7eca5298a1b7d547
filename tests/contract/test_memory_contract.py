"""The adapter contract, run against the in-memory adapter."""

from collections.abc import AsyncIterator
from datetime import timedelta
from itertools import count

import pytest

from bot.core.actions import DirectMessage, Post
from bot.core.clock import FakeClock
from bot.core.errors import PlatformError, RateLimited
from bot.testing import builders
from bot.testing.contract import AdapterContract, Seen, Sink
from bot.testing.memory import MemoryAdapter

_ids = count(1)


class MemoryDriver:
    channel = "#general"

    def __init__(self, adapter: MemoryAdapter, clock: FakeClock) -> None:
        self.adapter = adapter
        self.clock = clock

    def user_id(self, user: str) -> str:
        return user

    async def join(self, user: str) -> None:
        await self.adapter.receive(builders.joined(user, self.channel, at=self.clock.now()))

    async def say(self, user: str, text: str) -> str:
        message_id = f"u{next(_ids)}"
        await self.adapter.receive(
            builders.said(user, text, self.channel, at=self.clock.now(), message_id=message_id)
        )
        return message_id

    async def react(self, user: str, message_id: str, emoji: str) -> None:
        await self.adapter.receive(
            builders.reacted(user, message_id, emoji, self.channel, at=self.clock.now())
        )

    async def command(self, user: str, root: str, rest: str) -> None:
        await self.adapter.receive(
            builders.command(user, f"/{root} {rest}", self.channel, at=self.clock.now())
        )

    async def bot_says(self, text: str) -> None:
        await self.adapter.receive(
            builders.said(self.adapter.bot_id, text, self.channel, at=self.clock.now())
        )

    async def before_start(self, user: str, text: str) -> None:
        await self.adapter.receive(
            builders.said(user, text, self.channel, at=self.clock.now() - timedelta(minutes=5))
        )

    async def visible(self) -> list[Seen]:
        return [
            Seen(
                e.action.message.text,
                e.message_id,
                e.action.thread.message_id if e.action.thread else None,
                tuple(c.label for c in e.action.message.choices),
            )
            for e in self.adapter.executed
            if isinstance(e.action, Post)
        ]

    async def visible_dm(self, user: str) -> list[Seen]:
        return [
            Seen(e.action.message.text, e.message_id)
            for e in self.adapter.executed
            if isinstance(e.action, DirectMessage) and e.action.member == user
        ]

    def fail_next_send(self, how: str, retry_after: float = 3.0) -> None:
        error = RateLimited(retry_after) if how == "rate" else PlatformError("forbidden")
        self.adapter.fail_next("post", error)


class TestMemoryAdapter(AdapterContract):
    @pytest.fixture
    async def driver(self, sink: Sink) -> AsyncIterator[MemoryDriver]:
        clock = FakeClock(builders.T0)
        adapter = MemoryAdapter(clock=clock)
        await adapter.start(sink)
        yield MemoryDriver(adapter, clock)
        await adapter.stop()
