"""Onboarding through a whole Porch (in-memory platform, fake clock), on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any

import yaml
from sqlmodel import select

from bot.config.schema import PorchConfig
from bot.core.actions import DirectMessage, ListMembers, Post
from bot.delivery import outbox
from bot.features.onboarding.feature import EXISTING_REASON
from bot.playbooks.registry import playbooks_for
from bot.playbooks.schema import OnboardingPlaybook
from bot.store import onboarding as store
from bot.store.db import insert_ignore
from bot.store.models import AuditEntry, TimerRecord
from bot.testing import builders
from bot.testing.builders import T0, answered, command, dm, joined, left, picked, said
from bot.testing.harness import Harness
from tests.unit.features.onboarding_kit import playbook

INTEREST_CHANNELS = ("#help", "#show-and-tell", "#events", "#random")


def interest_config(**community: Any) -> PorchConfig:
    community.setdefault("playbooks", ("interest", "house-rules"))
    community.setdefault("others", INTEREST_CHANNELS)
    return builders.config(builders.community(**community))


@asynccontextmanager
async def porch(
    database_url: str, config: PorchConfig | None = None, **playbooks: OnboardingPlaybook
) -> AsyncIterator[Harness]:
    config = config or interest_config()
    loaded = playbooks or playbooks_for(config, Path.cwd())
    async with Harness.create(database_url, config=config, playbooks=loaded) as h:
        yield h


def dms(h: Harness, member: str = "alice") -> list[str]:
    return [
        e.action.message.text
        for e in h.adapter.executed
        if isinstance(e.action, DirectMessage) and e.action.member == member
    ]


def prompt(h: Harness, member: str = "alice") -> str:
    """The prompt id of the last question Porch asked `member`."""
    for e in reversed(h.adapter.executed):
        action = e.action
        if (
            isinstance(action, DirectMessage)
            and action.member == member
            and action.message.prompt_id
        ):
            return action.message.prompt_id
    raise AssertionError(f"{member} was asked nothing")


async def through_the_first_day(h: Harness, member: str = "alice") -> None:
    """Join and answer everything the interest playbook asks on day one."""
    await h.send(joined(member))
    await h.send(picked(member, prompt(h, member), "learn"))
    await h.send(picked(member, prompt(h, member), "accept"))
    await h.send(answered(member, prompt(h, member), f"I'm {member}, I build dashboards in Excel."))
    await h.send(picked(member, prompt(h, member), "help,events"))


def journeys(h: Harness) -> list[store.Journey]:
    with h.store.transaction() as session:
        return store.journeys(session)


async def test_a_new_member_is_welcomed_by_dm_once_in_their_language(database_url: str) -> None:
    async with porch(database_url) as h:
        await h.send(joined("alice", locale="de"))
        assert len(dms(h)) == 1
        assert dms(h)[0].startswith("Hallo Alice, willkommen bei **Porch demo**!")


async def test_a_join_delivered_twice_yields_one_journey_and_one_welcome(database_url: str) -> None:
    async with porch(database_url) as h:
        assert await h.send(joined("alice", key="slack:Ev1"), joined("alice", key="slack:Ev1")) == [
            True,
            False,
        ]
        await h.send(joined("alice", key="slack:Ev2"), joined("alice", "#help", key="slack:Ev3"))
        assert len(journeys(h)) == 1
        assert len(dms(h)) == 1


async def test_the_whole_first_week_of_an_interest_community(database_url: str) -> None:
    async with porch(database_url) as h:
        await through_the_first_day(h)
        intro = [e.action for e in h.adapter.executed if e.action.kind == "post"]
        assert [a.channel for a in intro] == ["#introductions"]  # type: ignore[union-attr]
        invites = [a.channel for e in h.adapter.executed if (a := e.action).kind == "invite"]  # type: ignore[union-attr]
        assert invites == ["#help", "#events"]
        await h.advance(timedelta(days=3))
        assert dms(h)[-1].startswith("Hi Alice, how are your first days going?")
        await h.advance(timedelta(days=4))
        assert dms(h)[-1] == "You've been part of Porch demo for a week now. How is it going?"
        await h.send(picked("alice", prompt(h), "good"))
        (journey,) = journeys(h)
        assert journey.status == "completed" and journey.answers == {
            "welcome": "learn",
            "interests": ["help", "events"],
            "checkin": "good",
        }
        assert h.adapter.doubled() == []


async def test_a_member_who_posted_gets_no_first_question_prompt(database_url: str) -> None:
    async with porch(database_url) as h:
        await through_the_first_day(h)
        await h.send(said("alice", "Hello everyone! Where do I find the templates?"))
        before = len(dms(h))
        await h.advance(timedelta(days=3))
        assert len(dms(h)) == before
        await h.advance(timedelta(days=4))
        assert dms(h)[-1].startswith("You've been part of Porch demo for a week")


async def _journey_with_restarts(database_url: str, restart: bool) -> list[str]:
    async with porch(database_url) as h:
        steps = [
            lambda: h.send(joined("alice")),
            lambda: h.send(picked("alice", prompt(h), "share")),
            lambda: h.send(picked("alice", prompt(h), "accept")),
            lambda: h.send(answered("alice", prompt(h), "I'm Alice and I love pivot tables.")),
            lambda: h.send(picked("alice", prompt(h), "random")),
            lambda: h.advance(timedelta(days=3)),
            lambda: h.advance(timedelta(days=4)),
            lambda: h.send(picked("alice", prompt(h), "lost")),
            lambda: h.send(answered("alice", prompt(h), "Where are the docs?")),
        ]
        for step in steps:
            await step()
            if restart:
                await h.restart()
        assert h.adapter.doubled() == []
        return [e.key for e in h.adapter.executed]


async def test_restarting_at_every_step_yields_exactly_one_of_each_message(
    database_url: str,
) -> None:
    calm = await _journey_with_restarts("sqlite://", restart=False)
    restarted = await _journey_with_restarts(database_url, restart=True)
    assert sorted(restarted) == sorted(calm)
    assert len(calm) == 14


async def test_leaving_pauses_the_journey_and_rejoining_resumes_it(database_url: str) -> None:
    async with porch(database_url) as h:
        await through_the_first_day(h)
        await h.send(left("alice"))
        assert journeys(h)[0].status == "paused"
        before = len(dms(h))
        await h.advance(timedelta(days=5))
        assert len(dms(h)) == before
        await h.send(joined("alice"))
        assert journeys(h)[0].status == "active"
        assert dms(h)[-1].startswith("Hi Alice, how are your first days going?")


async def test_leaving_a_side_channel_does_not_pause_anything(database_url: str) -> None:
    async with porch(database_url) as h:
        await h.send(joined("alice"), left("alice", "#random"))
        assert journeys(h)[0].status == "active"


async def test_a_finished_journey_does_not_start_again_when_the_member_rejoins(
    database_url: str,
) -> None:
    async with porch(database_url) as h:
        await through_the_first_day(h)
        await h.advance(timedelta(days=7))
        await h.send(picked("alice", prompt(h), "good"))
        before = len(dms(h))
        await h.send(left("alice"), joined("alice"))
        assert len(dms(h)) == before


AGAIN = OnboardingPlaybook.model_validate(
    yaml.safe_load(
        "kind: onboarding\ntitle: Again\nrestart_on_rejoin: true\nsteps: [{do: message, text: 'Hello {{ member.name }}'}]"
    )
)


async def test_a_playbook_may_say_a_returning_member_starts_again(database_url: str) -> None:
    config = builders.config(builders.community(playbooks=("again",)))
    async with porch(database_url, config, again=AGAIN) as h:
        await h.send(joined("alice"), left("alice"), joined("alice"))
        assert dms(h) == ["Hello Alice", "Hello Alice"]
        assert journeys(h)[0].run == 2
        assert h.adapter.doubled() == []


async def test_a_member_can_stop_their_onboarding(database_url: str) -> None:
    async with porch(database_url) as h:
        await h.send(joined("alice"), command("alice", "/porch stop onboarding", direct=True))
        assert dms(h)[-1].startswith("Done: no more onboarding messages from me.")
        await h.send(dm("alice", "1"))
        await h.advance(timedelta(days=8))
        assert len(dms(h)) == 2
        assert journeys(h)[0].status == "stopped"


async def test_only_a_manager_may_stop_someone_elses_onboarding(database_url: str) -> None:
    async with porch(database_url) as h:
        await h.send(joined("alice"), command("bob", "/porch stop onboarding --member @alice"))
        assert journeys(h)[0].status == "active"
        assert (
            h.adapter.texts("ephemeral")[-1] == "Only managers may stop someone else's onboarding."
        )
        await h.send(command("dana", "/porch stop onboarding --member @alice"))
        assert h.adapter.texts("ephemeral")[-1] == "Onboarding for **Alice** stopped."


async def test_a_manager_starts_onboarding_for_a_member_once_unless_asked_again(
    database_url: str,
) -> None:
    async with porch(database_url) as h:
        await h.send(said("bob", "hi"), command("dana", "/porch onboard @bob"))
        assert h.adapter.texts("ephemeral")[-1] == "Onboarding for **bob** has started (interest)."
        assert dms(h, "bob")[0].startswith("Hi bob, welcome")
        await h.send(command("dana", "/porch onboard @bob"))
        assert (
            "already being onboarded (interest, at step “Say what brings you here”)"
            in h.adapter.texts("ephemeral")[-1]
        )
        await h.send(command("bob", "/porch onboard @bob"))
        assert h.adapter.texts("ephemeral")[-1] == "Only managers may use `/porch onboard`."
        await h.send(command("dana", "/porch stop onboarding --member @bob"))
        await h.send(command("dana", "/porch onboard @bob"))
        assert "--again" in h.adapter.texts("ephemeral")[-1]
        await h.send(command("dana", "/porch onboard @bob --again"))
        assert len(dms(h, "bob")) == 2 and journeys(h)[0].run == 2


async def test_managers_see_who_is_in_progress_stuck_and_done_by_name(database_url: str) -> None:
    async with porch(database_url) as h:
        await h.send(joined("stuckie"))
        await h.advance(timedelta(days=4))
        await through_the_first_day(h, "alice")
        await through_the_first_day(h, "carol")
        await h.advance(timedelta(days=7))
        await h.send(picked("carol", prompt(h, "carol"), "good"))
        await h.send(command("dana", "/porch onboarding"))
        report = h.adapter.texts("ephemeral")[-1]
        assert report.split("\n") == [
            "**Onboarding in Porch demo**",
            "",
            "**Stuck**, no answer for 3d or more (1):",
            "- Stuckie: waiting at “Say what brings you here” for 11 days",
            "",
            "**In progress** (1):",
            "- Alice: at “Tell us how your first week went”, started 2026-01-09",
            "",
            "**Completed** (1):",
            "- Carol (2026-01-16)",
        ]


async def test_typing_instead_of_picking_gets_a_hint_on_how_to_answer(database_url: str) -> None:
    async with porch(database_url) as h:
        await h.send(joined("alice"), dm("alice", "hello?"))
        assert (
            dms(h)[-1]
            == "Please pick one of the options above: click it, or reply with its number."
        )
        await h.send(dm("alice", "2"))
        assert dms(h)[-2].startswith("Wonderful.")


async def test_accepting_the_house_rules_is_recorded_with_version_and_time(
    database_url: str,
) -> None:
    async with porch(database_url) as h:
        await h.send(joined("alice"), picked("alice", "x", "learn"))
        await h.send(picked("alice", prompt(h), "learn"))
        await h.send(picked("alice", prompt(h), "accept"))
        with h.store.transaction() as session:
            (accepted,) = store.acceptances(session, community="demo")
            audit = session.exec(
                select(AuditEntry).where(AuditEntry.action == "onboarding.rules_accepted")
            ).all()
        assert (accepted.member, accepted.playbook, accepted.version) == (
            "alice",
            "house-rules",
            "1",
        )
        assert accepted.accepted_at == T0
        assert len(audit) == 1


PROJECT_MODS = ("mo", "max")


async def test_buddies_are_assigned_round_robin_within_capacity_and_never_to_themselves(
    database_url: str,
) -> None:
    config = builders.config(builders.community(playbooks=("project",), moderators=PROJECT_MODS))
    async with porch(database_url, config) as h:
        for member in ("mo", "ann", "ben", "cat", "dan", "eve", "fay", "gus"):
            await h.send(joined(member))
            await h.send(picked(member, prompt(h, member), "build"))
        buddies = {j.member: j.buddy for j in journeys(h)}
        assert buddies == {
            "mo": "max",
            "ann": "mo",
            "ben": "max",
            "cat": "mo",
            "dan": "max",
            "eve": "mo",
            "fay": None,
            "gus": None,
        }
        assert any(
            t.startswith("No buddy is free for **Gus** in Porch demo") for t in dms(h, "dana")
        )


async def test_members_who_were_there_before_porch_are_enrolled_once(database_url: str) -> None:
    async with porch(database_url) as h:
        await h.send(said("old", "I've been here for years"))
        for _ in range(2):
            with h.store.transaction() as session:
                insert_ignore(
                    session,
                    TimerRecord,
                    {
                        "key": "onboarding:enrol:demo:interest:memory:old",
                        "feature": "onboarding",
                        "community": "demo",
                        "platform": "memory",
                        "member": "old",
                        "subject": "enrol",
                        "payload": {"why": "enrol", "playbook": "interest"},
                        "due_at": T0,
                        "status": "pending",
                    },
                )
            await h.advance(timedelta(minutes=1))
        assert len(dms(h, "old")) == 1
        assert journeys(h)[0].trigger == "existing"


async def test_the_members_a_platform_lists_are_enrolled_once_and_staff_never(
    database_url: str,
) -> None:
    """`porch onboard --existing` asks the platform who is in the main channel (ListMembers)."""
    async with porch(database_url) as h:
        await h.send(joined("newbie"))
        h.adapter.rosters["#general"] = [
            ("old", "Olga"),
            ("newbie", "Newbie"),
            ("dana", "Dana"),
            ("mo", "Mo"),
            ("porch", "Porch itself"),
        ]
        listing = ListMembers(
            platform="memory", channel="#general", reason=EXISTING_REASON + "interest"
        )
        for run in range(2):
            with h.store.transaction() as session:
                outbox.enqueue(session, key=f"list:{run}", action=listing, now=h.clock.now())
            await h.advance(timedelta(minutes=1))
        assert len(dms(h, "old")) == 1 and "Hi Olga" in dms(h, "old")[0]
        assert len(dms(h, "newbie")) == 1
        assert dms(h, "dana") == [] and dms(h, "mo") == [] and dms(h, "porch") == []
        triggers = {(j.member, j.trigger) for j in journeys(h)}
        assert triggers == {("newbie", "join"), ("old", "existing")}


def with_preview() -> dict[str, OnboardingPlaybook]:
    """The shipped interest playbook, with `confirm: true` on its `post_intro` step."""
    loaded = playbooks_for(interest_config(), Path.cwd())
    interest = loaded["interest"]
    assert isinstance(interest, OnboardingPlaybook)
    steps = [
        s.model_copy(update={"confirm": True}) if s.do == "post_intro" else s
        for s in interest.steps
    ]
    return {**loaded, "interest": interest.model_copy(update={"steps": steps})}


def intro_posts(h: Harness) -> list[str]:
    return [
        e.action.message.text
        for e in h.adapter.executed
        if isinstance(e.action, Post) and e.action.channel == "#introductions"
    ]


async def test_with_confirm_the_member_sees_the_post_first_and_may_send_a_new_version(
    database_url: str,
) -> None:
    async with porch(database_url, **with_preview()) as h:
        await through_the_first_day(h)
        preview = dms(h)[-1]
        assert preview.startswith("This is how your introduction will look in #introductions:")
        assert "I build dashboards in Excel" in preview and intro_posts(h) == []
        await h.send(dm("alice", "Hi! I'm Alice, pivot tables are my favourite thing."))
        assert "pivot tables" in dms(h)[-1] and intro_posts(h) == []
        await h.send(dm("alice", "ok"))  # too short for an introduction: asked again, kept
        assert "a bit short" in dms(h)[-1] and "pivot tables" in dms(h)[-1]
        await h.send(dm("alice", "1"))
        (posted,) = intro_posts(h)
        assert "pivot tables" in posted and "dashboards" not in posted


async def test_with_confirm_the_member_may_rewrite_or_keep_their_introduction(
    database_url: str,
) -> None:
    async with porch(database_url, **with_preview()) as h:
        await through_the_first_day(h)
        await h.send(picked("alice", prompt(h), "rewrite"))
        assert "a short introduction" in dms(h)[-1]
        await h.send(answered("alice", prompt(h), "I'm Alice, second try, still about Excel."))
        assert "second try" in dms(h)[-1]
        await h.send(picked("alice", prompt(h), "keep"))
        assert intro_posts(h) == []
        assert any(t.startswith("Alright, I won't post it.") for t in dms(h))
        assert dms(h)[-1].startswith("Last step. Which of these would you like to follow?")
        assert journeys(h)[0].step == "interests"


async def test_a_wait_for_the_next_working_morning_keeps_to_the_members_own_time_zone(
    database_url: str,
) -> None:
    book = playbook(
        """
steps:
  - {do: wait, for: 1h, until: next_working_morning}
  - {do: message, text: Good morning}
"""
    )
    config = builders.config(builders.community(playbooks=("morning",)))
    async with porch(database_url, config, morning=book) as h:
        await h.send(joined("alice", timezone="America/New_York"))  # Mon 03:00 in New York
        await h.advance(timedelta(hours=5, minutes=59))
        assert dms(h) == []
        await h.advance(timedelta(minutes=1))  # Mon 09:00 in New York, 15:00 in Berlin
        assert dms(h) == ["Good morning"]
