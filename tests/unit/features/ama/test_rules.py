"""The pure rules: ranking, voting, anonymity, limits and times."""

from datetime import UTC, datetime, timedelta

import pytest

from bot.core.errors import UserError
from bot.features.ama.anonymity import is_anonymous, shown_asker, visibility_flag
from bot.features.ama.ranking import QuestionView, by_votes_then_age, open_ranked, top
from bot.features.ama.timing import lead_amount, lead_text, parse_at, reminders_ahead, start_time
from bot.features.ama.voting import Intent, Outcome, decide_vote, within_limit

T = datetime(2026, 1, 6, 14, 0, tzinfo=UTC)


def q(
    number: int, votes: int, minutes: int = 0, status: str = "open", **kw: object
) -> QuestionView:
    return QuestionView(
        number=number,
        text=f"question {number}",
        status=status,
        votes=votes,
        created_at=T + timedelta(minutes=minutes),
        **kw,  # type: ignore[arg-type]
    )


def test_questions_rank_by_votes_and_then_by_age() -> None:
    ranked = by_votes_then_age([q(1, 2, 0), q(2, 5, 1), q(3, 2, -1), q(4, 0, -5)])
    assert [x.number for x in ranked] == [2, 3, 1, 4]


def test_only_open_questions_are_ranked_on_the_board() -> None:
    ranked = open_ranked([q(1, 9, status="answered"), q(2, 1), q(3, 7, status="pending")])
    assert [x.number for x in ranked] == [2]


def test_the_top_three_leave_out_what_the_audience_never_saw() -> None:
    questions = [
        q(1, 9, status="declined"),
        q(2, 1),
        q(3, 4, status="answered"),
        q(4, 2),
        q(5, 3, status="skipped"),
        q(6, 8, status="pending"),
    ]
    assert [x.number for x in top(questions, 3)] == [3, 5, 4]


@pytest.mark.parametrize(
    ("intent", "has_voted", "expected"),
    [
        (Intent.TOGGLE, False, Outcome.ADDED),
        (Intent.TOGGLE, True, Outcome.REMOVED),
        (Intent.ADD, True, Outcome.UNCHANGED),
        (Intent.ADD, False, Outcome.ADDED),
        (Intent.REMOVE, True, Outcome.REMOVED),
        (Intent.REMOVE, False, Outcome.UNCHANGED),
    ],
)
def test_voting_again_takes_the_vote_back_and_a_reaction_sets_it(
    intent: Intent, has_voted: bool, expected: Outcome
) -> None:
    assert (
        decide_vote(intent=intent, has_voted=has_voted, is_asker=False, status="open") == expected
    )


def test_nobody_votes_for_their_own_question() -> None:
    assert decide_vote(intent=Intent.TOGGLE, has_voted=False, is_asker=True, status="open") == (
        Outcome.OWN_QUESTION
    )
    assert decide_vote(intent=Intent.ADD, has_voted=False, is_asker=True, status="open") == (
        Outcome.OWN_QUESTION
    )


def test_an_asker_may_still_remove_a_reaction_from_their_own_question() -> None:
    assert decide_vote(intent=Intent.REMOVE, has_voted=False, is_asker=True, status="open") == (
        Outcome.UNCHANGED
    )


@pytest.mark.parametrize(
    "status", ["pending", "answered", "skipped", "declined", "merged", "closed"]
)
def test_only_open_questions_take_votes(status: str) -> None:
    assert decide_vote(intent=Intent.TOGGLE, has_voted=False, is_asker=False, status=status) == (
        Outcome.CLOSED
    )


def test_the_question_limit_allows_up_to_the_limit() -> None:
    assert within_limit(2, 3)
    assert not within_limit(3, 3)


def test_questions_are_anonymous_unless_the_ama_or_the_asker_says_named() -> None:
    assert is_anonymous(session_named=False, anon=False, named=False)
    assert not is_anonymous(session_named=True, anon=False, named=False)
    assert is_anonymous(session_named=True, anon=True, named=False)
    assert not is_anonymous(session_named=False, anon=False, named=True)
    assert visibility_flag(anon=True, named=False) == "anon"
    assert visibility_flag(anon=False, named=False) == ""


def test_an_anonymous_question_shows_only_the_anonymous_label() -> None:
    assert shown_asker(q(1, 0), "anonymous") == "anonymous"
    assert shown_asker(q(1, 0, asker_name="Bob"), "anonymous") == "Bob"


def test_a_local_time_is_read_in_the_communitys_zone() -> None:
    assert parse_at("2026-01-06 15:00", "Europe/Berlin") == datetime(2026, 1, 6, 14, 0, tzinfo=UTC)
    assert parse_at("2026-07-06T15:00+00:00", "Europe/Berlin") == datetime(
        2026, 7, 6, 15, 0, tzinfo=UTC
    )


def test_a_start_time_must_be_given_readable_and_in_the_future() -> None:
    with pytest.raises(UserError, match=r"ama\.schedule_needs_time"):
        start_time(now=T, at=None, after=None, zone="UTC")
    with pytest.raises(UserError, match=r"ama\.bad_time"):
        start_time(now=T, at="next tuesday", after=None, zone="UTC")
    with pytest.raises(UserError, match=r"ama\.schedule_in_past"):
        start_time(now=T, at="2026-01-01 10:00", after=None, zone="UTC")
    assert start_time(now=T, at=None, after=timedelta(days=2), zone="UTC") == T + timedelta(days=2)


def test_only_reminders_still_ahead_are_planned() -> None:
    starts = T + timedelta(hours=2)
    leads = (timedelta(hours=24), timedelta(minutes=15))
    assert reminders_ahead(now=T, starts_at=starts, before=leads) == [
        (timedelta(minutes=15), starts - timedelta(minutes=15))
    ]


def test_reminder_leads_read_as_people_say_them() -> None:
    assert [lead_text(timedelta(hours=24)), lead_text(timedelta(minutes=15))] == ["24h", "15m"]
    assert lead_text(timedelta(days=7)) == "7d"
    assert [lead_amount(timedelta(hours=h)) for h in (1, 24, 48, 72)] == [
        ("hours", 1),
        ("hours", 24),
        ("hours", 48),
        ("days", 3),
    ]
    assert lead_amount(timedelta(minutes=90)) == ("minutes", 90)
