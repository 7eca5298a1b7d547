"""Moderation through a whole Porch (in-memory platform, fake clock), on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from bot.core.actions import Capability, Edit, Kick, Mute, Pin, Post, Redact, Unmute, Unpin
from bot.features.moderation.crisis import crisis_on
from bot.store import moderation as store
from bot.testing.builders import command, joined, picked, reacted, said
from tests.unit.features.moderation.kit import (
    audit,
    dms_to,
    edited,
    everything_shown_to,
    kinds,
    porch,
    queue_edits,
    queue_posts,
)

EVERY_ACTION = ["dismiss", "remind", "remove", "mute", "kick"]
"""The one-click actions of a queue item where the platform can do everything."""


async def test_a_keyword_breach_gets_a_private_reminder_quoting_the_house_rule(
    database_url: str,
) -> None:
    async with porch(database_url) as h:
        await h.send(said("alice", "you idiot", message_id="m1"))
        [text] = dms_to(h, "alice")
        assert "house rule 1, **Be kind**: Assume good intent." in text
        assert "#general" in text
        assert queue_posts(h) == []
        [entry] = audit(h, "moderation.reminded")
        assert (entry.actor, entry.subject, entry.detail["rule"]) == ("porch", "alice", "unkind")


async def test_a_message_that_breaks_no_rule_costs_nothing_but_its_history(
    database_url: str,
) -> None:
    async with porch(database_url) as h:
        await h.send(said("alice", "Good morning, everyone", message_id="m1"))
        assert kinds(h) == []
        assert audit(h) == []


async def test_a_dry_run_rule_only_writes_what_it_would_have_done(database_url: str) -> None:
    async with porch(database_url) as h:
        await h.send(said("alice", "THIS IS REALLY GREAT NEWS", message_id="m1"))
        assert kinds(h) == []
        [entry] = audit(h)
        assert entry.action == "moderation.would_have"
        assert entry.detail["responses"] == ["remove"]
        assert entry.detail["rule"] == "shouting"


async def test_a_remove_rule_deletes_at_once_and_tells_the_author_why(database_url: str) -> None:
    async with porch(database_url) as h:
        await h.send(said("alice", "the topsecret plan", message_id="m7"))
        [redact] = [e.action for e in h.adapter.executed if isinstance(e.action, Redact)]
        assert (redact.target.message_id, redact.others) == ("m7", True)
        [text] = dms_to(h, "alice")
        assert "your message in #general was removed" in text and "Keep secrets" in text
        assert [e.detail["rule"] for e in audit(h, "moderation.removed")] == ["secret"]


async def test_without_permission_to_remove_the_breach_is_queued_saying_what_to_configure(
    database_url: str,
) -> None:
    capabilities = frozenset(Capability) - {Capability.REDACT_ANY}
    async with porch(database_url, capabilities=capabilities) as h:
        await h.send(said("alice", "the topsecret plan", message_id="m7"))
        assert "redact" not in kinds(h)
        [post] = queue_posts(h)
        assert "PORCH_SLACK_ADMIN_TOKEN" in post.message.text
        assert "topsecret" in post.message.text
        assert [c.id for c in post.message.choices] == EVERY_ACTION


async def test_beyond_the_hourly_cap_removals_are_queued_instead_and_say_so(
    database_url: str,
) -> None:
    async with porch(database_url, caps={"removals_per_hour": 2}) as h:
        for n in range(3):
            await h.send(said(f"m{n}", "topsecret", message_id=f"x{n}"))
        assert kinds(h).count("redact") == 2
        [post] = queue_posts(h)
        assert "hourly cap" in post.message.text
        await h.advance(timedelta(hours=1, seconds=1))
        await h.send(said("m9", "topsecret", message_id="x9"))
        assert kinds(h).count("redact") == 3


async def test_three_reminders_in_thirty_days_put_the_next_breach_in_the_queue(
    database_url: str,
) -> None:
    async with porch(database_url) as h:
        for n in range(3):
            await h.send(said("alice", "idiot", message_id=f"m{n}"))
            await h.advance(timedelta(days=5))
        assert len(dms_to(h, "alice")) == 3
        await h.send(said("alice", "idiot again", message_id="m9"))
        assert len(dms_to(h, "alice")) == 3
        [post] = queue_posts(h)
        assert "3 reminders in the last 30 days" in post.message.text
        assert audit(h, "moderation.breach")[-1].detail["note"] == "escalated"


async def test_reminders_older_than_the_window_do_not_escalate(database_url: str) -> None:
    async with porch(database_url) as h:
        for n in range(3):
            await h.send(said("alice", "idiot", message_id=f"m{n}"))
        await h.advance(timedelta(days=31))
        await h.send(said("alice", "idiot", message_id="m9"))
        assert len(dms_to(h, "alice")) == 4
        assert queue_posts(h) == []


async def test_a_moderator_removes_a_queued_message_with_one_click(database_url: str) -> None:
    async with porch(database_url) as h:
        await h.send(said("alice", "try my casino", message_id="m3"))
        [post] = queue_posts(h)
        assert post.message.prompt_id is not None
        await h.send(picked("mo", post.message.prompt_id, "remove"))
        [redact] = [e.action for e in h.adapter.executed if isinstance(e.action, Redact)]
        assert redact.target.message_id == "m3"
        [edit] = queue_edits(h)
        assert "Removed by Mo" in edit.message.text or "Removed by mo" in edit.message.text
        assert edit.message.choices == ()
        assert "your message in #general was removed" in dms_to(h, "alice")[0]
        [entry] = audit(h, "moderation.removed")
        assert (entry.actor, entry.subject) == ("mo", "alice")


async def test_a_member_who_is_not_a_moderator_cannot_act_on_the_queue(database_url: str) -> None:
    async with porch(database_url) as h:
        await h.send(said("alice", "try my casino", message_id="m3"))
        [post] = queue_posts(h)
        assert post.message.prompt_id is not None
        await h.send(picked("bob", post.message.prompt_id, "remove"))
        assert "redact" not in kinds(h)
        assert dms_to(h, "bob") == ["Only moderators can act on the moderation queue."]
        await h.send(picked("mo", post.message.prompt_id, "dismiss"))
        assert [e.action for e in audit(h) if e.actor == "mo"] == ["moderation.dismissed"]


async def test_a_moderator_can_remind_or_kick_from_the_queue(database_url: str) -> None:
    async with porch(database_url) as h:
        await h.send(said("alice", "try my casino", message_id="m3"))
        await h.send(said("bob", "casino again", message_id="m4"))
        first, second = queue_posts(h)
        assert first.message.prompt_id and second.message.prompt_id
        await h.send(picked("mo", first.message.prompt_id, "remind"))
        await h.send(picked("mo", second.message.prompt_id, "kick"))
        assert len(dms_to(h, "alice")) == 1
        [kick] = [e.action for e in h.adapter.executed if isinstance(e.action, Kick)]
        assert kick.member == "bob"
        await h.send(picked("mo", second.message.prompt_id, "kick"))
        assert kinds(h).count("kick") == 1


async def test_kick_is_not_offered_where_the_platform_cannot_kick(database_url: str) -> None:
    capabilities = frozenset(Capability) - {Capability.KICK}
    async with porch(database_url, capabilities=capabilities) as h:
        await h.send(said("alice", "try my casino", message_id="m3"))
        [post] = queue_posts(h)
        assert [c.id for c in post.message.choices] == ["dismiss", "remind", "remove", "mute"]


async def test_mute_is_not_offered_where_the_platform_cannot_mute(database_url: str) -> None:
    capabilities = frozenset(Capability) - {Capability.MUTE}
    async with porch(database_url, capabilities=capabilities) as h:
        await h.send(said("alice", "try my casino", message_id="m3"))
        [post] = queue_posts(h)
        assert [c.id for c in post.message.choices] == ["dismiss", "remind", "remove", "kick"]
        assert post.message.prompt_id
        await h.send(picked("mo", post.message.prompt_id, "mute"))
        assert "mute" not in kinds(h)
        assert dms_to(h, "mo") == ["Porch cannot mute members on this platform."]


async def test_a_moderator_mutes_the_author_in_every_community_channel_and_porch_unmutes(
    database_url: str,
) -> None:
    async with porch(database_url, mute_minutes=45) as h:
        await h.send(said("alice", "try my casino", message_id="m3", channel="#random"))
        [post] = queue_posts(h)
        assert post.message.prompt_id
        [label] = [c.label for c in post.message.choices if c.id == "mute"]
        assert label == "Mute for 45 minutes"
        await h.send(picked("mo", post.message.prompt_id, "mute"))
        mutes = [e.action for e in h.adapter.executed if isinstance(e.action, Mute)]
        rooms = ["#random", "#general", "#introductions"]
        assert [(m.channel, m.member) for m in mutes] == [(r, "alice") for r in rooms]
        assert {m.until for m in mutes} == {h.clock.now() + timedelta(minutes=45)}
        [told] = dms_to(h, "alice")
        assert "in all of this community's channels for 45 minutes" in told
        assert "mo muted alice for 45 minutes in #random, #general, #introductions" in (
            queue_edits(h)[0].message.text
        )
        [muted] = audit(h, "moderation.muted")
        assert (muted.actor, muted.subject, muted.detail["until"]) == (
            "mo",
            "alice",
            mutes[0].until.isoformat(),
        )
        assert muted.detail["channels"] == rooms
        await h.advance(timedelta(minutes=44))
        assert "unmute" not in kinds(h)
        await h.advance(timedelta(minutes=1))
        unmutes = [e.action for e in h.adapter.executed if isinstance(e.action, Unmute)]
        assert sorted((u.channel, u.member) for u in unmutes) == sorted((r, "alice") for r in rooms)
        [unmuted] = audit(h, "moderation.unmuted")
        assert (unmuted.subject, sorted(unmuted.detail["channels"])) == ("alice", sorted(rooms))
        await h.advance(timedelta(hours=2))
        assert kinds(h).count("unmute") == 3


async def test_the_unmute_survives_a_restart(database_url: str) -> None:
    async with porch(database_url) as h:
        await h.send(said("alice", "try my casino", message_id="m3"))
        [post] = queue_posts(h)
        assert post.message.prompt_id
        await h.send(picked("mo", post.message.prompt_id, "mute"))
        await h.restart()
        await h.advance(timedelta(minutes=61))
        assert [e.action.kind for e in h.adapter.executed].count("unmute") == 3
        assert len(audit(h, "moderation.unmuted")) == 1


async def test_reports_never_reveal_the_reporter_and_raise_priority_by_distinct_reporters(
    database_url: str,
) -> None:
    async with porch(database_url) as h:
        await h.send(said("alice", "that was a weird thing to say", message_id="m5"))
        await h.send(reacted("carol", "m5", "🚩"))
        [post] = queue_posts(h)
        assert "priority: normal" in post.message.text
        assert "Reported by 1 member" in post.message.text
        await h.send(reacted("carol", "m5", "🚩"))
        assert queue_edits(h) == []
        await h.send(reacted("dave", "m5", "🚩"))
        await h.send(command("erin", "/porch report #general m5"))
        edits = queue_edits(h)
        assert [("priority: raised" in e.message.text) for e in edits] == [True, False]
        assert "priority: high" in edits[-1].message.text
        [posted_id] = [e.message_id for e in h.adapter.executed if e.action is post]
        assert all(isinstance(e, Edit) and e.target.message_id == posted_id for e in edits)
        assert post.message.prompt_id
        await h.send(picked("mo", post.message.prompt_id, "remind"))
        seen_by_alice = everything_shown_to(h, "alice")
        queue_texts = " ".join(p.message.text for p in queue_posts(h)) + " ".join(
            e.message.text for e in queue_edits(h)
        )
        for reporter in ("carol", "Carol", "dave", "Dave", "erin", "Erin"):
            assert reporter not in seen_by_alice
            assert reporter not in queue_texts
        reports = audit(h, "moderation.reported")
        assert sorted(e.actor for e in reports) == ["carol", "dave", "erin"]


async def test_the_slack_shortcut_reports_through_the_same_command(database_url: str) -> None:
    async with porch(database_url) as h:
        await h.send(said("alice", "hmm", message_id="1700000000.000100", channel="#general"))
        await h.send(command("carol", "/porch report #general 1700000000.000100"))
        [post] = queue_posts(h)
        assert "1700000000.000100" in post.message.text
        assert "By **alice** in #general" in post.message.text


async def test_modlog_lists_decisions_for_moderators_without_naming_reporters(
    database_url: str,
) -> None:
    async with porch(database_url) as h:
        await h.send(said("alice", "idiot", message_id="m1"))
        await h.send(reacted("carol", "m1", "🚩"))
        await h.send(command("mo", "/porch modlog --since 1d"))
        reply = h.adapter.executed[-1].action
        text = reply.message.text
        assert "reminded · alice · unkind" in text
        assert "a member · reported" in text
        assert "carol" not in text
        await h.send(command("alice", "/porch modlog"))
        assert "moderator" in h.adapter.executed[-1].action.message.text


async def test_modlog_names_each_action_in_the_moderators_language(database_url: str) -> None:
    async with porch(database_url) as h:
        await h.send(joined("mo", locale="de"))
        await h.send(said("alice", "idiot", message_id="m1"))
        await h.send(said("erin", "THIS IS VERY LOUD INDEED", message_id="m2"))
        await h.send(command("mo", "/porch modlog --since 1d"))
        text = h.adapter.executed[-1].action.message.text
        assert "(Zeiten in UTC)" in text
        assert "erinnert · alice · unkind" in text
        assert "Regel verletzt · alice" in text
        assert "hätte gehandelt (Testlauf) · erin · shouting" in text
        assert "breach" not in text and "would_have" not in text


async def test_crisis_mode_posts_pins_opens_a_thread_tightens_flood_and_restores(
    database_url: str,
) -> None:
    async with porch(database_url) as h:
        await h.send(command("dana", '/porch crisis on "We are reorganising. Details follow."'))
        posts = [e.action for e in h.adapter.executed if isinstance(e.action, Post)]
        assert "We are reorganising" in posts[0].message.text
        assert [e.action for e in h.adapter.executed if isinstance(e.action, Pin)]
        assert posts[1].thread is not None
        with h.store.transaction() as session:
            assert crisis_on(session, "demo")
        for n in range(4):
            await h.send(said("alice", f"message number {n}", message_id=f"c{n}"))
        assert len(dms_to(h, "alice")) == 1
        await h.send(command("dana", "/porch crisis off"))
        assert (
            "All clear"
            in [e.action for e in h.adapter.executed if isinstance(e.action, Post)][-1].message.text
        )
        [statement_id] = [e.message_id for e in h.adapter.executed if e.action is posts[0]]
        [unpin] = [e.action for e in h.adapter.executed if isinstance(e.action, Unpin)]
        assert (unpin.channel, unpin.target.message_id) == ("#general", statement_id)
        await h.advance(timedelta(minutes=1))
        for n in range(4):
            await h.send(said("alice", f"later message {n}", message_id=f"d{n}"))
        assert len(dms_to(h, "alice")) == 1
        assert [e.action for e in audit(h) if "crisis" in e.action] == [
            "moderation.crisis_on",
            "moderation.crisis_off",
        ]


async def test_crisis_off_unpins_nothing_where_crisis_on_could_not_pin(database_url: str) -> None:
    async with porch(database_url, capabilities=frozenset(Capability) - {Capability.PIN}) as h:
        await h.send(command("dana", '/porch crisis on "Heads up."'))
        await h.send(command("dana", "/porch crisis off"))
        assert "All clear" in h.adapter.texts("post")[-1]
        assert "unpin" not in kinds(h)


async def test_only_managers_switch_crisis_mode_and_twice_on_is_refused(database_url: str) -> None:
    async with porch(database_url) as h:
        await h.send(command("alice", '/porch crisis on "hello"'))
        assert "pin" not in kinds(h)
        await h.send(command("dana", '/porch crisis on "one"'))
        await h.send(command("dana", '/porch crisis on "two"'))
        assert "already" in h.adapter.executed[-1].action.message.text
        assert kinds(h).count("pin") == 1


async def test_flagged_excerpts_expire_after_the_retention_period(database_url: str) -> None:
    async with porch(database_url) as h:
        await h.send(said("alice", "try my casino " + "x" * 400, message_id="m3"))
        with h.store.transaction() as session:
            [case] = session.exec(store.select(store.ModerationCase)).all()
            assert case.excerpt is not None and len(case.excerpt) <= 280
        await h.advance(timedelta(days=29))
        with h.store.transaction() as session:
            assert session.exec(store.select(store.ModerationCase)).one().excerpt is not None
        await h.advance(timedelta(days=2))
        with h.store.transaction() as session:
            assert session.exec(store.select(store.ModerationCase)).one().excerpt is None
        assert audit(h, "moderation.expired")


async def test_messages_in_the_moderators_channel_are_not_policed(database_url: str) -> None:
    async with porch(database_url) as h:
        await h.send(said("mo", "that idiot spammer again", channel="#moderators"))
        assert kinds(h) == []


async def test_the_rules_are_prepared_once_per_playbook_not_per_message(
    sqlite_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from bot.features.moderation import feature

    built: list[object] = []
    original = feature.history_policy

    def counting(rules: Any) -> Any:
        built.append(rules)
        return original(rules)

    monkeypatch.setattr(feature, "history_policy", counting)
    async with porch(sqlite_url) as h:
        for n in range(5):
            await h.send(said("alice", f"hello number {n}", message_id=f"m{n}"))
        assert len(built) == 1
        await h.send(command("dana", '/porch crisis on "Heads up."'))
        await h.send(said("alice", "hello again", message_id="m9"))
        assert len(built) == 2


async def test_a_report_without_a_message_says_how_to_report(database_url: str) -> None:
    async with porch(database_url) as h:
        await h.send(command("carol", "/porch report"))
        text = h.adapter.executed[-1].action.message.text
        assert "/porch report <channel> <message id>" in text and "🚩" in text
        assert queue_posts(h) == []


async def test_crisis_mode_is_per_community(database_url: str) -> None:
    async with porch(database_url) as h:
        await h.send(command("dana", '/porch crisis on "Heads up."'))
        with h.store.transaction() as session:
            assert crisis_on(session, "demo")
            assert not crisis_on(session, "elsewhere")


async def test_a_report_of_a_message_outside_the_community_is_not_queued(
    database_url: str,
) -> None:
    async with porch(database_url) as h:
        await h.send(reacted("carol", "m1", "🚩", channel="dm:carol"))
        await h.send(command("carol", "/porch report #elsewhere m1"))
        assert queue_posts(h) == []
        assert audit(h) == []


async def test_the_reminder_is_in_the_members_language(database_url: str) -> None:
    async with porch(database_url) as h:
        await h.send(joined("jonas", locale="de"))
        await h.send(said("jonas", "so ein idiot", message_id="m1"))
        [text] = dms_to(h, "jonas")
        assert "Hausregel 1, **Sei freundlich**: Geh von Gutem aus." in text


async def test_editing_a_message_to_break_a_rule_is_caught(database_url: str) -> None:
    async with porch(database_url) as h:
        await h.send(said("alice", "what a nice move", message_id="m1"))
        assert kinds(h) == []
        await h.send(edited("alice", "m1", "what an idiot move"))
        [text] = dms_to(h, "alice")
        assert "Be kind" in text
        [breach] = audit(h, "moderation.breach")
        assert (breach.detail["message"], breach.detail["edited"]) == ("m1", True)


async def test_an_edit_that_still_breaks_the_same_rule_is_not_answered_twice(
    database_url: str,
) -> None:
    async with porch(database_url) as h:
        await h.send(said("alice", "what an idiot move", message_id="m1"))
        await h.send(edited("alice", "m1", "what an idiot move, really"))
        await h.send(edited("alice", "m1", "idiot"))
        assert len(dms_to(h, "alice")) == 1
        assert len(audit(h, "moderation.reminded")) == 1
        await h.send(edited("alice", "m1", "idiot, and the topsecret plan"))
        [redact] = [e.action for e in h.adapter.executed if isinstance(e.action, Redact)]
        assert redact.target.message_id == "m1"
        assert "your message in #general was removed" in dms_to(h, "alice")[-1]
        await h.send(edited("alice", "m1", "topsecret topsecret"))
        assert kinds(h).count("redact") == 1
        assert len(dms_to(h, "alice")) == 2


async def test_an_edit_is_not_another_message_of_a_flood(database_url: str) -> None:
    async with porch(database_url) as h:
        for n in range(5):
            await h.send(said("alice", f"point number {n}", message_id=f"m{n}"))
        for n in range(3):
            await h.send(edited("alice", f"m{n}", f"point number {n}, corrected"))
        assert kinds(h) == []
        await h.send(said("alice", "one more point", message_id="m9"))
        assert [e.detail["rule"] for e in audit(h, "moderation.breach")] == ["flood"]


async def test_edits_in_dms_and_in_the_moderators_channel_are_not_policed(
    database_url: str,
) -> None:
    async with porch(database_url) as h:
        await h.send(edited("mo", "m1", "that idiot spammer", channel="#moderators"))
        await h.send(edited("alice", "m2", "you idiot", channel="dm:alice"))
        assert kinds(h) == []
        assert audit(h) == []


def prompts_dmed(h: Any) -> dict[str, str]:
    """Queue items sent by DM: recipient -> prompt id."""
    return {
        e.action.member: e.action.message.prompt_id
        for e in h.adapter.executed
        if e.action.kind == "dm" and e.action.message.prompt_id
    }


def dm_ids(h: Any) -> dict[str, str]:
    """Queue items sent by DM: recipient -> the platform's message id of their copy."""
    return {
        e.action.member: e.message_id
        for e in h.adapter.executed
        if e.action.kind == "dm" and e.action.message.prompt_id
    }


