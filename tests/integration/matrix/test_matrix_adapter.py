"""Matrix-specific behaviour beyond the contract, on a real Synapse: invites, DMs, power levels,
edits, redactions, pins, kicks and invites."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import nio
import pytest

from adapters.matrix.adapter import EXEMPT_BUDGET, MatrixAdapter, MatrixLogin
from bot.core.actions import (
    DirectMessage,
    Edit,
    GroupMessage,
    Invite,
    Kick,
    MessageRef,
    Pin,
    Post,
    Redact,
)
from bot.core.adapter import DeliveryContext
from bot.core.clock import SystemClock
from bot.core.errors import PlatformError
from bot.core.events import (
    Event,
    MemberJoined,
    MemberLeft,
    MessageDeleted,
    MessagePosted,
    ReactionAdded,
    ReactionRemoved,
)
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

pytestmark = pytest.mark.slow

_ids = itertools.count(50_000)


def ctx() -> DeliveryContext:
    n = next(_ids)
    return DeliveryContext(key=f"adapter-test:{n}", outbox_id=n)


@pytest.fixture
async def driver(
    synapse: SynapseServer, matrix_user: MatrixUserFactory, tmp_path: Path
) -> AsyncIterator[MatrixDriver]:
    driver = await make_driver(synapse, matrix_user, Sink(), tmp_path / "matrix")
    yield driver
    await driver.adapter.stop()


def adapter_of(driver: MatrixDriver) -> MatrixAdapter:
    return driver.adapter.inner


async def eventually(check: Any, within: float = 20.0) -> Any:
    """Poll a real homeserver (bounded) until `check()` returns something truthy."""
    async with asyncio.timeout(within):
        while True:
            result = await check()
            if result:
                return result
            await asyncio.sleep(0.1)


async def set_power(driver: MatrixDriver, user: str, level: int) -> None:
    current = await ok(
        driver.owner.room_get_state_event(driver.channel, "m.room.power_levels"),
        nio.RoomGetStateEventResponse,
    )
    content = dict(current.content)
    content["users"] = {**content.get("users", {}), user: level}
    await ok(
        driver.owner.room_put_state(driver.channel, "m.room.power_levels", content),
        nio.RoomPutStateResponse,
    )

    async def seen_by_porch() -> bool:
        room = adapter_of(driver).client.rooms.get(driver.channel)
        return room is not None and room.power_levels.get_user_level(user) == level

    await eventually(seen_by_porch)


async def post(driver: MatrixDriver, text: str) -> str:
    action = Post(platform="matrix", channel=driver.channel, message=Message(text=text))
    delivered = await adapter_of(driver).execute(action, ctx())
    assert delivered.message_id
    return delivered.message_id


async def test_an_invite_to_a_configured_room_is_accepted_and_others_declined(
    driver: MatrixDriver, matrix_user: MatrixUserFactory
) -> None:
    adapter = adapter_of(driver)
    stranger = await matrix_user("stranger")
    other = await ok(stranger.room_create(invite=[driver.bot.user_id]), nio.RoomCreateResponse)
    configured = await ok(driver.owner.room_create(), nio.RoomCreateResponse)
    await adapter.stop()
    adapter.rooms = adapter.rooms | {configured.room_id}
    await ok(
        driver.owner.room_invite(configured.room_id, driver.bot.user_id), nio.RoomInviteResponse
    )
    await adapter.start(driver.sink)

    async def answered() -> bool:
        rooms = adapter.client.rooms
        members = await driver.owner.joined_members(configured.room_id)
        joined = isinstance(members, nio.JoinedMembersResponse) and driver.bot.user_id in {
            m.user_id for m in members.members
        }
        return joined and other.room_id not in rooms

    await eventually(answered)
    state = await ok(
        stranger.room_get_state_event(other.room_id, "m.room.member", driver.bot.user_id),
        nio.RoomGetStateEventResponse,
    )
    assert state.content["membership"] == "leave"


async def test_an_invite_from_a_configured_inviter_is_accepted_to_any_room(
    driver: MatrixDriver, matrix_user: MatrixUserFactory
) -> None:
    adapter = adapter_of(driver)
    manager = await matrix_user("manager")
    fresh = await ok(manager.room_create(), nio.RoomCreateResponse)
    await adapter.stop()
    adapter.trusted_inviters = frozenset({manager.user_id})
    await ok(manager.room_invite(fresh.room_id, driver.bot.user_id), nio.RoomInviteResponse)
    await adapter.start(driver.sink)

    async def joined() -> bool:
        members = await manager.joined_members(fresh.room_id)
        return isinstance(members, nio.JoinedMembersResponse) and driver.bot.user_id in {
            m.user_id for m in members.members
        }

    await eventually(joined)


async def test_history_of_a_room_it_joins_later_is_not_handled(driver: MatrixDriver) -> None:
    """The room's earlier messages come with the join; only what follows the join is news."""
    adapter = adapter_of(driver)
    room = await ok(
        driver.owner.room_create(preset=nio.RoomPreset.private_chat), nio.RoomCreateResponse
    )
    await say_as(driver.owner, room.room_id, "old news")
    adapter.rooms = adapter.rooms | {room.room_id}
    await ok(driver.owner.room_invite(room.room_id, driver.bot.user_id), nio.RoomInviteResponse)

    async def joined() -> bool:
        found = adapter.client.rooms.get(room.room_id)
        return found is not None and driver.bot.user_id in found.users

    await eventually(joined)
    await say_as(driver.owner, room.room_id, "fresh news")
    posted = await driver.sink.wait_for(MessagePosted)
    assert isinstance(posted, MessagePosted) and posted.text == "fresh news"
    texts = [e.text for e in driver.sink.of(MessagePosted) if isinstance(e, MessagePosted)]
    assert "old news" not in texts


