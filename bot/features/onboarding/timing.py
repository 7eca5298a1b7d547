"""When a `wait` ends: after a duration, then (optionally) at working time in the member's zone.

Working hours and days are the community's (`working_hours` in the configuration); the zone is
the member's own when the platform told us, else the community's. Local wall-clock times are
computed in that zone, so a wait across a daylight-saving change still ends at 09:00 local.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.config.schema import WorkingHours

UNTIL_MORNING = "next_working_morning"
UNTIL_WORKING_HOURS = "working_hours"


def zone_of(member_zone: str | None, community_zone: str) -> ZoneInfo:
    """The member's zone if it is a real IANA zone, else the community's."""
    for name in (member_zone, community_zone):
        if name:
            try:
                return ZoneInfo(name)
            except (ZoneInfoNotFoundError, ValueError):
                continue
    return ZoneInfo("UTC")


def next_working_morning(after: datetime, zone: ZoneInfo, hours: WorkingHours) -> datetime:
    """The first start of a working day at or after `after`, local to `zone`.

    With no working days configured there is no morning to wait for: `after` is returned.
    """
    local = after.astimezone(zone)
    for offset in range(8):
        day = local.date() + timedelta(days=offset)
        if day.weekday() not in hours.days:
            continue
        morning = datetime.combine(day, time(hours.start), zone)
        if morning >= local:
            return morning.astimezone(after.tzinfo)
    return after


def in_working_hours(moment: datetime, zone: ZoneInfo, hours: WorkingHours) -> bool:
    local = moment.astimezone(zone)
    return local.weekday() in hours.days and hours.start <= local.hour < hours.end


def wake_at(
    now: datetime,
    *,
    wait: timedelta,
    until: str | None,
    zone: ZoneInfo,
    hours: WorkingHours,
) -> datetime:
    """When a wait of `wait` that started `now` ends, honouring `until`."""
    moment = now + wait
    if until == UNTIL_MORNING:
        return next_working_morning(moment, zone, hours)
    if until == UNTIL_WORKING_HOURS and not in_working_hours(moment, zone, hours):
        return next_working_morning(moment, zone, hours)
    return moment