async def test_without_a_moderators_channel_each_moderator_gets_the_queue_item_by_dm(
    database_url: str,
) -> None:
    async with porch(database_url, moderators_channel=None, moderators=("mo", "mia")) as h:
        await h.send(said("alice", "try my casino", message_id="m3"))
        assert queue_posts(h) == []
        prompts = prompts_dmed(h)
        assert sorted(prompts) == ["mia", "mo"]
        assert "try my casino" in dms_to(h, "mo")[0]
        [queued] = audit(h, "moderation.queued")
        assert queued.detail["by_dm"] == 2
        await h.send(picked("mia", prompts["mia"], "remove"))
        assert kinds(h).count("redact") == 1
        edits = queue_edits(h)
        # Each edit goes to the DM conversation its copy was delivered to.
        assert sorted(e.channel for e in edits) == ["dm:mia", "dm:mo"]
        assert all("Removed by mia" in e.message.text and not e.message.choices for e in edits)
        assert {e.target.message_id for e in edits} == set(dm_ids(h).values())
        assert not any("Removed by mia" in t for t in dms_to(h, "mo"))
        await h.send(picked("mo", prompts["mo"], "dismiss"))
        assert [e.actor for e in audit(h) if e.action == "moderation.dismissed"] == []
        assert kinds(h).count("redact") == 1


