"""The pure rules of rituals: schedules, misfires, skips, working hours, pairings, anniversaries."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from pydantic import ValidationError

from bot.config.schema import WorkingHours
from bot.features.rituals.decisions import is_missed, next_working_moment, skip_reason
from bot.features.rituals.nudges import Candidate, first_anniversaries, plan_checkins
from bot.features.rituals.pairing import make_groups, pairs_in, seed_of
from bot.features.rituals.schedule import next_occurrence, parse_schedule
from tests.unit.features.rituals.kit import BERLIN, berlin, ritual


@pytest.mark.parametrize(
    ("words", "day", "day_of_week", "hour", "minute"),
    [
        ("every monday 09:30", "*", "mon", "9", "30"),
        ("every friday 15:00", "*", "fri", "15", "0"),
        ("every weekday 09:00", "*", "mon-fri", "9", "0"),
        ("Every Monday and Thursday at 8:15", "*", "mon,thu", "8", "15"),
        ("first monday of the month 10:00", "1st mon", "*", "10", "0"),
        ("last friday of the month 16:30", "last fri", "*", "16", "30"),
        ("30 9 * * 1", "*", "mon", "9", "30"),
        ("0 18 * * 0", "*", "sun", "18", "0"),
    ],
)
def test_schedules_in_words_and_cron_become_cron_fields(
    words: str, day: str, day_of_week: str, hour: str, minute: str
) -> None:
    fields = parse_schedule(words)
    assert (fields.day, fields.day_of_week, fields.hour, fields.minute) == (
        day,
        day_of_week,
        hour,
        minute,
    )


@pytest.mark.parametrize("bad", ["every funday 09:00", "every monday 25:00", "sometimes", ""])
def test_an_unreadable_schedule_is_refused_with_examples(bad: str) -> None:
    with pytest.raises(ValueError, match=r"every monday 09:30|not"):
        parse_schedule(bad)


def test_a_playbook_with_a_typo_in_its_action_is_refused_precisely() -> None:
    with pytest.raises(ValidationError, match="prompt"):
        ritual({"do": "promt", "text": "hi"})
    with pytest.raises(ValidationError, match="Extra inputs"):
        ritual({"do": "prompt", "text": "hi", "colour": "red"})


def test_the_next_occurrence_keeps_local_time_over_the_spring_change() -> None:
    before = next_occurrence("every monday 09:30", "Europe/Berlin", berlin("2026-03-27T12:00"))
    assert before is not None and before.tzinfo is UTC
    assert before.astimezone(BERLIN) == berlin("2026-03-30T09:30")
    assert before.hour == 7  # CEST: UTC+2


def test_the_first_monday_of_the_month_is_found() -> None:
    due = next_occurrence(
        "first monday of the month 10:00", "Europe/Berlin", berlin("2026-01-06T00:00")
    )
    assert due is not None and due.astimezone(BERLIN) == berlin("2026-02-02T10:00")


def test_an_occurrence_is_missed_only_beyond_its_window() -> None:
    due = datetime(2026, 1, 5, 8, 30, tzinfo=UTC)
    assert not is_missed(due, due + timedelta(hours=1), timedelta(hours=1))
    assert is_missed(due, due + timedelta(hours=1, seconds=1), timedelta(hours=1))


def test_crisis_mode_skips_only_rituals_that_ask_for_it() -> None:
    assert (
        skip_reason(["crisis_mode"], crisis_on=True, last_run=None, last_message=None)
        == "crisis_mode"
    )
    assert skip_reason([], crisis_on=True, last_run=None, last_message=None) is None
    assert skip_reason(["crisis_mode"], crisis_on=False, last_run=None, last_message=None) is None


def test_a_silent_channel_skips_but_a_first_run_never_does() -> None:
    silent = ["channel_silent_since_last_run"]
    run = datetime(2026, 1, 5, tzinfo=UTC)
    assert skip_reason(silent, crisis_on=False, last_run=None, last_message=None) is None
    assert skip_reason(silent, crisis_on=False, last_run=run, last_message=None) == silent[0]
    later = run + timedelta(hours=1)
    assert skip_reason(silent, crisis_on=False, last_run=run, last_message=later) is None


def test_outside_working_hours_waits_for_the_next_working_morning() -> None:
    hours = WorkingHours()
    friday_evening = berlin("2026-01-09T19:00")
    moved = next_working_moment(friday_evening, "Europe/Berlin", hours)
    assert moved.astimezone(BERLIN) == berlin("2026-01-12T09:00")
    inside = berlin("2026-01-12T11:00")
    assert next_working_moment(inside, "Europe/Berlin", hours) == inside


def test_the_cap_counts_from_the_last_nudge() -> None:
    now = datetime(2026, 2, 1, tzinfo=UTC)
    old = now - timedelta(days=60)
    quiet = [Candidate("a", old, None), Candidate("b", old, None), Candidate("c", old, now)]
    chosen = plan_checkins(
        quiet,
        now=now,
        quiet_for=timedelta(days=21),
        cap=timedelta(days=14),
        muted=set(),
        last_nudged={"a": now - timedelta(days=13), "b": now - timedelta(days=14)},
    )
    assert chosen == ["b"]


def test_pairings_are_the_same_for_the_same_occurrence_and_differ_for_another() -> None:
    members = [f"m{i}" for i in range(10)]
    seed = seed_of("ritual:demo:memory:pairs:2026-01-05T09:00:00+00:00")
    first = make_groups(members, set(), size=2, seed=seed)
    assert first == make_groups(list(reversed(members)), set(), size=2, seed=seed)
    other = make_groups(members, set(), size=2, seed=seed_of("another"))
    assert first != other


def test_an_odd_member_joins_a_group_of_three_and_recent_pairs_are_avoided() -> None:
    members = ["a", "b", "c", "d", "e"]
    recent = {frozenset(p) for p in [("a", "b"), ("c", "d"), ("a", "c")]}
    groups = make_groups(members, recent, size=2, seed=1)
    assert sorted(len(g) for g in groups) == [2, 3]
    assert not any(p in recent for g in groups for p in pairs_in(g))


def test_triads_are_made_when_asked() -> None:
    groups = make_groups([f"m{i}" for i in range(7)], set(), size=3, seed=7)
    assert sorted(len(g) for g in groups) == [3, 4]


def test_a_first_anniversary_falls_in_its_window_and_29_february_moves_to_1_march() -> None:
    joined = {"a": date(2025, 1, 7), "b": date(2024, 2, 29), "c": date(2025, 6, 1)}
    assert first_anniversaries(joined, after=date(2026, 1, 5), until=date(2026, 1, 12)) == ["a"]
    assert first_anniversaries(joined, after=date(2025, 2, 28), until=date(2025, 3, 1)) == ["b"]
