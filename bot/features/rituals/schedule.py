"""Ritual schedules: words or cron in, the next occurrence out.

APScheduler 3's `CronTrigger` only *computes* here: given the community's IANA zone and a moment,
it returns the next fire time. It evaluates in local time, so a Monday 09:30 ritual stays at 09:30
across daylight-saving changes. Nothing is kept in an APScheduler job store; the next occurrence
is a durable timer row (see `docs/rituals.md`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from apscheduler.triggers.cron import CronTrigger

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_DAY_NAMES = {
    **{d: d for d in DAYS},
    **{
        name: name[:3]
        for name in ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
    },
}
_GROUPS = {"day": "*", "weekday": "mon-fri", "weekend": "sat,sun"}
_ORDINALS = {"first": "1st", "second": "2nd", "third": "3rd", "fourth": "4th", "last": "last"}
_EVERY = re.compile(r"^every\s+(?P<days>[a-z, ]+?)\s+(?:at\s+)?(?P<h>\d{1,2}):(?P<m>\d{2})$")
_NTH = re.compile(
    r"^(?P<nth>first|second|third|fourth|last)\s+(?P<day>[a-z]+)\s+of\s+the\s+month\s+"
    r"(?:at\s+)?(?P<h>\d{1,2}):(?P<m>\d{2})$"
)
_CRON_DOW = {str(i): DAYS[(i - 1) % 7] for i in range(8)}
"""Crontab weekday numbers (0 and 7 are Sunday); APScheduler 3 would read 0 as Monday."""


@dataclass(frozen=True)
class CronFields:
    minute: str
    hour: str
    day: str = "*"
    month: str = "*"
    day_of_week: str = "*"

    def trigger(self, zone: str) -> CronTrigger:
        return CronTrigger(
            minute=self.minute,
            hour=self.hour,
            day=self.day,
            month=self.month,
            day_of_week=self.day_of_week,
            timezone=ZoneInfo(zone),
        )


def parse_schedule(text: str) -> CronFields:
    """Parse a schedule in words or a five-field cron line; ValueError explains what is wrong."""
    spoken = " ".join(text.lower().split())
    if match := _EVERY.match(spoken):
        fields = CronFields(
            minute=_minute(match["m"]),
            hour=_hour(match["h"]),
            day_of_week=_days(match["days"]),
        )
    elif match := _NTH.match(spoken):
        fields = CronFields(
            minute=_minute(match["m"]),
            hour=_hour(match["h"]),
            day=f"{_ORDINALS[match['nth']]} {_day(match['day'])}",
        )
    elif len(spoken.split()) == 5 and not spoken.startswith(("every", "first", "last")):
        minute, hour, day, month, dow = spoken.split()
        fields = CronFields(minute, hour, day, month, _cron_dow(dow))
    else:
        raise ValueError(
            f"cannot read the schedule {text!r}; write for example 'every monday 09:30', "
            "'every weekday 09:00', 'first monday of the month 10:00' or a cron line '30 9 * * mon'"
        )
    try:
        fields.trigger("UTC")
    except ValueError as exc:
        raise ValueError(f"the schedule {text!r} is not valid: {exc}") from None
    return fields


def next_occurrence(schedule: str, zone: str, after: datetime) -> datetime | None:
    """The first occurrence strictly after `after`, in UTC (None if the schedule never fires)."""
    trigger = parse_schedule(schedule).trigger(zone)
    fire: datetime | None = trigger.get_next_fire_time(None, after + timedelta(seconds=1))
    return fire.astimezone(UTC) if fire is not None else None


def occurrence_key(community: str, platform: str, ritual: str, due: datetime) -> str:
    """The occurrence claim: unique per community, platform, ritual and due time (UTC)."""
    return f"ritual:{community}:{platform}:{ritual}:{due.astimezone(UTC).isoformat()}"


def _hour(text: str) -> str:
    if not 0 <= int(text) <= 23:
        raise ValueError(f"{text} is not an hour (0-23)")
    return str(int(text))


def _minute(text: str) -> str:
    if not 0 <= int(text) <= 59:
        raise ValueError(f"{text} is not a minute (0-59)")
    return str(int(text))


def _day(word: str) -> str:
    day = _DAY_NAMES.get(word)
    if day is None:
        raise ValueError(f"'{word}' is not a day of the week")
    return day


def _days(words: str) -> str:
    parts = [w for w in re.split(r"[,\s]+|\band\b", words) if w and w != "and"]
    if len(parts) == 1 and parts[0] in _GROUPS:
        return _GROUPS[parts[0]]
    return ",".join(_day(p) for p in parts)


def _cron_dow(field: str) -> str:
    return re.sub(r"\d", lambda m: _CRON_DOW[m.group(0)], field)
