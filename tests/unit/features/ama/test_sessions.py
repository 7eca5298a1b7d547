"""Starting, scheduling, ending and archiving AMAs, through the whole Porch (Harness)."""

from datetime import timedelta

from sqlmodel import select

from bot.core.actions import DirectMessage, Edit, Post
from bot.store.ama import AmaAsker, AmaQuestion, AmaSession, AmaVote
from bot.testing.builders import answered, command, picked
from tests.unit.features.ama.kit import board, by_key, harness, keys, replies_to

START = '/ama start "Roadmap 2027" --host @lee'


async def test_a_manager_starts_an_ama_and_the_board_is_posted(database_url: str) -> None:
    async with harness(database_url) as h:
        await h.send(command("dana", START))
        assert keys(h, "ama:") == ["ama:1:opened", "ama:1:board"]
        assert board(h).startswith("**AMA: Roadmap 2027** (live) · hosts: lee")


async def test_a_member_may_not_start_an_ama_and_is_told_which_role_may(sqlite_url: str) -> None:
    async with harness(sqlite_url) as h:
        await h.send(command("alice", START))
        assert h.adapter.texts() == ["Only hosts or managers may use `/ama start`."]


async def test_one_channel_has_one_live_ama_but_other_channels_have_their_own(
    database_url: str,
) -> None:
    async with harness(database_url) as h:
        await h.send(command("dana", START), command("dana", '/ama start "Other"'))
        assert h.adapter.texts()[-1] == (
            "An AMA is already live in #general; end it first with `/ama end`."
        )
        await h.send(command("dana", '/ama start "Help desk"', channel="#help"))
        await h.send(command("alice", "/ama ask Where?", channel="#help"))
        (question,) = [e for e in h.adapter.executed if e.key.endswith(":q:1")]
        assert isinstance(question.action, Post) and question.action.channel == "#help"
        assert len(keys(h, "ama:")) == 5


async def test_a_scheduled_ama_is_announced_reminded_opened_and_closed_on_time(
    sqlite_url: str,
) -> None:
    async with harness(sqlite_url) as h:
        await h.send(command("dana", '/ama schedule "Roadmap" --in 2d --host @lee --for 45m'))
        assert keys(h, "ama:") == ["ama:1:announce"]
        await h.advance(timedelta(days=1))
        assert keys(h, "ama:1:remind") == ["ama:1:remind:24h"]
        await h.advance(timedelta(hours=23, minutes=50))
        assert keys(h, "ama:1:remind") == ["ama:1:remind:24h", "ama:1:remind:15m"]
        assert by_key(h, "ama:1:remind:15m").at == h.clock.now() - timedelta(minutes=5)
        await h.advance(timedelta(minutes=10))
        assert "ama:1:board" in keys(h)
        await h.advance(timedelta(minutes=45))
        assert "ama:1:summary" in keys(h)
        with h.store.transaction() as s:
            ama = s.exec(select(AmaSession)).one()
        assert ama.status == "ended" and ama.live_lock is None


async def test_a_schedule_in_the_past_is_refused_with_the_reason(sqlite_url: str) -> None:
    async with harness(sqlite_url) as h:
        await h.send(command("dana", '/ama schedule "Roadmap" --at "2025-12-01 10:00"'))
        assert h.adapter.texts() == [
            "2025-12-01 10:00 (Europe/Berlin) has already passed; pick a time in the future."
        ]


async def test_a_host_of_one_ama_may_not_end_another(sqlite_url: str) -> None:
    async with harness(sqlite_url) as h:
        await h.send(command("dana", START), command("dana", '/ama start "Help"', channel="#help"))
        await h.send(command("lee", "/ama end", channel="#help"))
        assert h.adapter.texts()[-1] == (
            'Only the hosts of the AMA "Help" (dana) and moderators may do that.'
        )
        await h.send(command("lee", "/ama end"))
        assert "ama:1:summary" in keys(h)


