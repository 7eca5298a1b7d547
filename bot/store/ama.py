"""The tables of the AMA feature.

Anonymity is a property of the schema: a question row never names its asker. Who asked is kept
only in `ama_askers`, a separate link that the feature reads for exactly three things (edit and
withdraw by the asker, the per-member question limit, refusing a self-vote) and deletes with the
texts when the retention period ends.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from bot.store.types import UTCDateTime


def _ts(nullable: bool = False) -> Any:
    return Field(default=None, sa_column=Column(UTCDateTime(), nullable=nullable))


class AmaSession(SQLModel, table=True):
    """One AMA in one channel: scheduled, live or ended (then it is the archive).

    `live_lock` is `platform:channel` while the AMA is live and NULL otherwise; its unique
    constraint is what makes "one live AMA per channel" hold even for two replicas.
    """

    __tablename__ = "ama_sessions"

    id: int | None = Field(default=None, primary_key=True)
    community: str = Field(max_length=63, index=True)
    platform: str = Field(max_length=20)
    channel: str = Field(max_length=255)
    live_lock: str | None = Field(default=None, max_length=300, unique=True)
    topic: str = Field(max_length=300)
    hosts: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    status: str = Field(default="scheduled", max_length=12)
    moderated: bool = False
    named: bool = False
    question_limit: int = 3
    duration_s: int | None = None
    created_by: str = Field(max_length=255)
    created_at: datetime = _ts()
    starts_at: datetime = _ts()
    opened_at: datetime | None = _ts(nullable=True)
    ended_at: datetime | None = _ts(nullable=True)
    purged_at: datetime | None = _ts(nullable=True)
    questions_asked: int = 0
    """The last question number handed out (numbers are per AMA, from 1)."""
    participants: int = 0
    """Distinct askers and voters, counted when the AMA ends (the links are purged later)."""


class AmaQuestion(SQLModel, table=True):
    """A question, without its asker. `text` and `answer` are cleared after the retention period."""

    __tablename__ = "ama_questions"
    __table_args__ = (UniqueConstraint("ama_id", "number"),)

    id: int | None = Field(default=None, primary_key=True)
    ama_id: int = Field(foreign_key="ama_sessions.id", index=True)
    number: int
    text: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    asker_name: str | None = Field(default=None, max_length=255)
    """The name shown for a named question; None for an anonymous one."""
    status: str = Field(default="open", max_length=12)
    merged_into: int | None = None
    answer: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    answered_by: str | None = Field(default=None, max_length=255)
    created_at: datetime = _ts()
    answered_at: datetime | None = _ts(nullable=True)
    votes: int = 0
    """The final count, written when the AMA ends (live counts come from `ama_votes`)."""


class AmaAsker(SQLModel, table=True):
    """The private link from a question to the member who asked it. Never shown to anybody."""

    __tablename__ = "ama_askers"

    id: int | None = Field(default=None, primary_key=True)
    question_id: int = Field(foreign_key="ama_questions.id", unique=True)
    ama_id: int = Field(foreign_key="ama_sessions.id", index=True)
    member: str = Field(max_length=255)


class AmaVote(SQLModel, table=True):
    """One member's vote on one question; the unique pair makes racing votes count once."""

    __tablename__ = "ama_votes"
    __table_args__ = (UniqueConstraint("question_id", "member"),)

    id: int | None = Field(default=None, primary_key=True)
    question_id: int = Field(foreign_key="ama_questions.id", index=True)
    member: str = Field(max_length=255)
    at: datetime = _ts()


class AmaDraft(SQLModel, table=True):
    """A question asked by DM while the member has several live AMAs: kept until they pick one."""

    __tablename__ = "ama_drafts"

    id: int | None = Field(default=None, primary_key=True)
    platform: str = Field(max_length=20)
    member: str = Field(max_length=255)
    text: str = Field(sa_column=Column(Text, nullable=False))
    visibility: str = Field(default="", max_length=6)
    """`anon`, `named`, or empty for the AMA's default."""
    created_at: datetime = _ts()
