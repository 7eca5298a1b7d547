"""Fixtures for the Slack Web API stand-in.

``slack_api`` gives each test a fresh stand-in on a free loopback port and,
at teardown, fails the test if any call broke Slack's contract (unknown
method, missing required argument, token in a JSON body, wrong token type…):
such calls would fail against real Slack in ways a mock would hide.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AsyncExitStack
from typing import Any

import pytest
import pytest_asyncio

from tests.standins.slack_api import DemoWorkspace, SlackStandIn, seed_demo_workspace
from tests.standins.slack_inbound import SlackInbound

StandInFactory = Callable[..., Awaitable[SlackStandIn]]


def assert_no_violations(standin: SlackStandIn) -> None:
    """Fail with every recorded violation listed; warnings are only reported."""
    if not standin.violations:
        return
    lines = "\n".join(f"  - {finding}" for finding in standin.violations)
    pytest.fail(
        f"Slack stand-in recorded {len(standin.violations)} spec violation(s):\n{lines}\n"
        "(tests that provoke violations on purpose should call standin.take_violations())",
        pytrace=False,
    )


@pytest_asyncio.fixture
async def slack_api_factory() -> AsyncIterator[StandInFactory]:
    """Start stand-ins with custom options (clock, time_scale, scopes...).

    Every stand-in made here is stopped and checked for violations at teardown.
    """
    started: list[SlackStandIn] = []
    async with AsyncExitStack() as stack:

        async def make(**options: Any) -> SlackStandIn:
            standin = await SlackStandIn(**options).start()
            stack.push_async_callback(standin.stop)
            started.append(standin)
            return standin

        yield make
    for standin in started:
        assert_no_violations(standin)


@pytest_asyncio.fixture
async def slack_api(slack_api_factory: StandInFactory) -> SlackStandIn:
    """A running stand-in with default options (real-time clock, limits on)."""
    return await slack_api_factory()


@pytest.fixture
def slack_demo(slack_api: SlackStandIn) -> DemoWorkspace:
    """The ``slack_api`` workspace seeded with admins, members and channels."""
    return seed_demo_workspace(slack_api)


@pytest.fixture
def slack_inbound(slack_api: SlackStandIn) -> SlackInbound:
    """Signed inbound-request builder wired to ``slack_api``'s ids and triggers."""
    return slack_api.inbound()
