"""A posted message carries Slack's own link to it, built from the workspace URL of auth.test."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

from adapters.slack.inbound import InboundContext, permalink, to_event
from adapters.slack.interactive import REPORT_SHORTCUT
from bot.core.events import CommandInvoked, MessagePosted
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


def test_a_thread_reply_links_into_its_thread() -> None:
    link = permalink("https://acme.slack.com/", "C1", "1700000001.000200", "1700000000.000100")
    assert link == (
        "https://acme.slack.com/archives/C1/p1700000001000200?thread_ts=1700000000.000100&cid=C1"
    )
    assert permalink("https://acme.slack.com/", "C1", "1.5", "1.5").endswith("/p15")


def _report(ctx: InboundContext, message: dict[str, str]) -> CommandInvoked:
    slack = SlackInbound(bot_user_id="UBOT00001", clock=lambda: NOW)
    body = slack.message_action(
        "U0BOB0001", REPORT_SHORTCUT, channel_id="C0GENERAL", message=message
    )
    event = to_event(body, ctx)
    assert isinstance(event, CommandInvoked) and event.quoted is not None
    return event


def test_a_shortcut_report_links_to_the_reported_message() -> None:
    ctx = InboundContext(
        "UBOT00001",
        "B0BOT0001",
        datetime.fromtimestamp(NOW - 60, tz=UTC),
        datetime.fromtimestamp(NOW, tz=UTC),
        workspace_url="https://acme.slack.com/",
    )
    message = {"type": "message", "user": "U0ALICE01", "ts": "1700000000.000100", "text": "spam"}
    quoted = _report(ctx, message).quoted
    assert quoted is not None
    assert quoted.permalink == "https://acme.slack.com/archives/C0GENERAL/p1700000000000100"
    in_thread = _report(ctx, {**message, "thread_ts": "1699999999.000001"}).quoted
    assert in_thread is not None and in_thread.permalink.endswith(
        "?thread_ts=1699999999.000001&cid=C0GENERAL"
    )


def test_without_the_workspace_url_the_shortcut_link_uses_the_payloads_team_domain() -> None:
    ctx = InboundContext(
        "UBOT00001",
        "B0BOT0001",
        datetime.fromtimestamp(NOW - 60, tz=UTC),
        datetime.fromtimestamp(NOW, tz=UTC),
    )
    message = {"type": "message", "user": "U0ALICE01", "ts": "1700000000.000100", "text": "spam"}
    quoted = _report(ctx, message).quoted
    assert quoted is not None
    domain = SlackInbound(bot_user_id="UBOT00001").team_domain
    assert quoted.permalink == f"https://{domain}.slack.com/archives/C0GENERAL/p1700000000000100"
