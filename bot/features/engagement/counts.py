"""Writing and reading the engagement counters (the feature's only SQL)."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import bindparam, text
from sqlmodel import Session, col, select

from bot.store.db import insert_ignore
from bot.store.engagement import COUNTERS, EngagementDay, MessageFact


def bump(
    session: Session, *, platform: str, community: str, member: str, day: date, counter: str
) -> None:
    """Add one to a member's counter for the day (row created on first use)."""
    if counter not in COUNTERS:
        raise ValueError(f"unknown engagement counter {counter!r}")
    where = {"platform": platform, "community": community, "member": member, "day": day}
    insert_ignore(session, EngagementDay, {**where, **dict.fromkeys(COUNTERS, 0)})
    session.execute(_bump_statement(counter), where)


@lru_cache(maxsize=len(COUNTERS))
def _bump_statement(counter: str) -> Any:
    """One compiled UPDATE per counter: building it per message cost more than running it."""
    table = EngagementDay.__table__  # type: ignore[attr-defined]
    return text(
        f"UPDATE {table.name} SET {counter} = {counter} + 1 "
        "WHERE platform = :platform AND community = :community AND member = :member AND day = :day"
    ).bindparams(bindparam("day", type_=table.c.day.type))


def message_fact(
    session: Session, *, platform: str, channel: str, message_id: str
) -> MessageFact | None:
    stmt = select(MessageFact).where(
        MessageFact.platform == platform,
        MessageFact.channel == channel,
        MessageFact.message_id == message_id,
    )
    return session.exec(stmt).first()


def active_days(
    session: Session, *, platform: str, community: str, since: date
) -> dict[str, set[date]]:
    """Each member's days with any activity since `since` (messages or reactions given)."""
    stmt = select(col(EngagementDay.member), col(EngagementDay.day)).where(
        EngagementDay.platform == platform,
        EngagementDay.community == community,
        EngagementDay.day >= since,
        (col(EngagementDay.messages) + col(EngagementDay.reactions_given)) > 0,
    )
    days: dict[str, set[date]] = defaultdict(set)
    for member, day in session.exec(stmt):
        days[member].add(day)
    return days


def questions_between(
    session: Session, *, platform: str, community: str, start: datetime, end: datetime
) -> list[MessageFact]:
    stmt = (
        select(MessageFact)
        .where(
            MessageFact.platform == platform,
            MessageFact.community == community,
            col(MessageFact.is_question).is_(True),
            MessageFact.posted_at >= start,
            MessageFact.posted_at < end,
        )
        .order_by(col(MessageFact.posted_at), col(MessageFact.id))
    )
    return list(session.exec(stmt))
