"""Times of a scheduled AMA: when it starts (from `--at` in the community's zone or `--in`), and
which reminders still lie ahead. Pure; the handler turns the results into durable timers."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from bot.core.clock import utc
from bot.core.errors import UserError


def parse_at(text: str, zone: str) -> datetime:
    """`2026-12-03 15:00` is local to the community; an explicit offset is honoured."""
    try:
        parsed = datetime.fromisoformat(text.strip().replace("T", " "))
    except ValueError:
        raise UserError("ama.bad_time", value=text) from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=ZoneInfo(zone))
    return utc(parsed)


def start_time(*, now: datetime, at: str | None, after: timedelta | None, zone: str) -> datetime:
    if at is None and after is None:
        raise UserError("ama.schedule_needs_time")
    when = parse_at(at, zone) if at is not None else now + (after or timedelta(0))
    if when <= now:
        raise UserError("ama.schedule_in_past", when=local_text(when, zone))
    return when


def reminders_ahead(
    *, now: datetime, starts_at: datetime, before: Sequence[timedelta]
) -> list[tuple[timedelta, datetime]]:
    """The reminders that are still in the future (a session scheduled 2 h ahead gets no 24 h one)."""
    return [(lead, starts_at - lead) for lead in before if starts_at - lead > now]


def local_text(when: datetime, zone: str) -> str:
    return f"{when.astimezone(ZoneInfo(zone)):%Y-%m-%d %H:%M} ({zone})"


def lead_amount(lead: timedelta) -> tuple[str, int]:
    """`("hours", 24)`, `("minutes", 15)`: reminders are counted in hours up to two days, as
    people say them, then in days; anything else in minutes."""
    minutes = int(lead.total_seconds()) // 60
    if minutes % 60 == 0 and minutes <= 48 * 60:
        return "hours", minutes // 60
    if minutes % (24 * 60) == 0:
        return "days", minutes // (24 * 60)
    return "minutes", minutes


def lead_text(lead: timedelta) -> str:
    """`24h`, `15m`, `3d`: the short form, in timer keys and payloads."""
    unit, count = lead_amount(lead)
    return f"{count}{unit[0]}"
