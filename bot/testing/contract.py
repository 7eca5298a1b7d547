"""The adapter contract: what every platform adapter must do, as one reusable test suite.

An adapter's test module subclasses `AdapterContract` and provides a `driver` fixture: a
`PlatformDriver` that plays the platform and its people (a real Synapse and nio clients for
Matrix, the Web API stand-in for Slack, a list for the in-memory adapter). pytest then runs every
`test_*` method below against that adapter.
"""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Protocol

import pytest

from bot.core.actions import DirectMessage, MessageRef, Post
from bot.core.adapter import Adapter, DeliveryContext
from bot.core.errors import PlatformError, RateLimited
from bot.core.events import CommandInvoked, Event, MemberJoined, MessagePosted, ReactionAdded
from bot.core.message import Choice, Message


@dataclass(frozen=True)
class Seen:
    """A message as a person on the platform sees it."""

    text: str
    message_id: str
    thread_id: str | None = None
    choice_labels: tuple[str, ...] = ()


class PlatformDriver(Protocol):
    adapter: Adapter
    channel: str
    """A community channel the bot and the test users are in."""

    async def join(self, user: str) -> None: ...
    async def say(self, user: str, text: str) -> str: ...
    async def react(self, user: str, message_id: str, emoji: str) -> None: ...
    async def command(self, user: str, root: str, rest: str) -> None: ...
    async def bot_says(self, text: str) -> None: ...
    async def before_start(self, user: str, text: str) -> None:
        """Make an event dated before the adapter started (skip if the platform has none)."""
        ...

    async def visible(self) -> list[Seen]: ...
    async def visible_dm(self, user: str) -> list[Seen]: ...
    def fail_next_send(self, how: str, retry_after: float = 3.0) -> None:
        """`how` is `rate` (the platform's rate limit) or `forbidden` (a permission refusal)."""
        ...

    def user_id(self, user: str) -> str: ...


@dataclass
class Sink:
    events: list[Event] = field(default_factory=list)
    arrived: asyncio.Event = field(default_factory=asyncio.Event)

    async def __call__(self, event: Event) -> None:
        self.events.append(event)
        self.arrived.set()

    async def wait_for(self, kind: type[Event], within: float = 20.0) -> Event:
        """The first event of `kind`; waits (bounded) for it to arrive."""
        async with asyncio.timeout(within):
            while True:
                for event in self.events:
                    if isinstance(event, kind):
                        return event
                self.arrived.clear()
                await self.arrived.wait()

    def of(self, kind: type[Event]) -> list[Event]:
        return [e for e in self.events if isinstance(e, kind)]


_N = iter(range(1, 1_000_000))


def _ctx() -> DeliveryContext:
    n = next(_N)
    return DeliveryContext(key=f"contract:{n}", outbox_id=n)


async def _eventually(check: Callable[[], bool | Awaitable[bool]], within: float = 20.0) -> None:
    """Wait (bounded) until `check` holds: platforms deliver asynchronously."""
    async with asyncio.timeout(within):
        while True:
            result = check()
            if await result if inspect.isawaitable(result) else result:
                return
            await asyncio.sleep(0.05)


def _texts(sink: Sink) -> list[str]:
    return [e.text for e in sink.events if isinstance(e, MessagePosted)]


