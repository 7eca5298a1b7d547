"""A posted message carries Slack's own link to it, built from the workspace URL of auth.test."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

from adapters.slack.inbound import InboundContext, permalink, to_event
from bot.core.events import MessagePosted
from tests.standins.slack_inbound import SlackInbound

NOW = 1_800_000_000.0


def test_a_posted_message_links_to_its_archive_url() -> None:
    slack = SlackInbound(bot_user_id="UBOT00001", clock=lambda: NOW)
    ctx = InboundContext(
        "UBOT00001",
        "B0BOT0001",
        datetime.fromtimestamp(NOW - 60, tz=UTC),
        datetime.fromtimestamp(NOW, tz=UTC),
        workspace_url="https://acme.slack.com/",
    )
    message = slack.message("C0GENERAL", "U0DANA001", "hello")
    event = to_event(slack.event_callback(message), ctx)
    assert isinstance(event, MessagePosted)
    ts = message["ts"]
    assert event.permalink == f"https://acme.slack.com/archives/C0GENERAL/p{ts.replace('.', '')}"
    unknown = to_event(slack.event_callback(message), replace(ctx, workspace_url=""))
    assert isinstance(unknown, MessagePosted) and unknown.permalink == ""


def test_the_link_drops_the_dot_of_the_timestamp() -> None:
    link = permalink("https://acme.slack.com", "C1", "1700000000.000100")
    assert link == "https://acme.slack.com/archives/C1/p1700000000000100"
