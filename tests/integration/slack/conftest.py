"""The Slack adapter against the Web API stand-in, with inbound requests signed as Slack signs them.

`SlackDriver` plays Slack and its people for the adapter contract: people's actions become
signed Events API / slash command requests posted to the adapter's own Starlette routes (through
httpx's ASGI transport, no port needed); what Porch posted is read back from the stand-in.
`running_porch` puts a whole Porch (in-memory SQLite, fake clock) on the adapter, with a `Tap`
between adapter and Porch so a test awaits each event's outcome instead of sleeping.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest
import pytest_asyncio
from starlette.applications import Starlette

from adapters.slack.adapter import SlackAdapter, SlackCredentials
from adapters.slack.emoji import slack_name
from adapters.slack.manifest import EVENTS_PATH
from bot.app import Porch
from bot.config.schema import CommunityConfig
from bot.core.clock import Clock, FakeClock, SystemClock
from bot.core.events import Event
from bot.features.base import Feature
from bot.store.db import Store
from bot.store.migrate import upgrade
from bot.testing import builders
from bot.testing.contract import Seen
from tests.standins.conftest import slack_api, slack_api_factory, slack_inbound
from tests.standins.slack_api import SlackStandIn
from tests.standins.slack_inbound import InboundRequest, SlackInbound

__all__ = ["slack_api", "slack_api_factory", "slack_inbound"]


def make_adapter(
    standin: SlackStandIn,
    *,
    clock: Clock | None = None,
    mode: str = "http",
    admin_token: str | None = None,
    bot_token: str | None = None,
    role_channels: tuple[str, ...] = (),
) -> SlackAdapter:
    credentials = SlackCredentials(
        bot_token=bot_token or standin.bot_token,
        signing_secret=standin.signing_secret,
        app_token=standin.app_token,
        admin_token=admin_token,
    )
    return SlackAdapter(
        credentials=credentials,
        clock=clock or SystemClock(),
        mode="socket" if mode == "socket" else "http",
        api_url=standin.base_url,
        role_channels=role_channels,
    )


def asgi_client(adapter: SlackAdapter) -> httpx.AsyncClient:
    """An HTTP client whose requests go straight into the adapter's routes."""
    app = Starlette(routes=adapter.routes())
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://porch")


async def deliver(http: httpx.AsyncClient, request: InboundRequest) -> httpx.Response:
    """Send a signed request the way Slack would, to the one Request URL."""
    return await http.post(EVENTS_PATH, content=request.body, headers=request.headers)


class SlackDriver:
    """Slack and its people, for the adapter contract (see `bot.testing.contract`)."""

    def __init__(
        self,
        adapter: SlackAdapter,
        standin: SlackStandIn,
        inbound: SlackInbound,
        http: httpx.AsyncClient,
    ) -> None:
        self.adapter = adapter
        self.standin = standin
        self.inbound = inbound
        self.http = http
        self.channel = standin.general_id
        if standin.bot_user_id not in standin.general.members:
            standin.general.members.append(standin.bot_user_id)

    def user_id(self, user: str) -> str:
        workspace = self.standin.workspace
        found = next((u for u in workspace.users.values() if u.name == user), None)
        if found is None:
            found = workspace.add_user(user, real_name=user.title())
            self.standin.general.members.append(found.id)
        return found.id

    async def _send(self, request: InboundRequest) -> None:
        response = await deliver(self.http, request)
        assert response.status_code == 200, response.text

    async def join(self, user: str) -> None:
        event = self.inbound.member_joined_channel(self.user_id(user), self.channel)
        await self._send(self.inbound.events_request(event))

    async def say(self, user: str, text: str) -> str:
        member = self.user_id(user)
        stored = self.standin.workspace.post(self.channel, member, text)
        event = self.inbound.message(self.channel, member, text, ts=stored.ts)
        await self._send(self.inbound.events_request(event))
        return stored.ts

    async def react(self, user: str, message_id: str, emoji: str) -> None:
        event = self.inbound.reaction_added(
            self.user_id(user),
            slack_name(emoji),
            channel=self.channel,
            ts=message_id,
            item_user=self.standin.bot_user_id,
        )
        await self._send(self.inbound.events_request(event))

    async def command(self, user: str, root: str, rest: str) -> None:
        request = self.inbound.slash_command_request(
            f"/{root}", rest, user_id=self.user_id(user), channel_id=self.channel
        )
        await self._send(request)

    async def bot_says(self, text: str) -> None:
        event = self.inbound.message(self.channel, self.standin.bot_user_id, text)
        event["bot_id"] = self.standin.bot_user.bot_id
        await self._send(self.inbound.events_request(event))

    async def before_start(self, user: str, text: str) -> None:
        event = self.inbound.message(self.channel, self.user_id(user), text)
        earlier = int(time.time()) - 600
        await self._send(self.inbound.events_request(event, event_time=earlier))

    async def visible(self) -> list[Seen]:
        return [_seen(m) for m in self.standin.messages(self.channel)]

    async def visible_dm(self, user: str) -> list[Seen]:
        members = [self.standin.bot_user_id, self.user_id(user)]
        conversation, _ = self.standin.workspace.open_dm(members)
        return [_seen(m) for m in self.standin.messages(conversation.id)]

    def fail_next_send(self, how: str, retry_after: float = 3.0) -> None:
        if how == "rate":
            self.standin.fail_next("chat.postMessage", status=429, retry_after=int(retry_after))
        else:
            self.standin.fail_next("chat.postMessage", "restricted_action")


