"""Issue 7 on a real Synapse: a member's message breaks a keyword rule whose response is
`queue`, Porch posts the case with its one-click actions into the moderators' room, a
moderator reacts with the keycap of "Remove message", and Porch redacts the member's message
(it has power level 100 in the room), DMs the author why, and audits the moderator's action."""

from __future__ import annotations

import asyncio
import urllib.parse
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import nio
import pytest
import yaml
from sqlmodel import col, select

from adapters.matrix.adapter import EXEMPT_BUDGET, MatrixAdapter, MatrixLogin
from adapters.matrix.moderation import carry_out
from bot.app import Porch
from bot.core.actions import Mute, Unmute
from bot.core.clock import Clock, OffsetClock, SystemClock
from bot.core.errors import PlatformError
from bot.features.builtin import Builtin
from bot.features.moderation.feature import Moderation
from bot.playbooks.schema import ModerationPlaybook
from bot.store.db import Store
from bot.store.migrate import upgrade
from bot.store.models import AuditEntry
from bot.testing import builders
from tests.integration.matrix.conftest import MatrixUserFactory
from tests.integration.matrix.synapse_harness import RegisteredUser, SynapseServer, http_json
from tests.integration.matrix.test_matrix_contract import get, ok, register, room_messages
from tests.integration.matrix.test_matrix_porch import eventually, say

pytestmark = pytest.mark.slow

KEYCAP_REMOVE = "3️⃣"  # Dismiss, Remind, Remove message, Mute, Kick: the order of `queue_prompt`
KEYCAP_MUTE = "4️⃣"

RULES = """
kind: moderation
title: House rules
version: "1"
house_rules:
  - title: Keep confidential things confidential
    text: No customer data beyond the people allowed to see it.
rules:
  - id: confidential
    kind: keywords
    rule: 1
    words: [topsecret]
    respond: [queue]
"""


@dataclass
class Community:
    """A main room and a moderators' room, with Porch (power level 100) in both."""

    server: SynapseServer
    bot: RegisteredUser
    owner: nio.AsyncClient
    moderator: nio.AsyncClient
    main: str
    moderators: str
    tmp_path: Path
    porch: Porch | None = None
    store: Store | None = None
    clock: Clock = field(default_factory=SystemClock)
    """Porch's clock (the adapter keeps the wall clock): an `OffsetClock` lets a test move on."""

    async def start(self) -> None:
        adapter = MatrixAdapter(
            homeserver=self.server.base_url,
            user_id=self.bot.user_id,
            login=MatrixLogin(access_token=self.bot.access_token),
            data_dir=self.tmp_path / "matrix",
            clock=SystemClock(),
            rooms=[self.main, self.moderators],
            encrypt_new_dms=False,
            rate_budget=EXEMPT_BUDGET,
        )
        community = builders.community(
            platform="matrix",
            main=self.main,
            intro=self.main,
            moderators_channel=self.moderators,
            managers=(f"matrix:{self.owner.user_id}",),
            moderators=(f"matrix:{self.moderator.user_id}",),
            playbooks=("rules",),
        )
        matrix = {"homeserver": self.server.base_url, "user_id": self.bot.user_id}
        config = builders.config(community, platforms={"matrix": matrix})
        self.store = Store(f"sqlite:///{self.tmp_path / 'porch.db'}")
        upgrade(self.store)
        self.porch = Porch(
            config=config,
            store=self.store,
            clock=self.clock,
            adapters=[adapter],
            features=[Builtin(), Moderation()],
            playbooks={"rules": ModerationPlaybook.model_validate(yaml.safe_load(RULES))},
        )
        await self.porch.start()

    async def stop(self) -> None:
        if self.porch is not None:
            await self.porch.stop()
            self.porch = None
        if self.store is not None:
            self.store.dispose()
            self.store = None

    def audit(self, action: str) -> list[AuditEntry]:
        assert self.store is not None
        with self.store.transaction() as session:
            stmt = select(AuditEntry).where(col(AuditEntry.action) == action)
            return list(session.exec(stmt).all())


async def room_with_porch(
    server: SynapseServer, owner: nio.AsyncClient, bot: RegisteredUser, name: str
) -> str:
    """A public room the owner creates; Porch joins it and the owner raises Porch to 100."""
    created = await ok(
        owner.room_create(name=name, preset=nio.RoomPreset.public_chat),
        nio.RoomCreateResponse,
    )
    room_id = str(created.room_id)
    join = f"/_matrix/client/v3/join/{urllib.parse.quote(room_id)}"
    await asyncio.to_thread(http_json, "POST", server.url(join), {}, access_token=bot.access_token)
    path = f"/_matrix/client/v3/rooms/{urllib.parse.quote(room_id)}/state/m.room.power_levels"
    levels = await get(server, owner.access_token, path)
    levels["users"][bot.user_id] = 100
    await ok(owner.room_put_state(room_id, "m.room.power_levels", levels), nio.RoomPutStateResponse)
    return room_id


