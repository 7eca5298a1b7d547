"""Who gets a check-in, and who a first-year celebration. Pure.

Check-ins respect three things a member is owed: they really were quiet for `quiet_for`, they
were not nudged within `cap` (one nudge per member per 14 days by default), and they did not
mute nudges. Nothing here sends anything.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta


@dataclass(frozen=True)
class Candidate:
    member: str
    joined_at: datetime
    last_active_at: datetime | None


def plan_checkins(
    candidates: Iterable[Candidate],
    *,
    now: datetime,
    quiet_for: timedelta,
    cap: timedelta,
    muted: set[str],
    last_nudged: Mapping[str, datetime],
) -> list[str]:
    """The members to nudge now, in a stable order."""
    chosen = []
    for c in candidates:
        last_seen = c.last_active_at or c.joined_at
        if now - last_seen < quiet_for or c.member in muted:
            continue
        nudged = last_nudged.get(c.member)
        if nudged is not None and now - nudged < cap:
            continue
        chosen.append(c.member)
    return sorted(chosen)


def first_anniversaries(joined: Mapping[str, date], *, after: date, until: date) -> list[str]:
    """Members whose first year in the community was completed on a day in (after, until]."""
    found = []
    for member, day in joined.items():
        anniversary = _plus_one_year(day)
        if after < anniversary <= until:
            found.append(member)
    return sorted(found)


def _plus_one_year(day: date) -> date:
    try:
        return day.replace(year=day.year + 1)
    except ValueError:  # 29 February: celebrate on 1 March
        return day.replace(year=day.year + 1, month=3, day=1)
