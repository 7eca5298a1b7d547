"""Slack payloads -> events, with payloads built as Slack builds them (the stand-in's builders)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from adapters.slack.inbound import (
    InboundContext,
    roles_from_user_change,
    slack_text_to_markdown,
    to_event,
)
from adapters.slack.interactive import encode_choice
from bot.core.events import (
    ChoicePicked,
    CommandInvoked,
    MemberJoined,
    MemberRolesChanged,
    MessageDeleted,
    MessageEdited,
    MessagePosted,
    ReactionAdded,
    ReactionRemoved,
)
from tests.standins.slack_inbound import SlackInbound, button_action

BOT = "UBOT00001"
NOW = 1_800_000_000.0
CHANNEL = "C0GENERAL"
OTHER = "C0OTHER01"
DANA = "U0DANA001"


@pytest.fixture
def slack() -> SlackInbound:
    return SlackInbound(bot_user_id=BOT, clock=lambda: NOW)


@pytest.fixture
def ctx() -> InboundContext:
    started = datetime.fromtimestamp(NOW - 60, tz=UTC)
    return InboundContext(
        BOT,
        "B0BOT0001",
        started,
        datetime.fromtimestamp(NOW, tz=UTC),
        role_channels=(CHANNEL, OTHER),
    )


def _event(slack: SlackInbound, event: dict[str, Any], **envelope: Any) -> dict[str, Any]:
    return slack.event_callback(event, **envelope)


def test_a_channel_message_becomes_message_posted_keyed_by_event_id(
    slack: SlackInbound, ctx: InboundContext
) -> None:
    body = _event(slack, slack.message(CHANNEL, DANA, "hi <@U0LEE0001|lee> &amp; all"))
    event = to_event(body, ctx)
    assert isinstance(event, MessagePosted)
    assert event.dedupe_key == f"slack:{body['event_id']}"
    assert (event.member, event.channel, event.text) == (DANA, CHANNEL, "hi @U0LEE0001 & all")
    assert event.mentions == ("U0LEE0001",) and not event.is_direct and event.thread_id is None


def test_a_dm_is_direct(slack: SlackInbound, ctx: InboundContext) -> None:
    event = to_event(_event(slack, slack.message("D0DM00001", DANA, "hi", channel_type="im")), ctx)
    assert isinstance(event, MessagePosted) and event.is_direct


def test_our_own_and_other_bots_messages_are_ignored(
    slack: SlackInbound, ctx: InboundContext
) -> None:
    own = slack.message(CHANNEL, BOT, "mine")
    other = slack.bot_message(CHANNEL, "B0OTHER01", "integration")
    assert to_event(_event(slack, own), ctx) is None
    assert to_event(_event(slack, other), ctx) is None


def test_housekeeping_subtypes_are_ignored(slack: SlackInbound, ctx: InboundContext) -> None:
    joined = {**slack.message(CHANNEL, DANA, "<@U0DANA001> has joined"), "subtype": "channel_join"}
    assert to_event(_event(slack, joined), ctx) is None


def test_events_from_before_start_are_dropped(slack: SlackInbound, ctx: InboundContext) -> None:
    body = _event(slack, slack.message(CHANNEL, DANA, "old"), event_time=int(NOW) - 3600)
    assert to_event(body, ctx) is None


def test_an_edit_becomes_message_edited_but_an_unfurl_does_not(
    slack: SlackInbound, ctx: InboundContext
) -> None:
    original = slack.message(CHANNEL, DANA, "helo")
    edited = slack.message_changed(CHANNEL, {**original, "text": "hello"}, original)
    unfurl = slack.message_changed(CHANNEL, original, original)
    event = to_event(_event(slack, edited), ctx)
    assert isinstance(event, MessageEdited)
    assert (event.message_id, event.text) == (original["ts"], "hello")
    assert to_event(_event(slack, unfurl), ctx) is None


def test_a_deletion_becomes_message_deleted(slack: SlackInbound, ctx: InboundContext) -> None:
    original = slack.message(CHANNEL, DANA, "oops")
    event = to_event(_event(slack, slack.message_deleted(CHANNEL, original)), ctx)
    assert isinstance(event, MessageDeleted)
    assert (event.member, event.message_id) == (DANA, original["ts"])


def test_reactions_become_unicode_emoji(slack: SlackInbound, ctx: InboundContext) -> None:
    added = slack.reaction_added(DANA, "+1", channel=CHANNEL, ts="1.000001", item_user=BOT)
    removed = slack.reaction_removed(DANA, "tada", channel=CHANNEL, ts="1.000001", item_user=BOT)
    first, second = to_event(_event(slack, added), ctx), to_event(_event(slack, removed), ctx)
    assert isinstance(first, ReactionAdded) and first.emoji == "👍"
    assert isinstance(second, ReactionRemoved) and second.emoji == "🎉"


def test_our_own_reactions_are_ignored(slack: SlackInbound, ctx: InboundContext) -> None:
    own = slack.reaction_added(BOT, "one", channel=CHANNEL, ts="1.000001", item_user=BOT)
    assert to_event(_event(slack, own), ctx) is None


def test_a_channel_join_becomes_member_joined(slack: SlackInbound, ctx: InboundContext) -> None:
    event = to_event(_event(slack, slack.member_joined_channel(DANA, CHANNEL)), ctx)
    assert isinstance(event, MemberJoined) and (event.member, event.channel) == (DANA, CHANNEL)


def test_the_bot_joining_a_channel_is_not_a_member_joining(
    slack: SlackInbound, ctx: InboundContext
) -> None:
    assert to_event(_event(slack, slack.member_joined_channel(BOT, CHANNEL)), ctx) is None


def test_team_join_is_keyed_by_workspace_and_member(
    slack: SlackInbound, ctx: InboundContext
) -> None:
    first = to_event(_event(slack, slack.team_join(DANA, name="dana")), ctx)
    again = to_event(_event(slack, slack.team_join(DANA, name="dana")), ctx)
    assert isinstance(first, MemberJoined) and isinstance(again, MemberJoined)
    assert first.dedupe_key == again.dedupe_key == f"slack:team_join:{slack.team_id}:{DANA}"
    assert (first.display_name, first.timezone, first.channel) == ("dana", "Europe/London", "")


def test_a_slash_command_in_a_dm_is_direct(slack: SlackInbound, ctx: InboundContext) -> None:
    fields = slack.slash_command("/porch", "whoami", user_id=DANA, channel_id="D0DM00001")
    event = to_event(fields, ctx)
    assert isinstance(event, CommandInvoked)
    assert (event.root, event.text, event.is_direct) == ("porch", "whoami", True)
    assert event.dedupe_key == f"slack:command:{fields['trigger_id']}"


def test_a_click_on_a_button_that_is_not_ours_is_ignored(
    slack: SlackInbound, ctx: InboundContext
) -> None:
    message = {"type": "message", "ts": "1.000001", "text": "x"}
    foreign = slack.block_actions(
        DANA, [button_action("other_app", "v")], channel_id=CHANNEL, message=message
    )
    ours = slack.block_actions(
        DANA,
        [button_action("porch_choice:1", encode_choice("p:1", "b"))],
        channel_id=CHANNEL,
        message=message,
    )
    assert to_event(foreign, ctx) is None
    picked = to_event(ours, ctx)
    assert isinstance(picked, ChoicePicked) and (picked.prompt_id, picked.choice_id) == ("p:1", "b")


def test_a_malformed_payload_is_ignored_not_raised(ctx: InboundContext) -> None:
    assert to_event({"type": "event_callback", "event": {"type": "message"}}, ctx) is None
    assert to_event({"type": "block_actions", "actions": "nonsense"}, ctx) is None


@pytest.mark.parametrize(
    ("slack_text", "expected"),
    [
        ("<@U0DANA001|dana> hi", "@U0DANA001 hi"),
        ("see <#C0GENERAL|general>", "see #general"),
        (
            "<https://example.org|docs> and <https://x.org>",
            "[docs](https://example.org) and https://x.org",
        ),
        ("<!here> 1 &lt; 2", "@here 1 < 2"),
    ],
)
def test_slack_markup_becomes_the_cores_text(slack_text: str, expected: str) -> None:
    assert slack_text_to_markdown(slack_text) == expected


# -- workspace roles (user_change) ---------------------------------------------------------


def test_a_promotion_makes_the_member_admin_in_every_community_channel(
    slack: SlackInbound, ctx: InboundContext
) -> None:
    body = slack.event_callback(slack.user_change(slack.user_object(DANA, is_admin=True)))
    events = roles_from_user_change(body, ctx)
    assert all(isinstance(e, MemberRolesChanged) for e in events)
    assert [(e.member, e.channel, e.roles) for e in events] == [  # type: ignore[attr-defined]
        (DANA, CHANNEL, ("admin",)),
        (DANA, OTHER, ("admin",)),
    ]
    event_id = body["event_id"]
    assert [e.dedupe_key for e in events] == [
        f"slack:{event_id}:{CHANNEL}",
        f"slack:{event_id}:{OTHER}",
    ]
    assert to_event(body, ctx) is None


def test_an_owner_is_an_admin_too(slack: SlackInbound, ctx: InboundContext) -> None:
    owner = slack.user_object(DANA, is_owner=True)
    events = roles_from_user_change(slack.event_callback(slack.user_change(owner)), ctx)
    assert [e.roles for e in events if isinstance(e, MemberRolesChanged)] == [("admin",)] * 2


@pytest.mark.parametrize(
    "user",
    [{"is_admin": False}, {"is_admin": True, "deleted": True}, {"is_owner": True, "deleted": True}],
)
def test_a_demoted_or_deactivated_admin_holds_no_role_any_more(
    slack: SlackInbound, ctx: InboundContext, user: dict[str, bool]
) -> None:
    body = slack.event_callback(slack.user_change(slack.user_object(DANA, **user)))
    events = roles_from_user_change(body, ctx)
    assert [(e.member, e.roles) for e in events if isinstance(e, MemberRolesChanged)] == [
        (DANA, ()),
        (DANA, ()),
    ]


def test_bots_porch_itself_and_changes_from_before_start_give_no_roles(
    slack: SlackInbound, ctx: InboundContext
) -> None:
    bot = slack.event_callback(slack.user_change(slack.user_object("U0HELPER1", is_bot=True)))
    porch = slack.event_callback(slack.user_change(slack.user_object(BOT, is_admin=True)))
    earlier = slack.event_callback(
        slack.user_change(slack.user_object(DANA, is_admin=True)), event_time=int(NOW) - 600
    )
    assert [roles_from_user_change(b, ctx) for b in (bot, porch, earlier)] == [[], [], []]


def test_other_payloads_and_malformed_ones_give_no_roles(
    slack: SlackInbound, ctx: InboundContext
) -> None:
    message = slack.event_callback(slack.message(CHANNEL, DANA, "hi"))
    command = slack.slash_command("/porch", "whoami", user_id=DANA, channel_id=CHANNEL)
    broken = slack.event_callback({"type": "user_change", "user": "U0DANA001"})
    assert [roles_from_user_change(b, ctx) for b in (message, command, broken)] == [[], [], []]
