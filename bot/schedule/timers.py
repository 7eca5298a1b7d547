"""Durable timers: rows with a due time, fired once by a claim in the handling transaction."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func
from sqlmodel import Session, col, select

from bot.core.events import TimerFired
from bot.store.models import TimerRecord


def due(session: Session, *, now: datetime, limit: int = 500) -> list[TimerFired]:
    stmt = (
        select(TimerRecord)
        .where(TimerRecord.status == "pending", TimerRecord.due_at <= now)
        .order_by(col(TimerRecord.due_at), col(TimerRecord.id))
        .limit(limit)
    )
    return [
        TimerFired(
            platform=t.platform,
            dedupe_key=f"timer:{t.key}",
            occurred_at=t.due_at,
            member=t.member,
            timer_key=t.key,
            feature=t.feature,
            subject=t.subject,
            community=t.community,
            payload=dict(t.payload),
        )
        for t in session.exec(stmt)
    ]


def next_due_at(session: Session) -> datetime | None:
    stmt = select(func.min(TimerRecord.due_at)).where(TimerRecord.status == "pending")
    return session.exec(stmt).one()
