"""The adapter contract, run against the terminal chat."""

from collections.abc import AsyncIterator

import pytest

from adapters.shell.adapter import ShellAdapter
from adapters.shell.inbound import parse_line
from bot.core.clock import FakeClock
from bot.testing.builders import T0
from bot.testing.contract import AdapterContract, Seen, Sink


class ShellDriver:
    channel = "#general"

    def __init__(self, adapter: ShellAdapter, sink: Sink) -> None:
        self.adapter = adapter
        self.sink = sink
        self.lines: list[str] = []

    def user_id(self, user: str) -> str:
        return user

    async def _type(self, line: str) -> None:
        directive = parse_line(line, 1)
        assert directive is not None
        event = self.adapter.to_event(directive)
        if event is not None:
            await self.sink(event)

    async def join(self, user: str) -> None:
        await self._type(f":join {user} {self.channel}")

    async def say(self, user: str, text: str) -> str:
        await self._type(f":say {user} {self.channel} {text}")
        return self.lines[-1].split("(")[1].split(")")[0]

    async def react(self, user: str, message_id: str, emoji: str) -> None:
        await self._type(f":react {user} {message_id} {emoji}")

    async def command(self, user: str, root: str, rest: str) -> None:
        await self._type(f":say {user} {self.channel} /{root} {rest}")

    async def bot_says(self, text: str) -> None:
        await self._type(f":say porch {self.channel} {text}")

    async def before_start(self, user: str, text: str) -> None:
        pytest.skip("the terminal chat has no history from before Porch started")

    async def visible(self) -> list[Seen]:
        return [
            Seen(s.message.text, s.ref, s.thread, tuple(c.label for c in s.message.choices))
            for s in self.adapter.shown
            if not s.channel.startswith("dm:")
        ]

    async def visible_dm(self, user: str) -> list[Seen]:
        return [
            Seen(s.message.text, s.ref) for s in self.adapter.shown if s.channel == f"dm:{user}"
        ]

    def fail_next_send(self, how: str, retry_after: float = 3.0) -> None:
        pytest.skip("the terminal chat has no rate limits or permissions to refuse")


class TestShellAdapter(AdapterContract):
    @pytest.fixture
    async def driver(self, sink: Sink) -> AsyncIterator[ShellDriver]:
        lines: list[str] = []
        adapter = ShellAdapter(clock=FakeClock(T0), write=lines.append)
        driver = ShellDriver(adapter, sink)
        driver.lines = lines
        await adapter.start(sink)
        yield driver
        await adapter.stop()
