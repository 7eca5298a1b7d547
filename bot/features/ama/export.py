"""`/ama export`: the AMA as Markdown, for a wiki page or the meeting notes.

Only what the audience saw: declined, withdrawn and still-pending questions stay out, and an
anonymous question says "anonymous" and nothing else.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from bot.features.ama.anonymity import shown_asker
from bot.features.ama.board import Texts
from bot.features.ama.ranking import (
    ANSWERED,
    MERGED,
    OPEN,
    SKIPPED,
    QuestionView,
    by_votes_then_age,
)


@dataclass(frozen=True)
class ExportHeader:
    topic: str
    channel: str
    hosts: str
    opened: str
    ended: str
    participants: int


def render_export(header: ExportHeader, questions: Sequence[QuestionView], t: Texts) -> str:
    answered = [q for q in by_votes_then_age(questions) if q.status == ANSWERED]
    unanswered = [q for q in by_votes_then_age(questions) if q.status in (OPEN, SKIPPED)]
    merged = [q for q in questions if q.status == MERGED]
    lines = [
        t("ama.export_title", topic=header.topic),
        "",
        t("ama.export_channel", channel=header.channel),
        t("ama.export_hosts", hosts=header.hosts),
        t("ama.export_when", opened=header.opened, ended=header.ended),
        t(
            "ama.export_figures",
            asked=len(answered) + len(unanswered) + len(merged),
            answered=len(answered),
            participants=header.participants,
        ),
    ]
    for title, group in (("ama.export_answered", answered), ("ama.export_unanswered", unanswered)):
        if group:
            lines += ["", t(title)]
            for q in group:
                lines += _question(q, t)
    if merged:
        lines += ["", t("ama.export_merged")]
        lines += [
            t("ama.export_merged_line", number=q.number, into=q.merged_into, text=q.text)
            for q in sorted(merged, key=lambda q: q.number)
        ]
    return "\n".join(lines)


def _question(q: QuestionView, t: Texts) -> list[str]:
    asker = shown_asker(q, t("ama.anonymous"))
    lines = [
        "",
        t("ama.export_question", number=q.number, votes=q.votes, asker=asker),
        "",
        *(f"> {line}" for line in q.text.splitlines() or [""]),
    ]
    if q.answer:
        lines += ["", q.answer]
    return lines
