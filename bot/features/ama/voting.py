"""Voting rules: one vote per member and question, a second vote takes it back, none for one's own.

The outcome is decided here without touching the database; the handler then inserts or deletes
the vote row, whose unique `(question, member)` constraint keeps racing votes exact.
"""

from __future__ import annotations

from enum import StrEnum

from bot.features.ama.ranking import VOTABLE


class Intent(StrEnum):
    TOGGLE = "toggle"
    """`/ama vote N` and the button: vote, or take the vote back."""
    ADD = "add"
    """A 👍 reaction: the vote exists afterwards."""
    REMOVE = "remove"
    """The 👍 reaction was taken away: the vote is gone afterwards."""


class Outcome(StrEnum):
    ADDED = "added"
    REMOVED = "removed"
    UNCHANGED = "unchanged"
    OWN_QUESTION = "own_question"
    CLOSED = "closed"


def decide_vote(*, intent: Intent, has_voted: bool, is_asker: bool, status: str) -> Outcome:
    """What a vote attempt does. A self-vote is refused whether the question is named or not;
    the handler tells only the voter, so an anonymous asker is revealed to nobody else."""
    if status not in VOTABLE:
        return Outcome.CLOSED
    wants_vote = not has_voted if intent is Intent.TOGGLE else intent is Intent.ADD
    if wants_vote and is_asker:
        return Outcome.OWN_QUESTION
    if wants_vote == has_voted:
        return Outcome.UNCHANGED
    return Outcome.ADDED if wants_vote else Outcome.REMOVED


def within_limit(asked: int, limit: int) -> bool:
    """May a member who already has `asked` questions in this AMA ask one more?"""
    return asked < limit
