"""The AMA feature's tunables, and the `ama` playbook that sets them per community.

    kind: ama
    reminders: [24h, 15m]   # how long before a scheduled AMA the channel is reminded
    question_limit: 3       # questions one member may have in one AMA

Without such a playbook the defaults below apply. Kept free of `bot.playbooks` imports, so the
playbook schema can include this kind without an import cycle.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from bot.core.clock import parse_duration

BOARD_EVERY = timedelta(seconds=5)
"""The board is edited at most once per this interval: Slack allows about one edit per second
per channel and Matrix clients flicker on fast edits, so votes are coalesced per bucket."""

DEFAULT_REMINDERS = (timedelta(hours=24), timedelta(minutes=15))
DEFAULT_QUESTION_LIMIT = 3
"""Questions one member may have in one AMA (withdrawn ones do not count)."""
MAX_QUESTION_LENGTH = 1000
TOP = 3
"""How many questions the closing summary names."""
DRAFT_KEPT = timedelta(hours=1)
"""A DM question waiting for its member to pick the AMA is forgotten after this long."""
LATER_CHOICES = 10
"""Unanswered questions offered per one-click list to a host (keycaps go to ten)."""


@dataclass(frozen=True)
class AmaSettings:
    reminders: tuple[timedelta, ...] = DEFAULT_REMINDERS
    question_limit: int = DEFAULT_QUESTION_LIMIT


def _duration(text: str) -> str:
    parse_duration(text)
    return text


class AmaPlaybook(BaseModel):
    """Settings of AMA sessions for the communities that list this playbook."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    kind: Literal["ama"]
    reminders: list[
        Annotated[str, Field(pattern=r"^(\d+[smhdw])+$"), AfterValidator(_duration)]
    ] = Field(
        default_factory=lambda: ["24h", "15m"],
        max_length=5,
        description="How long before a scheduled AMA the channel is reminded (24h, 15m).",
    )
    question_limit: int = Field(
        DEFAULT_QUESTION_LIMIT,
        ge=1,
        le=50,
        description="How many questions one member may have in one AMA.",
    )

    def settings(self) -> AmaSettings:
        return AmaSettings(
            reminders=tuple(parse_duration(r) for r in self.reminders),
            question_limit=self.question_limit,
        )
