"""A whole Porch on a real Synapse: restarts, picks by reaction, and a rate-limited burst.

Each test registers its own bot account (so no transaction id is ever shared between tests),
builds the configuration with `bot.testing.builders`, keeps Porch's SQLite database and the
adapter's data directory in `tmp_path`, and plays members with matrix-nio clients.
"""

from __future__ import annotations

import asyncio
import shutil
import time
import urllib.parse
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

import nio
import pytest
from sqlmodel import col, select

from adapters.matrix.adapter import EXEMPT_BUDGET, MatrixAdapter, MatrixLogin
from adapters.matrix.lease import Lease
from adapters.matrix.state import STATE_FILE
from bot.app import Porch
from bot.core.actions import Post
from bot.core.clock import SystemClock
from bot.core.commands import CommandSpec, ParsedCommand
from bot.core.events import ChoicePicked, CommandInvoked, TextAnswered
from bot.core.message import Choice, Message
from bot.delivery import outbox
from bot.features.base import Context, Feature
from bot.features.builtin import Builtin
from bot.store.db import Store
from bot.store.migrate import upgrade
from bot.store.models import OutboxItem, PromptRecord
from bot.testing import builders
from tests.integration.matrix.conftest import MatrixUserFactory
from tests.integration.matrix.synapse_harness import RegisteredUser, SynapseServer, http_json
from tests.integration.matrix.test_matrix_contract import get, ok, register, room_messages

pytestmark = pytest.mark.slow

KEYCAP_1, KEYCAP_2 = "1️⃣", "2️⃣"


class Asker(Feature):
    """A test-only feature: `!porch quiz` asks a question in a DM and records the answer."""

    name: ClassVar[str] = "asker"
    commands: ClassVar[tuple[CommandSpec, ...]] = (
        CommandSpec("porch", "quiz", "builtin.summary_ping"),
    )
    answers: ClassVar[list[str]] = []

    def on_command(self, command: ParsedCommand, event: CommandInvoked, ctx: Context) -> None:
        choices = (Choice(id="tea", label="Tea"), Choice(id="coffee", label="Coffee"))
        message = Message(text="Tea or coffee?", choices=choices)
        ctx.ask(f"quiz:{event.member}", event.member, message, feature=self.name)

    def on_prompt(
        self, event: ChoicePicked | TextAnswered, prompt: PromptRecord, ctx: Context
    ) -> None:
        answer = event.choice_id if isinstance(event, ChoicePicked) else event.text
        self.answers.append(f"{event.member}:{answer}")


@dataclass
class World:
    """A room on a homeserver with a Porch bot account, and where Porch keeps its state."""

    server: SynapseServer
    bot: RegisteredUser
    owner: nio.AsyncClient
    room_id: str
    data_dir: Path
    database_url: str
    porch: Porch | None = None
    store: Store | None = None
    features: list[Feature] = field(default_factory=lambda: [Builtin(), Asker()])
    playbooks: dict[str, Any] = field(default_factory=dict)
    encrypt_new_dms: bool = False
    managers: tuple[str, ...] = ()
    lease: Lease | None = None

    async def start(self) -> Porch:
        adapter = MatrixAdapter(
            homeserver=self.server.base_url,
            user_id=self.bot.user_id,
            login=MatrixLogin(access_token=self.bot.access_token),
            data_dir=self.data_dir,
            clock=SystemClock(),
            rooms=[self.room_id],
            role_rooms=[self.room_id],
            encrypt_new_dms=self.encrypt_new_dms,
            rate_budget=EXEMPT_BUDGET,
            lease=self.lease,
        )
        community = builders.community(
            platform="matrix",
            main=self.room_id,
            intro=self.room_id,
            moderators_channel=self.room_id,
            managers=self.managers,
            moderators=(),
            playbooks=tuple(self.playbooks),
        )
        matrix = {"homeserver": self.server.base_url, "user_id": self.bot.user_id}
        config = builders.config(community, platforms={"matrix": matrix})
        self.store = Store(self.database_url)
        upgrade(self.store)
        self.porch = Porch(
            config=config,
            store=self.store,
            clock=SystemClock(),
            adapters=[adapter],
            features=self.features,
            playbooks=self.playbooks,
        )
        await self.porch.start()
        return self.porch

    async def stop(self) -> None:
        if self.porch is not None:
            await self.porch.stop()
            self.porch = None
        if self.store is not None:
            self.store.dispose()
            self.store = None


