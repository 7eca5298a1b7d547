"""Views the adapter serves itself: the "Answer" modal and the App Home tab."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import pytest_asyncio

from adapters.slack.adapter import SlackAdapter
from adapters.slack.render import render
from bot.core.actions import PublishHome
from bot.core.adapter import DeliveryContext
from bot.core.events import HomeOpened, TextAnswered
from bot.core.message import Message
from bot.testing.contract import Sink
from tests.integration.slack.conftest import asgi_client, deliver, make_adapter
from tests.standins.slack_api import SlackStandIn
from tests.standins.slack_inbound import SlackInbound, button_action


@pytest_asyncio.fixture
async def adapter(slack_api: SlackStandIn) -> AsyncIterator[SlackAdapter]:
    built = make_adapter(slack_api)
    yield built
    await built.stop()


async def test_the_answer_button_opens_a_modal_whose_submission_answers_the_prompt(
    adapter: SlackAdapter, slack_api: SlackStandIn, inbound: SlackInbound
) -> None:
    sink = Sink()
    await adapter.start(sink)
    [part] = render(Message(text="What do you work on?", prompt_id="intro:7", expects_text=True))
    message = {
        "type": "message",
        "ts": "1700000000.000100",
        "text": part.text,
        "blocks": part.blocks,
    }
    answer = part.blocks[-1]["elements"][0]
    click = inbound.block_actions(
        slack_api.owner.id,
        [button_action(answer["action_id"], answer["value"])],
        channel_id=slack_api.general_id,
        message=message,
    )
    async with asgi_client(adapter) as http:
        assert (await deliver(http, inbound.interactive_request(click))).status_code == 200
        opened = await slack_api.wait_for_call("views.open")
        view = (
            json.loads(opened.args["view"])
            if isinstance(opened.args["view"], str)
            else opened.args["view"]
        )
        assert (view["callback_id"], view["private_metadata"]) == ("porch_answer", "intro:7")
        assert "What do you work on?" in json.dumps(view["blocks"])
        submission = inbound.view_submission(
            slack_api.owner.id,
            view["callback_id"],
            {"porch_answer_block": {"porch_answer_text": "Pivot tables"}},
            private_metadata=view["private_metadata"],
        )
        assert (await deliver(http, inbound.interactive_request(submission))).status_code == 200
    event = await sink.wait_for(TextAnswered, within=5)
    assert isinstance(event, TextAnswered) and (event.prompt_id, event.text) == (
        "intro:7",
        "Pivot tables",
    )


async def test_opening_app_home_is_an_event_and_publish_home_fills_the_tab(
    adapter: SlackAdapter, slack_api: SlackStandIn, inbound: SlackInbound
) -> None:
    sink = Sink()
    await adapter.start(sink)
    dm, _ = slack_api.workspace.open_dm([slack_api.bot_user_id, slack_api.owner.id])
    opened = inbound.app_home_opened(slack_api.owner.id, channel=dm.id)
    async with asgi_client(adapter) as http:
        assert (await deliver(http, inbound.events_request(opened))).status_code == 200
    event = await sink.wait_for(HomeOpened, within=5)
    assert event.member == slack_api.owner.id
    assert not slack_api.calls_to("views.publish")
    page = Message(text="**Porch in Excel Explained**\n\n" + "- a line\n" * 3000)
    action = PublishHome(platform="slack", member=slack_api.owner.id, message=page)
    await adapter.execute(action, DeliveryContext(key="home:1", outbox_id=1))
    home = slack_api.workspace.home_views[slack_api.owner.id]
    assert "Excel Explained" in json.dumps(home["blocks"]) and len(home["blocks"]) <= 100
