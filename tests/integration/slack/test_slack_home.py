"""The App Home on Slack through a whole Porch: opening the tab publishes the member's page
(views.publish), with live AMAs linked to their channel, and a manager's glance; a redelivered
event publishes nothing new; a member of two communities on the workspace sees both, and a quick
second visit is published once, when 30 seconds have passed since the first."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from bot.app import advance
from bot.core.clock import FakeClock
from bot.features.ama.feature import Ama
from bot.features.builtin import Builtin
from bot.features.home import Home
from bot.features.rituals.feature import Rituals
from bot.testing import builders
from tests.integration.slack.conftest import deliver, whole_porch
from tests.standins.slack_api import SlackStandIn
from tests.standins.slack_inbound import InboundRequest, SlackInbound


async def test_opening_app_home_shows_the_members_page_and_the_managers_glance(
    slack_api: SlackStandIn, inbound: SlackInbound
) -> None:
    dana = slack_api.workspace.add_user("dana", real_name="Dana Manager")
    erin = slack_api.workspace.add_user("erin", real_name="Erin Member")
    general = slack_api.general_id
    slack_api.general.members.extend([dana.id, erin.id, slack_api.bot_user_id])
    community = builders.community(
        platform="slack", main=general, managers=(f"slack:{dana.id}",), name="Excel Explained"
    )
    features = (Builtin(), Ama(), Rituals(), Home())
    async with whole_porch(slack_api, community, features, {}) as (porch, tap, http):

        async def send(request: InboundRequest) -> bool:
            assert (await deliver(http, request)).status_code == 200
            return await tap.next()

        start = inbound.slash_command_request(
            "/ama", 'start "Pivot tables"', user_id=dana.id, channel_id=general
        )
        assert await send(start) is True
        await porch.settle()

        dm, _ = slack_api.workspace.open_dm([slack_api.bot_user_id, erin.id])
        envelope = inbound.event_callback(inbound.app_home_opened(erin.id, channel=dm.id))
        assert await send(inbound.sign_json(envelope)) is True
        retry = inbound.sign_json(envelope, retry_num=1, retry_reason="http_timeout")
        assert await send(retry) is False
        again = inbound.events_request(inbound.app_home_opened(erin.id, channel=dm.id))
        assert await send(again) is True
        await porch.settle()

        [published] = [c for c in slack_api.calls_to("views.publish") if c.ok]
        assert published.args["user_id"] == erin.id
        page = json.dumps(slack_api.workspace.home_views[erin.id]["blocks"])
        assert "Porch in Excel Explained" in page
        assert f"*Pivot tables* in <#{general}>" in page
        assert "/porch mute nudges" in page
        assert "at a glance" not in page

        opened = inbound.events_request(inbound.app_home_opened(dana.id, channel=dm.id))
        assert await send(opened) is True
        await porch.settle()
        manager_page = json.dumps(slack_api.workspace.home_views[dana.id]["blocks"])
        assert "Excel Explained at a glance" in manager_page
        assert "moderators' queue: 0" in manager_page


async def test_a_member_of_two_communities_sees_both_and_a_quick_second_visit_comes_later(
    slack_api: SlackStandIn, inbound: SlackInbound
) -> None:
    dana = slack_api.workspace.add_user("dana", real_name="Dana Manager")
    erin = slack_api.workspace.add_user("erin", real_name="Erin Member")
    general = slack_api.general_id
    books = slack_api.workspace.add_channel("book-club", members=[slack_api.bot_user_id])
    slack_api.general.members.extend([slack_api.bot_user_id, dana.id])
    excel = builders.community(
        platform="slack", main=general, managers=(f"slack:{dana.id}",), name="Excel Explained"
    )
    club = builders.community(
        id="books",
        platform="slack",
        main=books.id,
        managers=(f"slack:{dana.id}",),
        name="Book Club",
    )
    clock = FakeClock(datetime.now(UTC))
    features = (Builtin(), Ama(), Rituals(), Home())
    async with whole_porch(slack_api, excel, features, {}, clock=clock, others=(club,)) as (
        porch,
        tap,
        http,
    ):

        async def send(request: InboundRequest) -> bool:
            assert (await deliver(http, request)).status_code == 200
            return await tap.next()

        for channel in (general, books.id):
            slack_api.workspace.conversations[channel].members.append(erin.id)
            joined = inbound.member_joined_channel(erin.id, channel)
            assert await send(inbound.events_request(joined)) is True
        start = inbound.slash_command_request(
            "/ama", 'start "Summer reads"', user_id=dana.id, channel_id=books.id
        )
        assert await send(start) is True
        await porch.settle()

        dm, _ = slack_api.workspace.open_dm([slack_api.bot_user_id, erin.id])
        home = inbound.app_home_opened(erin.id, channel=dm.id)
        assert await send(inbound.events_request(home)) is True
        await porch.settle()
        page = json.dumps(slack_api.workspace.home_views[erin.id]["blocks"])
        assert page.index("Excel Explained") < page.index("Book Club")
        assert f"*Summer reads* in <#{books.id}>" in page

        await advance(porch, clock, clock.now() + timedelta(seconds=10))
        again = inbound.app_home_opened(erin.id, channel=dm.id)
        assert await send(inbound.events_request(again)) is True
        await advance(porch, clock, clock.now() + timedelta(seconds=19))
        assert len([c for c in slack_api.calls_to("views.publish") if c.ok]) == 1
        await advance(porch, clock, clock.now() + timedelta(seconds=2))
        publishes = [c for c in slack_api.calls_to("views.publish") if c.ok]
        assert [c.args["user_id"] for c in publishes] == [erin.id, erin.id]

        manager = inbound.app_home_opened(dana.id, channel=dm.id)
        assert await send(inbound.events_request(manager)) is True
        await porch.settle()
        glance = json.dumps(slack_api.workspace.home_views[dana.id]["blocks"])
        assert "Excel Explained at a glance" in glance and "Book Club at a glance" in glance
