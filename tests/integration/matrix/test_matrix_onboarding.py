"""The issue's flagship journey on a real Synapse: a member joins a community room, gets the
welcome in an encrypted DM Porch opens, picks a choice by reacting with a keycap, and Porch goes
on to the next step. The member's client encrypts, like Element."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import nio
import pytest
import yaml

from bot.features.builtin import Builtin
from bot.features.onboarding.feature import Onboarding
from bot.playbooks.schema import OnboardingPlaybook
from tests.integration.matrix.conftest import MatrixUserFactory
from tests.integration.matrix.synapse_harness import SynapseServer
from tests.integration.matrix.test_matrix_contract import ok
from tests.integration.matrix.test_matrix_encryption import erin, sync_like_element
from tests.integration.matrix.test_matrix_porch import World, eventually, make_world

pytestmark = pytest.mark.slow

__all__ = ["erin"]  # the fixture: a member whose client encrypts

WELCOME = """
kind: onboarding
title: Welcome
steps:
  - id: welcome
    do: ask
    text: "Hi {{ member.name }}, welcome! What brings you here?"
    choices:
      - {id: learn, label: "I want to learn"}
      - {id: help, label: "I want to help"}
  - id: thanks
    do: message
    text: "Thanks, noted."
"""


@pytest.fixture
async def world(
    synapse: SynapseServer, matrix_user: MatrixUserFactory, tmp_path: Path
) -> AsyncIterator[World]:
    w = await make_world(synapse, matrix_user, tmp_path)
    w.features = [Builtin(), Onboarding()]
    w.playbooks = {"welcome": OnboardingPlaybook.model_validate(yaml.safe_load(WELCOME))}
    w.encrypt_new_dms = True
    yield w
    await w.stop()


async def test_a_new_member_is_welcomed_in_an_encrypted_dm_and_picks_by_reaction(
    world: World, erin: nio.AsyncClient
) -> None:
    await world.start()
    await ok(erin.join(world.room_id), nio.JoinResponse)
    texts: dict[str, str] = {}
    reactions: set[str] = set()
    dm: list[str] = []

    async def read() -> None:
        response = await sync_like_element(erin)
        for room_id in response.rooms.invite:
            await ok(erin.join(room_id), nio.JoinResponse)
            dm.append(room_id)
        for room_id, info in response.rooms.join.items():
            for event in info.timeline.events:
                if isinstance(event, nio.MegolmEvent):
                    event = erin.decrypt_event(event)
                if isinstance(event, nio.RoomMessageText) and room_id != world.room_id:
                    texts[event.body] = event.event_id
                if isinstance(event, nio.ReactionEvent) and event.sender == world.bot.user_id:
                    reactions.add(event.key)

    async def welcomed() -> str | None:
        await read()
        found = [b for b in texts if b.startswith("Hi ") and "1. I want to learn" in b]
        return found[0] if found and {"1️⃣", "2️⃣"} <= reactions else None

    welcome = await eventually(welcomed)
    assert erin.rooms[dm[0]].encrypted
    relation = {"rel_type": "m.annotation", "event_id": texts[welcome], "key": "2️⃣"}
    reaction = {"m.relates_to": relation}
    sent = erin.room_send(dm[0], "m.reaction", reaction, ignore_unverified_devices=True)
    await ok(sent, nio.RoomSendResponse)

    async def thanked() -> bool:
        await read()
        return "Thanks, noted." in texts

    await eventually(thanked)
