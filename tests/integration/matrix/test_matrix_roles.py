"""Power levels in the community's main room are Porch roles, on a real Synapse: 50 makes a
moderator, 100 a manager (`platforms.matrix.power_roles`), and a change takes effect at once."""

from __future__ import annotations

import urllib.parse
from collections.abc import AsyncIterator
from pathlib import Path
from typing import ClassVar

import nio
import pytest

from bot.core.commands import CommandSpec, ParsedCommand
from bot.core.events import CommandInvoked
from bot.core.message import Message
from bot.core.roles import Role
from bot.features.base import Context, Feature
from bot.features.builtin import Builtin
from tests.integration.matrix.conftest import MatrixUserFactory
from tests.integration.matrix.synapse_harness import SynapseServer
from tests.integration.matrix.test_matrix_contract import get, ok
from tests.integration.matrix.test_matrix_porch import (
    World,
    bot_bodies,
    dm_events,
    eventually,
    make_world,
    member,
    say,
)

pytestmark = pytest.mark.slow


class Sweeper(Feature):
    """A test-only moderator command: `!porch sweep` records who ran it."""

    name: ClassVar[str] = "sweeper"
    commands: ClassVar[tuple[CommandSpec, ...]] = (
        CommandSpec("porch", "sweep", "builtin.summary_ping", roles=frozenset({Role.MODERATOR})),
    )
    swept: ClassVar[list[str]] = []

    def on_command(self, command: ParsedCommand, event: CommandInvoked, ctx: Context) -> None:
        self.swept.append(event.member)
        ctx.reply(event, Message(text="swept"))


@pytest.fixture
async def world(
    synapse: SynapseServer, matrix_user: MatrixUserFactory, tmp_path: Path
) -> AsyncIterator[World]:
    Sweeper.swept = []
    w = await make_world(synapse, matrix_user, tmp_path)
    w.features = [Builtin(), Sweeper()]
    yield w
    await w.stop()


async def set_power(world: World, user_id: str, level: int) -> None:
    """The room owner changes one member's power level, as Element's settings do."""
    path = f"/_matrix/client/v3/rooms/{urllib.parse.quote(world.room_id)}/state/m.room.power_levels"
    content = await get(world.server, world.owner.access_token, path)
    content.setdefault("users", {})[user_id] = level
    sent = world.owner.room_put_state(world.room_id, "m.room.power_levels", content)
    await ok(sent, nio.RoomPutStateResponse)


async def refusals(world: World, client: nio.AsyncClient) -> int:
    rooms = await dm_events(world, client)
    return sum(len(bot_bodies(world, events, "Only ")) for events in rooms.values())


async def swept_by(who: str) -> bool:
    return who in Sweeper.swept


async def test_a_member_raised_to_50_may_use_a_moderator_command_and_loses_it_at_0(
    world: World, matrix_user: MatrixUserFactory
) -> None:
    await world.start()
    carol = await member(world, matrix_user, "carol")
    await say(carol, world.room_id, "!porch sweep")
    assert await eventually(lambda: refusals(world, carol)) == 1
    assert Sweeper.swept == []

    await set_power(world, carol.user_id, 50)
    await say(carol, world.room_id, "!porch sweep")
    await eventually(lambda: swept_by(carol.user_id))

    await set_power(world, carol.user_id, 0)
    await say(carol, world.room_id, "!porch sweep")

    async def refused_again() -> bool:
        return await refusals(world, carol) == 2

    await eventually(refused_again)
    assert Sweeper.swept == [carol.user_id]


async def test_power_granted_before_porch_started_or_while_it_was_down_counts(
    world: World, matrix_user: MatrixUserFactory
) -> None:
    dave = await member(world, matrix_user, "dave")
    await set_power(world, dave.user_id, 50)
    await world.start()  # a first start: the room's state, not its history, gives the roles
    await say(world.owner, world.room_id, "!porch sweep")  # the creator has 100: a manager
    await eventually(lambda: swept_by(world.owner.user_id))
    await say(dave, world.room_id, "!porch sweep")
    await eventually(lambda: swept_by(dave.user_id))

    await world.stop()
    await set_power(world, dave.user_id, 0)
    await world.start()
    await say(dave, world.room_id, "!porch sweep")
    assert await eventually(lambda: refusals(world, dave)) == 1
    assert Sweeper.swept.count(dave.user_id) == 1
