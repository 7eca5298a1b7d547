"""The issue's flagship journey on a real Synapse: a member joins a community room, gets the
welcome in an encrypted DM Porch opens, picks a choice by reacting with a keycap, writes an
introduction by DM, and Porch posts it to the community's intro room. A Porch restarted in the
middle of the journey carries on from where it was and sends nothing twice. The member's client
encrypts, like Element."""

from __future__ import annotations

import asyncio
import urllib.parse
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import nio
import pytest

from bot.features.builtin import Builtin
from bot.features.onboarding.feature import Onboarding
from bot.testing import builders
from tests.integration.matrix.conftest import MatrixUserFactory
from tests.integration.matrix.synapse_harness import SynapseServer, http_json
from tests.integration.matrix.test_matrix_contract import ok, room_messages
from tests.integration.matrix.test_matrix_encryption import erin, sync_like_element
from tests.integration.matrix.test_matrix_porch import (
    World,
    bot_bodies,
    eventually,
    make_world,
    outbox_quiet,
)

pytestmark = pytest.mark.slow

__all__ = ["erin"]  # the fixture: a member whose client encrypts

WELCOME = builders.welcome_journey(
    """\
  - id: thanks
    do: message
    text: "Thanks, noted."
  - id: intro
    do: ask_text
    text: "Tell us a little about yourself."
    min_length: 20
  - do: post_intro
    answer: intro
"""
)

QUESTION = "Tell us a little about yourself."
INTRODUCTION = "I garden, I bake bread, and I would like to learn Rust."


@dataclass
class Onboarded(World):
    """The community room plus a separate intro room that Porch's configuration names."""

    intro_room: str = ""


@dataclass
class Member:
    """What an encrypting member's client has seen of Porch: its DM and Porch's messages in it."""

    world: World
    client: nio.AsyncClient
    dm: list[str] = field(default_factory=list)
    said: dict[str, str] = field(default_factory=dict)
    """Porch's messages in the DM by event id (so a message seen twice in a sync counts once)."""
    reactions: dict[str, str] = field(default_factory=dict)
    """Porch's reactions in the DM (its keycaps) by event id."""
    undecrypted: list[nio.MegolmEvent] = field(default_factory=list)

    async def read(self) -> None:
        response = await sync_like_element(self.client)
        for room_id in response.rooms.invite:
            if room_id not in self.dm:
                await ok(self.client.join(room_id), nio.JoinResponse)
                self.dm.append(room_id)
        events: list[Any] = self.undecrypted
        self.undecrypted = []
        for room_id, info in response.rooms.join.items():
            if room_id in self.dm:
                events += info.timeline.events
        for event in events:
            if isinstance(event, nio.MegolmEvent):
                try:
                    event = self.client.decrypt_event(event)
                except nio.EncryptionError:  # its room key is still on its way, as in Element
                    self.undecrypted.append(event)
                    continue
            if event.sender != self.world.bot.user_id:
                continue
            if isinstance(event, nio.RoomMessageText):
                self.said[event.event_id] = event.body
            if isinstance(event, nio.ReactionEvent):
                self.reactions[event.event_id] = event.key

    def bodies(self, startswith: str) -> list[str]:
        return [body for body in self.said.values() if body.startswith(startswith)]

    async def welcomed(self) -> str | None:
        """The welcome's event id, once it and both its keycaps have arrived."""
        await self.read()
        found = [
            event_id
            for event_id, body in self.said.items()
            if body.startswith("Hi ") and "1. I want to learn" in body
        ]
        return found[0] if found and {"1️⃣", "2️⃣"} <= set(self.reactions.values()) else None

    async def asked(self, count: int = 1) -> bool:
        await self.read()
        return len(self.bodies(QUESTION)) + len(self.bodies("That")) >= count

    async def pick(self, welcome: str, key: str) -> None:
        relation = {"rel_type": "m.annotation", "event_id": welcome, "key": key}
        sent = self.client.room_send(
            self.dm[0], "m.reaction", {"m.relates_to": relation}, ignore_unverified_devices=True
        )
        await ok(sent, nio.RoomSendResponse)

    async def say(self, text: str) -> None:
        content = {"msgtype": "m.text", "body": text}
        sent = self.client.room_send(
            self.dm[0], "m.room.message", content, ignore_unverified_devices=True
        )
        await ok(sent, nio.RoomSendResponse)


