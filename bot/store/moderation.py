"""Moderation: queue cases, reports, reminders (for escalation) and crisis mode; their queries.

A case is one flagged message, unique per (platform, channel, message): a rule's breach and the
reports about the same message meet in one case, so several reporters raise its priority rather
than filling the queue. Only an excerpt (at most 280 characters) is kept, and `expire_excerpts`
clears it once the retention period has passed. Reporters live in their own table and are never
shown to the reported member.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Column, Index, UniqueConstraint, func, update
from sqlmodel import Field, Session, SQLModel, col, select

from bot.store.db import insert_ignore
from bot.store.models import OutboxItem, PromptRecord, TimerRecord
from bot.store.types import UTCDateTime

OPEN = "open"
RULE = "rule"
REPORT = "report"


def _ts(nullable: bool = False, index: bool = False) -> Any:
    return Field(default=None, sa_column=Column(UTCDateTime(), nullable=nullable, index=index))


class ModerationCase(SQLModel, table=True):
    """A message in the moderators' queue, and what became of it.

    `status` is `open` until a moderator acts (`dismissed`, `reminded`, `removed`, `kicked`) or
    Porch removed the message itself (`removed`). `author` is empty when a report names a
    message Porch no longer remembers (posted before the last restart).
    """

    __tablename__ = "moderation_cases"
    __table_args__ = (
        UniqueConstraint("platform", "channel", "message_id", name="uq_moderation_case_message"),
        Index("ix_moderation_cases_community_status", "community", "status"),
    )

    id: int | None = Field(default=None, primary_key=True)
    community: str = Field(max_length=63)
    platform: str = Field(max_length=20)
    channel: str = Field(max_length=255)
    message_id: str = Field(max_length=255)
    author: str = Field(default="", max_length=255)
    source: str = Field(default=RULE, max_length=8)
    rule_id: str = Field(default="", max_length=64)
    house_rule: int | None = None
    reason: str = Field(default="", max_length=32)
    note: str = Field(default="", max_length=32)
    """Why it is in the queue rather than handled: `escalated`, `capped`, `no_permission`."""
    excerpt: str | None = Field(default=None, max_length=300)
    permalink: str = Field(default="", max_length=500)
    """A link that opens the message for moderators ("" when the platform gave none)."""
    status: str = Field(default=OPEN, max_length=12)
    reporters: int = 0
    prompt_id: str = Field(default="", max_length=255, index=True)
    created_at: datetime = _ts(index=True)
    updated_at: datetime = _ts()
    resolved_by: str = Field(default="", max_length=255)


class ModerationReport(SQLModel, table=True):
    """One member reported one case; unique, so a second 🚩 by the same member counts once."""

    __tablename__ = "moderation_reports"
    __table_args__ = (UniqueConstraint("case_id", "reporter", name="uq_moderation_report"),)

    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(index=True)
    reporter: str = Field(max_length=255)
    at: datetime = _ts()


class ModerationReminder(SQLModel, table=True):
    """A reminder a member received: escalation counts these within its window."""

    __tablename__ = "moderation_reminders"
    __table_args__ = (
        Index("ix_moderation_reminders_member", "community", "platform", "member", "at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    community: str = Field(max_length=63)
    platform: str = Field(max_length=20)
    member: str = Field(max_length=255)
    rule_id: str = Field(default="", max_length=64)
    at: datetime = _ts()


class CrisisState(SQLModel, table=True):
    """Crisis mode of one community; `generation` counts the times it was switched on."""

    __tablename__ = "moderation_crisis"

    id: int | None = Field(default=None, primary_key=True)
    community: str = Field(max_length=63, unique=True)
    on: bool = False
    generation: int = 0
    since: datetime | None = _ts(nullable=True)
    by: str = Field(default="", max_length=255)


# -- cases ------------------------------------------------------------------------------------


def open_case(
    session: Session,
    *,
    community: str,
    platform: str,
    channel: str,
    message_id: str,
    now: datetime,
    **values: Any,
) -> tuple[ModerationCase, bool]:
    """The case of this message, created if new; True when it was created now."""
    created = insert_ignore(
        session,
        ModerationCase,
        {
            "community": community,
            "platform": platform,
            "channel": channel,
            "message_id": message_id,
            "created_at": now,
            "updated_at": now,
            **values,
        },
    )
    stmt = (
        select(ModerationCase)
        .where(
            ModerationCase.platform == platform,
            ModerationCase.channel == channel,
            ModerationCase.message_id == message_id,
        )
        .with_for_update()
    )
    case = session.exec(stmt).one()
    return case, created


def case_by_prompt(session: Session, prompt_id: str) -> ModerationCase | None:
    stmt = select(ModerationCase).where(ModerationCase.prompt_id == prompt_id).with_for_update()
    return session.exec(stmt).first()


@dataclass(frozen=True, slots=True)
class DmCopy:
    """A queue item sent to one member by DM: its own prompt, and the DM's channel once it was
    delivered (None before, or where the platform names none)."""

    prompt_id: str
    member: str
    channel: str | None


def dm_copies(session: Session, *, prompt_id: str, separator: str) -> list[DmCopy]:
    """The DM copies of the queue item `prompt_id` (their prompt ids are `<prompt_id><separator>
    <member>`), in the order they were sent."""
    stmt = (
        select(PromptRecord.prompt_id, PromptRecord.member, OutboxItem.channel)
        .outerjoin(OutboxItem, col(OutboxItem.key) == col(PromptRecord.effect_key))
        .where(col(PromptRecord.prompt_id).startswith(prompt_id + separator, autoescape=True))
        .order_by(col(PromptRecord.id))
    )
    return [DmCopy(p, m, c) for p, m, c in session.exec(stmt)]


def timers_pending(session: Session, *, prefix: str) -> bool:
    """Is any timer whose key starts with `prefix` still to fire (the other rooms of a mute)?"""
    stmt = select(TimerRecord.id).where(
        col(TimerRecord.key).startswith(prefix, autoescape=True), TimerRecord.status == "pending"
    )
    return session.exec(stmt).first() is not None


def add_report(session: Session, *, case: ModerationCase, reporter: str, now: datetime) -> bool:
    """Record a report; False if this member had reported the case already."""
    assert case.id is not None
    if not insert_ignore(
        session, ModerationReport, {"case_id": case.id, "reporter": reporter, "at": now}
    ):
        return False
    count = session.exec(
        select(func.count())
        .select_from(ModerationReport)
        .where(ModerationReport.case_id == case.id)
    ).one()
    case.reporters = int(count)
    case.updated_at = now
    session.add(case)
    return True


def expire_excerpts(session: Session, *, community: str, before: datetime) -> int:
    """Forget the excerpts of cases opened before `before`; how many were forgotten."""
    result = session.execute(
        update(ModerationCase)
        .where(
            col(ModerationCase.community) == community,
            col(ModerationCase.created_at) < before,
            col(ModerationCase.excerpt).is_not(None),
        )
        .values(excerpt=None)
    )
    return int(getattr(result, "rowcount", 0) or 0)


# -- reminders --------------------------------------------------------------------------------


def add_reminder(
    session: Session, *, community: str, platform: str, member: str, rule_id: str, now: datetime
) -> None:
    session.add(
        ModerationReminder(
            community=community, platform=platform, member=member, rule_id=rule_id, at=now
        )
    )


def reminders_since(
    session: Session, *, community: str, platform: str, member: str, since: datetime
) -> int:
    stmt = (
        select(func.count())
        .select_from(ModerationReminder)
        .where(
            ModerationReminder.community == community,
            ModerationReminder.platform == platform,
            ModerationReminder.member == member,
            col(ModerationReminder.at) > since,
        )
    )
    return int(session.exec(stmt).one())


# -- crisis -----------------------------------------------------------------------------------


def crisis_state(session: Session, community: str) -> CrisisState | None:
    return session.exec(select(CrisisState).where(CrisisState.community == community)).first()


def switch_crisis(
    session: Session, *, community: str, on: bool, by: str, now: datetime
) -> CrisisState | None:
    """Switch crisis mode; None when it already was in that state (nothing to do)."""
    insert_ignore(session, CrisisState, {"community": community, "on": False, "generation": 0})
    stmt = select(CrisisState).where(CrisisState.community == community).with_for_update()
    state = session.exec(stmt).one()
    if state.on == on:
        return None
    state.on = on
    state.by = by
    state.since = now
    if on:
        state.generation += 1
    session.add(state)
    return state
