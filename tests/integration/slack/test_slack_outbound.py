"""Actions carried out on the stand-in: each call as Slack takes it, each failure typed."""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator

import pytest
import pytest_asyncio

from adapters.slack.adapter import SlackAdapter
from adapters.slack.manifest import METHOD_SCOPES
from bot.core.actions import (
    Action,
    DirectMessage,
    Edit,
    Ephemeral,
    GroupMessage,
    Invite,
    Kick,
    MessageRef,
    Pin,
    Post,
    React,
    Redact,
)
from bot.core.adapter import DeliveryContext
from bot.core.errors import AuthFailed, PlatformError, RateLimited, Transient
from bot.core.message import Message
from bot.testing.contract import Sink
from tests.integration.slack.conftest import make_adapter
from tests.standins.conftest import StandInFactory
from tests.standins.slack_api import DemoWorkspace, ManualClock, SlackStandIn, seed_demo_workspace

_ids = itertools.count(1)


def _ctx(key: str | None = None, *, maybe_sent: bool = False) -> DeliveryContext:
    n = next(_ids)
    return DeliveryContext(key=key or f"test:{n}", outbox_id=n, maybe_sent=maybe_sent)


def _post(channel: str, text: str, thread: str | None = None) -> Post:
    ref = MessageRef(message_id=thread) if thread else None
    return Post(platform="slack", channel=channel, message=Message(text=text), thread=ref)


@pytest_asyncio.fixture
async def demo(slack_api: SlackStandIn) -> DemoWorkspace:
    return seed_demo_workspace(slack_api)


@pytest_asyncio.fixture
async def adapter(slack_api: SlackStandIn, demo: DemoWorkspace) -> AsyncIterator[SlackAdapter]:
    started = make_adapter(slack_api, admin_token=demo.admin_token)
    await started.start(Sink())
    yield started
    await started.stop()


@pytest_asyncio.fixture
async def plain_adapter(
    slack_api: SlackStandIn, demo: DemoWorkspace
) -> AsyncIterator[SlackAdapter]:
    """Without an admin token."""
    started = make_adapter(slack_api)
    await started.start(Sink())
    yield started
    await started.stop()


async def test_a_missing_scope_names_the_scope_to_add(
    adapter: SlackAdapter, slack_api: SlackStandIn
) -> None:
    slack_api.fail_next("chat.postMessage", "missing_scope", needed="chat:write")
    with pytest.raises(PlatformError) as err:
        await adapter.execute(_post(slack_api.general_id, "hi"), _ctx())
    assert err.value.code == "missing_scope"
    assert "chat:write" in str(err.value) and "reinstall" in str(err.value)


async def test_a_revoked_token_stops_start_with_a_clear_message(slack_api: SlackStandIn) -> None:
    adapter = make_adapter(slack_api, bot_token="xoxb-not-a-known-token")
    with pytest.raises(AuthFailed) as err:
        await adapter.start(Sink())
    assert "PORCH_SLACK_BOT_TOKEN" in str(err.value)


async def test_a_server_error_is_transient(adapter: SlackAdapter, slack_api: SlackStandIn) -> None:
    slack_api.fail_next("chat.postMessage", status=503)
    with pytest.raises(Transient):
        await adapter.execute(_post(slack_api.general_id, "hi"), _ctx())


async def test_a_post_found_in_flight_after_a_crash_is_not_posted_again(
    adapter: SlackAdapter, slack_api: SlackStandIn
) -> None:
    first = await adapter.execute(_post(slack_api.general_id, "once"), _ctx("welcome:1"))
    again = await adapter.execute(
        _post(slack_api.general_id, "once"), _ctx("welcome:1", maybe_sent=True)
    )
    assert again == first
    assert [m.text for m in slack_api.messages(slack_api.general_id)] == ["once"]
    assert len(slack_api.calls_to("chat.postMessage")) == 1


async def test_a_thread_reply_found_in_flight_is_not_posted_again(
    adapter: SlackAdapter, slack_api: SlackStandIn
) -> None:
    root = await adapter.execute(_post(slack_api.general_id, "root"), _ctx())
    reply = _post(slack_api.general_id, "reply", thread=root.message_id)
    first = await adapter.execute(reply, _ctx("reply:1"))
    again = await adapter.execute(reply, _ctx("reply:1", maybe_sent=True))
    assert again.message_id == first.message_id
    assert len(slack_api.calls_to("chat.postMessage")) == 2


