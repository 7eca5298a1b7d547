"""An AMA on a real Synapse: questions are posted to the room, a 👍 reaction is a vote, the board
is kept current by editing it in place (`m.replace`), and the answer goes into the question's
thread (`m.thread`)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import nio
import pytest

from bot.features.ama.feature import Ama
from bot.features.builtin import Builtin
from tests.integration.matrix.conftest import MatrixUserFactory
from tests.integration.matrix.synapse_harness import SynapseServer
from tests.integration.matrix.test_matrix_contract import ok, room_messages
from tests.integration.matrix.test_matrix_porch import World, eventually, make_world, member, say

pytestmark = pytest.mark.slow


@pytest.fixture
async def world(
    synapse: SynapseServer, matrix_user: MatrixUserFactory, tmp_path: Path
) -> AsyncIterator[World]:
    w = await make_world(synapse, matrix_user, tmp_path)
    w.features = [Builtin(), Ama()]
    w.managers = (f"matrix:{w.owner.user_id}",)
    yield w
    await w.stop()


async def events(world: World) -> list[dict[str, Any]]:
    return await room_messages(world.server, world.owner.access_token, world.room_id)


def from_porch(world: World, found: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [e for e in found if e["sender"] == world.bot.user_id]


async def test_votes_by_reaction_edit_the_board_and_answers_go_into_the_thread(
    world: World, matrix_user: MatrixUserFactory
) -> None:
    await world.start()
    await say(world.owner, world.room_id, '!ama start "Roadmap 2027" --for 45m')

    async def board() -> str | None:
        for event in from_porch(world, await events(world)):
            if event["content"].get("body", "").startswith("**AMA: Roadmap 2027**"):
                return str(event["event_id"])
        return None

    board_id = await eventually(board)
    alice = await member(world, matrix_user, "alice")
    await say(alice, world.room_id, "!ama ask How will pricing change?")

    async def question() -> str | None:
        for event in from_porch(world, await events(world)):
            body = event["content"].get("body", "")
            if body.startswith("**Question #1**") and "How will pricing change?" in body:
                return str(event["event_id"])
        return None

    question_id = await eventually(question)
    bob = await member(world, matrix_user, "bob")
    relation = {"rel_type": "m.annotation", "event_id": question_id, "key": "👍"}
    await ok(
        bob.room_send(world.room_id, "m.reaction", {"m.relates_to": relation}),
        nio.RoomSendResponse,
    )

    async def board_shows_the_vote() -> bool:
        for event in from_porch(world, await events(world)):
            content = event["content"]
            relation = content.get("m.relates_to", {})
            edits_board = (
                relation.get("rel_type") == "m.replace" and relation["event_id"] == board_id
            )
            if edits_board and "1 👍" in content["m.new_content"]["body"]:
                return True
        return False

    await eventually(board_shows_the_vote, within=60)
    await say(world.owner, world.room_id, "!ama answer 1 Prices stay as they are for 2027.")

    async def answered_in_thread() -> bool:
        for event in from_porch(world, await events(world)):
            relation = event["content"].get("m.relates_to", {})
            if relation.get("rel_type") == "m.thread" and relation["event_id"] == question_id:
                return "Prices stay as they are" in event["content"]["body"]
        return False

    await eventually(answered_in_thread, within=60)