async def make_world(
    server: SynapseServer, matrix_user: MatrixUserFactory, tmp_path: Path
) -> World:
    bot = await register(server, "porch")
    owner = await matrix_user("owner", server=server)
    created = await ok(
        owner.room_create(name="community", preset=nio.RoomPreset.public_chat),
        nio.RoomCreateResponse,
    )
    room_id = str(created.room_id)
    join = f"/_matrix/client/v3/join/{urllib.parse.quote(room_id)}"
    await asyncio.to_thread(http_json, "POST", server.url(join), {}, access_token=bot.access_token)
    return World(
        server=server,
        bot=bot,
        owner=owner,
        room_id=room_id,
        data_dir=tmp_path / "matrix",
        database_url=f"sqlite:///{tmp_path / 'porch.db'}",
    )


@pytest.fixture
async def world(
    synapse: SynapseServer, matrix_user: MatrixUserFactory, tmp_path: Path
) -> AsyncIterator[World]:
    Asker.answers = []
    w = await make_world(synapse, matrix_user, tmp_path)
    yield w
    await w.stop()


async def member(world: World, matrix_user: MatrixUserFactory, name: str) -> nio.AsyncClient:
    client = await matrix_user(name, server=world.server)
    await ok(client.join(world.room_id), nio.JoinResponse)
    return client


async def say(client: nio.AsyncClient, room_id: str, text: str) -> str:
    content = {"msgtype": "m.text", "body": text}
    sent = await ok(client.room_send(room_id, "m.room.message", content), nio.RoomSendResponse)
    return str(sent.event_id)


async def dm_events(world: World, client: nio.AsyncClient) -> dict[str, list[dict[str, Any]]]:
    """Every room `client` shares with Porch besides the community room, with its events."""
    synced = await ok(client.sync(timeout=0), nio.SyncResponse)
    for room_id in synced.rooms.invite:
        await ok(client.join(room_id), nio.JoinResponse)
    token = client.access_token
    joined = await get(world.server, token, "/_matrix/client/v3/joined_rooms")
    return {
        room_id: await room_messages(world.server, token, room_id)
        for room_id in joined["joined_rooms"]
        if room_id != world.room_id
    }


def bot_bodies(world: World, events: list[dict[str, Any]], startswith: str = "") -> list[str]:
    return [
        e["content"]["body"]
        for e in events
        if e["sender"] == world.bot.user_id
        and e["type"] == "m.room.message"
        and e["content"].get("body", "").startswith(startswith)
    ]


async def eventually(check: Any, within: float = 30.0) -> Any:
    """Poll a real homeserver (bounded) until `check()` returns something truthy."""
    async with asyncio.timeout(within):
        while True:
            result = await check()
            if result:
                return result
            await asyncio.sleep(0.2)


async def outbox_quiet(world: World) -> bool:
    """Whether Porch has nothing left to deliver (so a doubled reply would have been sent)."""
    assert world.store is not None
    with world.store.transaction() as session:
        stmt = select(OutboxItem).where(col(OutboxItem.status).in_(("pending", "in_flight")))
        return session.exec(stmt).first() is None


async def pongs(world: World, client: nio.AsyncClient) -> list[str]:
    rooms = await dm_events(world, client)
    return [b for events in rooms.values() for b in bot_bodies(world, events, "pong")]


async def test_a_restart_that_rereads_old_events_replies_to_nothing_twice(
    world: World, matrix_user: MatrixUserFactory
) -> None:
    await world.start()
    carol = await member(world, matrix_user, "carol")
    snapshot = world.data_dir / "before-ping.json"
    shutil.copy(world.data_dir / STATE_FILE, snapshot)
    await say(carol, world.room_id, "!porch ping")
    await eventually(lambda: pongs(world, carol))

    # A crash after handling the ping but before saving the sync token: the restarted adapter
    # reads the join and the ping again, and the Inbox must drop both.
    await world.stop()
    shutil.copy(snapshot, world.data_dir / STATE_FILE)
    porch = await world.start()
    await say(carol, world.room_id, "!porch ping")

    async def two_pongs() -> list[str]:
        found = await pongs(world, carol)
        return found if len(found) >= 2 else []

    await eventually(two_pongs)
    await eventually(lambda: outbox_quiet(world))
    assert len(await pongs(world, carol)) == 2
    assert porch.metrics.duplicates._value.get() >= 1
    assert len(await dm_events(world, carol)) == 1, "the DM room was reused"