async def say_as(client: nio.AsyncClient, room_id: str, text: str) -> None:
    content = {"msgtype": "m.text", "body": text}
    await ok(client.room_send(room_id, "m.room.message", content), nio.RoomSendResponse)


async def test_a_dm_opened_by_a_community_member_is_joined_and_reused(
    driver: MatrixDriver,
) -> None:
    carol = await driver.person("carol")
    await driver.join("carol")
    dm = await open_direct_room(carol, driver.bot.user_id)

    async def bot_joined() -> bool:
        return dm in adapter_of(driver).client.rooms

    await eventually(bot_joined)
    await ok(
        carol.room_send(dm, "m.room.message", {"msgtype": "m.text", "body": "hi porch"}),
        nio.RoomSendResponse,
    )
    event = await driver.sink.wait_for(MessagePosted)
    assert isinstance(event, MessagePosted)
    assert (event.channel, event.is_direct, event.text) == (dm, True, "hi porch")
    action = DirectMessage(platform="matrix", member=carol.user_id, message=Message(text="hello"))
    delivered = await adapter_of(driver).execute(action, ctx())
    assert delivered.channel == dm


async def test_kicking_without_power_names_the_level_and_room_and_works_with_it(
    driver: MatrixDriver,
) -> None:
    await driver.join("carol")
    carol = driver.user_id("carol")
    kick = Kick(platform="matrix", channel=driver.channel, member=carol, reason="rude")
    with pytest.raises(PlatformError) as refused:
        await adapter_of(driver).execute(kick, ctx())
    assert refused.value.code == "insufficient_power"
    assert f"power level 50 in {driver.channel}" in refused.value.detail

    await set_power(driver, driver.bot.user_id, 50)
    await adapter_of(driver).execute(kick, ctx())
    left = await driver.sink.wait_for(MemberLeft)
    assert isinstance(left, MemberLeft) and (left.member, left.reason) == (carol, "kicked")


