"""Which questions come first: pure, so the board, `/ama next` and the summary agree."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

OPEN = "open"
PENDING = "pending"
ANSWERED = "answered"
SKIPPED = "skipped"
DECLINED = "declined"
WITHDRAWN = "withdrawn"
MERGED = "merged"

VOTABLE = frozenset({OPEN})
UNANSWERED = frozenset({OPEN, SKIPPED})
"""What the hosts are sent after the end: questions the audience saw but got no answer to."""


@dataclass(frozen=True)
class QuestionView:
    """What rendering needs of a question: never who asked it, only the name shown, if any."""

    number: int
    text: str
    status: str
    votes: int
    created_at: datetime
    asker_name: str | None = None
    answer: str | None = None
    merged_into: int | None = None
    merged: tuple[int, ...] = ()


def by_votes_then_age(questions: Iterable[QuestionView]) -> list[QuestionView]:
    """Most votes first; among equals the older question first (it has waited longer)."""
    return sorted(questions, key=lambda q: (-q.votes, q.created_at, q.number))


def open_ranked(questions: Iterable[QuestionView]) -> list[QuestionView]:
    return by_votes_then_age(q for q in questions if q.status == OPEN)


def answered_in_order(questions: Iterable[QuestionView]) -> list[QuestionView]:
    return sorted((q for q in questions if q.status == ANSWERED), key=lambda q: q.number)


def top(questions: Sequence[QuestionView], n: int) -> list[QuestionView]:
    """The `n` most voted questions the audience saw (open, answered or skipped)."""
    shown = (q for q in questions if q.status in (OPEN, ANSWERED, SKIPPED))
    return by_votes_then_age(shown)[:n]
