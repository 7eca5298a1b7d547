"""The home page through a whole Porch (memory platform): what a member and a manager see, and
how often it is published."""

from __future__ import annotations

from datetime import timedelta
from itertools import count
from typing import Any

import yaml

from bot.core.actions import Capability, DirectMessage, PublishHome
from bot.core.events import HomeOpened
from bot.features.ama.feature import Ama
from bot.features.builtin import Builtin
from bot.features.home import Home
from bot.features.home.page import home_page
from bot.features.onboarding.feature import Onboarding
from bot.features.onboarding.home import DONE, HERE, LATER, checklist, position_of
from bot.features.rituals.feature import Rituals
from bot.playbooks.schema import OnboardingPlaybook
from bot.testing import builders
from bot.testing.builders import command, joined, picked
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
    title: {en: "Introduce yourself", de: "Stell dich vor"}
    text: "Introduce yourself."
  - id: later
    do: wait
    for: 1d
  - do: message
    title: {en: "Meet the team", de: "Lerne das Team kennen"}
    text: "Say hello!"
"""
NESTED = """
kind: onboarding
title: Nested
steps:
  - id: first
    do: message
    text: "Hi"
  - id: pick
    do: ask
    text: "Which?"
    choices:
      - id: one
        label: One
        then:
          - do: message
            text: "One it is."
          - id: why
            do: ask_text
            text: "Why?"
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


def last_prompt(h: Harness, member: str) -> str:
    asked = [
        e.action.message.prompt_id
        for e in h.adapter.executed
        if isinstance(e.action, DirectMessage) and e.action.member == member
    ]
    return next(p for p in reversed(asked) if p)


def _harness(adapter: MemoryAdapter | None = None) -> Any:
    journey = OnboardingPlaybook.model_validate(yaml.safe_load(JOURNEY))
    return Harness.create(
        config=builders.config(builders.community(playbooks=("welcome",))),
        features=[Builtin(), Onboarding(), Ama(), Rituals(), Home()],
        playbooks={"welcome": journey},
        adapter=adapter,
    )


def test_the_checklist_marks_what_is_done_the_current_step_and_what_is_ahead() -> None:
    items = [(0, "a"), (2, "b"), (5, "c")]
    assert checklist(items, 2) == [(DONE, "a"), (HERE, "b"), (LATER, "c")]
    assert checklist(items, 3) == [(DONE, "a"), (DONE, "b"), (LATER, "c")]
    assert checklist(items, None) == [(DONE, "a"), (DONE, "b"), (DONE, "c")]


def test_a_step_nested_in_a_choice_counts_as_the_step_that_holds_it() -> None:
    playbook = OnboardingPlaybook.model_validate(yaml.safe_load(NESTED))
    assert position_of(playbook.steps, "why") == 1
    assert position_of(playbook.steps, "message-1/0/then/0") == 1
    assert position_of(playbook.steps, "gone") is None


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
    assert (
        f"- {HERE} Answer a question\n- {LATER} Introduce yourself\n- {LATER} Meet the team" in page
    )
    assert "Live now: **Roadmap 2027** in #general" in page
    assert "Check-in nudges: muted (`/porch unmute`" in page
    assert "Intro pairings: not for you now (`/porch pairing on`" in page
    assert "at a glance" not in page


async def test_the_checklist_speaks_the_members_language() -> None:
    async with _harness() as h:
        await h.send(joined("alice", locale="de"))
        await h.send(picked("alice", last_prompt(h, "alice"), "learn"))
        await h.send(opened("alice"))
        [page] = pages(h, "alice")
    assert (
        f"- {DONE} Eine Frage beantworten\n- {HERE} Stell dich vor\n- {LATER} Lerne das Team kennen"
        in page
    )
    assert "welcome" not in page and "intro" not in page


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