async def test_redacting_another_members_message_needs_power_but_its_own_does_not(
    driver: MatrixDriver,
) -> None:
    theirs = await driver.say("carol", "spam spam")
    mine = await post(driver, "a board to take down")
    adapter = adapter_of(driver)

    def redact(target: str) -> Redact:
        ref = MessageRef(message_id=target)
        return Redact(platform="matrix", channel=driver.channel, target=ref, reason="flagged")

    await adapter.execute(redact(mine), ctx())
    with pytest.raises(PlatformError, match="power level 50"):
        await adapter.execute(redact(theirs), ctx())
    await set_power(driver, driver.bot.user_id, 50)
    await adapter.execute(redact(theirs), ctx())

    async def both_redacted() -> bool:
        events = await room_messages(driver.server, driver.owner.access_token, driver.channel)
        reasons = [e["content"].get("reason") for e in events if e["type"] == "m.room.redaction"]
        return reasons.count("flagged") == 2

    await eventually(both_redacted)


async def test_an_edit_replaces_the_content_of_the_message(driver: MatrixDriver) -> None:
    original = await post(driver, "Board: 0 votes")
    target = MessageRef(message_id=original)
    edit = Edit(
        platform="matrix",
        channel=driver.channel,
        target=target,
        message=Message(text="Board: 1 vote"),
    )
    delivered = await adapter_of(driver).execute(edit, ctx())
    assert delivered.message_id == original

    async def replaced() -> dict[str, Any] | None:
        events = await room_messages(driver.server, driver.owner.access_token, driver.channel)
        for event in events:
            relation = event["content"].get("m.relates_to", {})
            if relation.get("rel_type") == "m.replace" and relation["event_id"] == original:
                return dict(event["content"]["m.new_content"])
        return None

    new_content = await eventually(replaced)
    assert new_content["body"] == "Board: 1 vote"


async def test_pinning_needs_power_and_then_pins_once(driver: MatrixDriver) -> None:
    message_id = await post(driver, "House rules")
    pin = Pin(platform="matrix", channel=driver.channel, target=MessageRef(message_id=message_id))
    with pytest.raises(PlatformError, match="power level 50"):
        await adapter_of(driver).execute(pin, ctx())
    await set_power(driver, driver.bot.user_id, 50)
    await adapter_of(driver).execute(pin, ctx())
    await adapter_of(driver).execute(pin, ctx())
    pinned = await ok(
        driver.owner.room_get_state_event(driver.channel, "m.room.pinned_events"),
        nio.RoomGetStateEventResponse,
    )
    assert pinned.content["pinned"] == [message_id]


async def test_an_invite_brings_a_member_into_the_room(driver: MatrixDriver) -> None:
    """Synapse's `public_chat` preset wants power level 50 to invite."""
    carol = await driver.person("carol")
    invite = Invite(platform="matrix", channel=driver.channel, member=carol.user_id)
    with pytest.raises(PlatformError, match="power level 50"):
        await adapter_of(driver).execute(invite, ctx())
    await set_power(driver, driver.bot.user_id, 50)
    await adapter_of(driver).execute(invite, ctx())
    synced = await ok(carol.sync(timeout=0), nio.SyncResponse)
    assert driver.channel in synced.rooms.invite


async def test_a_resend_after_a_crash_posts_once(driver: MatrixDriver) -> None:
    action = Post(platform="matrix", channel=driver.channel, message=Message(text="only once"))
    same = ctx()
    first = await adapter_of(driver).execute(action, same)
    again = await adapter_of(driver).execute(
        action, DeliveryContext(same.key, same.outbox_id, True)
    )
    assert first.message_id == again.message_id
    events = await room_messages(driver.server, driver.owner.access_token, driver.channel)
    assert [e["content"].get("body") for e in events].count("only once") == 1


async def test_banning_needs_power_and_is_reported_as_a_ban(driver: MatrixDriver) -> None:
    await driver.join("carol")
    carol = driver.user_id("carol")
    with pytest.raises(PlatformError, match="power level 50"):
        await adapter_of(driver).ban(driver.channel, carol, "spam")
    await set_power(driver, driver.bot.user_id, 50)
    await adapter_of(driver).ban(driver.channel, carol, "spam")
    left = await driver.sink.wait_for(MemberLeft)
    assert isinstance(left, MemberLeft) and (left.member, left.reason) == (carol, "banned")