def _seen(message: Any) -> Seen:
    labels = tuple(
        element["text"]["text"]
        for block in message.blocks or ()
        if block.get("type") == "actions"
        for element in block["elements"]
    )
    thread = message.thread_ts if message.thread_ts != message.ts else None
    return Seen(message.text, message.ts, thread, labels)


@pytest_asyncio.fixture
async def http_adapter(slack_api: SlackStandIn) -> AsyncIterator[SlackAdapter]:
    """An HTTP-mode adapter on the stand-in, stopped at the end of the test."""
    adapter = make_adapter(slack_api)
    yield adapter
    await adapter.stop()


@pytest.fixture
def inbound(slack_inbound: SlackInbound) -> SlackInbound:
    return slack_inbound


class Tap:
    """Stands between the adapter and Porch.handle, so a test can await each event's outcome."""

    def __init__(self, handle: Callable[[Event], Awaitable[bool]]) -> None:
        self._handle = handle
        self.outcomes: asyncio.Queue[bool] = asyncio.Queue()

    async def __call__(self, event: Event) -> None:
        await self.outcomes.put(await self._handle(event))

    async def next(self) -> bool:
        async with asyncio.timeout(5):
            return await self.outcomes.get()

    def drain(self) -> int:
        """Forget the outcomes so far (the start-up roles), so `next()` awaits what comes next."""
        count = 0
        while not self.outcomes.empty():
            self.outcomes.get_nowait()
            count += 1
        return count


async def start_tapped(adapter: SlackAdapter, tap: Tap) -> int:
    """Start `adapter` into `tap`, wait for the workspace roles it reads at start-up to be
    handled, and drain them from the tap; how many events that was."""
    await adapter.start(tap)
    async with asyncio.timeout(5):
        await adapter.roles_read()
    return tap.drain()


@asynccontextmanager
async def running_porch(
    standin: SlackStandIn, clock: FakeClock, features: tuple[Feature, ...]
) -> AsyncIterator[tuple[Porch, SlackAdapter, Tap]]:
    """A Porch whose one community's main channel is the stand-in's #general; no loops run,
    so the test decides when effects are delivered (`porch.settle()`)."""
    store = Store("sqlite://")
    upgrade(store)
    adapter = make_adapter(standin, clock=clock, role_channels=(standin.general_id,))
    config = builders.config(builders.community(platform="slack", main=standin.general_id))
    porch = Porch(config=config, store=store, clock=clock, adapters=[adapter], features=features)
    await porch.start(loops=False)
    tap = Tap(porch.handle)
    await adapter.stop()
    await start_tapped(adapter, tap)
    try:
        yield porch, adapter, tap
    finally:
        await porch.stop()
        store.dispose()


@asynccontextmanager
async def whole_porch(
    standin: SlackStandIn,
    community: CommunityConfig,
    features: tuple[Feature, ...],
    playbooks: dict[str, Any],
    admin_token: str | None = None,
    clock: FakeClock | None = None,
    database_url: str = "sqlite://",
    others: tuple[CommunityConfig, ...] = (),
) -> AsyncIterator[tuple[Porch, Tap, httpx.AsyncClient]]:
    """A Porch on the Slack adapter (fake clock, no loops: `porch.settle()` delivers); in memory
    unless `database_url` names a database the test shares with the `porch` command; `others`
    are more communities on the same workspace."""
    store = Store(database_url)
    upgrade(store)
    clock = clock or FakeClock(builders.T0)
    mains = tuple(c.channels["slack"].main for c in (community, *others) if "slack" in c.channels)
    adapter = make_adapter(standin, clock=clock, admin_token=admin_token, role_channels=mains)
    porch = Porch(
        config=builders.config(community, *others),
        store=store,
        clock=clock,
        adapters=[adapter],
        features=features,
        playbooks=playbooks,
    )
    await porch.start(loops=False)
    tap = Tap(porch.handle)
    await adapter.stop()
    await start_tapped(adapter, tap)
    try:
        async with asgi_client(adapter) as http:
            yield porch, tap, http
    finally:
        await porch.stop()
        store.dispose()


def as_payload(message: Any) -> dict[str, Any]:
    """A message the stand-in stored, as Slack puts it into an interactivity payload."""
    return {
        "type": "message",
        "user": message.user,
        "ts": message.ts,
        "text": message.text,
        "blocks": message.blocks or [],
    }


def shown(message: Any) -> str:
    """Everything a reader of a stored message sees: its text and its blocks."""
    return f"{message.text}{json.dumps(message.blocks or [])}"


def buttons_of(message: Any) -> list[dict[str, Any]]:
    return [
        element
        for block in message.blocks or ()
        if block.get("type") == "actions"
        for element in block["elements"]
    ]


class SharedTime:
    """The stand-in's clock following Porch's fake clock, so Slack's rate-limit windows pass
    when a test lets time pass (`bot.app.advance`), and a `Retry-After` wait is really waited."""

    def __init__(self, clock: FakeClock) -> None:
        self._clock = clock

    def time(self) -> float:
        return self._clock.now().timestamp()
