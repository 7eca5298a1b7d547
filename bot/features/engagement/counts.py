"""Writing and reading the engagement counters (the feature's only SQL)."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import bindparam, text
from sqlmodel import Session, col, select

from bot.store.db import execute_hot
from bot.store.engagement import COUNTERS, EngagementDay, MessageFact


def bump(
    session: Session,
    *,
    platform: str,
    community: str,
    member: str,
    day: date,
    counters: tuple[str, ...],
) -> None:
    """Add one to each of a member's `counters` for the day, creating the row on first use.

    One upsert per call (`INSERT .. ON CONFLICT .. DO UPDATE`, SQLite and PostgreSQL alike):
    a message that asks and replies bumps three counters in one statement.
    """
    unknown = [c for c in counters if c not in COUNTERS]
    if unknown or not counters:
        raise ValueError(f"unknown engagement counter(s) {unknown or counters!r}")
    values = {c: int(c in counters) for c in COUNTERS}
    where = {"platform": platform, "community": community, "member": member, "day": day}
    execute_hot(session, _bump_statement(tuple(sorted(set(counters)))), {**where, **values})


@lru_cache(maxsize=64)
def _bump_statement(counters: tuple[str, ...]) -> Any:
    """One compiled upsert per set of counters: building it per message cost more than running it."""
    table = EngagementDay.__table__  # type: ignore[attr-defined]
    keys = ("platform", "community", "member", "day")
    columns = (*keys, *COUNTERS)
    increments = ", ".join(f"{c} = {table.name}.{c} + 1" for c in counters)
    return text(
        f"INSERT INTO {table.name} ({', '.join(columns)}) "
        f"VALUES ({', '.join(':' + c for c in columns)}) "
        f"ON CONFLICT ({', '.join(keys)}) DO UPDATE SET {increments}"
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
