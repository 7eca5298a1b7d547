"""Onboarding journeys and house-rule acceptances: tables and the queries the feature needs.

A journey is unique per (platform, member, community, playbook): a join delivered twice, two
replicas racing, or `porch onboard --existing` run twice all find the same row. `run` counts the
starts of that row (a restart on rejoin, `/porch onboard --again`), and is part of every Outbox
key the journey writes, so a new run never collides with an old one's effects.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, Index, UniqueConstraint, func
from sqlmodel import Field, Session, SQLModel, col, select

from bot.store.db import insert_ignore
from bot.store.models import MemberRecord
from bot.store.types import UTCDateTime

ACTIVE = "active"
PAUSED = "paused"
COMPLETED = "completed"
STOPPED = "stopped"
FAILED = "failed"
UNDERWAY = (ACTIVE, PAUSED)


def _ts(nullable: bool = False) -> Any:
    return Field(default=None, sa_column=Column(UTCDateTime(), nullable=nullable))


class Journey(SQLModel, table=True):
    """One member's way through one onboarding playbook in one community.

    `step` is the id of the step the journey is at ("" once it ended); `waiting` says what it
    waits for there: `answer` (the prompt `prompt_id`), `timer`, or nothing (ready to go on, as
    after a timer that fired while the member was away). `answers` holds what the member
    answered; free-text answers are dropped when the journey ends.
    """

    __tablename__ = "onboarding_journeys"
    __table_args__ = (
        UniqueConstraint("platform", "member", "community", "playbook", name="uq_journey"),
        Index("ix_onboarding_journeys_community_status", "community", "status"),
    )

    id: int | None = Field(default=None, primary_key=True)
    platform: str = Field(max_length=20)
    member: str = Field(max_length=255)
    community: str = Field(max_length=63)
    playbook: str = Field(max_length=100)
    run: int = 1
    trigger: str = Field(max_length=12)
    status: str = Field(default=ACTIVE, max_length=12)
    step: str = Field(default="", max_length=160)
    attempt: int = 0
    waiting: str = Field(default="", max_length=8)
    prompt_id: str | None = Field(default=None, max_length=255, index=True)
    answers: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    buddy: str | None = Field(default=None, max_length=255, index=True)
    buddy_at: datetime | None = _ts(nullable=True)
    started_at: datetime = _ts()
    updated_at: datetime = _ts()
    """The last time the journey moved on: stuck journeys are the ones waiting long since."""
    waiting_since: datetime | None = _ts(nullable=True)
    completed_at: datetime | None = _ts(nullable=True)
    note: str = Field(default="", max_length=300)


class RulesAcceptance(SQLModel, table=True):
    """A member accepted a version of a community's house rules, at a time."""

    __tablename__ = "onboarding_rule_acceptances"
    __table_args__ = (
        UniqueConstraint(
            "platform", "member", "community", "playbook", "version", name="uq_rules_acceptance"
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    platform: str = Field(max_length=20)
    member: str = Field(max_length=255)
    community: str = Field(max_length=63, index=True)
    playbook: str = Field(max_length=100)
    version: str = Field(max_length=60)
    accepted_at: datetime = _ts()


def find(
    session: Session, *, platform: str, member: str, community: str, playbook: str
) -> Journey | None:
    """The journey, locked for this transaction on PostgreSQL (two events never race it)."""
    stmt = (
        select(Journey)
        .where(
            Journey.platform == platform,
            Journey.member == member,
            Journey.community == community,
            Journey.playbook == playbook,
        )
        .with_for_update()
    )
    return session.exec(stmt).first()


def by_id(session: Session, journey_id: int) -> Journey | None:
    return session.exec(select(Journey).where(Journey.id == journey_id).with_for_update()).first()


def by_prompt(session: Session, prompt_id: str) -> Journey | None:
    stmt = select(Journey).where(Journey.prompt_id == prompt_id).with_for_update()
    return session.exec(stmt).first()


def of_member(session: Session, *, platform: str, member: str, community: str) -> list[Journey]:
    stmt = (
        select(Journey)
        .where(
            Journey.platform == platform,
            Journey.member == member,
            Journey.community == community,
        )
        .order_by(col(Journey.id))
        .with_for_update()
    )
    return list(session.exec(stmt))


def create(
    session: Session,
    *,
    platform: str,
    member: str,
    community: str,
    playbook: str,
    trigger: str,
    now: datetime,
) -> bool:
    """Insert a fresh journey unless one exists (any status); True if this call created it."""
    return insert_ignore(
        session,
        Journey,
        {
            "platform": platform,
            "member": member,
            "community": community,
            "playbook": playbook,
            "run": 1,
            "trigger": trigger,
            "status": ACTIVE,
            "step": "",
            "attempt": 0,
            "waiting": "",
            "answers": {},
            "started_at": now,
            "updated_at": now,
            "note": "",
        },
    )


def buddy_loads(session: Session, *, platform: str, community: str) -> dict[str, int]:
    """How many journeys in progress each buddy accompanies in a community."""
    stmt = (
        select(Journey.buddy, func.count())
        .where(
            Journey.platform == platform,
            Journey.community == community,
            col(Journey.status).in_(UNDERWAY),
            col(Journey.buddy).is_not(None),
        )
        .group_by(Journey.buddy)
    )
    return {str(buddy): int(n) for buddy, n in session.exec(stmt)}


def last_buddy(session: Session, *, platform: str, community: str) -> str | None:
    """The buddy assigned most recently in a community: round robin goes on after them."""
    stmt = (
        select(Journey.buddy)
        .where(
            Journey.platform == platform,
            Journey.community == community,
            col(Journey.buddy_at).is_not(None),
        )
        .order_by(col(Journey.buddy_at).desc(), col(Journey.id).desc())
        .limit(1)
    )
    return session.exec(stmt).first()


def record_acceptance(
    session: Session,
    *,
    platform: str,
    member: str,
    community: str,
    playbook: str,
    version: str,
    now: datetime,
) -> bool:
    return insert_ignore(
        session,
        RulesAcceptance,
        {
            "platform": platform,
            "member": member,
            "community": community,
            "playbook": playbook,
            "version": version,
            "accepted_at": now,
        },
    )


def acceptances(session: Session, *, community: str) -> list[RulesAcceptance]:
    stmt = (
        select(RulesAcceptance)
        .where(RulesAcceptance.community == community)
        .order_by(col(RulesAcceptance.accepted_at))
    )
    return list(session.exec(stmt))


def journeys(session: Session, *, community: str | None = None) -> list[Journey]:
    stmt = select(Journey).order_by(
        col(Journey.community), col(Journey.started_at), col(Journey.id)
    )
    if community is not None:
        stmt = stmt.where(Journey.community == community)
    return list(session.exec(stmt))


def names(
    session: Session, *, community: str, members: Sequence[tuple[str, str]]
) -> dict[tuple[str, str], str]:
    """Display names of (platform, member) pairs in a community, for reports."""
    wanted = {m for _, m in members}
    if not wanted:
        return {}
    stmt = select(MemberRecord).where(
        MemberRecord.community == community, col(MemberRecord.user_id).in_(wanted)
    )
    return {(r.platform, r.user_id): r.display_name or r.user_id for r in session.exec(stmt)}


def members_without_journey(
    session: Session, *, community: str, playbook: str
) -> list[MemberRecord]:
    """Members Porch knows in a community (still there) who never had a journey of `playbook`."""
    has_journey = (
        select(Journey.id)
        .where(
            Journey.platform == MemberRecord.platform,
            Journey.member == MemberRecord.user_id,
            Journey.community == MemberRecord.community,
            Journey.playbook == playbook,
        )
        .exists()
    )
    stmt = (
        select(MemberRecord)
        .where(
            MemberRecord.community == community,
            col(MemberRecord.left_at).is_(None),
            ~has_journey,
        )
        .order_by(col(MemberRecord.joined_at), col(MemberRecord.id))
    )
    return list(session.exec(stmt))
