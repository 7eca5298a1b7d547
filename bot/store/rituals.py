"""Ritual tables: runs (ran / skipped / missed), nudges sent, pairings made, member preferences.

An occurrence is claimed by its durable timer (`timers.key`, unique); the run row records what
became of it, keyed by the same occurrence key, so a second attempt to record it is a no-op.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from bot.store.types import UTCDateTime

RAN = "ran"
SKIPPED = "skipped"
MISSED = "missed"
FAILED = "failed"
"""The action raised (a capability the platform lacks, a bug): its effects were rolled back."""


def _ts(nullable: bool = False) -> Any:
    return Field(default=None, sa_column=Column(UTCDateTime(), nullable=nullable))


class RitualRun(SQLModel, table=True):
    """What became of one occurrence of a ritual: ran, skipped (reason), missed or failed."""

    __tablename__ = "ritual_runs"
    __table_args__ = (Index("ix_ritual_runs_ritual", "community", "ritual", "due_at"),)

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(max_length=255, unique=True)
    community: str = Field(max_length=63)
    platform: str = Field(max_length=20)
    ritual: str = Field(max_length=100)
    due_at: datetime = _ts()
    handled_at: datetime = _ts()
    status: str = Field(max_length=12)
    reason: str = Field(default="", max_length=100)
    detail: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))


class NudgeRecord(SQLModel, table=True):
    """A check-in planned for a member: the frequency cap counts these."""

    __tablename__ = "ritual_nudges"
    __table_args__ = (
        UniqueConstraint("occurrence", "member"),
        Index("ix_ritual_nudges_member", "platform", "community", "member", "sent_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    occurrence: str = Field(max_length=255)
    community: str = Field(max_length=63)
    platform: str = Field(max_length=20)
    member: str = Field(max_length=255)
    sent_at: datetime = _ts()


class PairingRecord(SQLModel, table=True):
    """Two members who met in one round of an intro pairing (a triad is three records)."""

    __tablename__ = "ritual_pairings"
    __table_args__ = (
        UniqueConstraint("occurrence", "member_a", "member_b"),
        Index("ix_ritual_pairings_ritual", "community", "platform", "ritual", "paired_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    occurrence: str = Field(max_length=255)
    community: str = Field(max_length=63)
    platform: str = Field(max_length=20)
    ritual: str = Field(max_length=100)
    member_a: str = Field(max_length=255)
    member_b: str = Field(max_length=255)
    paired_at: datetime = _ts()


class MemberPreference(SQLModel, table=True):
    """What a member chose for their attention: nudges muted, intro pairings opted in."""

    __tablename__ = "member_preferences"
    __table_args__ = (UniqueConstraint("platform", "member", "community"),)

    id: int | None = Field(default=None, primary_key=True)
    platform: str = Field(max_length=20)
    member: str = Field(max_length=255)
    community: str = Field(max_length=63)
    nudges_muted: bool = False
    pairing: bool = False
    updated_at: datetime = _ts()
