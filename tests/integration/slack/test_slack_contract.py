"""The adapter contract, run against the Slack adapter, the Web API stand-in and signed requests."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest_asyncio

from adapters.slack.adapter import SlackAdapter
from bot.testing.contract import AdapterContract, Sink
from tests.integration.slack.conftest import SlackDriver, asgi_client
from tests.standins.slack_api import SlackStandIn
from tests.standins.slack_inbound import SlackInbound


class TestSlackAdapter(AdapterContract):
    @pytest_asyncio.fixture
    async def driver(
        self,
        sink: Sink,
        http_adapter: SlackAdapter,
        slack_api: SlackStandIn,
        inbound: SlackInbound,
    ) -> AsyncIterator[SlackDriver]:
        await http_adapter.start(sink)
        async with asgi_client(http_adapter) as http:
            yield SlackDriver(http_adapter, slack_api, inbound, http)