async def test_a_visit_within_30_seconds_is_published_once_at_the_end_of_the_window() -> None:
    async with _harness() as h:
        await h.send(joined("alice"))
        await h.send(opened("alice"), opened("alice"), opened("bob"))
        assert len(pages(h, "alice")) == 1 and len(pages(h, "bob")) == 1
        await h.advance(timedelta(seconds=10))
        await h.send(command("dana", '/ama start "Roadmap 2027"'))
        await h.send(opened("alice", h.clock.now()))
        await h.advance(timedelta(seconds=10))
        await h.send(opened("alice", h.clock.now()))
        assert len(pages(h, "alice")) == 1
        await h.advance(timedelta(seconds=9))
        assert len(pages(h, "alice")) == 1
        await h.advance(timedelta(seconds=2))
        assert len(pages(h, "alice")) == 2
        assert "Roadmap 2027" in pages(h, "alice")[1]
        await h.advance(timedelta(minutes=5))
        assert len(pages(h, "alice")) == 2


async def test_a_visit_after_a_deferred_publish_waits_for_its_own_window() -> None:
    async with _harness() as h:
        await h.send(joined("alice"), opened("alice"))
        await h.advance(timedelta(seconds=5))
        await h.send(opened("alice", h.clock.now()))
        await h.advance(timedelta(seconds=25))
        assert len(pages(h, "alice")) == 2
        await h.advance(timedelta(seconds=1))
        await h.send(opened("alice", h.clock.now()))
        await h.advance(timedelta(seconds=28))
        assert len(pages(h, "alice")) == 2
        await h.advance(timedelta(seconds=1))
        assert len(pages(h, "alice")) == 3


async def test_the_deferred_publish_survives_a_restart_and_happens_once() -> None:
    async with _harness() as h:
        await h.send(joined("alice"), opened("alice"))
        await h.advance(timedelta(seconds=5))
        await h.send(opened("alice", h.clock.now()), opened("alice", h.clock.now()))
        await h.restart()
        await h.advance(timedelta(seconds=30))
        assert len(pages(h, "alice")) == 2


async def test_a_platform_without_a_home_page_never_gets_one() -> None:
    adapter = MemoryAdapter(capabilities=frozenset(Capability) - {Capability.HOME})
    async with _harness(adapter) as h:
        await h.send(joined("alice"), opened("alice"))
        assert pages(h, "alice") == []
        assert h.adapter.executed


BOOKS = builders.community(
    id="books", name="Book club", main="#books", intro="#book-intros", managers=("bea",)
)


def _two_communities() -> Any:
    journey = OnboardingPlaybook.model_validate(yaml.safe_load(JOURNEY))
    return Harness.create(
        config=builders.config(
            builders.community(playbooks=("welcome",), managers=("dana",)),
            BOOKS.model_copy(update={"managers": ["bea", "dana"]}),
        ),
        features=[Builtin(), Onboarding(), Ama(), Rituals(), Home()],
        playbooks={"welcome": journey},
    )


async def test_a_member_of_two_communities_sees_each_of_them() -> None:
    async with _two_communities() as h:
        await h.send(joined("alice"), joined("alice", "#books"))
        await h.send(command("bea", '/ama start "Summer reads"', channel="#books"))
        await h.send(opened("alice"))
        [page] = pages(h, "alice")
    demo, books = page.index("🏠 **Porch demo**"), page.index("🏠 **Book club**")
    assert page.startswith("**Porch**") and demo < books
    assert "**Your start in Porch demo**" in page[demo:books]
    assert "Live now: **Summer reads** in #books" in page[books:]
    assert "at a glance" not in page


async def test_a_manager_sees_the_glance_of_every_community_they_manage() -> None:
    async with _two_communities() as h:
        await h.send(joined("alice"), joined("bob", "#books"), joined("cy", "#books"))
        await h.send(opened("dana"))
        [page] = pages(h, "dana")
    demo, books = page.index("**Porch demo at a glance**"), page.index("**Book club at a glance**")
    assert "Members Porch knows: 1" in page[demo:books]
    assert "Members Porch knows: 2" in page[books:]


async def test_a_member_porch_knows_nowhere_gets_a_welcome_with_the_communities() -> None:
    async with _two_communities() as h:
        await h.send(opened("zoe"))
        [page] = pages(h, "zoe")
    assert page.startswith("**Welcome to Porch**")
    assert "`/porch help`" in page
    assert "- **Porch demo** in #general\n- **Book club** in #books" in page
    assert "Your start" not in page and "Live now" not in page
