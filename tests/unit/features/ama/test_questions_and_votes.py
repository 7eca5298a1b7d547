"""Asking (channel, DM, several AMAs), moderation, answers, edits, limits and the three ways to vote."""

import itertools
from datetime import timedelta

from bot.core.actions import DirectMessage, Edit, Post
from bot.core.events import ReactionRemoved
from bot.testing.builders import command, picked
from bot.testing.builders import reacted as reaction
from tests.unit.features.ama.kit import board, by_key, harness, keys, replies_to

START = '/ama start "Roadmap 2027" --host @lee'


def unreacted(member: str, message_id: str, emoji: str = "👍") -> ReactionRemoved:
    added = reaction(member, message_id, emoji)
    return ReactionRemoved(
        platform=added.platform,
        dedupe_key=added.dedupe_key + ":removed",
        occurred_at=added.occurred_at,
        member=member,
        channel=added.channel,
        message_id=message_id,
        emoji=emoji,
    )


async def test_a_question_is_posted_with_a_button_and_the_asker_is_told_privately(
    sqlite_url: str,
) -> None:
    async with harness(sqlite_url) as h:
        await h.send(command("dana", START), command("alice", "/ama ask Why Rust?"))
        post = by_key(h, "ama:1:q:1").action
        assert isinstance(post, Post)
        assert post.message.text == "**Question #1** (anonymous):\nWhy Rust?"
        assert replies_to(h, "alice") == [
            'Your question #1 is posted in "Roadmap 2027" (anonymous: nobody sees who asked, '
            "not even the hosts). Until it is answered you can change it with "
            "`/ama edit 1 new text` or take it back with `/ama withdraw 1`."
        ]


async def test_votes_by_command_reaction_and_button_count_once_per_member(
    database_url: str,
) -> None:
    async with harness(database_url) as h:
        await h.send(command("dana", START), command("alice", "/ama ask Why?"))
        message = by_key(h, "ama:1:q:1").message_id
        await h.send(command("bob", "/ama vote 1"), reaction("bob", message, "👍"))
        await h.send(reaction("carol", message, "👍🏽"), picked("dave", "ama:1:q:1", "up"))
        await h.send(reaction("erin", message, "1️⃣"), reaction("frank", message, "🎉"))
        await h.advance(timedelta(seconds=5))
        assert "- **#1** · 4 👍 · Why? (anonymous)" in board(h)


async def test_voting_again_or_removing_the_reaction_takes_the_vote_back(sqlite_url: str) -> None:
    async with harness(sqlite_url) as h:
        await h.send(command("dana", START), command("alice", "/ama ask Why?"))
        message = by_key(h, "ama:1:q:1").message_id
        await h.send(command("bob", "/ama vote 1"), command("bob", "/ama vote 1"))
        await h.send(reaction("carol", message, "👍"), unreacted("carol", message))
        await h.send(reaction("erin", message, "1️⃣"), unreacted("erin", message, "1️⃣"))
        await h.send(picked("dave", "ama:1:q:1", "up"), picked("dave", "ama:1:q:1", "up"))
        assert replies_to(h, "bob")[-2:] == [
            "Your vote for #1 counts.",
            "Your vote for #1 is taken back.",
        ]
        await h.advance(timedelta(seconds=5))
        assert "- **#1** · 0 👍 · Why? (anonymous)" in board(h)


async def test_a_burst_of_votes_edits_the_board_once_per_interval(sqlite_url: str) -> None:
    async with harness(sqlite_url) as h:
        await h.send(command("dana", START), command("alice", "/ama ask Why?"))
        for n in range(30):
            await h.send(command(f"member{n}", "/ama vote 1"))
            h.clock.advance(timedelta(milliseconds=400))
        await h.advance(timedelta(seconds=10))
        buckets = [
            int(e.key.rsplit(":", 1)[1]) for e in h.adapter.executed if "board:edit" in e.key
        ]
        assert len(buckets) == 3, "30 votes over 12 seconds: one edit per 5-second bucket"
        assert all(b - a == 1 for a, b in itertools.pairwise(buckets))
        assert "- **#1** · 30 👍 · Why? (anonymous)" in board(h)


async def test_an_anonymous_asker_voting_for_their_own_question_is_told_alone(
    sqlite_url: str,
) -> None:
    async with harness(sqlite_url) as h:
        await h.send(command("dana", START), command("alice", "/ama ask Why?"))
        message = by_key(h, "ama:1:q:1").message_id
        before = len(h.adapter.executed)
        await h.send(command("alice", "/ama vote 1"), reaction("alice", message, "👍"))
        await h.send(picked("alice", "ama:1:q:1", "up"))
        told = h.adapter.executed[before:]
        assert {getattr(e.action, "member", None) for e in told} == {"alice"}
        assert [e.action.message.text for e in told] == [  # type: ignore[union-attr]
            "You cannot vote for your own question (#1).",
            "You cannot vote for your own question (#1). Others can see reactions: "
            "take your 👍 back to stay anonymous.",
            "You cannot vote for your own question (#1).",
        ]


