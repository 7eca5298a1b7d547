"""The home page through a whole Porch (memory platform): what a member and a manager see, and
how often it is published."""

from __future__ import annotations

from datetime import timedelta
from itertools import count
from typing import Any

import yaml

from bot.core.actions import Capability, PublishHome
from bot.core.events import HomeOpened
from bot.features.ama.feature import Ama
from bot.features.builtin import Builtin
from bot.features.home import Home
from bot.features.home.page import home_page
from bot.features.onboarding.feature import Onboarding
from bot.features.onboarding.home import DONE, HERE, LATER, checklist
from bot.features.rituals.feature import Rituals
from bot.playbooks.schema import OnboardingPlaybook
from bot.testing import builders
from bot.testing.builders import command, joined
from bot.testing.harness import Harness
from bot.testing.memory import MemoryAdapter

JOURNEY = """
kind: onboarding
title: Welcome
steps:
  - id: welcome
    do: ask
    text: "Hi! What brings you here?"
    choices:
      - {id: learn, label: "I want to learn"}
  - id: intro
    do: ask_text
    text: "Introduce yourself."
"""
_keys = count()


def opened(member: str, at: Any = None) -> HomeOpened:
    return HomeOpened(
        platform="memory",
        dedupe_key=f"home-test:{next(_keys)}",
        occurred_at=at or builders.T0,
        member=member,
    )


def pages(h: Harness, member: str) -> list[str]:
    return [
        e.action.message.text
        for e in h.adapter.executed
        if isinstance(e.action, PublishHome) and e.action.member == member
    ]


def _harness(adapter: MemoryAdapter | None = None) -> Any:
    journey = OnboardingPlaybook.model_validate(yaml.safe_load(JOURNEY))
    return Harness.create(
        config=builders.config(builders.community(playbooks=("welcome",))),
        features=[Builtin(), Onboarding(), Ama(), Rituals(), Home()],
        playbooks={"welcome": journey},
        adapter=adapter,
    )


def test_the_checklist_marks_what_is_done_the_current_step_and_what_is_ahead() -> None:
    assert checklist(["a", "b", "c"], "b", finished=False) == [
        (DONE, "a"),
        (HERE, "b"),
        (LATER, "c"),
    ]
    assert checklist(["a", "b"], "", finished=True) == [(DONE, "a"), (DONE, "b")]


def test_a_page_leaves_out_features_with_nothing_to_show() -> None:
    page = home_page("**Porch**", "Hello.", ["**AMAs**\n- one", None, "  "])
    assert page.text == "**Porch**\n\nHello.\n\n**AMAs**\n- one"


async def test_a_member_sees_their_checklist_live_amas_and_nudge_settings() -> None:
    async with _harness() as h:
        await h.send(joined("alice"), command("dana", '/ama start "Roadmap 2027"'))
        await h.send(command("alice", "/porch mute nudges", direct=True))
        await h.send(opened("alice"))
        [page] = pages(h, "alice")
    assert "**Your start in Porch demo**" in page
    assert f"{HERE} welcome" in page and f"{LATER} intro" in page
    assert "Live now: **Roadmap 2027** in #general" in page
    assert "Check-in nudges: muted (`/porch unmute`" in page
    assert "Intro pairings: not for you now (`/porch pairing on`" in page
    assert "at a glance" not in page


async def test_a_manager_also_sees_the_community_at_a_glance() -> None:
    async with _harness() as h:
        await h.send(joined("alice"), joined("bob"), joined("dana"))
        await h.advance(timedelta(days=4))
        await h.send(opened("dana", h.clock.now()))
        [page] = pages(h, "dana")
    assert "**Porch demo at a glance**" in page
    assert "Members Porch knows: 3" in page
    assert "Open items in the moderators' queue: 0" in page
    assert "Onboarding journeys: 0 in progress, 3 stuck" in page


async def test_the_page_is_published_at_most_once_per_member_every_30_seconds() -> None:
    async with _harness() as h:
        await h.send(joined("alice"))
        await h.send(opened("alice"), opened("alice"), opened("bob"))
        assert len(pages(h, "alice")) == 1 and len(pages(h, "bob")) == 1
        await h.advance(timedelta(seconds=29))
        await h.send(opened("alice", h.clock.now()))
        assert len(pages(h, "alice")) == 1
        await h.advance(timedelta(seconds=2))
        await h.send(opened("alice", h.clock.now()))
        assert len(pages(h, "alice")) == 2


async def test_a_platform_without_a_home_page_never_gets_one() -> None:
    adapter = MemoryAdapter(capabilities=frozenset(Capability) - {Capability.HOME})
    async with _harness(adapter) as h:
        await h.send(joined("alice"), opened("alice"))
        assert pages(h, "alice") == []
        assert h.adapter.executed