@pytest.fixture
async def community(
    synapse: SynapseServer, matrix_user: MatrixUserFactory, tmp_path: Path
) -> AsyncIterator[Community]:
    bot = await register(synapse, "porch")
    owner = await matrix_user("owner")
    moderator = await matrix_user("mod")
    main = await room_with_porch(synapse, owner, bot, "community")
    moderators = await room_with_porch(synapse, owner, bot, "moderators")
    await ok(moderator.join(moderators), nio.JoinResponse)
    c = Community(synapse, bot, owner, moderator, main, moderators, tmp_path)
    yield c
    await c.stop()


async def dms(c: Community, client: nio.AsyncClient) -> list[str]:
    """What Porch said to `client` in rooms other than the community's."""
    synced = await ok(client.sync(timeout=0), nio.SyncResponse)
    for room_id in synced.rooms.invite:
        await ok(client.join(room_id), nio.JoinResponse)
    token = client.access_token
    joined = await get(c.server, token, "/_matrix/client/v3/joined_rooms")
    bodies = []
    for room_id in joined["joined_rooms"]:
        if room_id in (c.main, c.moderators):
            continue
        for event in await room_messages(c.server, token, room_id):
            if event["sender"] == c.bot.user_id and event["type"] == "m.room.message":
                bodies.append(str(event["content"].get("body", "")))
    return bodies


async def test_a_moderator_removes_a_queued_message_with_one_reaction(
    community: Community, matrix_user: MatrixUserFactory
) -> None:
    c = community
    await c.start()
    alice = await matrix_user("alice")
    await ok(alice.join(c.main), nio.JoinResponse)
    flagged = await say(alice, c.main, "here is the topsecret plan for Q3")

    async def queued() -> dict[str, Any] | None:
        for event in await room_messages(c.server, c.moderator.access_token, c.moderators):
            body = str(event["content"].get("body", ""))
            if event["sender"] == c.bot.user_id and "topsecret" in body and "Remove" in body:
                return event
        return None

    prompt = await eventually(queued, within=60)
    assert "here is the topsecret plan" in prompt["content"]["body"]

    async def keycaps_added() -> bool:
        events = await room_messages(c.server, c.moderator.access_token, c.moderators)
        keys = {
            e["content"]["m.relates_to"]["key"]
            for e in events
            if e["type"] == "m.reaction"
            and e["sender"] == c.bot.user_id
            and e["content"]["m.relates_to"]["event_id"] == prompt["event_id"]
        }
        return KEYCAP_REMOVE in keys

    await eventually(keycaps_added)
    relation = {"rel_type": "m.annotation", "event_id": prompt["event_id"], "key": KEYCAP_REMOVE}
    await ok(
        c.moderator.room_send(c.moderators, "m.reaction", {"m.relates_to": relation}),
        nio.RoomSendResponse,
    )

    event_path = (
        f"/_matrix/client/v3/rooms/{urllib.parse.quote(c.main)}/event/{urllib.parse.quote(flagged)}"
    )

    async def redacted() -> dict[str, Any] | None:
        event = await get(c.server, c.owner.access_token, event_path)
        return event if "redacted_because" in event.get("unsigned", {}) else None

    gone = await eventually(redacted, within=60)
    assert gone["content"] == {}
    assert gone["unsigned"]["redacted_because"]["sender"] == c.bot.user_id

    async def told() -> list[str]:
        return [b for b in await dms(c, alice) if "was removed" in b]

    [dm] = await eventually(told, within=60)
    assert "Keep confidential things confidential" in dm

    async def audited() -> list[AuditEntry]:
        return c.audit("moderation.removed")

    [entry] = await eventually(audited)
    assert (entry.actor, entry.subject) == (c.moderator.user_id, alice.user_id)
    assert entry.detail["rule"] == "confidential"


def power_levels_path(room_id: str) -> str:
    return f"/_matrix/client/v3/rooms/{urllib.parse.quote(room_id)}/state/m.room.power_levels"


async def queue_item(c: Community, words: str) -> dict[str, Any]:
    """The queue item Porch posted in the moderators' room for a message containing `words`,
    once its keycaps are there to pick with."""

    async def queued() -> dict[str, Any] | None:
        for event in await room_messages(c.server, c.moderator.access_token, c.moderators):
            body = str(event["content"].get("body", ""))
            if event["sender"] == c.bot.user_id and words in body and "Mute" in body:
                return event
        return None

    prompt: dict[str, Any] = await eventually(queued, within=60)

    async def keycaps_added() -> bool:
        events = await room_messages(c.server, c.moderator.access_token, c.moderators)
        return KEYCAP_MUTE in {
            e["content"]["m.relates_to"]["key"]
            for e in events
            if e["type"] == "m.reaction"
            and e["sender"] == c.bot.user_id
            and e["content"]["m.relates_to"]["event_id"] == prompt["event_id"]
        }

    await eventually(keycaps_added)
    return prompt


