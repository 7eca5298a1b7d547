"""Gathering a week's figures for the health digest from the store.

Onboarding completion is read only where the onboarding tables exist; figures of other features
(AMA participation, moderation load) come from any feature that offers `weekly_figures`.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any, Protocol, runtime_checkable
from zoneinfo import ZoneInfo

from sqlalchemy import Row, bindparam, func, inspect, or_, text
from sqlmodel import col, select

from bot.features.base import Context
from bot.features.engagement.counts import active_days, questions_between
from bot.features.engagement.segments import WINDOW, Activity, segment
from bot.features.rituals.digest import WeekFigures
from bot.store.models import MemberRecord
from bot.store.types import UTCDateTime

QUIET_AFTER = timedelta(days=21)


@runtime_checkable
class OffersWeeklyFigures(Protocol):
    def weekly_figures(self, ctx: Context, start: datetime, end: datetime) -> Mapping[str, float]:
        """Named figures for the week [start, end), such as `ama_participation`."""
        ...


def week_figures(ctx: Context, start: datetime, end: datetime) -> WeekFigures:
    members = _members_at(ctx, end)
    new = _joined_between(ctx, start, end)
    zone = ZoneInfo(ctx.community.timezone)
    first, last = (
        start.astimezone(zone).date(),
        (end - timedelta(microseconds=1)).astimezone(zone).date(),
    )
    days = active_days(ctx.session, platform=ctx.platform, community=ctx.community.id, since=first)
    active = sum(1 for d in days.values() if any(first <= day <= last for day in d))
    questions = questions_between(
        ctx.session, platform=ctx.platform, community=ctx.community.id, start=start, end=end
    )
    answered = [q for q in questions if q.first_reply_at is not None and q.first_reply_at < end]
    delays = tuple(q.first_reply_at - q.posted_at for q in answered if q.first_reply_at)
    return WeekFigures(
        members=members,
        new_members=new,
        active=min(active, members),
        questions=len(questions),
        answered=len(answered),
        first_answer_delays=delays,
        onboarding_completion=_onboarding_completion(ctx, start, end),
        extra=_extra(ctx, start, end),
        segments=_segments(ctx, end),
    )


def _segments(ctx: Context, end: datetime) -> dict[str, int]:
    """Members per segment as of the end of the week (from their days with activity)."""
    zone = ZoneInfo(ctx.community.timezone)
    today = (end - timedelta(microseconds=1)).astimezone(zone).date()
    since = today - QUIET_AFTER - WINDOW - timedelta(days=1)
    days = active_days(ctx.session, platform=ctx.platform, community=ctx.community.id, since=since)
    stmt = select(MemberRecord.user_id, MemberRecord.joined_at).where(
        MemberRecord.platform == ctx.platform,
        MemberRecord.community == ctx.community.id,
        MemberRecord.joined_at < end,
        or_(col(MemberRecord.left_at).is_(None), col(MemberRecord.left_at) >= end),
    )
    counts = Counter(
        segment(
            Activity.of(
                joined.astimezone(zone).date(), (d for d in days.get(member, ()) if d <= today)
            ),
            today,
            QUIET_AFTER,
        ).value
        for member, joined in ctx.session.exec(stmt)
    )
    return dict(counts)


def _members_at(ctx: Context, end: datetime) -> int:
    stmt = select(func.count()).where(
        MemberRecord.platform == ctx.platform,
        MemberRecord.community == ctx.community.id,
        MemberRecord.joined_at < end,
        or_(col(MemberRecord.left_at).is_(None), col(MemberRecord.left_at) >= end),
    )
    return int(ctx.session.exec(stmt).one())


def _joined_between(ctx: Context, start: datetime, end: datetime) -> int:
    stmt = select(func.count()).where(
        MemberRecord.platform == ctx.platform,
        MemberRecord.community == ctx.community.id,
        MemberRecord.joined_at >= start,
        MemberRecord.joined_at < end,
    )
    return int(ctx.session.exec(stmt).one())


def _onboarding_completion(ctx: Context, start: datetime, end: datetime) -> float | None:
    """Of the journeys started this week, the share completed; None without onboarding."""
    row = _week_row(
        ctx, "onboarding_journeys", "count(*), count(completed_at)", "started_at", start, end
    )
    if row is None:
        return None
    started, completed = int(row[0]), int(row[1])
    return completed / started if started else None


def _ama_participation(ctx: Context, start: datetime, end: datetime) -> float | None:
    """Members who took part in AMAs that ended this week; None where no AMA ran (or AMA is absent)."""
    row = _week_row(
        ctx, "ama_sessions", "count(*), coalesce(sum(participants), 0)", "ended_at", start, end
    )
    return float(row[1]) if row is not None and int(row[0]) else None


def _moderation_load(ctx: Context, start: datetime, end: datetime) -> float | None:
    """Moderation cases opened this week; None where moderation is absent."""
    row = _week_row(ctx, "moderation_cases", "count(*)", "created_at", start, end)
    return None if row is None else float(row[0])


def _week_row(
    ctx: Context, table: str, aggregates: str, time_column: str, start: datetime, end: datetime
) -> Row[Any] | None:
    """One aggregate over another feature's table, for this community and week.

    None where that feature's table is absent. Times bind through `UTCDateTime`, as the store's
    own columns do.
    """
    if not inspect(ctx.session.connection()).has_table(table):
        return None
    stmt = text(
        f"SELECT {aggregates} FROM {table} WHERE community = :c AND platform = :p "
        f"AND {time_column} >= :s AND {time_column} < :e"
    ).bindparams(bindparam("s", type_=UTCDateTime()), bindparam("e", type_=UTCDateTime()))
    params = {"c": ctx.community.id, "p": ctx.platform, "s": start, "e": end}
    return ctx.session.execute(stmt, params).one()


def _extra(ctx: Context, start: datetime, end: datetime) -> dict[str, float]:
    figures: dict[str, float] = {}
    for name, figure in (
        ("ama_participation", _ama_participation(ctx, start, end)),
        ("moderation_load", _moderation_load(ctx, start, end)),
    ):
        if figure is not None:
            figures[name] = figure
    for feature in ctx.services.features:
        if isinstance(feature, OffersWeeklyFigures):
            figures.update(feature.weekly_figures(ctx, start, end))
    return figures