class FlakySink(Sink):
    """A Porch whose database fails the first time it is asked to take an event."""

    def __init__(self) -> None:
        super().__init__()
        self.failed = False

    async def __call__(self, event: Event) -> None:
        if not self.failed:
            self.failed = True
            raise RuntimeError("database is locked")
        await super().__call__(event)


async def test_an_event_porch_could_not_take_is_read_again(
    synapse: SynapseServer, matrix_user: MatrixUserFactory, tmp_path: Path
) -> None:
    sink = FlakySink()
    driver = await make_driver(synapse, matrix_user, sink, tmp_path / "matrix")
    try:
        await driver.person("carol")
        await driver.say("carol", "said once")
        posted = await sink.wait_for(MessagePosted)
        assert sink.failed and isinstance(posted, MessagePosted) and posted.text == "said once"
        assert isinstance(await sink.wait_for(MemberJoined), MemberJoined)
    finally:
        await driver.adapter.stop()


async def test_a_group_message_opens_one_room_for_the_group_and_reuses_it(
    driver: MatrixDriver,
) -> None:
    carol, dave = await driver.person("carol"), await driver.person("dave")
    members = (carol.user_id, dave.user_id)
    first, second = (
        GroupMessage(platform="matrix", members=members, message=Message(text=text))
        for text in ("Meet each other!", "A reminder")
    )
    opened = await adapter_of(driver).execute(first, ctx())
    again = await adapter_of(driver).execute(second, ctx())
    assert opened.channel == again.channel
    synced = await ok(dave.sync(timeout=0), nio.SyncResponse)
    assert opened.channel in synced.rooms.invite


async def test_a_first_start_soon_after_another_still_skips_history(driver: MatrixDriver) -> None:
    """Synapse caches identical sync requests for two minutes; a repeated first start must not
    be answered with the earlier start's sync token (and then re-read everything since)."""
    await driver.say("carol", "before the restart")
    for attempt in ("one", "two"):
        await driver.before_start("carol", f"history {attempt}")
    await driver.say("carol", "news")
    await eventually(lambda: _texts_async(driver.sink, "news"))
    texts = [e.text for e in driver.sink.of(MessagePosted) if isinstance(e, MessagePosted)]
    assert not any(t.startswith("history") for t in texts), texts


async def _texts_async(sink: Sink, text: str) -> bool:
    return any(isinstance(e, MessagePosted) and e.text == text for e in sink.events)


async def test_a_reaction_taken_back_after_a_restart_is_still_a_removed_reaction(
    driver: MatrixDriver,
) -> None:
    message_id = await driver.say("carol", "react to me")
    carol = driver.people["carol"]
    relation = {"rel_type": "m.annotation", "event_id": message_id, "key": "👍"}
    reaction = await ok(
        carol.room_send(driver.channel, "m.reaction", {"m.relates_to": relation}),
        nio.RoomSendResponse,
    )
    await driver.sink.wait_for(ReactionAdded)

    # A new adapter (a new process) on the same data directory.
    old = adapter_of(driver)
    await driver.adapter.stop()
    driver.adapter.inner = MatrixAdapter(
        homeserver=old.homeserver,
        user_id=old.user_id,
        login=MatrixLogin(access_token=driver.bot.access_token),
        data_dir=old.data_dir,
        clock=SystemClock(),
        rooms=old.rooms,
        rate_budget=EXEMPT_BUDGET,
    )
    await driver.adapter.start(driver.sink)
    await ok(carol.room_redact(driver.channel, reaction.event_id), nio.RoomRedactResponse)

    removed = await driver.sink.wait_for(ReactionRemoved)
    assert isinstance(removed, ReactionRemoved)
    assert (removed.message_id, removed.emoji, removed.member) == (message_id, "👍", carol.user_id)
    assert not driver.sink.of(MessageDeleted)
