"""The tables of the foundation. Features add their own in `bot/store/` modules of their name.

One SQLModel class per table; every schema change comes with an Alembic migration (a test
compares the migrated schema with these models on SQLite and PostgreSQL).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from bot.store.types import UTCDateTime


def _ts(nullable: bool = False, index: bool = False) -> Any:
    return Field(default=None, sa_column=Column(UTCDateTime(), nullable=nullable, index=index))


class InboxItem(SQLModel, table=True):
    """Each inbound event, by its dedupe key: inserted before handling, so it is handled once."""

    __tablename__ = "inbox"

    id: int | None = Field(default=None, primary_key=True)
    dedupe_key: str = Field(max_length=255, unique=True)
    kind: str = Field(max_length=40)
    received_at: datetime = _ts()


class OutboxItem(SQLModel, table=True):
    """An effect to carry out, written in the transaction that decided it.

    `key` is the idempotency key `(feature, subject, step)`: enqueueing the same effect twice is a
    no-op. Status moves pending -> in_flight -> done, or to dead with `last_error` as the reason.
    """

    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_due", "status", "next_attempt_at"),)

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(max_length=255, unique=True)
    platform: str = Field(max_length=20)
    rate_key: str = Field(max_length=300)
    action: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    status: str = Field(default="pending", max_length=12)
    attempts: int = 0
    next_attempt_at: datetime = _ts()
    created_at: datetime = _ts()
    delivered_at: datetime | None = _ts(nullable=True)
    last_error: str = Field(default="", max_length=2000)
    maybe_sent: bool = False
    """Found in flight after a crash: the adapter must check before sending again."""
    message_id: str | None = Field(default=None, max_length=255, index=True)
    channel: str | None = Field(default=None, max_length=255)


class MemberRecord(SQLModel, table=True):
    """A member of a community on one platform. No message text, ever."""

    __tablename__ = "members"
    __table_args__ = (UniqueConstraint("platform", "user_id", "community"),)

    id: int | None = Field(default=None, primary_key=True)
    platform: str = Field(max_length=20)
    user_id: str = Field(max_length=255)
    community: str = Field(max_length=63, index=True)
    display_name: str = Field(default="", max_length=255)
    locale: str | None = Field(default=None, max_length=16)
    timezone: str | None = Field(default=None, max_length=64)
    platform_roles: str = Field(default="", max_length=100)
    """Roles the platform reports (`admin`, `manager`, `moderator`), comma-separated."""
    joined_at: datetime = _ts()
    left_at: datetime | None = _ts(nullable=True)
    first_posted_at: datetime | None = _ts(nullable=True)
    """When the member first wrote in one of the community's channels (not DMs to Porch)."""
    last_active_at: datetime | None = _ts(nullable=True)


class PromptRecord(SQLModel, table=True):
    """A question Porch asked a member and is waiting on: picks and typed answers find it here."""

    __tablename__ = "prompts"

    id: int | None = Field(default=None, primary_key=True)
    prompt_id: str = Field(max_length=255, unique=True)
    platform: str = Field(max_length=20)
    member: str = Field(max_length=255, index=True)
    community: str = Field(max_length=63)
    feature: str = Field(max_length=40)
    expects_text: bool = False
    choices: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    multiple: bool = False
    effect_key: str = Field(max_length=255, index=True)
    status: str = Field(default="open", max_length=12)
    created_at: datetime = _ts()
    answered_at: datetime | None = _ts(nullable=True)


class TimerRecord(SQLModel, table=True):
    """A durable timer (an onboarding `wait`, an AMA close): fired once, survives restarts."""

    __tablename__ = "timers"
    __table_args__ = (Index("ix_timers_due", "status", "due_at"),)

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(max_length=255, unique=True)
    feature: str = Field(max_length=40)
    community: str = Field(max_length=63)
    platform: str = Field(max_length=20)
    member: str = Field(default="", max_length=255)
    subject: str = Field(default="", max_length=255)
    payload: dict[str, str] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    due_at: datetime = _ts()
    status: str = Field(default="pending", max_length=12)
    fired_at: datetime | None = _ts(nullable=True)


class AuditEntry(SQLModel, table=True):
    """Who did what, when, under which rule: every decision a moderator may be asked about."""

    __tablename__ = "audit"

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = _ts(index=True)
    community: str = Field(max_length=63, index=True)
    actor: str = Field(max_length=255)
    action: str = Field(max_length=60)
    subject: str = Field(default="", max_length=255)
    detail: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
