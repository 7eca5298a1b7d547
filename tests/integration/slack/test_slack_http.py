"""The HTTP Events API endpoint: signatures, the handshake, acknowledging before the work."""

from __future__ import annotations

import asyncio
import json
import time

from adapters.slack.adapter import SlackAdapter
from bot.core.events import (
    ChoicePicked,
    CommandInvoked,
    Event,
    MemberJoined,
    MessagePosted,
    TextAnswered,
)
from bot.testing.contract import Sink
from tests.integration.slack.conftest import asgi_client, deliver
from tests.standins.slack_api import SlackStandIn
from tests.standins.slack_inbound import InboundRequest, SlackInbound, button_action


def _message(slack_api: SlackStandIn, inbound: SlackInbound, text: str) -> InboundRequest:
    return inbound.events_request(inbound.message(slack_api.general_id, slack_api.owner.id, text))


async def test_a_wrong_signature_gets_401_and_no_event(
    http_adapter: SlackAdapter, slack_api: SlackStandIn, inbound: SlackInbound
) -> None:
    sink = Sink()
    await http_adapter.start(sink)
    request = _message(slack_api, inbound, "forged")
    forged = InboundRequest(
        request.body, {**request.headers, "X-Slack-Signature": "v0=" + "0" * 64}
    )
    async with asgi_client(http_adapter) as http:
        response = await deliver(http, forged)
    assert response.status_code == 401
    assert sink.events == []


async def test_a_stale_timestamp_gets_401(
    http_adapter: SlackAdapter, slack_api: SlackStandIn, inbound: SlackInbound
) -> None:
    sink = Sink()
    await http_adapter.start(sink)
    body = inbound.event_callback(inbound.message(slack_api.general_id, slack_api.owner.id, "old"))
    replayed = inbound.sign_json(body, timestamp=int(time.time()) - 600)
    async with asgi_client(http_adapter) as http:
        response = await deliver(http, replayed)
    assert response.status_code == 401
    assert sink.events == []


async def test_the_url_verification_handshake_is_answered(
    http_adapter: SlackAdapter, inbound: SlackInbound
) -> None:
    await http_adapter.start(Sink())
    async with asgi_client(http_adapter) as http:
        response = await deliver(http, inbound.sign_json(inbound.url_verification("c-123")))
    assert response.status_code == 200
    assert "c-123" in response.text


async def test_requests_before_start_get_503_so_slack_retries(
    http_adapter: SlackAdapter, slack_api: SlackStandIn, inbound: SlackInbound
) -> None:
    async with asgi_client(http_adapter) as http:
        response = await deliver(http, _message(slack_api, inbound, "too early"))
    assert response.status_code == 503


async def test_slack_gets_its_ack_while_handling_is_still_running(
    http_adapter: SlackAdapter, slack_api: SlackStandIn, inbound: SlackInbound
) -> None:
    release = asyncio.Event()
    arrived: list[Event] = []

    async def slow_sink(event: Event) -> None:
        arrived.append(event)
        await release.wait()

    await http_adapter.start(slow_sink)
    async with asgi_client(http_adapter) as http, asyncio.timeout(3):
        response = await deliver(http, _message(slack_api, inbound, "take your time"))
    assert response.status_code == 200
    assert not release.is_set()
    release.set()


async def test_a_slash_command_carries_its_trigger_and_normalized_mentions(
    http_adapter: SlackAdapter, slack_api: SlackStandIn, inbound: SlackInbound
) -> None:
    sink = Sink()
    await http_adapter.start(sink)
    request = inbound.slash_command_request(
        "/ama",
        'start "Scaling" --host <@U0DANA1|dana>',
        user_id=slack_api.owner.id,
        channel_id=slack_api.general_id,
    )
    async with asgi_client(http_adapter) as http:
        response = await deliver(http, request)
    assert response.status_code == 200
    event = await sink.wait_for(CommandInvoked, within=5)
    assert isinstance(event, CommandInvoked)
    assert (event.root, event.text) == ("ama", 'start "Scaling" --host @U0DANA1')
    assert event.context["trigger_id"] == request.form()["trigger_id"]
    assert event.context["response_url"].startswith("https://hooks.slack.com/")


