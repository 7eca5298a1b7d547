"""Member segments from activity days: pure, so a manager's numbers are explainable and tested.

- **new**: joined less than `NEW_FOR` ago (whatever they did since);
- **active**: active on at least `ACTIVE_DAYS` of the last `WINDOW`;
- **occasional**: some activity within `quiet_after`, but less than active;
- **quiet**: no activity for `quiet_after` (or never any);
- **at risk**: quiet now, but was active in the `WINDOW` before going quiet.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

NEW_FOR = timedelta(days=30)
WINDOW = timedelta(days=28)
ACTIVE_DAYS = 4


class Segment(StrEnum):
    NEW = "new"
    ACTIVE = "active"
    OCCASIONAL = "occasional"
    QUIET = "quiet"
    AT_RISK = "at_risk"


@dataclass(frozen=True)
class Activity:
    """A member's days with any activity (messages, replies, reactions), and their join day."""

    joined: date
    active_days: frozenset[date]

    @classmethod
    def of(cls, joined: date, days: Iterable[date]) -> Activity:
        return cls(joined, frozenset(days))

    def last_active(self) -> date | None:
        return max(self.active_days, default=None)

    def days_between(self, start: date, end: date) -> int:
        """Active days in [start, end)."""
        return sum(1 for d in self.active_days if start <= d < end)


def segment(
    activity: Activity, today: date, quiet_after: timedelta = timedelta(days=21)
) -> Segment:
    if today - activity.joined < NEW_FOR:
        return Segment.NEW
    if is_quiet(activity, today, quiet_after):
        went_quiet = today - quiet_after
        before = activity.days_between(went_quiet - WINDOW, went_quiet)
        return Segment.AT_RISK if before >= ACTIVE_DAYS else Segment.QUIET
    recent = activity.days_between(today - WINDOW + timedelta(days=1), today + timedelta(days=1))
    return Segment.ACTIVE if recent >= ACTIVE_DAYS else Segment.OCCASIONAL


def is_quiet(activity: Activity, today: date, quiet_after: timedelta) -> bool:
    """No activity for `quiet_after`, counted from the last active day (or the join day)."""
    last = activity.last_active() or activity.joined
    return today - last >= quiet_after
