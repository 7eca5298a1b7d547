"""`platforms.matrix.encryption.require_encrypted_dms` on a real Synapse: Porch neither reads nor
writes an unencrypted DM, and opens an encrypted one for what it has to say."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import nio
import pytest

from bot.core.actions import DirectMessage
from bot.core.adapter import DeliveryContext
from bot.core.events import MessagePosted
from bot.core.message import Message
from bot.testing.contract import Sink
from tests.integration.matrix.conftest import MatrixUserFactory
from tests.integration.matrix.synapse_harness import SynapseServer
from tests.integration.matrix.test_matrix_contract import (
    MatrixDriver,
    make_driver,
    ok,
    open_direct_room,
    room_messages,
)
from tests.integration.matrix.test_matrix_encryption import eventually

pytestmark = pytest.mark.slow


@pytest.fixture
async def driver(
    synapse: SynapseServer, matrix_user: MatrixUserFactory, tmp_path: Path
) -> AsyncIterator[MatrixDriver]:
    driver = await make_driver(
        synapse,
        matrix_user,
        Sink(),
        tmp_path / "matrix",
        encrypt_new_dms=True,
        require_encrypted_dms=True,
    )
    yield driver
    await driver.adapter.stop()


async def test_an_unencrypted_dm_is_neither_read_nor_reused_when_encryption_is_required(
    driver: MatrixDriver,
) -> None:
    await driver.join("carol")
    carol = driver.people["carol"]
    plain = await open_direct_room(carol, driver.bot.user_id)

    async def porch_joined() -> bool:
        events = await room_messages(driver.server, carol.access_token, plain)
        return any(
            e["type"] == "m.room.member" and e["state_key"] == driver.bot.user_id for e in events
        )

    await eventually(porch_joined)
    content = {"msgtype": "m.text", "body": "psst, unencrypted"}
    await ok(carol.room_send(plain, "m.room.message", content), nio.RoomSendResponse)
    await driver.say("carol", "and hello in the room")

    async def room_message_arrived() -> bool:
        return any(e.text == "and hello in the room" for e in driver.sink.of(MessagePosted))

    await eventually(room_message_arrived)
    channels = {e.channel for e in driver.sink.of(MessagePosted)}
    assert plain not in channels, "what carol wrote in the unencrypted DM was handled"

    action = DirectMessage(platform="matrix", member=carol.user_id, message=Message(text="hi"))
    delivered = await driver.adapter.inner.execute(
        action, DeliveryContext(key="settings:dm", outbox_id=61)
    )
    assert delivered.channel not in (None, plain)
    assert delivered.channel is not None
    await ok(carol.join(delivered.channel), nio.JoinResponse)
    state = await ok(
        carol.room_get_state_event(delivered.channel, "m.room.encryption"),
        nio.RoomGetStateEventResponse,
    )
    assert state.content["algorithm"] == "m.megolm.v1.aes-sha2"
