"""Anonymity decisions: whether a question is anonymous, and the only name a question shows.

Every member-facing rendering goes through `shown_asker`, which knows nothing but the stored
display name of a *named* question: an anonymous question carries no asker at all, so no board,
summary or export can leak one by mistake.
"""

from __future__ import annotations

from bot.features.ama.ranking import QuestionView

ANON = "anon"
NAMED = "named"


def is_anonymous(*, session_named: bool, anon: bool, named: bool) -> bool:
    """Anonymous by default; `--named` on the AMA flips the default; the asker's flag wins."""
    if anon:
        return True
    if named:
        return False
    return not session_named


def visibility_flag(*, anon: bool, named: bool) -> str:
    """The asker's explicit choice, as kept in a draft (empty: the AMA's default)."""
    return ANON if anon else NAMED if named else ""


def shown_asker(question: QuestionView, anonymous_label: str) -> str:
    return question.asker_name if question.asker_name is not None else anonymous_label