async def test_the_end_posts_a_summary_and_sends_the_hosts_whats_unanswered(
    database_url: str,
) -> None:
    async with harness(database_url) as h:
        await h.send(command("dana", START))
        for member, text in (
            ("alice", "One?"),
            ("bob", "Two?"),
            ("carol", "Three?"),
            ("dave", "Four?"),
        ):
            await h.send(command(member, f"/ama ask {text}"))
        await h.send(command("bob", "/ama vote 1"), command("carol", "/ama vote 1"))
        await h.send(command("alice", "/ama vote 3"), command("lee", '/ama answer 2 "Yes."'))
        await h.send(command("lee", "/ama end"))
        summary = by_key(h, "ama:1:summary").action.message.text  # type: ignore[union-attr]
        assert summary.splitlines() == [
            '**The AMA "Roadmap 2027" has ended.** Questions: 4 · answered: 1 · participants: 4. Thank you!',
            "Most wanted:",
            "1. **#1** One? (2 👍)",
            "2. **#3** Three? (1 👍)",
            "3. **#2** Two? (0 👍)",
        ]
        later = by_key(h, "ama:1:later:h0:r1").action
        assert isinstance(later, DirectMessage) and later.member == "lee"
        assert [c.id for c in later.message.choices] == ["q1", "q3", "q4"]
        await h.advance(timedelta(seconds=5))
        assert board(h).startswith("**AMA: Roadmap 2027** (ended)")


async def test_a_host_answers_after_the_end_with_one_click_into_the_thread(sqlite_url: str) -> None:
    async with harness(sqlite_url) as h:
        await h.send(command("dana", START), command("alice", "/ama ask Why?"))
        await h.send(command("lee", "/ama end"))
        await h.send(picked("lee", "ama:1:later:h0:r0", "q1"))
        await h.send(answered("lee", "ama:1:later:h0:q1", "Because."))
        post = by_key(h, "ama:1:q:1:answer").action
        assert isinstance(post, Post) and post.thread is not None
        assert post.thread.message_id == by_key(h, "ama:1:q:1").message_id
        assert replies_to(h, "lee")[-1] == "Your answer to #1 is posted in its thread."
        await h.advance(timedelta(seconds=5))
        assert "→ Because." in board(h)


async def test_the_export_is_markdown_for_hosts_and_refused_to_members(sqlite_url: str) -> None:
    async with harness(sqlite_url) as h:
        await h.send(command("dana", START), command("alice", "/ama ask --named Why?"))
        await h.send(command("lee", '/ama answer 1 "Because."'), command("lee", "/ama end"))
        await h.send(command("lee", "/ama export"), command("alice", "/ama export"))
        export, refusal = h.adapter.texts()[-2:]
        assert export.startswith("# AMA: Roadmap 2027\n")
        assert "### #1 · 0 👍 · alice\n\n> Why?\n\nBecause." in export
        assert refusal == (
            'Only the hosts of the AMA "Roadmap 2027" (lee) and moderators may do that.'
        )


async def test_texts_expire_after_the_retention_period_but_the_figures_remain(
    database_url: str,
) -> None:
    async with harness(database_url) as h:
        await h.send(command("dana", START), command("alice", "/ama ask Secret plan?"))
        await h.send(command("bob", "/ama vote 1"), command("lee", "/ama end"))
        await h.advance(timedelta(days=29))
        with h.store.transaction() as s:
            assert s.exec(select(AmaQuestion)).one().text == "Secret plan?"
        await h.advance(timedelta(days=1))
        with h.store.transaction() as s:
            question = s.exec(select(AmaQuestion)).one()
            assert (question.text, question.asker_name, question.votes) == (None, None, 1)
            assert s.exec(select(AmaAsker)).all() == []
            assert s.exec(select(AmaVote)).all() == []
            assert s.exec(select(AmaSession)).one().participants == 2
        await h.send(command("lee", "/ama export"))
        assert h.adapter.texts()[-1] == (
            'The texts of "Roadmap 2027" have expired (retention period); only its figures remain.'
        )


async def test_a_restart_mid_session_changes_nothing_members_can_see(database_url: str) -> None:
    from tests.unit.features.ama.kit import features

    async with harness(database_url) as h:
        await h.send(command("dana", START + " --for 30m"), command("alice", "/ama ask Why?"))
        await h.send(command("bob", "/ama vote 1"))
        await h.restart(features=features())
        await h.send(command("carol", "/ama vote 1"), command("bob", "/ama vote 1", key="again"))
        await h.advance(timedelta(seconds=5))
        assert "- **#1** · 1 👍 · Why? (anonymous)" in board(h)
        edits = [e for e in h.adapter.executed if isinstance(e.action, Edit)]
        assert all(e.action.target.message_id == by_key(h, "ama:1:board").message_id for e in edits)
        assert h.adapter.doubled() == []
        await h.advance(timedelta(minutes=30))
        assert "ama:1:summary" in keys(h)