class AdapterContract:
    """Subclass in a test module and provide `driver` (and `sink`) fixtures."""

    @pytest.fixture
    def sink(self) -> Sink:
        return Sink()

    async def test_a_join_becomes_member_joined(self, driver: PlatformDriver, sink: Sink) -> None:
        await driver.join("carol")
        event = await sink.wait_for(MemberJoined)
        assert isinstance(event, MemberJoined)
        assert (event.member, event.channel) == (driver.user_id("carol"), driver.channel)

    async def test_a_message_becomes_message_posted(
        self, driver: PlatformDriver, sink: Sink
    ) -> None:
        message_id = await driver.say("carol", "Hello **there**")
        event = await sink.wait_for(MessagePosted)
        assert isinstance(event, MessagePosted)
        assert (event.member, event.channel, event.message_id) == (
            driver.user_id("carol"),
            driver.channel,
            message_id,
        )
        assert "Hello" in event.text and not event.is_direct

    async def test_a_reaction_names_the_message_it_is_on(
        self, driver: PlatformDriver, sink: Sink
    ) -> None:
        message_id = await driver.say("carol", "react to me")
        await driver.react("dave", message_id, "👍")
        event = await sink.wait_for(ReactionAdded)
        assert isinstance(event, ReactionAdded)
        assert (event.member, event.message_id, event.emoji) == (
            driver.user_id("dave"),
            message_id,
            "👍",
        )

    async def test_a_command_becomes_command_invoked(
        self, driver: PlatformDriver, sink: Sink
    ) -> None:
        await driver.command("carol", "porch", 'help "whoami"')
        event = await sink.wait_for(CommandInvoked)
        assert isinstance(event, CommandInvoked)
        assert (event.root, event.text, event.member) == (
            "porch",
            'help "whoami"',
            driver.user_id("carol"),
        )

    async def test_its_own_messages_are_dropped(self, driver: PlatformDriver, sink: Sink) -> None:
        await driver.bot_says("I said this myself")
        await driver.say("carol", "after the bot")
        await _eventually(lambda: any("after the bot" in t for t in _texts(sink)))
        assert all("myself" not in t for t in _texts(sink))

    async def test_events_from_before_start_are_dropped(
        self, driver: PlatformDriver, sink: Sink
    ) -> None:
        await driver.before_start("carol", "from the past")
        await driver.say("carol", "from the present")
        await _eventually(lambda: any("present" in t for t in _texts(sink)))
        assert all("past" not in t for t in _texts(sink))

    async def test_a_direct_message_reaches_the_member(self, driver: PlatformDriver) -> None:
        await driver.join("carol")
        member = driver.user_id("carol")
        action = DirectMessage(
            platform=driver.adapter.platform, member=member, message=Message(text="Welcome, Carol!")
        )
        delivered = await driver.adapter.execute(action, _ctx())
        assert delivered.message_id

        async def arrived() -> bool:
            return any("Welcome, Carol!" in s.text for s in await driver.visible_dm("carol"))

        await _eventually(arrived)

    async def test_choices_are_shown_with_the_message(self, driver: PlatformDriver) -> None:
        message = Message(
            text="Pick one",
            prompt_id="p1",
            choices=(Choice(id="a", label="Apples"), Choice(id="b", label="Pears")),
        )
        action = Post(platform=driver.adapter.platform, channel=driver.channel, message=message)
        await driver.adapter.execute(action, _ctx())

        async def shown() -> bool:
            return any(s.choice_labels == ("Apples", "Pears") for s in await driver.visible())

        await _eventually(shown)

    async def test_a_reply_lands_in_the_thread(self, driver: PlatformDriver) -> None:
        root = await driver.adapter.execute(
            Post(
                platform=driver.adapter.platform,
                channel=driver.channel,
                message=Message(text="Thread root"),
            ),
            _ctx(),
        )
        reply = Post(
            platform=driver.adapter.platform,
            channel=driver.channel,
            message=Message(text="In the thread"),
            thread=MessageRef(message_id=root.message_id),
        )
        await driver.adapter.execute(reply, _ctx())

        async def threaded() -> bool:
            return any(
                s.text.endswith("In the thread") and s.thread_id == root.message_id
                for s in await driver.visible()
            )

        await _eventually(threaded)

    async def test_a_platform_rate_limit_becomes_rate_limited(self, driver: PlatformDriver) -> None:
        driver.fail_next_send("rate", retry_after=3.0)
        with pytest.raises(RateLimited) as err:
            await driver.adapter.execute(_post(driver, "too fast"), _ctx())
        assert 0 < err.value.retry_after <= 60

    async def test_a_permission_refusal_becomes_a_platform_error(
        self, driver: PlatformDriver
    ) -> None:
        driver.fail_next_send("forbidden")
        with pytest.raises(PlatformError):
            await driver.adapter.execute(_post(driver, "not allowed"), _ctx())

    async def test_it_stops_and_starts_again_cleanly(
        self, driver: PlatformDriver, sink: Sink
    ) -> None:
        await driver.adapter.stop()
        await driver.adapter.start(sink)
        await driver.say("carol", "still listening")
        await _eventually(lambda: any("still listening" in t for t in _texts(sink)))


def _post(driver: PlatformDriver, text: str) -> Post:
    return Post(
        platform=driver.adapter.platform, channel=driver.channel, message=Message(text=text)
    )
