"""Socket Mode: the adapter connects with the app token; envelopes are acknowledged and normalized."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest_asyncio

from adapters.slack.adapter import SlackAdapter
from bot.core.events import CommandInvoked, MessagePosted
from bot.testing.contract import Sink
from tests.integration.slack.conftest import make_adapter
from tests.standins.slack_api import SlackStandIn
from tests.standins.slack_inbound import SlackInbound


@pytest_asyncio.fixture
async def socket_adapter(slack_api: SlackStandIn) -> AsyncIterator[SlackAdapter]:
    adapter = make_adapter(slack_api, mode="socket")
    yield adapter
    await adapter.stop()


async def test_socket_mode_connects_on_start_and_offers_no_http_routes(
    socket_adapter: SlackAdapter, slack_api: SlackStandIn
) -> None:
    assert socket_adapter.routes() == []
    await socket_adapter.start(Sink())
    await slack_api.socket.wait_connected()
    assert slack_api.socket.connections_opened == 1


async def test_an_events_api_envelope_is_acknowledged_and_normalized(
    socket_adapter: SlackAdapter, slack_api: SlackStandIn, inbound: SlackInbound
) -> None:
    sink = Sink()
    await socket_adapter.start(sink)
    body = inbound.event_callback(inbound.message(slack_api.general_id, slack_api.owner.id, "hi"))
    ack = await slack_api.socket_send("events_api", body)
    assert ack["envelope_id"]
    event = await sink.wait_for(MessagePosted, within=5)
    assert isinstance(event, MessagePosted)
    assert (event.text, event.dedupe_key) == ("hi", f"slack:{body['event_id']}")


async def test_a_slash_command_envelope_is_acknowledged_and_normalized(
    socket_adapter: SlackAdapter, slack_api: SlackStandIn, inbound: SlackInbound
) -> None:
    sink = Sink()
    await socket_adapter.start(sink)
    fields = inbound.slash_command(
        "/porch", "whoami", user_id=slack_api.owner.id, channel_id=slack_api.general_id
    )
    await slack_api.socket_send("slash_commands", dict(fields))
    event = await sink.wait_for(CommandInvoked, within=5)
    assert isinstance(event, CommandInvoked)
    assert (event.root, event.text) == ("porch", "whoami")


async def test_stop_closes_the_socket(
    socket_adapter: SlackAdapter, slack_api: SlackStandIn
) -> None:
    await socket_adapter.start(Sink())
    await slack_api.socket.wait_connected()
    await socket_adapter.stop()
    assert not slack_api.socket.connected


async def test_a_refresh_requested_by_slack_reconnects_and_events_keep_flowing(
    socket_adapter: SlackAdapter, slack_api: SlackStandIn, inbound: SlackInbound
) -> None:
    sink = Sink()
    await socket_adapter.start(sink)
    await slack_api.socket.wait_connected()
    await slack_api.socket.disconnect("refresh_requested")
    body = inbound.event_callback(inbound.message(slack_api.general_id, slack_api.owner.id, "back"))
    await slack_api.socket_send("events_api", body, ack_timeout=10)
    event = await sink.wait_for(MessagePosted, within=10)
    assert isinstance(event, MessagePosted) and event.text == "back"
    assert slack_api.socket.connections_opened == 2
