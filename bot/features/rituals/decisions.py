"""Pure decisions about one occurrence: run it, skip it, or record it as missed.

The handler reads the facts (how late the timer fired, crisis mode, the channel's last message)
and these functions decide, so every rule is a unit test away.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from bot.config.schema import WorkingHours

CRISIS = "crisis_mode"
SILENT = "channel_silent_since_last_run"


def is_missed(due: datetime, fired: datetime, window: timedelta) -> bool:
    """An occurrence handled later than its misfire window after it was due is missed."""
    return fired - due > window


def skip_reason(
    conditions: Iterable[str],
    *,
    crisis_on: bool,
    last_run: datetime | None,
    last_message: datetime | None,
) -> str | None:
    """Why this occurrence should not run, or None.

    `crisis_on` pauses every ritual that lists `crisis_mode` (the Moderation issue's crisis mode).
    A channel counts as silent only when there was a previous run and nobody wrote since then:
    a first run always goes ahead.
    """
    wanted = set(conditions)
    if CRISIS in wanted and crisis_on:
        return CRISIS
    silent = last_run is not None and (last_message is None or last_message <= last_run)
    if SILENT in wanted and silent:
        return SILENT
    return None


def next_working_moment(when: datetime, zone: str, hours: WorkingHours) -> datetime:
    """`when` if it is inside working hours in `zone`, else the next start of working hours.

    Evaluated in local time, so a deferred DM lands at 09:00 local on either side of a DST change.
    """
    tz = ZoneInfo(zone)
    local = when.astimezone(tz)
    if _inside(local, hours):
        return when
    day = local.replace(hour=0, minute=0, second=0, microsecond=0)
    for offset in range(0, 8):
        candidate_day = (day + timedelta(days=offset)).date()
        start = datetime(
            candidate_day.year, candidate_day.month, candidate_day.day, hours.start, tzinfo=tz
        )
        if candidate_day.weekday() in hours.days and start > local:
            return start.astimezone(when.tzinfo)
    return when


def _inside(local: datetime, hours: WorkingHours) -> bool:
    return local.weekday() in hours.days and hours.start <= local.hour < hours.end
