"""Views the adapter serves itself: the "Answer" modal and the App Home tab."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import pytest_asyncio

from adapters.slack.adapter import SlackAdapter
from adapters.slack.render import render
from adapters.slack.views import CommunityCard
from bot.core.events import TextAnswered
from bot.core.message import Message
from bot.testing.contract import Sink
from tests.integration.slack.conftest import asgi_client, deliver, make_adapter
from tests.standins.slack_api import SlackStandIn
from tests.standins.slack_inbound import SlackInbound, button_action


@pytest_asyncio.fixture
async def adapter(slack_api: SlackStandIn) -> AsyncIterator[SlackAdapter]:
    card = CommunityCard("Excel Explained", slack_api.general_id, (f"slack:{slack_api.owner.id}",))
    built = make_adapter(slack_api, communities=(card,))
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


async def test_a_manager_opening_app_home_sees_their_communities(
    adapter: SlackAdapter, slack_api: SlackStandIn, inbound: SlackInbound
) -> None:
    await adapter.start(Sink())
    dm, _ = slack_api.workspace.open_dm([slack_api.bot_user_id, slack_api.owner.id])
    opened = inbound.app_home_opened(slack_api.owner.id, channel=dm.id)
    async with asgi_client(adapter) as http:
        assert (await deliver(http, inbound.events_request(opened))).status_code == 200
        await slack_api.wait_for_call("views.publish")
    home = json.dumps(slack_api.workspace.home_views[slack_api.owner.id]["blocks"])
    assert "Excel Explained" in home and f"<#{slack_api.general_id}>" in home


async def test_a_member_opening_app_home_sees_the_member_page_only(
    adapter: SlackAdapter, slack_api: SlackStandIn, inbound: SlackInbound
) -> None:
    await adapter.start(Sink())
    member = slack_api.workspace.add_user("erin")
    dm, _ = slack_api.workspace.open_dm([slack_api.bot_user_id, member.id])
    async with asgi_client(adapter) as http:
        await deliver(
            http, inbound.events_request(inbound.app_home_opened(member.id, channel=dm.id))
        )
        await slack_api.wait_for_call("views.publish")
    home = json.dumps(slack_api.workspace.home_views[member.id]["blocks"])
    assert "/porch help" in home and "Excel Explained" not in home
