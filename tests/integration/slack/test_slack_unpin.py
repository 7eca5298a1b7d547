"""Unpin on the stand-in, as Slack takes it: `pins.remove`, and "not pinned" counts as done."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest_asyncio

from adapters.slack.adapter import SlackAdapter
from bot.core.actions import MessageRef, Pin, Post, Unpin
from bot.core.adapter import DeliveryContext
from bot.core.message import Message
from bot.testing.contract import Sink
from tests.integration.slack.conftest import make_adapter
from tests.standins.slack_api import SlackStandIn, seed_demo_workspace


@pytest_asyncio.fixture
async def adapter(slack_api: SlackStandIn) -> AsyncIterator[SlackAdapter]:
    seed_demo_workspace(slack_api)
    started = make_adapter(slack_api)
    await started.start(Sink())
    yield started
    await started.stop()


def _ctx(n: int) -> DeliveryContext:
    return DeliveryContext(key=f"unpin:{n}", outbox_id=n, maybe_sent=False)


async def test_porch_unpins_its_statement_and_a_retry_of_the_unpin_is_done(
    adapter: SlackAdapter, slack_api: SlackStandIn
) -> None:
    channel = slack_api.general_id
    post = Post(platform="slack", channel=channel, message=Message(text="statement"))
    posted = await adapter.execute(post, _ctx(1))
    target = MessageRef(message_id=posted.message_id)
    await adapter.execute(Pin(platform="slack", channel=channel, target=target), _ctx(2))
    assert slack_api.messages(channel)[0].pinned
    unpin = Unpin(platform="slack", channel=channel, target=target)
    delivered = await adapter.execute(unpin, _ctx(3))
    assert delivered.message_id == posted.message_id
    assert not slack_api.messages(channel)[0].pinned
    await adapter.execute(unpin, _ctx(4))
    assert [c.method for c in slack_api.calls].count("pins.remove") == 2