async def test_a_moderator_mutes_a_member_for_a_while_and_porch_unmutes_them(
    community: Community, matrix_user: MatrixUserFactory
) -> None:
    c = community
    clock = OffsetClock()
    c.clock = clock
    await c.start()
    alice = await matrix_user("alice")
    await ok(alice.join(c.main), nio.JoinResponse)
    await say(alice, c.main, "psst, topsecret numbers")
    prompt = await queue_item(c, "topsecret")
    assert "Mute for 60 minutes" in prompt["content"]["body"]
    relation = {"rel_type": "m.annotation", "event_id": prompt["event_id"], "key": KEYCAP_MUTE}
    await ok(
        c.moderator.room_send(c.moderators, "m.reaction", {"m.relates_to": relation}),
        nio.RoomSendResponse,
    )

    async def level_of_alice() -> int | None:
        levels = await get(c.server, c.owner.access_token, power_levels_path(c.main))
        level = levels.get("users", {}).get(alice.user_id)
        return None if level is None else int(level)

    async def muted() -> bool:
        return await level_of_alice() == -1

    await eventually(muted, within=60)
    refused = await alice.room_send(c.main, "m.room.message", {"msgtype": "m.text", "body": "hi"})
    assert isinstance(refused, nio.RoomSendError) and refused.status_code == "M_FORBIDDEN"
    [entry] = c.audit("moderation.muted")
    assert (entry.actor, entry.subject) == (c.moderator.user_id, alice.user_id)

    clock.advance(timedelta(minutes=61))

    async def unmuted() -> bool:
        levels = await get(c.server, c.owner.access_token, power_levels_path(c.main))
        return alice.user_id not in levels.get("users", {}) and "org.porch.muted" not in levels

    await eventually(unmuted, within=60)
    await say(alice, c.main, "thanks, all good again")
    [back] = c.audit("moderation.unmuted")
    assert back.subject == alice.user_id


async def test_porch_without_power_over_power_levels_says_which_level_it_needs(
    community: Community, matrix_user: MatrixUserFactory
) -> None:
    c = community
    levels = await get(c.server, c.owner.access_token, power_levels_path(c.main))
    levels["users"][c.bot.user_id] = 50
    await ok(
        c.owner.room_put_state(c.main, "m.room.power_levels", levels), nio.RoomPutStateResponse
    )
    bot = nio.AsyncClient(c.server.base_url, c.bot.user_id)
    bot.access_token = c.bot.access_token
    try:
        mute = Mute(
            platform="matrix",
            channel=c.main,
            member=c.moderator.user_id,
            until=datetime.now(UTC) + timedelta(minutes=5),
        )
        with pytest.raises(PlatformError) as err:
            await carry_out(bot, c.bot.user_id, mute, None)
    finally:
        await bot.close()
    assert err.value.code == "insufficient_power"
    assert f"power level 100 in {c.main}" in str(err.value)


async def test_unmute_lets_a_member_write_again_after_a_client_dropped_porchs_record(
    community: Community, matrix_user: MatrixUserFactory
) -> None:
    c = community
    alice = await matrix_user("alice")
    await ok(alice.join(c.main), nio.JoinResponse)
    bot = nio.AsyncClient(c.server.base_url, c.bot.user_id)
    bot.access_token = c.bot.access_token
    until = datetime.now(UTC) + timedelta(minutes=5)
    try:
        await carry_out(
            bot,
            c.bot.user_id,
            Mute(platform="matrix", channel=c.main, member=alice.user_id, until=until),
            None,
        )
        levels = await get(c.server, c.owner.access_token, power_levels_path(c.main))
        assert levels["users"][alice.user_id] == -1
        rewritten = {k: v for k, v in levels.items() if k != "org.porch.muted"}
        await ok(
            c.owner.room_put_state(c.main, "m.room.power_levels", rewritten),
            nio.RoomPutStateResponse,
        )
        refused = await alice.room_send(
            c.main, "m.room.message", {"msgtype": "m.text", "body": "hi"}
        )
        assert isinstance(refused, nio.RoomSendError) and refused.status_code == "M_FORBIDDEN"
        await carry_out(
            bot,
            c.bot.user_id,
            Unmute(platform="matrix", channel=c.main, member=alice.user_id),
            None,
        )
    finally:
        await bot.close()
    levels = await get(c.server, c.owner.access_token, power_levels_path(c.main))
    assert alice.user_id not in levels["users"]
    await say(alice, c.main, "thanks, all good again")
