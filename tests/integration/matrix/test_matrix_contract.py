"""The adapter contract, run against the Matrix adapter on a real Synapse.

The driver plays the room's people with matrix-nio clients: an owner who created the room (power
level 100), and members who join lazily, the first time they act, so a test that expects one join
sees exactly one. Failures are provoked on the server, not mocked: a refusal by raising the room's
`events_default` above Porch's power level, a rate limit by overriding the bot's `rc_message`
with Synapse's admin API.
"""

from __future__ import annotations

import asyncio
import itertools
import secrets
import urllib.parse
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import nio
import pytest

from adapters.matrix.adapter import EXEMPT_BUDGET, MatrixAdapter, MatrixLogin
from adapters.matrix.render import choice_labels
from adapters.matrix.state import STATE_FILE
from bot.core.actions import Action, Delivered, Post
from bot.core.adapter import DeliveryContext
from bot.core.clock import SystemClock
from bot.core.message import Message
from bot.testing.contract import AdapterContract, Seen, Sink
from tests.integration.matrix.conftest import MatrixUserFactory
from tests.integration.matrix.synapse_harness import (
    RegisteredUser,
    SynapseApiError,
    SynapseServer,
    http_json,
)

pytestmark = pytest.mark.slow

_outbox_ids = itertools.count(10_000)


def delivery(label: str) -> DeliveryContext:
    n = next(_outbox_ids)
    return DeliveryContext(key=f"driver:{label}:{n}", outbox_id=n)


async def register(server: SynapseServer, prefix: str) -> RegisteredUser:
    return await asyncio.to_thread(server.register, f"{prefix}-{secrets.token_hex(4)}")


async def get(server: SynapseServer, token: str, path: str) -> dict[str, Any]:
    return await asyncio.to_thread(http_json, "GET", server.url(path), access_token=token)


async def room_messages(server: SynapseServer, token: str, room_id: str) -> list[dict[str, Any]]:
    """The room's latest events as `token`'s owner sees them, oldest first."""
    path = f"/_matrix/client/v3/rooms/{urllib.parse.quote(room_id)}/messages?dir=b&limit=200"
    reply = await get(server, token, path)
    return list(reversed(reply.get("chunk", [])))


def seen(events: list[dict[str, Any]], sender: str) -> list[Seen]:
    """The messages `sender` posted, as the driver contract describes them."""
    result = []
    for event in events:
        content = event.get("content", {})
        if event.get("sender") != sender or event.get("type") != "m.room.message":
            continue
        relation = content.get("m.relates_to", {})
        if relation.get("rel_type") == "m.replace" or "body" not in content:
            continue
        thread = relation.get("event_id") if relation.get("rel_type") == "m.thread" else None
        body = content["body"]
        result.append(Seen(body, event["event_id"], thread, choice_labels(body)))
    return result


async def ok(request: Any, expected: type) -> Any:
    response = await request
    assert isinstance(response, expected), response
    return response


async def open_direct_room(client: nio.AsyncClient, bot_user_id: str) -> str:
    """A member opens a direct chat with Porch as Element does, without encryption."""
    created = await ok(
        client.room_create(
            is_direct=True, invite=[bot_user_id], preset=nio.RoomPreset.trusted_private_chat
        ),
        nio.RoomCreateResponse,
    )
    return str(created.room_id)


@dataclass
class ArmedAdapter:
    """The Matrix adapter, with a failure the driver arranged on the server before the next send."""

    inner: MatrixAdapter
    driver: MatrixDriver | None = None
    platform: str = "matrix"

    @property
    def capabilities(self) -> Any:
        return self.inner.capabilities

    @property
    def rate_budget(self) -> Any:
        return self.inner.rate_budget

    async def start(self, sink: Any) -> None:
        await self.inner.start(sink)

    async def stop(self) -> None:
        await self.inner.stop()

    async def execute(self, action: Action, ctx: DeliveryContext) -> Delivered:
        assert self.driver is not None
        undo = await self.driver.arm()
        try:
            return await self.inner.execute(action, ctx)
        finally:
            await undo()


