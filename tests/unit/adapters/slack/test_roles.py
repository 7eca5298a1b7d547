"""Slack's workspace admins and owners as Porch roles: the events for the list read at start-up,
and the channels they are sent for (`user_change` is normalized in `test_inbound.py`)."""

from __future__ import annotations

from datetime import UTC, datetime

from pydantic import SecretStr

from adapters.slack.factory import build_slack_adapter
from adapters.slack.roles import start_up_roles
from bot.config.schema import PlatformsConfig, SlackSettings
from bot.config.settings import Settings
from bot.core.clock import FakeClock
from bot.core.events import MemberRolesChanged, RoleHoldersListed
from bot.testing import builders

NOW = 1_800_000_000.0
GENERAL, OTHER = "C0GENERAL", "C0OTHER01"
DANA = "U0DANA001"


def test_at_start_each_admin_gets_the_role_then_the_list_of_holders_follows_per_channel() -> None:
    now = datetime.fromtimestamp(NOW, tz=UTC)
    events = start_up_roles([DANA, "U0OWNER01"], [GENERAL, OTHER], now, start="s1")
    assert [(type(e).__name__, e.channel) for e in events] == [  # type: ignore[attr-defined]
        ("MemberRolesChanged", GENERAL),
        ("MemberRolesChanged", GENERAL),
        ("RoleHoldersListed", GENERAL),
        ("MemberRolesChanged", OTHER),
        ("MemberRolesChanged", OTHER),
        ("RoleHoldersListed", OTHER),
    ]
    granted = [(e.member, e.roles) for e in events[:2] if isinstance(e, MemberRolesChanged)]
    assert granted == [(DANA, ("admin",)), ("U0OWNER01", ("admin",))]
    listed = events[2]
    assert isinstance(listed, RoleHoldersListed)
    assert listed.holders == (DANA, "U0OWNER01") and listed.member == ""
    assert len({e.dedupe_key for e in events}) == len(events)


def test_every_start_asserts_the_roles_afresh() -> None:
    now = datetime.fromtimestamp(NOW, tz=UTC)
    first = {e.dedupe_key for e in start_up_roles([DANA], [GENERAL], now)}
    second = {e.dedupe_key for e in start_up_roles([DANA], [GENERAL], now)}
    assert first.isdisjoint(second)


def test_with_no_admins_the_empty_list_still_clears_everyone() -> None:
    now = datetime.fromtimestamp(NOW, tz=UTC)
    events = start_up_roles([], [GENERAL], now)
    assert len(events) == 1 and isinstance(events[0], RoleHoldersListed)
    assert events[0].holders == ()


def test_the_factory_gives_the_adapter_every_slack_communitys_main_channel() -> None:
    settings = Settings(slack_bot_token=SecretStr("xoxb-1"), slack_signing_secret=SecretStr("s"))
    config = builders.config(
        builders.community(id="one", platform="slack", main=GENERAL),
        builders.community(id="two", platform="slack", main=OTHER),
        builders.community(id="three", platform="matrix", main="!room:example.org"),
        platforms=PlatformsConfig(slack=SlackSettings()),
    )
    adapter = build_slack_adapter(settings, config, FakeClock())
    assert adapter.role_channels == (GENERAL, OTHER)