async def introductions(world: Onboarded) -> list[str]:
    events = await room_messages(world.server, world.owner.access_token, world.intro_room)
    return [body for body in bot_bodies(world, events) if INTRODUCTION in body]


@pytest.fixture
async def world(
    synapse: SynapseServer,
    matrix_user: MatrixUserFactory,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> AsyncIterator[Onboarded]:
    base = await make_world(synapse, matrix_user, tmp_path)
    w = Onboarded(**{name: getattr(base, name) for name in base.__dataclass_fields__})
    w.features = [Builtin(), Onboarding()]
    w.playbooks = {"welcome": WELCOME}
    w.encrypt_new_dms = True
    created = await ok(
        w.owner.room_create(name="introductions", preset=nio.RoomPreset.public_chat),
        nio.RoomCreateResponse,
    )
    w.intro_room = str(created.room_id)
    join = f"/_matrix/client/v3/join/{urllib.parse.quote(w.intro_room)}"
    token = w.bot.access_token
    await asyncio.to_thread(http_json, "POST", synapse.url(join), {}, access_token=token)
    community = builders.community

    def with_intro_room(**kwargs: Any) -> Any:
        return community(**{**kwargs, "intro": w.intro_room})

    monkeypatch.setattr(builders, "community", with_intro_room)
    yield w
    await w.stop()


async def test_a_new_member_is_welcomed_picks_by_reaction_and_is_introduced(
    world: Onboarded, erin: nio.AsyncClient
) -> None:
    await world.start()
    await ok(erin.join(world.room_id), nio.JoinResponse)
    await ok(erin.join(world.intro_room), nio.JoinResponse)
    member = Member(world, erin)

    welcome = await eventually(member.welcomed)
    assert erin.rooms[member.dm[0]].encrypted
    await member.pick(welcome, "2️⃣")
    await eventually(member.asked)
    assert member.bodies("Thanks, noted.")

    await member.say("Hi all")  # too short: asked again
    await eventually(lambda: member.asked(2))
    await member.say(INTRODUCTION)

    posted = await eventually(lambda: introductions(world))
    assert len(posted) == 1
    assert f"> {INTRODUCTION}" in posted[0]


async def test_a_porch_restarted_mid_journey_carries_on_and_sends_nothing_twice(
    world: Onboarded, erin: nio.AsyncClient
) -> None:
    await world.start()
    await ok(erin.join(world.room_id), nio.JoinResponse)
    await ok(erin.join(world.intro_room), nio.JoinResponse)
    member = Member(world, erin)
    welcome = await eventually(member.welcomed)
    await eventually(lambda: outbox_quiet(world))

    # A new Porch on the same database and the same adapter data directory.
    await world.stop()
    await world.start()
    await member.pick(welcome, "1️⃣")
    await eventually(member.asked)
    await eventually(lambda: outbox_quiet(world))

    # And again while Porch waits for the introduction.
    await world.stop()
    await world.start()
    await member.say(INTRODUCTION)
    await eventually(lambda: introductions(world))
    await eventually(lambda: outbox_quiet(world))

    await member.read()
    assert len(member.dm) == 1, "the DM room was reused"
    assert not member.undecrypted, "every message Porch sent is readable"
    assert sorted(member.said.values()) == sorted(
        [
            member.bodies("Hi ")[0],
            "Thanks, noted.",
            QUESTION,
        ]
    ), member.said
    assert len(member.bodies("Hi ")) == 1
    assert sorted(member.reactions.values()) == ["1️⃣", "2️⃣"], member.reactions
    assert len(await introductions(world)) == 1