async def test_a_button_click_becomes_a_choice_picked(
    http_adapter: SlackAdapter, slack_api: SlackStandIn, inbound: SlackInbound
) -> None:
    sink = Sink()
    await http_adapter.start(sink)
    value = json.dumps({"p": "welcome:1", "c": "yes"})
    message = {"type": "message", "ts": "1700000000.000100", "text": "Join?"}
    payload = inbound.block_actions(
        slack_api.owner.id,
        [button_action("porch_choice:0", value)],
        channel_id=slack_api.general_id,
        message=message,
    )
    async with asgi_client(http_adapter) as http:
        response = await deliver(http, inbound.interactive_request(payload))
    assert response.status_code == 200
    event = await sink.wait_for(ChoicePicked, within=5)
    assert isinstance(event, ChoicePicked)
    assert (event.prompt_id, event.choice_id, event.member) == (
        "welcome:1",
        "yes",
        slack_api.owner.id,
    )


async def test_a_modal_submission_becomes_a_text_answer(
    http_adapter: SlackAdapter, slack_api: SlackStandIn, inbound: SlackInbound
) -> None:
    sink = Sink()
    await http_adapter.start(sink)
    payload = inbound.view_submission(
        slack_api.owner.id,
        "porch_answer",
        {"porch_answer_block": {"porch_answer_text": "I build spreadsheets"}},
        private_metadata="intro:1",
    )
    async with asgi_client(http_adapter) as http:
        response = await deliver(http, inbound.interactive_request(payload))
    assert response.status_code == 200
    event = await sink.wait_for(TextAnswered, within=5)
    assert isinstance(event, TextAnswered)
    assert (event.prompt_id, event.text) == ("intro:1", "I build spreadsheets")


async def test_the_report_shortcut_becomes_a_report_command(
    http_adapter: SlackAdapter, slack_api: SlackStandIn, inbound: SlackInbound
) -> None:
    sink = Sink()
    await http_adapter.start(sink)
    reported = slack_api.workspace.post(slack_api.general_id, slack_api.owner.id, "spam spam")
    payload = inbound.message_action(
        slack_api.owner.id,
        "porch_report",
        channel_id=slack_api.general_id,
        message={"type": "message", "ts": reported.ts, "text": reported.text},
    )
    async with asgi_client(http_adapter) as http:
        response = await deliver(http, inbound.interactive_request(payload))
    assert response.status_code == 200
    event = await sink.wait_for(CommandInvoked, within=5)
    assert isinstance(event, CommandInvoked)
    assert (event.root, event.text) == ("porch", f"report {slack_api.general_id} {reported.ts}")


async def test_a_thread_reply_names_its_thread(
    http_adapter: SlackAdapter, slack_api: SlackStandIn, inbound: SlackInbound
) -> None:
    sink = Sink()
    await http_adapter.start(sink)
    root = slack_api.workspace.post(slack_api.general_id, slack_api.owner.id, "root")
    event = inbound.thread_reply(
        slack_api.general_id,
        slack_api.owner.id,
        "a reply",
        thread_ts=root.ts,
        parent_user_id=slack_api.owner.id,
    )
    async with asgi_client(http_adapter) as http:
        await deliver(http, inbound.events_request(event))
    posted = await sink.wait_for(MessagePosted, within=5)
    assert isinstance(posted, MessagePosted)
    assert posted.thread_id == root.ts


async def test_a_join_names_the_member_with_their_locale_and_time_zone(
    http_adapter: SlackAdapter, slack_api: SlackStandIn, inbound: SlackInbound
) -> None:
    sink = Sink()
    await http_adapter.start(sink)
    erin = slack_api.workspace.add_user("erin", tz="Europe/Berlin", locale="de-DE")
    joined = inbound.member_joined_channel(erin.id, slack_api.general_id)
    async with asgi_client(http_adapter) as http:
        await deliver(http, inbound.events_request(joined))
    event = await sink.wait_for(MemberJoined, within=5)
    assert isinstance(event, MemberJoined)
    assert (event.display_name, event.locale, event.timezone) == ("erin", "de-DE", "Europe/Berlin")


async def test_a_failed_profile_lookup_still_delivers_the_event(
    http_adapter: SlackAdapter, slack_api: SlackStandIn, inbound: SlackInbound
) -> None:
    sink = Sink()
    await http_adapter.start(sink)
    slack_api.fail_next("users.info", "missing_scope", needed="users:read")
    joined = inbound.member_joined_channel(slack_api.owner.id, slack_api.general_id)
    async with asgi_client(http_adapter) as http:
        await deliver(http, inbound.events_request(joined))
    event = await sink.wait_for(MemberJoined, within=5)
    assert isinstance(event, MemberJoined) and event.display_name == ""