@dataclass
class MatrixDriver:
    server: SynapseServer
    bot: RegisteredUser
    owner: nio.AsyncClient
    people: dict[str, nio.AsyncClient]
    channel: str
    adapter: ArmedAdapter
    sink: Sink
    make_user: MatrixUserFactory
    joined: set[str] = field(default_factory=set)
    armed: tuple[str, float] | None = None

    def user_id(self, user: str) -> str:
        return str(self.people[user].user_id)

    async def person(self, user: str) -> nio.AsyncClient:
        if user not in self.people:
            self.people[user] = await self.make_user(user)
        return self.people[user]

    async def join(self, user: str) -> None:
        client = await self.person(user)
        if user not in self.joined:
            await ok(client.join(self.channel), nio.JoinResponse)
            self.joined.add(user)

    async def say(self, user: str, text: str) -> str:
        await self.join(user)
        content = {"msgtype": "m.text", "body": text}
        sent = await ok(
            self.people[user].room_send(self.channel, "m.room.message", content),
            nio.RoomSendResponse,
        )
        return str(sent.event_id)

    async def react(self, user: str, message_id: str, emoji: str) -> None:
        await self.join(user)
        relation = {"rel_type": "m.annotation", "event_id": message_id, "key": emoji}
        await ok(
            self.people[user].room_send(self.channel, "m.reaction", {"m.relates_to": relation}),
            nio.RoomSendResponse,
        )

    async def command(self, user: str, root: str, rest: str) -> None:
        await self.say(user, f"!{root} {rest}")

    async def bot_says(self, text: str) -> None:
        action = Post(platform="matrix", channel=self.channel, message=Message(text=text))
        await self.adapter.inner.execute(action, delivery("bot_says"))

    async def before_start(self, user: str, text: str) -> None:
        """Stop Porch, forget its sync position (a first start), say `text`, start again."""
        await self.adapter.stop()
        (self.adapter.inner.data_dir / STATE_FILE).unlink()
        await self.say(user, text)
        await self.adapter.start(self.sink)

    async def visible(self) -> list[Seen]:
        events = await room_messages(self.server, self.owner.access_token, self.channel)
        return seen(events, self.bot.user_id)

    async def visible_dm(self, user: str) -> list[Seen]:
        """What `user` sees from Porch outside the community room (accepting its invites)."""
        client = await self.person(user)
        synced = await ok(client.sync(timeout=0), nio.SyncResponse)
        for room_id in synced.rooms.invite:
            await ok(client.join(room_id), nio.JoinResponse)
        joined = await get(self.server, client.access_token, "/_matrix/client/v3/joined_rooms")
        result: list[Seen] = []
        for room_id in joined["joined_rooms"]:
            if room_id != self.channel:
                events = await room_messages(self.server, client.access_token, room_id)
                result += seen(events, self.bot.user_id)
        return result

    def fail_next_send(self, how: str, retry_after: float = 3.0) -> None:
        self.armed = (how, retry_after)

    async def arm(self) -> Any:
        """Make the server refuse the next send as asked; returns how to undo it."""
        how, self.armed = (self.armed or ("", 0.0))[0], None
        if how == "forbidden":
            return await self._forbid_sending()
        if how == "rate":
            return await self._throttle_bot()

        async def nothing() -> None:
            return None

        return nothing

    async def _forbid_sending(self) -> Any:
        current = await ok(
            self.owner.room_get_state_event(self.channel, "m.room.power_levels"),
            nio.RoomGetStateEventResponse,
        )
        original = dict(current.content)
        await ok(
            self.owner.room_put_state(
                self.channel, "m.room.power_levels", {**original, "events_default": 50}
            ),
            nio.RoomPutStateResponse,
        )

        async def restore() -> None:
            await ok(
                self.owner.room_put_state(self.channel, "m.room.power_levels", original),
                nio.RoomPutStateResponse,
            )

        return restore

    async def _throttle_bot(self) -> Any:
        """Give the bot one message per second with no burst, then spend that one message.

        A spending message may itself be refused while earlier traffic drains; then the driver
        waits the `retry_after_ms` Synapse named and spends again, so the real send comes right
        after an allowed one and finds the bucket empty for a whole second.
        """
        user = self.bot.user_id
        await asyncio.to_thread(self.server.admin_override_ratelimit, user, 1, 1)
        path = f"/_synapse/admin/v1/users/{urllib.parse.quote(user)}/override_ratelimit"
        async with asyncio.timeout(10):
            while True:
                wait = await self._spend_one()
                if wait is None:
                    break
                await asyncio.sleep(wait)  # as long as Synapse said

        async def restore() -> None:
            await asyncio.to_thread(self.server.admin_request, "DELETE", path)

        return restore

    async def _spend_one(self) -> float | None:
        """Send one notice as the bot; None if it went through, else seconds Synapse asks to wait."""
        room = urllib.parse.quote(self.channel)
        url = self.server.url(
            f"/_matrix/client/v3/rooms/{room}/send/m.room.message/spend-{secrets.token_hex(4)}"
        )
        notice = {"msgtype": "m.notice", "body": "spending the rate limit"}
        try:
            await asyncio.to_thread(
                http_json, "PUT", url, notice, access_token=self.bot.access_token
            )
        except SynapseApiError as error:
            if error.status != 429:
                raise
            return float(error.body.get("retry_after_ms", 100)) / 1000
        return None


