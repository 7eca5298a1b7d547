"""Engagement: counts per member and day, replies and answers attributed, never any text."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlmodel import select

from bot.features.engagement.questions import is_question
from bot.features.engagement.segments import Activity, Segment, segment
from bot.store.engagement import EngagementDay, MessageFact
from bot.testing.builders import command, dm, joined, reacted, said
from bot.testing.harness import Harness


def _counts(h: Harness) -> dict[str, dict[str, int]]:
    with h.store.transaction() as s:
        rows = s.exec(select(EngagementDay)).all()
        return {
            r.member: {
                k: v for k, v in r.model_dump().items() if isinstance(v, int) and v and k != "id"
            }
            for r in rows
        }


async def test_messages_replies_reactions_and_answers_are_counted_per_member(
    harness: Harness,
) -> None:
    h = harness
    await h.send(joined("ann"), joined("ben"))
    await h.send(said("ann", "How do I freeze a row?", message_id="q1"))
    await h.send(said("ben", "View, then Freeze", reply_to="q1", message_id="a1"))
    await h.send(said("ann", "thanks!", thread_id="q1", message_id="t1"))
    await h.send(reacted("ann", "a1", "👍"), reacted("ben", "a1", "🎉"))
    assert _counts(h) == {
        "ann": {"messages": 2, "replies": 1, "questions_asked": 1, "reactions_given": 1},
        "ben": {
            "messages": 1,
            "replies": 1,
            "questions_answered": 1,
            "reactions_given": 1,
            "reactions_received": 1,
        },
    }


async def test_engagement_keeps_no_message_text_and_ignores_dms_and_commands(
    harness: Harness,
) -> None:
    h = harness
    await h.send(said("ann", "my secret plan?", message_id="q1"), dm("ann", "private?"))
    await h.send(command("ann", "/porch ping"))
    with h.store.transaction() as s:
        facts = s.exec(select(MessageFact)).all()
        dump = " ".join(str(f.model_dump()) for f in facts)
    assert len(facts) == 1 and facts[0].is_question
    assert "secret" not in dump and "private" not in dump


async def test_a_reply_by_the_asker_does_not_answer_their_own_question(harness: Harness) -> None:
    h = harness
    await h.send(said("ann", "Anyone around?", message_id="q1"))
    await h.send(said("ann", "hello?", reply_to="q1", message_id="q2"))
    with h.store.transaction() as s:
        fact = s.exec(select(MessageFact).where(MessageFact.message_id == "q1")).one()
    assert fact.first_reply_at is None


@pytest.mark.parametrize(
    ("text", "asks"),
    [
        ("How do I pivot?", True),
        ("pivot tables, anyone?", True),
        ("Wie sortiere ich nach Farbe", True),
        ("Kann jemand helfen", True),
        ("Thanks, that worked!", False),
        ("I wonder (not really)", False),
        ("> Why?\nBecause.", False),
        ("Use `=IF(A1?B1)`", False),
        ("/porch help?", False),
    ],
)
def test_a_question_is_recognized_in_english_and_german(text: str, asks: bool) -> None:
    assert is_question(text) is asks


TODAY = date(2026, 3, 1)


def _activity(joined_days_ago: int, *active_days_ago: int) -> Activity:
    return Activity.of(
        TODAY - timedelta(days=joined_days_ago),
        (TODAY - timedelta(days=d) for d in active_days_ago),
    )


@pytest.mark.parametrize(
    ("activity", "expected"),
    [
        (_activity(10), Segment.NEW),
        (_activity(100, 1, 3, 5, 8), Segment.ACTIVE),
        (_activity(100, 2), Segment.OCCASIONAL),
        (_activity(100), Segment.QUIET),
        (_activity(100, 30, 33, 36, 40), Segment.AT_RISK),
        (_activity(100, 60), Segment.QUIET),
    ],
)
def test_members_fall_into_segments(activity: Activity, expected: Segment) -> None:
    assert segment(activity, TODAY) is expected


async def test_message_facts_are_forgotten_after_five_weeks_by_a_nightly_prune(
    harness: Harness,
) -> None:
    h = harness
    await h.send(said("ann", "an old question?", message_id="old"))
    await h.advance(timedelta(days=30))
    await h.send(said("ann", "a new question?", message_id="new"))
    await h.advance(timedelta(days=6))
    with h.store.transaction() as s:
        kept = [f.message_id for f in s.exec(select(MessageFact))]
    assert kept == ["new"]