async def test_a_dm_question_goes_to_the_members_only_live_ama(sqlite_url: str) -> None:
    async with harness(sqlite_url) as h:
        await h.send(command("alice", "/porch whoami"), command("dana", START))
        await h.send(command("alice", "/ama ask --named From my DM?", direct=True))
        assert by_key(h, "ama:1:q:1").action.message.text.startswith(  # type: ignore[union-attr]
            "**Question #1** (alice):"
        )
        assert isinstance(h.adapter.executed[-1].action, DirectMessage)


async def test_a_dm_question_with_several_live_amas_asks_which_one_is_meant(
    database_url: str,
) -> None:
    async with harness(database_url) as h:
        await h.send(command("alice", "/porch whoami"), command("dana", START))
        await h.send(command("dana", '/ama start "Help desk"', channel="#help"))
        await h.send(command("alice", "/ama ask Which one?", direct=True))
        prompt = h.adapter.executed[-1].action
        assert isinstance(prompt, DirectMessage) and prompt.message.prompt_id is not None
        assert [c.label for c in prompt.message.choices] == [
            "Roadmap 2027 (#general)",
            "Help desk (#help)",
        ]
        await h.send(picked("alice", prompt.message.prompt_id, prompt.message.choices[1].id))
        (question,) = [e for e in h.adapter.executed if e.key.endswith(":q:1")]
        assert isinstance(question.action, Post) and question.action.channel == "#help"
        await h.send(command("alice", "/ama ask --channel #general Here", direct=True))
        assert by_key(h, "ama:1:q:1").action.channel == "#general"  # type: ignore[union-attr]


async def test_a_moderated_question_waits_and_a_decline_reason_reaches_only_the_asker(
    database_url: str,
) -> None:
    async with harness(database_url) as h:
        await h.send(command("dana", START + " --moderated --limit 1"))
        await h.send(command("alice", "/ama ask Fine?"), command("carol", "/ama ask Rude?"))
        review = by_key(h, "ama:1:q:1:review").action
        assert isinstance(review, Post) and review.channel == "#moderators"
        assert "ama:1:q:1" not in keys(h)
        await h.send(picked("bob", "ama:1:q:1:review", "approve"))
        assert (
            h.adapter.texts()[-1]
            == 'Only the hosts of the AMA "Roadmap 2027" (lee) and moderators may do that.'
        )
        await h.send(picked("mo", "ama:1:q:1:review", "approve"))
        assert "ama:1:q:1" in keys(h)
        await h.send(command("lee", '/ama decline 2 "Please ask HR."'))
        declined = by_key(h, "ama:1:q:2:declined").action
        assert isinstance(declined, DirectMessage) and declined.member == "carol"
        assert declined.message.text == (
            'Your question #2 in "Roadmap 2027" was declined. Reason: Please ask HR.\n'
            "> Rude?\n"
            "Only you get this message. The question does not count towards your limit, "
            "so you are welcome to ask another one."
        )
        assert not [
            t for t in h.adapter.texts() if "Please ask HR" in t and t != declined.message.text
        ]
        await h.send(command("carol", "/ama ask Kinder?"))
        assert "ama:1:q:3:review" in keys(h)


async def test_an_answer_goes_into_the_questions_thread_and_onto_the_board(
    database_url: str,
) -> None:
    async with harness(database_url) as h:
        await h.send(command("dana", START), command("alice", "/ama ask Why?"))
        await h.send(command("lee", "/ama next"))
        assert h.adapter.texts()[-1].startswith("Next up: **#1** · 0 👍 · Why? (anonymous)")
        await h.send(command("lee", '/ama answer 1 "Because."'))
        answer = by_key(h, "ama:1:q:1:answer").action
        assert isinstance(answer, Post) and answer.thread is not None
        assert answer.thread.message_id == by_key(h, "ama:1:q:1").message_id
        await h.advance(timedelta(seconds=5))
        assert "- **#1** Why? → Because." in board(h)
        await h.send(command("bob", "/ama vote 1"))
        assert replies_to(h, "bob") == ["Question #1 is closed and takes no more votes."]


async def test_members_may_not_answer_and_are_told_who_may(sqlite_url: str) -> None:
    async with harness(sqlite_url) as h:
        await h.send(command("dana", START), command("alice", "/ama ask Why?"))
        await h.send(command("alice", '/ama answer 1 "Me!"'))
        assert h.adapter.texts()[-1] == "Only hosts or moderators may use `/ama answer`."
        await h.send(command("mo", '/ama answer 1 "A moderator may."'))
        assert "ama:1:q:1:answer" in keys(h)


async def test_the_asker_alone_may_edit_or_withdraw_an_unanswered_question(
    sqlite_url: str,
) -> None:
    async with harness(sqlite_url) as h:
        await h.send(command("dana", START), command("alice", "/ama ask Wy?"))
        await h.send(command("bob", '/ama edit 1 "Hijacked"'))
        assert replies_to(h, "bob") == ["Question #1 is not yours to change."]
        await h.send(command("alice", '/ama edit 1 "Why?"'))
        edit = h.adapter.executed[-2].action
        assert isinstance(edit, Edit) and edit.message.text.endswith("\nWhy?")
        await h.send(command("alice", "/ama withdraw 1"))
        await h.advance(timedelta(seconds=5))
        assert "Why?" not in board(h)
        await h.send(command("alice", '/ama edit 1 "Again"'))
        assert replies_to(h, "alice")[-1] == "Question #1 can no longer be changed."