async def test_a_direct_message_found_in_flight_is_not_sent_again(
    adapter: SlackAdapter, slack_api: SlackStandIn, demo: DemoWorkspace
) -> None:
    dm = DirectMessage(platform="slack", member=demo.alice.id, message=Message(text="Welcome!"))
    first = await adapter.execute(dm, _ctx("dm:1"))
    again = await adapter.execute(dm, _ctx("dm:1", maybe_sent=True))
    assert again == first and first.channel and first.channel.startswith("D")
    assert [m.text for m in slack_api.messages(first.channel)] == ["Welcome!"]


async def test_after_a_lost_connection_the_retry_looks_before_it_posts(
    adapter: SlackAdapter, slack_api: SlackStandIn
) -> None:
    slack_api.drop_next("chat.postMessage")
    with pytest.raises(Transient):
        await adapter.execute(_post(slack_api.general_id, "maybe"), _ctx("lost:1"))
    await adapter.execute(_post(slack_api.general_id, "maybe"), _ctx("lost:1"))
    assert len(slack_api.calls_to("conversations.history")) == 1
    assert [m.text for m in slack_api.messages(slack_api.general_id)] == ["maybe"]


async def test_a_long_message_is_split_within_slacks_limits(
    adapter: SlackAdapter, slack_api: SlackStandIn
) -> None:
    paragraphs = "\n\n".join(f"Paragraph {n}: " + "word " * 500 for n in range(40))
    delivered = await adapter.execute(_post(slack_api.general_id, paragraphs), _ctx())
    messages = slack_api.messages(slack_api.general_id)
    assert len(messages) == 3 and delivered.message_id == messages[0].ts
    assert all(len(m.blocks or []) <= 50 and len(m.text) <= 40_000 for m in messages)
    assert "Paragraph 39" in messages[-1].text


async def test_a_long_message_stopped_by_a_rate_limit_continues_where_it_stopped(
    slack_api_factory: StandInFactory,
) -> None:
    standin = await slack_api_factory(clock=ManualClock())
    standin.general.members.append(standin.bot_user_id)
    adapter = make_adapter(standin)
    await adapter.start(Sink())
    try:
        paragraphs = "\n\n".join(f"Paragraph {n}: " + "word " * 500 for n in range(60))
        post = _post(standin.general_id, paragraphs)
        with pytest.raises(RateLimited) as err:
            await adapter.execute(post, _ctx("long:1"))
        standin.advance(err.value.retry_after)
        await adapter.execute(post, _ctx("long:1"))
    finally:
        await adapter.stop()
    parts = [m.text.split(":")[0] for m in standin.messages(standin.general_id)]
    assert len(parts) == 4 and len(set(parts)) == 4


async def test_a_reaction_uses_slacks_emoji_name_and_repeating_it_is_harmless(
    adapter: SlackAdapter, slack_api: SlackStandIn
) -> None:
    posted = await adapter.execute(_post(slack_api.general_id, "nice"), _ctx())
    react = React(
        platform="slack",
        channel=slack_api.general_id,
        target=MessageRef(message_id=posted.message_id),
        emoji="👍",
    )
    await adapter.execute(react, _ctx())
    await adapter.execute(react, _ctx())
    assert slack_api.messages(slack_api.general_id)[0].reactions == {
        "thumbsup": [slack_api.bot_user_id]
    }


async def test_porch_edits_and_pins_its_own_message(
    adapter: SlackAdapter, slack_api: SlackStandIn
) -> None:
    posted = await adapter.execute(_post(slack_api.general_id, "draft"), _ctx())
    target = MessageRef(message_id=posted.message_id)
    edit = Edit(
        platform="slack", channel=slack_api.general_id, target=target, message=Message(text="final")
    )
    await adapter.execute(edit, _ctx())
    await adapter.execute(
        Pin(platform="slack", channel=slack_api.general_id, target=target), _ctx()
    )
    stored = slack_api.messages(slack_api.general_id)[0]
    assert (stored.text, stored.pinned) == ("final", True)


async def test_removing_a_members_message_without_an_admin_token_says_how_to_allow_it(
    plain_adapter: SlackAdapter, slack_api: SlackStandIn, demo: DemoWorkspace
) -> None:
    spam = slack_api.workspace.post(slack_api.general_id, demo.carol.id, "buy now")
    redact = Redact(
        platform="slack", channel=slack_api.general_id, target=MessageRef(message_id=spam.ts)
    )
    with pytest.raises(PlatformError) as err:
        await plain_adapter.execute(redact, _ctx())
    assert "PORCH_SLACK_ADMIN_TOKEN" in str(err.value)


