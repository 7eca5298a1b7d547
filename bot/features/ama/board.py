"""What members see: the live board, a question's post, an answer, the list, the summary.

Pure functions of the AMA's state and a `Texts` lookup (the catalogue in the member's or the
channel's locale), so every rendering is unit-tested without a database or a platform.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from bot.core.message import Choice, FormOffer, Message
from bot.features.ama.anonymity import shown_asker
from bot.features.ama.commands import ASK_FORM
from bot.features.ama.ranking import (
    PENDING,
    QuestionView,
    answered_in_order,
    open_ranked,
    top,
)

Texts = Callable[..., str]
"""`t("ama.board_title", topic=...)`: a catalogue text in the locale of whoever will read it."""

UPVOTE = "up"
BOARD_OPEN_ROWS = 15
"""Open questions listed on the board; the rest are counted (Slack caps a message's blocks)."""
EXCERPT = 140


@dataclass(frozen=True)
class BoardView:
    topic: str
    hosts: str
    live: bool
    moderated: bool
    questions: Sequence[QuestionView]


def excerpt(text: str, limit: int = EXCERPT) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1].rstrip() + "…"


def question_line(q: QuestionView, t: Texts) -> str:
    asker = shown_asker(q, t("ama.anonymous"))
    merged = t("ama.merged_note", numbers=", ".join(f"#{n}" for n in q.merged)) if q.merged else ""
    return t(
        "ama.board_line", number=q.number, votes=q.votes, text=excerpt(q.text), asker=asker
    ) + (f" {merged}" if merged else "")


def render_board(view: BoardView, t: Texts) -> Message:
    state = t("ama.board_live") if view.live else t("ama.board_ended")
    lines = [t("ama.board_title", topic=view.topic, hosts=view.hosts, state=state)]
    ranked = open_ranked(view.questions)
    if ranked or view.live:
        lines.append(t("ama.board_open" if view.live else "ama.board_unanswered"))
    if ranked:
        lines += [f"- {question_line(q, t)}" for q in ranked[:BOARD_OPEN_ROWS]]
        if len(ranked) > BOARD_OPEN_ROWS:
            lines.append(t("ama.board_more", count=len(ranked) - BOARD_OPEN_ROWS))
    elif view.live:
        lines.append(t("ama.board_none"))
    answered = answered_in_order(view.questions)
    if answered:
        lines.append(t("ama.board_answered"))
        lines += [
            "- "
            + t(
                "ama.board_answered_line",
                number=q.number,
                text=excerpt(q.text, 80),
                answer=excerpt(q.answer or "", 80),
            )
            for q in answered
        ]
    waiting = sum(1 for q in view.questions if q.status == PENDING)
    if view.moderated and waiting and view.live:
        lines.append(t("ama.board_waiting", count=waiting))
    if not view.live:
        return Message(text="\n".join(lines))
    ask = FormOffer(form=ASK_FORM.id, label=t("ama.ask_button"))
    return Message(text="\n".join(lines), context=t("ama.board_help"), form=ask)


def render_question(q: QuestionView, t: Texts, *, prompt_id: str) -> Message:
    """A question's own post: its thread takes the answer; its button (or 👍) is a vote."""
    text = t("ama.question_post", number=q.number, asker=shown_asker(q, t("ama.anonymous")))
    return Message(
        text=f"{text}\n{q.text}",
        choices=(Choice(id=UPVOTE, label=t("ama.upvote"), emoji="👍"),),
        prompt_id=prompt_id,
    )


def render_answer(number: int, host: str, answer: str, t: Texts) -> Message:
    return Message(text=t("ama.answer_post", number=number, host=host, answer=answer))


def render_list(questions: Sequence[QuestionView], t: Texts, *, with_pending: bool) -> str:
    ranked = open_ranked(questions)
    lines = [t("ama.list_title")]
    lines += [f"- {question_line(q, t)}" for q in ranked] or [t("ama.board_none")]
    pending = sorted((q for q in questions if q.status == PENDING), key=lambda q: q.number)
    if with_pending and pending:
        lines.append(t("ama.list_pending"))
        lines += [f"- {question_line(q, t)}" for q in pending]
    return "\n".join(lines)


@dataclass(frozen=True)
class Summary:
    topic: str
    asked: int
    answered: int
    participants: int
    top: Sequence[QuestionView]


def summarize(topic: str, questions: Sequence[QuestionView], participants: int, n: int) -> Summary:
    shown = [q for q in questions if q.status not in (PENDING, "declined", "withdrawn")]
    answered = sum(1 for q in shown if q.status == "answered")
    return Summary(topic, len(shown), answered, participants, top(questions, n))


def render_summary(summary: Summary, t: Texts) -> Message:
    lines = [
        t(
            "ama.summary",
            topic=summary.topic,
            asked=summary.asked,
            answered=summary.answered,
            participants=summary.participants,
        )
    ]
    if summary.top:
        lines.append(t("ama.summary_top"))
        lines += [
            t("ama.summary_line", rank=i, number=q.number, text=excerpt(q.text, 100), votes=q.votes)
            for i, q in enumerate(summary.top, start=1)
        ]
    return Message(text="\n".join(lines))