async def test_messages_sent_while_porch_was_down_are_handled_after_the_restart(
    world: World, matrix_user: MatrixUserFactory
) -> None:
    await world.start()
    carol = await member(world, matrix_user, "carol")
    await world.stop()
    await say(carol, world.room_id, "!porch ping")
    await world.start()
    assert await eventually(lambda: pongs(world, carol))


async def test_a_choice_is_picked_by_reacting_with_a_keycap(
    world: World, matrix_user: MatrixUserFactory
) -> None:
    await world.start()
    carol = await member(world, matrix_user, "carol")
    await say(carol, world.room_id, "!porch quiz")

    async def prompt_with_keycaps() -> tuple[str, str] | None:
        for room_id, events in (await dm_events(world, carol)).items():
            prompts = [e for e in events if e["content"].get("body", "").startswith("Tea or")]
            keys = {
                e["content"]["m.relates_to"]["key"]
                for e in events
                if e["type"] == "m.reaction" and e["sender"] == world.bot.user_id
            }
            if prompts and keys == {KEYCAP_1, KEYCAP_2}:
                return room_id, prompts[0]["event_id"]
        return None

    room_id, prompt_id = await eventually(prompt_with_keycaps)
    assert "1. Tea\n2. Coffee" in bot_bodies(world, (await dm_events(world, carol))[room_id])[0]
    relation = {"rel_type": "m.annotation", "event_id": prompt_id, "key": KEYCAP_2}
    await ok(
        carol.room_send(room_id, "m.reaction", {"m.relates_to": relation}), nio.RoomSendResponse
    )

    async def answered() -> list[str]:
        return Asker.answers

    assert await eventually(answered) == [f"{carol.user_id}:coffee"]


async def test_a_choice_is_picked_by_replying_with_its_number(
    world: World, matrix_user: MatrixUserFactory
) -> None:
    await world.start()
    dave = await member(world, matrix_user, "dave")
    await say(dave, world.room_id, "!porch quiz")

    async def prompt_room() -> str | None:
        for room_id, events in (await dm_events(world, dave)).items():
            if bot_bodies(world, events, "Tea or"):
                return room_id
        return None

    room_id = await eventually(prompt_room)
    await say(dave, room_id, "1")

    async def answered() -> list[str]:
        return Asker.answers

    assert await eventually(answered) == [f"{dave.user_id}:tea"]


async def test_a_burst_from_a_rate_limited_bot_arrives_complete_in_order_and_once(
    synapse_limited: SynapseServer, matrix_user: MatrixUserFactory, tmp_path: Path
) -> None:
    """Synapse's default `rc_message` (0.2/s, burst 10) and a bot that sends faster than that:
    every 429 becomes `RateLimited`, the Deliverer waits as told, and nothing is lost."""
    world = await make_world(synapse_limited, matrix_user, tmp_path)
    try:
        porch = await world.start()
        assert world.store is not None
        started = time.monotonic()
        with world.store.transaction() as session:
            for n in range(30):
                message = Message(text=f"burst {n:02d}")
                action = Post(platform="matrix", channel=world.room_id, message=message)
                outbox.enqueue(session, key=f"burst:{n}", action=action, now=porch.clock.now())
        porch.wake()
        token = world.owner.access_token
        expected = [f"burst {n:02d}" for n in range(30)]

        async def all_arrived() -> list[str]:
            events = await room_messages(world.server, token, world.room_id)
            bodies = bot_bodies(world, events, "burst")
            return bodies if len(bodies) >= 30 else []

        bodies = await eventually(all_arrived, within=240.0)
        elapsed = time.monotonic() - started
        assert bodies == expected
        rate_waits = porch.metrics.retried.labels("matrix", "rate")._value.get()
        print(
            f"\n30 messages through rc_message 0.2/s burst 10: {elapsed:.1f}s, {rate_waits:.0f} 429s"
        )
        assert rate_waits > 0, "the homeserver never throttled the bot"
    finally:
        await world.stop()