async def test_without_moderators_channel_or_moderators_the_managers_get_the_queue_item(
    database_url: str,
) -> None:
    async with porch(database_url, moderators_channel=None, moderators=()) as h:
        await h.send(said("alice", "try my casino", message_id="m3"))
        prompts = prompts_dmed(h)
        assert list(prompts) == ["dana"]
        await h.send(picked("dana", prompts["dana"], "remind"))
        assert "gentle note" in dms_to(h, "alice")[-1]
        assert [e.actor for e in audit(h, "moderation.reminded")] == ["dana"]


async def test_a_report_without_a_moderators_channel_reaches_the_moderators_by_dm(
    database_url: str,
) -> None:
    async with porch(database_url, moderators_channel=None) as h:
        await h.send(said("alice", "hmm", message_id="m5"))
        await h.send(reacted("carol", "m5", "🚩"))
        await h.send(reacted("dave", "m5", "🚩"))
        [item] = [t for t in dms_to(h, "mo") if "Needs a look" in t]
        assert "Reported by 1 member" in item
        [edit] = queue_edits(h)
        assert (edit.channel, edit.target.message_id) == ("dm:mo", dm_ids(h)["mo"])
        assert "priority: raised" in edit.message.text
        assert "Reported by 2 member" in edit.message.text
        assert [c.id for c in edit.message.choices] == EVERY_ACTION
        assert edit.message.prompt_id == prompts_dmed(h)["mo"]
        await h.send(picked("mo", prompts_dmed(h)["mo"], "dismiss"))
        assert "Dismissed by mo" in queue_edits(h)[-1].message.text
        assert [e.actor for e in audit(h, "moderation.dismissed")] == ["mo"]


