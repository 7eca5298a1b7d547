"""Engagement tables: counts per member, community and day, and facts about messages.

Counts only, never message text. `engagement_messages` keeps the ids, author and time of channel
messages (and whether one asked something) so replies and reactions can be attributed and
unanswered questions found; it holds no words.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Column, Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from bot.store.types import UTCDateTime

COUNTERS = (
    "messages",
    "replies",
    "reactions_given",
    "reactions_received",
    "questions_asked",
    "questions_answered",
)


def _ts(nullable: bool = False) -> Any:
    return Field(default=None, sa_column=Column(UTCDateTime(), nullable=nullable))


class EngagementDay(SQLModel, table=True):
    __tablename__ = "engagement_daily"
    __table_args__ = (
        UniqueConstraint("platform", "community", "member", "day"),
        Index("ix_engagement_daily_community_day", "community", "day"),
    )

    id: int | None = Field(default=None, primary_key=True)
    platform: str = Field(max_length=20)
    community: str = Field(max_length=63)
    member: str = Field(max_length=255)
    day: date
    messages: int = 0
    replies: int = 0
    reactions_given: int = 0
    reactions_received: int = 0
    questions_asked: int = 0
    questions_answered: int = 0


class MessageFact(SQLModel, table=True):
    """A channel message by id: who wrote it, when, whether it asked, when it was first answered."""

    __tablename__ = "engagement_messages"
    __table_args__ = (
        UniqueConstraint("platform", "channel", "message_id"),
        Index("ix_engagement_messages_community_posted", "community", "posted_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    platform: str = Field(max_length=20)
    community: str = Field(max_length=63)
    channel: str = Field(max_length=255)
    message_id: str = Field(max_length=255)
    author: str = Field(max_length=255)
    posted_at: datetime = _ts()
    is_question: bool = False
    first_reply_at: datetime | None = _ts(nullable=True)
    first_replier: str | None = Field(default=None, max_length=255)
