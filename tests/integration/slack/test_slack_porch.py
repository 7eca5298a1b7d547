"""A whole Porch on the Slack adapter: redelivered events and Slack's rate limits, end to end.

Porch runs on a fake clock; for the rate-limit test the stand-in runs on a manual clock moved in
step with it, so Retry-After waits cost no real time.
"""

from __future__ import annotations

from datetime import timedelta
from typing import ClassVar

from bot.app import Porch
from bot.core.actions import Post
from bot.core.clock import FakeClock
from bot.core.events import Event, MessagePosted
from bot.core.message import Message
from bot.delivery import outbox
from bot.features.base import Context, Feature
from bot.testing import builders
from tests.integration.slack.conftest import asgi_client, deliver, running_porch
from tests.standins.conftest import StandInFactory
from tests.standins.slack_api import Limit, ManualClock, SlackStandIn
from tests.standins.slack_inbound import SlackInbound


class Echo(Feature):
    """Answers every channel message once: makes a doubled delivery visible as a doubled post."""

    name: ClassVar[str] = "echo"
    events: ClassVar[tuple[type[Event], ...]] = (MessagePosted,)

    def on_event(self, event: Event, ctx: Context) -> None:
        assert isinstance(event, MessagePosted)
        ctx.post(f"echo:{event.dedupe_key}", event.channel, Message(text=f"heard: {event.text}"))


def _bot_in_general(standin: SlackStandIn) -> None:
    if standin.bot_user_id not in standin.general.members:
        standin.general.members.append(standin.bot_user_id)


async def test_a_retried_delivery_through_porch_produces_nothing_new(
    slack_api: SlackStandIn, inbound: SlackInbound
) -> None:
    _bot_in_general(slack_api)
    async with running_porch(slack_api, FakeClock(builders.T0), (Echo(),)) as (porch, adapter, tap):
        first = inbound.events_request(
            inbound.message(slack_api.general_id, slack_api.owner.id, "hi")
        )
        retry = inbound.sign_json(first.json(), retry_num=1, retry_reason="http_timeout")
        async with asgi_client(adapter) as http:
            assert (await deliver(http, first)).status_code == 200
            assert await tap.next() is True
            await porch.settle()
            assert (await deliver(http, retry)).status_code == 200
            assert await tap.next() is False
            await porch.settle()
    echoes = [
        m.text for m in slack_api.messages(slack_api.general_id) if m.text.startswith("heard")
    ]
    assert echoes == ["heard: hi"]


async def test_thirty_posts_to_one_channel_arrive_in_order_through_slack_429s(
    slack_api_factory: StandInFactory,
) -> None:
    clock = FakeClock(builders.T0)
    standin = await slack_api_factory(clock=ManualClock(builders.T0.timestamp()))
    standin.rate_limits.set_per_channel_limit(Limit(per_minute=30, burst=1))
    _bot_in_general(standin)
    async with running_porch(standin, clock, (Echo(),)) as (porch, _, _):
        with porch.store.transaction() as session:
            for n in range(30):
                post = Post(
                    platform="slack", channel=standin.general_id, message=Message(text=f"n{n}")
                )
                outbox.enqueue(session, key=f"burst:{n:02d}", action=post, now=clock.now())
        await _run_until_quiet(porch, clock, standin)
    posts = standin.calls_to("chat.postMessage")
    assert [m.text for m in standin.messages(standin.general_id)] == [f"n{n}" for n in range(30)]
    assert any(call.status == 429 for call in posts)


async def test_within_slacks_default_limits_porch_paces_itself_and_meets_no_429(
    slack_api_factory: StandInFactory,
) -> None:
    clock = FakeClock(builders.T0)
    standin = await slack_api_factory(clock=ManualClock(builders.T0.timestamp()))
    _bot_in_general(standin)
    async with running_porch(standin, clock, (Echo(),)) as (porch, _, _):
        with porch.store.transaction() as session:
            for n in range(30):
                post = Post(
                    platform="slack", channel=standin.general_id, message=Message(text=f"n{n}")
                )
                outbox.enqueue(session, key=f"paced:{n:02d}", action=post, now=clock.now())
        await _run_until_quiet(porch, clock, standin)
    assert len(standin.messages(standin.general_id)) == 30
    assert all(call.status == 200 for call in standin.calls_to("chat.postMessage"))


async def _run_until_quiet(porch: Porch, clock: FakeClock, standin: SlackStandIn) -> None:
    """Deliver, then jump both clocks to the next wake-up, until nothing is left to do."""
    for _ in range(1_000):
        await porch.settle()
        wake = porch.next_wakeup()
        if wake is None:
            return
        step = max(wake - clock.now(), timedelta(0))
        clock.advance(step)
        standin.advance(step.total_seconds())
    raise AssertionError("Porch did not finish delivering")