async def test_removing_a_members_message_uses_the_admin_token(
    adapter: SlackAdapter, slack_api: SlackStandIn, demo: DemoWorkspace
) -> None:
    spam = slack_api.workspace.post(slack_api.general_id, demo.carol.id, "buy now")
    redact = Redact(
        platform="slack", channel=slack_api.general_id, target=MessageRef(message_id=spam.ts)
    )
    await adapter.execute(redact, _ctx())
    assert slack_api.messages(slack_api.general_id) == []
    assert slack_api.calls_to("chat.delete")[-1].token_kind == "user"


async def test_an_ephemeral_reply_reaches_only_its_member(
    adapter: SlackAdapter, slack_api: SlackStandIn, demo: DemoWorkspace
) -> None:
    ephemeral = Ephemeral(
        platform="slack",
        channel=slack_api.general_id,
        member=demo.bob.id,
        message=Message(text="psst"),
    )
    await adapter.execute(ephemeral, _ctx())
    assert [(e["user"], e["text"]) for e in slack_api.workspace.ephemeral] == [
        (demo.bob.id, "psst")
    ]


async def test_a_group_message_opens_one_conversation_for_all(
    adapter: SlackAdapter, slack_api: SlackStandIn, demo: DemoWorkspace
) -> None:
    group = GroupMessage(
        platform="slack", members=(demo.alice.id, demo.bob.id), message=Message(text="Meet!")
    )
    delivered = await adapter.execute(group, _ctx())
    assert delivered.channel
    conversation = slack_api.workspace.conversations[delivered.channel]
    assert set(conversation.members) == {slack_api.bot_user_id, demo.alice.id, demo.bob.id}


async def test_invite_and_kick_change_channel_membership(
    adapter: SlackAdapter, slack_api: SlackStandIn, demo: DemoWorkspace
) -> None:
    await adapter.execute(
        Invite(platform="slack", channel=demo.random.id, member=demo.carol.id), _ctx()
    )
    assert demo.carol.id in demo.random.members
    await adapter.execute(
        Kick(platform="slack", channel=demo.random.id, member=demo.carol.id), _ctx()
    )
    assert demo.carol.id not in demo.random.members


async def test_every_method_called_is_covered_by_the_manifest_scopes(
    adapter: SlackAdapter, slack_api: SlackStandIn, demo: DemoWorkspace
) -> None:
    posted = await adapter.execute(_post(slack_api.general_id, "all kinds"), _ctx())
    target = MessageRef(message_id=posted.message_id)
    channel = slack_api.general_id
    actions: list[Action] = [
        _post(channel, "in thread", thread=posted.message_id),
        DirectMessage(platform="slack", member=demo.alice.id, message=Message(text="dm")),
        GroupMessage(
            platform="slack", members=(demo.alice.id, demo.bob.id), message=Message(text="g")
        ),
        Ephemeral(platform="slack", channel=channel, member=demo.bob.id, message=Message(text="e")),
        Edit(platform="slack", channel=channel, target=target, message=Message(text="edited")),
        React(platform="slack", channel=channel, target=target, emoji="🎉"),
        Pin(platform="slack", channel=channel, target=target),
        Invite(platform="slack", channel=demo.random.id, member=demo.carol.id),
        Kick(platform="slack", channel=demo.random.id, member=demo.carol.id),
        Redact(platform="slack", channel=channel, target=target),
    ]
    for action in actions:
        await adapter.execute(action, _ctx(maybe_sent=True))
    called = {call.method for call in slack_api.calls}
    assert called - set(METHOD_SCOPES) == set()


async def test_an_ephemeral_reply_where_porch_is_not_becomes_a_dm(
    adapter: SlackAdapter, slack_api: SlackStandIn, demo: DemoWorkspace
) -> None:
    elsewhere = slack_api.workspace.add_channel("watercooler", members=[demo.bob.id])
    ephemeral = Ephemeral(
        platform="slack", channel=elsewhere.id, member=demo.bob.id, message=Message(text="psst")
    )
    delivered = await adapter.execute(ephemeral, _ctx())
    assert delivered.channel and delivered.channel.startswith("D")
    assert [m.text for m in slack_api.messages(delivered.channel)] == ["psst"]
