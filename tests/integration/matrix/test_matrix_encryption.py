"""End-to-end encryption on a real Synapse: an encrypted DM opened by a member, as Element opens
them by default, works both ways.

The member is a matrix-nio client with encryption on and its own crypto store; Porch's adapter
keeps its crypto store in its data directory and trusts devices on first use (it encrypts to
every device of the room's members without verification; see docs/matrix.md).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

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
    register,
    room_messages,
)

pytestmark = pytest.mark.slow

ENCRYPTION = {
    "type": "m.room.encryption",
    "state_key": "",
    "content": {"algorithm": "m.megolm.v1.aes-sha2"},
}


@pytest.fixture
async def driver(
    synapse: SynapseServer, matrix_user: MatrixUserFactory, tmp_path: Path
) -> AsyncIterator[MatrixDriver]:
    driver = await make_driver(
        synapse, matrix_user, Sink(), tmp_path / "matrix", encrypt_new_dms=True
    )
    yield driver
    await driver.adapter.stop()


@pytest.fixture
async def erin(synapse: SynapseServer, tmp_path: Path) -> AsyncIterator[nio.AsyncClient]:
    """A member whose client encrypts, like Element: own device keys, own crypto store."""
    user = await register(synapse, "erin")
    store = tmp_path / "erin-store"
    store.mkdir()
    config = nio.AsyncClientConfig(encryption_enabled=True, max_limit_exceeded=0)
    client = nio.AsyncClient(
        synapse.base_url,
        user.user_id,
        device_id=user.device_id,
        store_path=str(store),
        config=config,
    )
    client.restore_login(user.user_id, user.device_id, user.access_token)
    await ok(client.keys_upload(), nio.KeysUploadResponse)
    yield client
    await client.close()


async def sync_like_element(client: nio.AsyncClient) -> nio.SyncResponse:
    """One sync plus the key housekeeping a real client does after it."""
    response = await ok(client.sync(timeout=0), nio.SyncResponse)
    await client.send_to_device_messages()
    if client.should_upload_keys:
        await client.keys_upload()
    if client.should_query_keys:
        await client.keys_query()
    if client.should_claim_keys:
        await client.keys_claim(client.get_users_for_key_claiming())
    return response


async def eventually(check: Any, within: float = 30.0) -> Any:
    """Poll a real homeserver (bounded) until `check()` returns something truthy."""
    async with asyncio.timeout(within):
        while True:
            result = await check()
            if result:
                return result
            await asyncio.sleep(0.2)


async def test_an_encrypted_dm_opened_by_a_member_works_both_ways(
    driver: MatrixDriver, erin: nio.AsyncClient
) -> None:
    adapter = driver.adapter.inner
    await ok(erin.join(driver.channel), nio.JoinResponse)
    created = await ok(
        erin.room_create(
            is_direct=True,
            invite=[driver.bot.user_id],
            preset=nio.RoomPreset.trusted_private_chat,
            initial_state=[ENCRYPTION],
        ),
        nio.RoomCreateResponse,
    )
    dm = str(created.room_id)

    async def porch_joined() -> bool:
        await sync_like_element(erin)
        room = erin.rooms.get(dm)
        return room is not None and driver.bot.user_id in room.users and room.encrypted

    await eventually(porch_joined)
    sent = await erin.room_send(
        dm,
        "m.room.message",
        {"msgtype": "m.text", "body": "a secret hello"},
        ignore_unverified_devices=True,
    )
    assert isinstance(sent, nio.RoomSendResponse), sent

    event = await driver.sink.wait_for(MessagePosted, within=30)
    assert isinstance(event, MessagePosted)
    assert (event.channel, event.is_direct, event.text) == (dm, True, "a secret hello")

    action = DirectMessage(
        platform="matrix", member=erin.user_id, message=Message(text="a secret welcome")
    )
    delivered = await adapter.execute(action, DeliveryContext(key="e2e:welcome", outbox_id=1))
    assert delivered.channel == dm

    raw = await room_messages(driver.server, erin.access_token, dm)
    from_porch = [e for e in raw if e["sender"] == driver.bot.user_id and "state_key" not in e]
    assert from_porch and all(e["type"] == "m.room.encrypted" for e in from_porch)

    async def erin_reads_it() -> bool:
        response = await sync_like_element(erin)
        timeline = response.rooms.join.get(dm)
        events = timeline.timeline.events if timeline else []
        return any(
            isinstance(e, nio.RoomMessageText) and e.body == "a secret welcome" for e in events
        )

    await eventually(erin_reads_it)


async def test_a_welcome_dm_porch_opens_is_encrypted_and_readable(
    driver: MatrixDriver, erin: nio.AsyncClient
) -> None:
    await ok(erin.join(driver.channel), nio.JoinResponse)
    await sync_like_element(erin)
    action = DirectMessage(
        platform="matrix", member=erin.user_id, message=Message(text="Welcome, Erin!")
    )
    delivered = await driver.adapter.inner.execute(
        action, DeliveryContext(key="e2e:porch-opens", outbox_id=2)
    )
    dm = delivered.channel
    assert dm is not None

    async def invited() -> bool:
        response = await sync_like_element(erin)
        return dm in response.rooms.invite

    await eventually(invited)
    await ok(erin.join(dm), nio.JoinResponse)
    seen: list[str] = []

    async def erin_reads_it() -> bool:
        response = await sync_like_element(erin)
        joined = response.rooms.join.get(dm)
        for event in joined.timeline.events if joined else []:
            if isinstance(event, nio.MegolmEvent):
                event = erin.decrypt_event(event)
            if isinstance(event, nio.RoomMessageText):
                seen.append(event.body)
        return "Welcome, Erin!" in seen

    await eventually(erin_reads_it)
    raw = await room_messages(driver.server, erin.access_token, dm)
    assert any(e["type"] == "m.room.encrypted" for e in raw)