async def test_a_member_may_ask_up_to_the_limit_and_withdrawn_questions_do_not_count(
    sqlite_url: str,
) -> None:
    async with harness(sqlite_url) as h:
        await h.send(command("dana", START + " --limit 2"))
        await h.send(command("alice", "/ama ask One?"), command("alice", "/ama ask Two?"))
        await h.send(command("alice", "/ama ask Three?"))
        assert replies_to(h, "alice")[-1] == (
            "You have reached the question limit of this AMA (2 per member)."
        )
        await h.send(command("alice", "/ama withdraw 1"), command("alice", "/ama ask Three?"))
        assert "ama:1:q:3" in keys(h)


async def test_merging_moves_the_votes_without_counting_a_member_twice(
    database_url: str,
) -> None:
    async with harness(database_url) as h:
        await h.send(command("dana", START))
        await h.send(command("alice", "/ama ask Pricing?"), command("bob", "/ama ask Prices?"))
        await h.send(command("carol", "/ama vote 1"), command("carol", "/ama vote 2"))
        await h.send(command("dave", "/ama vote 2"), command("alice", "/ama vote 2"))
        await h.send(command("lee", "/ama merge 1 2"))
        await h.advance(timedelta(seconds=5))
        assert "- **#1** · 2 👍 · Pricing? (anonymous) (with #2)" in board(h)
        merged = h.adapter.executed
        assert any(
            isinstance(e.action, Edit)
            and e.action.message.text == "**Question #2** was merged into #1."
            for e in merged
        )


async def test_a_german_community_gets_a_german_board(sqlite_url: str) -> None:
    from tests.unit.features.ama.kit import ama_config

    async with harness(sqlite_url, config=ama_config(locale="de")) as h:
        await h.send(command("dana", START))
        assert board(h).splitlines()[:3] == [
            "**AMA: Roadmap 2027** (live) · Gastgeber:innen: lee",
            "**Offene Fragen**, meiste Stimmen zuerst:",
            "- noch keine",
        ]


async def test_in_a_moderated_ama_the_review_post_follows_edits_and_decisions(
    sqlite_url: str,
) -> None:
    async with harness(sqlite_url) as h:
        await h.send(command("dana", START + " --moderated"))
        await h.send(command("alice", "/ama ask Fine?"), command("carol", "/ama ask Rude?"))
        await h.send(command("alice", '/ama edit 1 "Fine, really?"'))
        edit = h.adapter.executed[-2].action
        assert isinstance(edit, Edit) and edit.channel == "#moderators"
        assert "Fine, really?" in edit.message.text and edit.message.choices
        await h.send(command("mo", "/ama approve 1"), command("lee", "/ama decline 2 No."))
        settled = [
            e.action
            for e in h.adapter.executed
            if e.key.endswith((":review:open", ":review:declined"))
        ]
        assert [a.message.text for a in settled] == [  # type: ignore[union-attr]
            "Question #1 was approved by mo and is posted.",
            "Question #2 was declined by lee.",
        ]
        await h.send(command("alice", '/ama edit 1 "Now rude"'))
        assert replies_to(h, "alice")[-1] == (
            "Question #1 was approved as it is; withdraw it and ask again to change it."
        )


async def test_a_dm_question_left_without_a_pick_is_forgotten_after_an_hour(
    sqlite_url: str,
) -> None:
    from sqlmodel import select

    from bot.store.ama import AmaDraft

    async with harness(sqlite_url) as h:
        await h.send(command("alice", "/porch whoami"), command("dana", START))
        await h.send(command("dana", '/ama start "Help desk"', channel="#help"))
        await h.send(command("alice", "/ama ask Which one?", direct=True))
        with h.store.transaction() as s:
            assert len(s.exec(select(AmaDraft)).all()) == 1
        await h.advance(timedelta(hours=1))
        with h.store.transaction() as s:
            assert s.exec(select(AmaDraft)).all() == []


async def test_a_skipped_question_leaves_the_board_and_takes_no_more_votes(
    sqlite_url: str,
) -> None:
    async with harness(sqlite_url) as h:
        await h.send(command("dana", START))
        await h.send(command("alice", "/ama ask Later?"), command("bob", "/ama ask Now?"))
        await h.send(command("lee", "/ama skip 1"))
        assert h.adapter.texts()[-1] == (
            "Question #1 is skipped; it goes to the hosts' list at the end."
        )
        await h.send(command("carol", "/ama vote 1"))
        assert replies_to(h, "carol") == ["Question #1 is closed and takes no more votes."]
        await h.advance(timedelta(seconds=5))
        assert "Later?" not in board(h) and "- **#2** · 0 👍 · Now? (anonymous)" in board(h)
