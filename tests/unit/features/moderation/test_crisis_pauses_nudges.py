"""Crisis mode holds onboarding's follow-ups (the day-3 type messages and reminders), never the
welcome, through a whole Porch on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import yaml

from bot.playbooks.schema import OnboardingPlaybook
from bot.testing import builders
from bot.testing.builders import T0, command, joined
from bot.testing.harness import Harness
from tests.unit.features.moderation.kit import dms_to

JOURNEY = """
kind: onboarding
title: A short journey
steps:
  - do: message
    text: "Welcome, {{ member.name }}!"
  - id: day3
    do: wait
    for: 3d
  - do: message
    text: "How are your first days going?"
  - id: mood
    do: ask
    text: "And how is it going now?"
    remind_after: 1d
    choices:
      - {id: good, label: Good}
"""

LATE_WELCOME = """
kind: onboarding
title: A welcome after a while
steps:
  - id: settle
    do: wait
    for: 1h
  - do: message
    text: "Welcome, {{ member.name }}!"
"""


@asynccontextmanager
async def porch(database_url: str, journey: str, **playbook: Any) -> AsyncIterator[Harness]:
    loaded = OnboardingPlaybook.model_validate({**yaml.safe_load(journey), **playbook})
    config = builders.config(builders.community(playbooks=("journey",)))
    async with Harness.create(database_url, config=config, playbooks={"journey": loaded}) as h:
        yield h


async def test_follow_ups_wait_while_crisis_mode_is_on_and_come_once_at_crisis_off(
    database_url: str,
) -> None:
    async with porch(database_url, JOURNEY) as h:
        await h.send(joined("alice"))
        assert dms_to(h, "alice") == ["Welcome, Alice!"]
        await h.send(command("dana", '/porch crisis on "Heads up."'))
        await h.advance(timedelta(days=4))
        assert dms_to(h, "alice") == ["Welcome, Alice!"]
        assert h.clock.now() == T0 + timedelta(days=4)  # Friday, 09:00 in Berlin: working hours
        await h.send(command("dana", "/porch crisis off"))
        assert dms_to(h, "alice")[1:] == [
            "How are your first days going?",
            "And how is it going now?",
        ]
        await h.advance(timedelta(days=3))
        assert len(dms_to(h, "alice")) == 4
        assert dms_to(h, "alice").count("How are your first days going?") == 1


async def test_a_crisis_off_outside_working_hours_sends_held_follow_ups_the_next_working_morning(
    database_url: str,
) -> None:
    async with porch(database_url, JOURNEY) as h:
        await h.send(joined("alice"), joined("bob", timezone="America/New_York"))
        await h.send(command("dana", '/porch crisis on "Heads up."'))
        await h.advance(timedelta(days=5))  # Saturday, 09:00 in Berlin
        await h.send(command("dana", "/porch crisis off"))
        monday_in_berlin = datetime(2026, 1, 12, 9, tzinfo=ZoneInfo("Europe/Berlin"))
        await h.advance(monday_in_berlin - h.clock.now() - timedelta(minutes=1))
        assert dms_to(h, "alice") == ["Welcome, Alice!"]
        await h.advance(timedelta(minutes=1))
        assert dms_to(h, "alice")[1] == "How are your first days going?"
        monday_in_new_york = datetime(2026, 1, 12, 9, tzinfo=ZoneInfo("America/New_York"))
        await h.advance(monday_in_new_york - h.clock.now() - timedelta(minutes=1))
        assert dms_to(h, "bob") == ["Welcome, Bob!"]
        await h.advance(timedelta(minutes=1))
        assert dms_to(h, "bob")[1] == "How are your first days going?"


async def test_with_skip_a_reminder_due_in_a_crisis_is_dropped(database_url: str) -> None:
    async with porch(database_url, JOURNEY, during_crisis="skip") as h:
        await h.send(joined("alice"))
        await h.advance(timedelta(days=3))
        assert dms_to(h, "alice")[-1] == "And how is it going now?"
        await h.send(command("dana", '/porch crisis on "Heads up."'))
        await h.advance(timedelta(days=2))
        await h.send(command("dana", "/porch crisis off"))
        await h.advance(timedelta(days=2))
        assert len(dms_to(h, "alice")) == 3


async def test_without_skip_the_reminder_comes_after_the_crisis(database_url: str) -> None:
    async with porch(database_url, JOURNEY) as h:
        await h.send(joined("alice"))
        await h.advance(timedelta(days=3))
        await h.send(command("dana", '/porch crisis on "Heads up."'))
        await h.advance(timedelta(days=2))
        assert len(dms_to(h, "alice")) == 3
        assert h.clock.now() == T0 + timedelta(days=5)  # Saturday: after the weekend
        await h.send(command("dana", "/porch crisis off"))
        await h.advance(timedelta(days=1, hours=23, minutes=59))
        assert len(dms_to(h, "alice")) == 3
        await h.advance(timedelta(minutes=1))
        assert len(dms_to(h, "alice")) == 4


async def test_the_welcome_is_never_held(database_url: str) -> None:
    async with porch(database_url, LATE_WELCOME) as h:
        await h.send(command("dana", '/porch crisis on "Heads up."'))
        await h.send(joined("alice"))
        await h.advance(timedelta(hours=1))
        assert dms_to(h, "alice") == ["Welcome, Alice!"]