async def test_after_each_late_answer_the_host_gets_the_remaining_list(sqlite_url: str) -> None:
    async with harness(sqlite_url) as h:
        await h.send(command("dana", START), command("alice", "/ama ask One?"))
        await h.send(command("bob", "/ama ask Two?"), command("lee", "/ama skip 2"))
        await h.send(command("lee", "/ama end"))
        first = by_key(h, "ama:1:later:h0:r0").action
        assert [c.id for c in first.message.choices] == ["q1", "q2"]  # type: ignore[union-attr]
        await h.send(picked("lee", "ama:1:later:h0:r0", "q2"))
        await h.send(answered("lee", "ama:1:later:h0:q2", "Skipped, now answered."))
        again = by_key(h, "ama:1:later:h0:r1").action
        assert [c.id for c in again.message.choices] == ["q1"]  # type: ignore[union-attr]


async def test_hosts_see_the_review_queue_in_the_list_and_members_do_not(sqlite_url: str) -> None:
    async with harness(sqlite_url) as h:
        await h.send(command("dana", START + " --moderated"), command("alice", "/ama ask Hm?"))
        await h.send(command("lee", "/ama list"), command("bob", "/ama list"))
        host_view, member_view = h.adapter.texts()[-2:]
        assert "**Waiting for review:**\n- **#1** · 0 👍 · Hm? (anonymous)" in host_view
        assert "Hm?" not in member_view


async def test_several_hosts_each_moderate_and_each_get_the_unanswered_list(
    database_url: str,
) -> None:
    async with harness(database_url) as h:
        await h.send(command("dana", '/ama start "Roadmap 2027" --host @lee,@kim'))
        assert board(h).startswith("**AMA: Roadmap 2027** (live) · hosts: lee, kim")
        await h.send(command("alice", "/ama ask One?"), command("bob", "/ama ask Two?"))
        await h.send(command("kim", '/ama answer 1 "From kim."'), command("kim", "/ama end"))
        lists = [by_key(h, f"ama:1:later:h{i}:r1").action for i in (0, 1)]
        assert [(a.member, [c.id for c in a.message.choices]) for a in lists] == [  # type: ignore[union-attr]
            ("lee", ["q2"]),
            ("kim", ["q2"]),
        ]
        await h.send(picked("lee", "ama:1:later:h0:r1", "q2"))
        await h.send(answered("lee", "ama:1:later:h0:q2", "From lee."))
        await h.send(picked("kim", "ama:1:later:h1:r1", "q2"))
        await h.send(answered("kim", "ama:1:later:h1:q2", "Too late."))
        assert replies_to(h, "kim")[-1] == "Question #2 was already answered."
        assert [k for k in keys(h) if k.endswith(":answer")] == [
            "ama:1:q:1:answer",
            "ama:1:q:2:answer",
        ]


async def test_a_scheduled_ama_does_not_open_over_a_live_one_and_says_so(
    database_url: str,
) -> None:
    async with harness(database_url) as h:
        await h.send(command("dana", '/ama schedule "Later" --in 1h --for 30m'))
        await h.send(command("dana", START))
        await h.advance(timedelta(hours=1))
        blocked = by_key(h, "ama:1:blocked").action
        assert isinstance(blocked, Post) and blocked.channel == "#general"
        assert "Later" in blocked.message.text
        assert [k for k in keys(h) if k.endswith(":board")] == ["ama:2:board"]
        with h.store.transaction() as s:
            first, second = s.exec(select(AmaSession).order_by(AmaSession.id)).all()
        assert (first.status, second.status) == ("ended", "live")


async def test_a_restart_before_a_scheduled_ama_keeps_its_reminders_opening_and_closing(
    database_url: str,
) -> None:
    from tests.unit.features.ama.kit import features

    async with harness(database_url) as h:
        await h.send(command("dana", '/ama schedule "Roadmap" --in 2d --host @lee --for 45m'))
        await h.restart(features=features())
        await h.advance(timedelta(days=2, minutes=45))
        assert keys(h, "ama:1:") == [
            "ama:1:announce",
            "ama:1:remind:24h",
            "ama:1:remind:15m",
            "ama:1:opened",
            "ama:1:board",
            "ama:1:summary",
        ]
        assert h.adapter.doubled() == []
