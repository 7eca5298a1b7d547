"""`ListMembers` on Slack: conversations.members page by page, one `MemberPresent` per person
(not Porch, not other bots, not deactivated accounts), keyed by the Outbox row."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from adapters.slack import outbound
from bot.core.actions import ListMembers
from bot.core.adapter import DeliveryContext
from bot.core.clock import FakeClock
from bot.core.events import MemberPresent
from bot.testing import builders
from bot.testing.contract import Sink
from tests.integration.slack.conftest import make_adapter
from tests.standins.slack_api import SlackStandIn


async def test_list_members_reports_each_person_in_the_channel_across_pages(
    slack_api: SlackStandIn, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(outbound, "MEMBERS_PAGE", 2)
    workspace = slack_api.workspace
    people = [workspace.add_user(name, real_name=name.title()) for name in ("ann", "ben", "cy")]
    helper = workspace.add_bot_user("otherbot")
    gone = workspace.add_user("dora", deleted=True)
    room = workspace.add_channel(
        "book-club",
        members=[
            slack_api.bot_user_id,
            people[0].id,
            helper.id,
            people[1].id,
            gone.id,
            people[2].id,
        ],
    )
    adapter = make_adapter(slack_api)
    sink = Sink()
    await adapter.start(sink)
    try:
        action = ListMembers(platform="slack", channel=room.id, reason="onboard-existing")
        delivered = await adapter.execute(action, DeliveryContext(key="list:1", outbox_id=41))
    finally:
        await adapter.stop()

    assert delivered.channel == room.id
    found = [e for e in sink.of(MemberPresent) if isinstance(e, MemberPresent)]
    assert [e.member for e in found] == [p.id for p in people]
    assert all(e.display_name for e in found)
    assert {e.reason for e in found} == {"onboard-existing"}
    assert [e.dedupe_key for e in found] == [f"slack:present:41:{p.id}" for p in people]
    pages = slack_api.calls_to("conversations.members")
    assert len(pages) == 3 and all(c.ok for c in pages)
    assert "cursor" not in pages[0].args and all("cursor" in c.args for c in pages[1:])


async def test_members_are_listed_only_once_the_workspace_roles_read_at_start_are_reported(
    slack_api: SlackStandIn,
) -> None:
    """Onboarding leaves staff out, so who is a workspace admin must be known first: a listing
    that comes while users.list waits out a 429 waits too, then follows the roles."""
    clock = FakeClock(builders.T0)
    slack_api.fail_next("users.list", status=429, retry_after=5)
    adapter = make_adapter(slack_api, clock=clock, role_channels=(slack_api.general_id,))
    sink = Sink()
    await adapter.start(sink)
    try:
        action = ListMembers(platform="slack", channel=slack_api.general_id, reason="existing")
        listing = asyncio.get_running_loop().create_task(
            adapter.execute(action, DeliveryContext(key="list:1", outbox_id=7))
        )
        # A non-event needs a bound: unheld, the listing is over in a few milliseconds.
        await asyncio.wait({listing}, timeout=0.3)
        assert clock.next_wakeup() == builders.T0 + timedelta(seconds=5)
        assert not listing.done() and sink.events == []
        assert slack_api.calls_to("conversations.members") == []
        clock.advance(timedelta(seconds=5))
        async with asyncio.timeout(5):
            await listing
    finally:
        await adapter.stop()
    kinds = [type(e).__name__ for e in sink.events]
    assert kinds == ["MemberRolesChanged", "RoleHoldersListed", "MemberPresent"]
    assert [e.member for e in sink.events] == [slack_api.owner.id, "", slack_api.owner.id]