async def test_dm_copies_of_a_queue_item_show_each_new_report_and_the_outcome(
    database_url: str,
) -> None:
    async with porch(database_url, moderators_channel=None, moderators=("mo", "mia")) as h:
        await h.send(said("alice", "hmm", message_id="m5"))
        for reporter in ("carol", "dave", "erin"):
            await h.send(reacted(reporter, "m5", "🚩"))
        by_copy: dict[str, list[str]] = {}
        for e in queue_edits(h):
            by_copy.setdefault(e.channel, []).append(e.message.text)
        assert sorted(by_copy) == ["dm:mia", "dm:mo"]
        for texts in by_copy.values():
            assert ["priority: raised" in t for t in texts] == [True, False]
            assert "priority: high" in texts[-1] and "Reported by 3 member" in texts[-1]
        await h.send(picked("mo", prompts_dmed(h)["mo"], "remind"))
        closed = queue_edits(h)[-2:]
        assert sorted(e.channel for e in closed) == ["dm:mia", "dm:mo"]
        assert all("mo sent a reminder" in e.message.text for e in closed)
        await h.send(picked("mia", prompts_dmed(h)["mia"], "remove"))
        assert "redact" not in kinds(h)
        assert len(queue_edits(h)) == 6


async def test_the_queue_item_links_to_the_flagged_message(database_url: str) -> None:
    link = "https://matrix.to/#/%21r%3Ahs/%24m3"
    async with porch(database_url) as h:
        await h.send(said("alice", "try my casino", message_id="$m3", permalink=link))
        [post] = queue_posts(h)
        assert f"[open the message]({link})" in post.message.text
        assert "$m3" not in post.message.text
        await h.send(said("bob", "hmm", message_id="$m4", permalink=link + "4"))
        await h.send(reacted("carol", "$m4", "🚩"))
        assert f"[open the message]({link}4)" in queue_posts(h)[-1].message.text
        with h.store.transaction() as session:
            links = [c.permalink for c in session.exec(store.select(store.ModerationCase))]
        assert sorted(links) == [link, link + "4"]
        assert post.message.prompt_id
        await h.send(picked("mo", post.message.prompt_id, "dismiss"))
        assert f"[open the message]({link})" in queue_edits(h)[-1].message.text
