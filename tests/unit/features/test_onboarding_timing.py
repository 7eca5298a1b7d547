"""When waits end: working mornings in the member's zone."""

from datetime import UTC, datetime, timedelta

from bot.config.schema import WorkingHours
from bot.features.onboarding.timing import next_working_morning, wake_at, zone_of

BERLIN = zone_of(None, "Europe/Berlin")
HOURS = WorkingHours()


def _utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def test_a_morning_before_the_start_of_work_is_that_days_start() -> None:
    assert next_working_morning(_utc("2026-01-06T05:00"), BERLIN, HOURS) == _utc("2026-01-06T08:00")


def test_after_work_on_friday_the_next_working_morning_is_monday() -> None:
    friday_evening = _utc("2026-01-09T18:00")
    assert next_working_morning(friday_evening, BERLIN, HOURS) == _utc("2026-01-12T08:00")


def test_the_morning_is_local_so_daylight_saving_time_does_not_shift_it() -> None:
    saturday_before_dst = _utc("2026-03-28T12:00")
    assert next_working_morning(saturday_before_dst, BERLIN, HOURS) == _utc("2026-03-30T07:00")


def test_the_members_own_time_zone_wins_over_the_communitys() -> None:
    tokyo = zone_of("Asia/Tokyo", "Europe/Berlin")
    assert next_working_morning(_utc("2026-01-06T01:00"), tokyo, HOURS) == _utc("2026-01-07T00:00")


def test_an_unknown_member_zone_falls_back_to_the_communitys() -> None:
    assert zone_of("Mars/Olympus", "Europe/Berlin") == BERLIN


def test_a_wait_that_ends_within_working_hours_is_not_moved() -> None:
    monday_nine = _utc("2026-01-05T08:00")
    end = wake_at(
        monday_nine, wait=timedelta(days=3), until="working_hours", zone=BERLIN, hours=HOURS
    )
    assert end == _utc("2026-01-08T08:00")


def test_a_wait_that_ends_at_night_moves_to_the_next_working_morning() -> None:
    monday_late = _utc("2026-01-05T21:00")
    end = wake_at(
        monday_late, wait=timedelta(days=3), until="working_hours", zone=BERLIN, hours=HOURS
    )
    assert end == _utc("2026-01-09T08:00")


def test_without_working_days_a_morning_wait_ends_after_its_duration() -> None:
    never = WorkingHours(days=())
    start = _utc("2026-01-05T08:00")
    assert next_working_morning(start, BERLIN, never) == start