async def join_as(server: SynapseServer, token: str, room_id: str) -> None:
    path = f"/_matrix/client/v3/join/{urllib.parse.quote(room_id)}"
    await asyncio.to_thread(http_json, "POST", server.url(path), {}, access_token=token)


async def make_driver(
    synapse: SynapseServer,
    matrix_user: MatrixUserFactory,
    sink: Sink,
    data_dir: Path,
    *,
    encrypt_new_dms: bool = False,
    **options: Any,
) -> MatrixDriver:
    """A bot in a fresh public room owned by a human; new DMs are unencrypted unless asked,
    because the harness's members are clients without encryption. `options` go to the adapter."""
    bot = await register(synapse, "porch")
    owner = await matrix_user("owner")
    created = await ok(
        owner.room_create(name="contract", preset=nio.RoomPreset.public_chat),
        nio.RoomCreateResponse,
    )
    room_id = str(created.room_id)
    await join_as(synapse, bot.access_token, room_id)
    adapter = MatrixAdapter(
        homeserver=synapse.base_url,
        user_id=bot.user_id,
        login=MatrixLogin(access_token=bot.access_token),
        data_dir=data_dir,
        clock=SystemClock(),
        rooms=[room_id],
        encrypt_new_dms=encrypt_new_dms,
        rate_budget=EXEMPT_BUDGET,
        **options,
    )
    armed = ArmedAdapter(adapter)
    driver = MatrixDriver(
        server=synapse,
        bot=bot,
        owner=owner,
        people={},
        channel=room_id,
        adapter=armed,
        sink=sink,
        make_user=matrix_user,
    )
    armed.driver = driver
    await adapter.start(sink)
    return driver


class TestMatrixAdapter(AdapterContract):
    @pytest.fixture
    async def driver(
        self,
        synapse: SynapseServer,
        matrix_user: MatrixUserFactory,
        sink: Sink,
        tmp_path: Path,
    ) -> AsyncIterator[MatrixDriver]:
        driver = await make_driver(synapse, matrix_user, sink, tmp_path / "matrix")
        for name in ("carol", "dave"):
            await driver.person(name)
        yield driver
        await driver.adapter.stop()
